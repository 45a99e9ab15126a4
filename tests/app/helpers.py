"""Small helpers for AppTest-based page tests."""
from streamlit.testing.v1 import AppTest

from core.catalog import ROOT


def page(path: str, timeout: float = 240) -> AppTest:
    """An AppTest for one page script, e.g. page("app_pages/attention/page.py")."""
    return AppTest.from_file(str(ROOT / path), default_timeout=timeout)


def charts(at: AppTest) -> list:
    """Every altair / vega-lite chart on the page (AppTest has no typed accessor for them)."""
    return list(at.get("vega_lite_chart"))
