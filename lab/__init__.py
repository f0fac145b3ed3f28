"""The app's own logic, without Streamlit or plotly: what a run is (`scene`), how a race is tuned and ranked
(`race`), the map of settings' grids and basins (`sweeps`) and its stability theory (`stability`), and the
lessons with their measurements (`lessons`). `ui/` turns these into widgets and cached calls.
"""
