"""Every bad image of issue 17 through the shared uploader (ui.image_input) in AppTest: the right
picture or a clear message naming the file, never an exception, and the page stays usable (the next
good upload works). A few of them also through the Detection page itself."""
import io

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from core.catalog import ROOT
from tests.core.test_reliability_images import bad_images


def _uploader_app():
    import streamlit as st

    from app_pages.parts import ui

    st.title("upload")
    label, raw, rgb = ui.image_input("t")
    if rgb is not None:
        st.image(rgb)
        st.caption(f"shape {list(rgb.shape)}")


def _good_png() -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.full((20, 30, 3), 90, np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


def _upload(at, name, data, key="t_upload"):
    at.file_uploader(key=key).set_value((name, data, "application/octet-stream")).run()


def test_every_bad_image_through_the_uploader():
    at = AppTest.from_function(_uploader_app, default_timeout=60).run()
    at.radio(key="t_mode").set_value("Upload").run()
    for name, data, expect in bad_images():
        _upload(at, name, data)
        assert not at.exception, (name, at.exception)
        warnings = " ".join(w.value for w in at.warning).replace("\\", "")
        if expect == "ok":
            assert len(at.get("imgs")) == 1 or any("shape" in c.value for c in at.caption), name
            assert not warnings, (name, warnings)
        else:
            assert name.split(".")[0] in warnings and (expect in warnings or "MB" in warnings), (name, warnings)
            assert not any("shape" in c.value for c in at.caption), name
        _upload(at, "good.png", _good_png())  # still usable
        assert any("shape [20, 30, 3]" in c.value for c in at.caption), name
    notices = []
    _upload(at, "animated.gif", dict((n, d) for n, d, _ in bad_images())["animated.gif"])
    notices = " ".join(i.value for i in at.info)
    assert "only the first" in notices


@pytest.mark.slow
def test_detection_page_survives_hostile_uploads():
    at = AppTest.from_file(str(ROOT / "app_pages" / "detection" / "page.py"), default_timeout=240).run()
    at.radio(key="det_mode").set_value("Upload").run()
    files = dict((n, d) for n, d, _ in bad_images())
    for name in ["photo.jfif", "bomb_header.png", "strip.png", "one_pixel.png", "drawing.png", "photo.exe"]:
        _upload(at, name, files[name], key="det_upload")
        assert not at.exception, (name, at.exception)
        assert at.title, name
    _upload(at, "photo.jfif", files["photo.jfif"], key="det_upload")
    assert len(at.get("imgs")) >= 1 or len(at.get("image")) >= 1
