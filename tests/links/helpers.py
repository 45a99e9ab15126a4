"""Open a page the way a link does (a fresh session whose first run is on that page, with the link's
query string), read what the page drew, and read the sidebar's link to the view."""
from __future__ import annotations

import hashlib

from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from core.catalog import ROOT

PICTURES = {"vega_lite_chart", "image", "dataframe", "table", "metric", "graphviz_chart",
            "plotly_chart", "code"}  # what a student looks at (not the widgets or notices)


def open_link(page: str, params: dict | None = None, timeout: float = 300) -> AppTest:
    """A new session whose first run opens `/<page>?<params>` (AppTest identifies an st.navigation
    page by the hash of its url_path; before a first run it only knows file names)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    at.query_params.update(params or {})
    at._page_hash = calc_hash(page)
    at.run()
    at._page_hash = ""  # later runs stay on the page the last run finished on (as a browser does)
    return at


def _elements(node):
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            yield from _elements(child)
    else:
        yield node


# Charts that differ between two identical runs today (reported to their owner); left out of the fingerprint.
UNSTABLE = (b"mean activation",)  # Detector internals' DeepLab ASPP activations


def picture(at: AppTest) -> str:
    """A fingerprint of every chart, image, table and metric in the main area."""
    h = hashlib.sha256()
    n = 0
    for el in _elements(at.main):
        if getattr(el, "type", None) in PICTURES:
            if el.type == "vega_lite_chart" and any(u in el.proto.SerializeToString() for u in UNSTABLE):
                continue
            # a styled table carries a random element id: compare its values instead
            h.update(el.value.to_csv().encode() if el.type == "dataframe" else el.proto.SerializeToString())
            n += 1
    assert n, "the page drew no chart, image or table"
    return h.hexdigest()


def link(at: AppTest) -> str:
    """The sidebar's "link to this view"."""
    codes = [c.value for c in at.sidebar.code]
    assert codes, "no link to this view in the sidebar"
    return codes[-1]


def notices(at: AppTest) -> str:
    return " ".join(w.value for w in at.warning)
