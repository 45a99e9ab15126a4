"""KeyPoint core: models and algorithms. Never imports streamlit."""
