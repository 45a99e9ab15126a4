"""Detector internals page: every tab renders on a ShapesWorld scene (bundled models, offline), the controls
change the results, the DETR matching view renders at its default 8 queries, and the NMS stepper still
teaches without the YOLOX weights."""
import json

import numpy as np

import pytest

from tests.app.helpers import charts, page

PAGE = "app_pages/detector_internals/page.py"


@pytest.fixture(scope="module")
def default_run():
    at = page(PAGE).run()
    assert not at.exception, at.exception
    return at


def test_every_tab_renders_with_real_tensors(default_run):
    at = default_run
    assert not at.warning and not at.error, [w.value for w in at.warning] + [e.value for e in at.error]
    assert [t.label for t in at.tabs][:10] == ["IoU and GIoU", "Non-maximum suppression", "R-CNN", "RoI Pool vs RoI Align",
                                              "Anchors and RPN", "SSD default boxes", "YOLO grid",
                                              "DETR and Hungarian matching", "DeepLab", "Mask R-CNN"]
    assert "int_nms_step" in [s.key for s in at.select_slider]  # several NMS steps to replay on the default image
    assert len(at.image) >= 15 and len(charts(at)) >= 15
    labels = [m.label for m in at.metric]
    assert labels[:2] == ["IoU = intersection / union", "GIoU = IoU − (hull − union) / hull"]
    assert "Objects covered (IoU ≥ 0.5 with some proposal)" in labels
    text = " ".join(c.value for c in at.caption)
    assert "slower" in text and "more than one" not in text  # the R-CNN vs Fast R-CNN timing


def test_rcnn_tab_shows_warped_crops_svm_scores_and_regression_improving_iou(default_run):
    import re

    at = default_run
    assert at.slider(key="int_rcnn_svm").value == 0.0
    text = " ".join(c.value for c in at.caption) + " " + " ".join(i.caption for im in at.image for i in im.proto.imgs)
    assert "Trained in" in text and "positives per class" in text
    n = re.search(r"(\d+) of \d+ proposals score above \+0\.0; (\d+) remain after R-CNN's per-class NMS", text)
    assert n and 0 < int(n.group(2)) < int(n.group(1))  # NMS thins the SVM's detections
    m = re.search(r"Before: \d+ proposals with IoU ≥ 0.5 .*?mean IoU ([0-9.]+)", text)
    a = re.search(r"After regression: mean IoU ([0-9.]+)", text)
    assert m and a, text[:2000]
    assert float(a.group(1)) > float(m.group(1))  # the default scene shows regression helping
    frames = [d.value for d in at.dataframe]
    svm = [f for f in frames if "proposal" in f.columns and "circle" in f.columns]
    assert svm and len(svm[0]) == 10 and svm[0].iloc[:, 1:].to_numpy().std() > 0


def test_deeplab_tab_pools_the_real_feature_map_with_spp(default_run):
    at = default_run
    ch = at.slider(key="int_spp_ch").value
    specs = [json.loads(c.proto.spec) for c in charts(at)]
    spp = [s for s in specs if "hconcat" in s and "SPP 4×4" in json.dumps(s, ensure_ascii=False)]
    assert spp and len(spp[0]["hconcat"]) == 4 and f"channel {ch}: 16×16 map" in json.dumps(spp[0], ensure_ascii=False)
    frames = [d.value for d in at.dataframe if "SPP vector" in d.value.columns]
    assert frames and list(frames[0]["feature map"]) == ["64×12×12", "64×16×16", "64×25×25"]
    assert frames[0]["SPP vector"].nunique() == 1  # one length for every picture size


def test_deeplab_tab_compares_the_four_trained_variants_on_the_picture(default_run):
    import re

    at = default_run
    caps = [i.caption for im in at.image for i in im.proto.imgs]
    panels = {v: [c for c in caps if c.startswith(f"{v} (")] for v in ("v1", "v2", "v3", "v3+")}
    assert all(len(p) == 1 for p in panels.values()), panels  # four panels, one per variant
    weights = {"v1": "shapes_deeplab_v1", "v2": "shapes_deeplab_v2", "v3": "shapes_deeplab_v3", "v3+": "shapes_deeplab."}
    for v, (cap,) in panels.items():
        assert weights[v] in cap and re.search(r"this picture: mIoU [0-9.]+, boundary F1 [0-9.]+; held-out mIoU", cap)
    frames = [d.value for d in at.dataframe if "mIoU here" in d.value.columns]
    assert frames and list(frames[0]["variant"]) == ["v1", "v2", "v3", "v3+"]
    table = frames[0]
    for col in ("mIoU here", "boundary F1 here", "held-out mIoU", "held-out boundary F1"):
        assert table[col].nunique() == 4 and table[col].between(0.1, 1.0).all(), table[col]  # four different models
    assert table["steps"].nunique() == 1 and table["command"].str.contains("--steps 680").all()  # trained alike


def test_detr_matching_renders_at_8_queries_with_every_object_in_the_legend(default_run):
    at = default_run
    assert at.slider(key="int_hm_pred").value == 8
    specs = [json.loads(c.proto.spec) for c in charts(at)]
    costs = [s for s in specs if "query" in json.dumps(s.get("encoding", s.get("layer", ""))) and "object" in json.dumps(s)]
    assert len(costs) >= 4  # class, L1, GIoU and total
    for s in costs[:4]:  # square cells sized by step: never a zero-width matrix
        assert s["width"] == s["height"] and s["width"]["step"] >= 14
    objects = at.multiselect(key="int_hm_objects").value
    legend = [s for s in specs if s.get("title", {}) and "coloured by the object" in json.dumps(s.get("title"))]
    domain = legend[0]["encoding"]["color"]["scale"]["domain"]
    assert domain[:-1] == objects and len(objects) >= 2 and domain[-1].startswith("no object")


def test_controls_change_the_results(monkeypatch):
    import app_pages.parts.canvas as canvas_part  # the sliders that stand in when the canvas cannot load

    monkeypatch.setattr(canvas_part, "_component", lambda: (None, "test: no component"))
    at = page(PAGE).run()
    assert any("Drawing is not available" in i.value for i in at.info)
    iou_before = at.metric[0].value
    at.slider(key="int_iou_dx").set_value(-60)
    at.slider(key="int_nms_iou").set_value(0.9)
    at.slider(key="int_roi_x").set_value((5.0, 6.0))  # a box too thin: a message, not a crash
    at.slider(key="int_hm_pred").set_value(0)  # no predictions: the matcher takes empty sets
    at.slider(key="int_rpn_row").set_value(3)
    at.slider(key="int_rpn_fg").set_value(0.5)
    at.run()
    assert at.metric[0].value != iou_before
    info = " ".join(i.value for i in at.info)
    assert "half a cell" in info and "No predictions" in info
    at.slider(key="int_hm_pred").set_value(3)
    at.multiselect(key="int_hm_objects").set_value([])
    at.selectbox(key="int_detr_query").set_value(1)
    at.select_slider(key="int_nms_step").set_value(1)
    at.run()
    assert any("No objects" in i.value for i in at.info)
    assert not at.exception and not at.error


@pytest.mark.slow
def test_a_photo_runs_every_tab_and_the_rpn_tab_takes_the_pretrained_faster_rcnn(tmp_path, monkeypatch):
    """A random state dict stands in for the cached checkpoint (same file name and keys; nothing downloaded)."""
    import streamlit as st
    import torch

    from core.vision.pretrained import torchvision_models as tvm
    from core.zoo import get_card, sources

    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    f = sources.torchvision_file(get_card("fasterrcnn-mobilenet-320").sources[0])
    f.parent.mkdir(parents=True)
    torch.manual_seed(0)
    torch.save(tvm.build("fasterrcnn-mobilenet-320", pretrained=False).state_dict(), f)
    st.cache_resource.clear()
    try:
        at = page(PAGE)
        at.session_state["int_picture"] = "Photo (sample or upload)"
        at.run()
        assert not at.exception and not at.error, [e.value for e in at.error]
        text = " ".join(c.value for c in at.caption)
        assert "squeezed to 128 x 128" in text
        assert "the pretrained `fasterrcnn-mobilenet-320` (FPN:" in text
    finally:
        st.cache_resource.clear()


def test_nms_without_yolox_weights_steps_through_the_shapesworld_yolo(tmp_path, monkeypatch):
    monkeypatch.setenv("KEYPOINT_ONNX_DIR", str(tmp_path))
    monkeypatch.setenv("KEYPOINT_CACHE", str(tmp_path))
    at = page(PAGE).run()
    assert not at.exception and not at.error
    text = " ".join(c.value for c in at.caption)
    assert "ShapesWorld YOLOv1" in text and "YOLOX-Nano weights are not on this machine" in " ".join(i.value for i in at.info)
    assert int(at.select_slider(key="int_nms_step").options[-1]) >= 3  # several steps to replay, with suppressions between them


def test_detr_set_loss_of_the_shown_assignment(default_run):
    """The set loss on the page equals set_loss_of_match on the same matched pairs: each metric is
    the term it names, and the total is 1·CE + 5·L1 + 2·(1 − GIoU)."""
    at = default_run
    names = ("Class CE (all queries)", "L1 (matched pairs)", "1 − GIoU (matched pairs)", "Total = 1·CE + 5·L1 + 2·(1 − GIoU)")
    m = {x.label: float(x.value) for x in at.metric if x.label in names}
    ce, l1, g = m["Class CE (all queries)"], m["L1 (matched pairs)"], m["1 − GIoU (matched pairs)"]
    assert ce > 0 and l1 >= 0 and 0 <= g <= 2
    assert m["Total = 1·CE + 5·L1 + 2·(1 − GIoU)"] == pytest.approx(ce + 5 * l1 + 2 * g, abs=3e-3)
    table = next(d.value for d in at.dataframe if "CE weight" in d.value.columns)
    assert len(table) == 8 and set(table["CE weight"]) == {0.1, 1.0}  # matched and 'no object' queries
    assert (table["target"] == "no object").sum() == 8 - len(at.multiselect(key="int_hm_objects").value)


def test_ground_truth_drawn_on_the_detection_page_labels_anchors_on_the_same_photo():
    from core.vision.draw.shared_gt import share
    from core.vision.samples import SAMPLES, load_sample

    at = page(PAGE)
    at.run()
    at.radio(key="int_picture").set_value("Photo (sample or upload)")
    at.run()
    assert any("Draw the ground truth on this photo" in c.value for c in at.caption)
    rgb = load_sample(list(SAMPLES)[0])
    h, w = rgb.shape[:2]
    at.session_state["kp_drawn_gt"] = share(rgb, np.array([[0.1 * w, 0.1 * h, 0.7 * w, 0.95 * h]]), ["person"])
    at.run()
    assert not at.exception, at.exception
    assert any("Training labels" in m.value for m in at.markdown)  # RPN anchors labelled against the drawn box
    caps = [img.caption or "" for el in at.get("image") for img in el.proto.imgs]
    assert any("default boxes match an object" in c for c in caps)  # SSD matching against the drawn box
    assert any("you drew on this photo" in c.value for c in at.caption)
