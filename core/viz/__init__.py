"""Drawing helpers: image overlays (overlay.py) and chart builders. Never imports streamlit."""
