"""The one entry point (core.vision.detect) and the vision model cards: resolution, fallback, errors."""

import numpy as np
import pytest

from core.vision import detect
from core.vision.types import Detections, Segmentation
from core.vision.samples import load_sample
from core.zoo import get_card, local_path, resolve, sources
from core.zoo.cards_vision import CARDS

SHAPES = {"yolo", "ssd", "frcnn", "maskrcnn", "detr", "deeplab"}


def test_every_vision_card_has_pretrained_then_its_shapes_fallback():
    assert {c.name for c in CARDS} == set(detect.MODEL_NAMES)
    assert detect.MODEL_NAMES[0] == "yolox-nano"  # the fast model is the default
    for card in CARDS:
        pre, fallback = card.sources
        assert pre.kind == "pretrained" and card.extra["shapes"] in SHAPES
        assert (fallback.kind, fallback.hub) == ("bundled", "assets")
        assert fallback.ref == f"assets/weights/shapes_{card.extra['shapes']}.safetensors"
    assert get_card("maskrcnn-resnet50-v2").sources[1].ref == "assets/weights/shapes_maskrcnn.safetensors"


def test_yolox_nano_card_checksum_matches_the_shared_file():
    res = resolve(get_card("yolox-nano"), "offline")
    if res.source is None or res.source.kind != "pretrained":
        pytest.skip("yolox_nano.onnx is not in KEYPOINT_ONNX_DIR")
    assert sources.sha256_of(local_path(res.source)) == res.source.sha256


def test_run_model_yolox_offline_finds_the_astronaut():
    dets = detect.run_model("yolox-nano", load_sample("astronaut"), "offline")
    assert isinstance(dets, Detections) and dets.meta["source"] == "pretrained" and dets.meta["ms"] > 0
    assert "person" in {dets.class_names[l] for l in dets.labels}
    assert np.all(dets.scores >= detect.DEFAULT_SCORE_THR)


def test_postprocess_thresholds_then_filters_classes():
    d = Detections(np.array([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]], np.float32),
                   np.array([0.9, 0.8, 0.2], np.float32), np.array([0, 0, 1]), ["a", "b"])
    assert len(detect.postprocess(d, 0.1, 0.5)) == 2  # the two overlapping "a" boxes merge
    assert len(detect.postprocess(d, 0.1, None)) == 3  # no NMS (DETR)
    assert len(detect.postprocess(d, 0.5, None)) == 2
    only_b = detect.postprocess(d, 0.1, 0.5, {"b"})
    assert [only_b.class_names[l] for l in only_b.labels] == ["b"]
    seg = Segmentation(np.zeros((2, 2), np.int64), ["bg"])
    assert detect.postprocess(seg, 0.9, 0.1) is seg


def test_bad_image_is_a_value_error():
    model = detect.load_model("yolox-nano", "offline")
    with pytest.raises(ValueError, match="RGB uint8"):
        detect.predict(model, np.zeros((10, 10), np.uint8))


def _pretend_bundled_is_there(monkeypatch):
    real = sources.is_local
    monkeypatch.setattr(sources, "is_local", lambda s: True if s.hub == "assets" else real(s))


def test_missing_weights_say_which_command_fetches_them(monkeypatch):
    monkeypatch.setattr(sources, "is_local", lambda s: False)
    with pytest.raises(detect.ModelUnavailable, match="python -m core.zoo download ssdlite320"):
        detect.load_model("ssdlite320", "offline")


def test_unreadable_bundled_weights_are_a_clear_message(monkeypatch):
    """The module always ships (issue 10 removed the "not installed yet" guard); a weights file that
    cannot be read still gives a clear message, not a traceback."""
    from core.vision.shapes import weights

    _pretend_bundled_is_there(monkeypatch)

    def broken(family):
        raise FileNotFoundError(f"assets/weights/shapes_{family}.safetensors")

    monkeypatch.setattr(weights, "load_shapes_model", broken)
    with pytest.raises(detect.ModelUnavailable, match="ShapesWorld"):
        detect.load_model("deeplabv3-mobilenet", "offline")


def test_offline_fallback_runs_the_shapes_model(monkeypatch):
    _pretend_bundled_is_there(monkeypatch)
    seen = []

    class FakeShapes:
        class_names = ["background", "circle", "square"]

        def predict(self, rgb):
            h, w = rgb.shape[:2]
            return Segmentation(np.ones((h, w), np.int64), self.class_names)

    from core.vision.shapes import weights

    monkeypatch.setattr(weights, "load_shapes_model", lambda family: seen.append(family) or FakeShapes())
    model = detect.load_model("deeplabv3-mobilenet", "offline")
    assert seen == ["deeplab"] and model.fallback and model.kind == "segment" and not model.uses_nms
    assert model.resolution.source.kind == "bundled"
    seg = detect.run_model("deeplabv3-mobilenet", np.zeros((8, 9, 3), np.uint8), model=model)
    assert seg.classes.shape == (8, 9) and seg.meta["source"] == "bundled"


def test_fit_image_caps_the_longer_side_and_keeps_small_images():
    small = np.zeros((100, 50, 3), np.uint8)
    assert detect.fit_image(small) is small
    big = np.zeros((1500, 3000, 3), np.uint8)
    assert detect.fit_image(big).shape == (512, 1024, 3)


def test_page_words_follow_what_resolves(monkeypatch):
    """The selector's labels, the Compare default and the empty-result sentence (issue 14)."""
    monkeypatch.setattr(sources, "is_local", lambda s: s.hub == "assets")  # only the bundled stand-ins here
    assert detect.model_label("detr-resnet-50", "offline") == "detr-resnet-50 (DETR, ShapesWorld stand-in)"
    first, second = detect.compare_default("offline")
    assert first == "yolox-nano" and detect.source_kind(second, "offline") == "bundled"
    monkeypatch.setattr(sources, "is_local", lambda s: s.ref == "yolox_nano.onnx" or s.ref.endswith("ssd.safetensors"))
    assert detect.model_label("yolox-nano", "offline") == "yolox-nano (YOLO, fast)"
    assert detect.compare_default("offline") == ["yolox-nano", "fasterrcnn-mobilenet-320"]  # nothing else is real
    assert detect.nothing_found(Detections.empty(["a"]), 0.3) == "No object above 0.30: lower the threshold."
    assert detect.nothing_found(Segmentation(np.zeros((4, 4), np.int64), ["background", "a"]), 0.3)


def test_semantic_vs_instance_scene_has_two_shapes_of_one_class():
    from core.vision.shapes.generator import CLASSES

    img, caption = detect.semantic_vs_instance_image(pretrained=False, seed=0)
    assert img.shape == (384, 384, 3) and "shapes of class" in caption
    assert any(c in caption for c in CLASSES)
    img, caption = detect.semantic_vs_instance_image(pretrained=True)
    assert img.shape[1] == 2 * load_sample("astronaut").shape[1] and "Two people" in caption
