"""The app's shared page furniture: URL-bound settings, the scene controls, cached runs and the page frame.

Pages stay thin: they call these, then draw what `viz` builds. Only this package and the pages import
Streamlit; `optim`, `landscapes` and `viz` never do.
"""
