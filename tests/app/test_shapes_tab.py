"""The ShapesWorld browser tab: renders, redraws with changed settings, the download is a real COCO zip."""
import io
import json
import zipfile

from streamlit.testing.v1 import AppTest


def _app():
    from app_pages.semi_supervised import shapes as shapes_tab
    shapes_tab.render()


def _run(at):
    at.run(timeout=180)
    assert not at.exception, at.exception
    return at


def test_tab_renders_and_reacts():
    at = _run(AppTest.from_function(_app, default_timeout=180))
    assert at.subheader[0].value == "ShapesWorld"
    assert len(at.get("image")) == 8
    df = at.dataframe[0].value
    assert int(df["instances"].sum()) > 0
    at.slider(key="shapes_n").set_value(3)
    at.radio(key="shapes_view").set_value("semantic map")
    at.toggle(key="shapes_easy").set_value(True)
    at.radio(key="shapes_aug").set_value("strong")
    _run(at)
    assert not at.warning and len(at.get("image")) == 3


def test_download_is_a_coco_zip():
    from core.vision.shapes.evaluate import coco_zip
    from core.vision.shapes.generator import generate
    samples = generate(3, seed=1)
    z = zipfile.ZipFile(io.BytesIO(coco_zip(samples, {"seed": 1})))
    names = set(z.namelist())
    assert {"annotations.json", "images/00000.png", "semantic/00002.png"} <= names
    data = json.loads(z.read("annotations.json"))
    assert len(data["images"]) == 3 and len(data["categories"]) == 5
    assert len(data["annotations"]) == sum(len(s.labels) for s in samples)
    from pycocotools import mask as mask_utils
    a = data["annotations"][0]
    m = mask_utils.decode({"size": a["segmentation"]["size"], "counts": a["segmentation"]["counts"].encode()})
    assert (m.astype(bool) == samples[0].masks[0]).all()
