"""The app's own logic, without Streamlit or plotly."""
