"""The detector registry (issue 20, item 7): each runner declares how it loads, its default input size
and whether it needs NMS next to its predictor; every detector loads through the zoo's one loop, so a
source that fails falls back to the bundled weights and the Models page sees what is loaded."""
from __future__ import annotations

import numpy as np
import pytest

from core.vision import detect
from core.vision.pretrained import detr, torchvision_models, yolox
from core.vision.shapes.models.registry import get_family
from core.vision.types import KIND_OF_TASK, Detections, Runner
from core.zoo import get_card, sources
from core.zoo.cards_vision import CARDS, kind_of
from core.zoo.load import loaded


def test_every_card_names_a_registered_runner_with_its_declared_facts():
    assert set(detect.RUNNERS) == {"yolox", "torchvision", "detr"}
    assert all(isinstance(r, Runner) for r in detect.RUNNERS.values())
    for card in CARDS:
        runner = detect.RUNNERS[card.extra["runner"]]
        size = detect.default_input_size(card.name)
        if runner is yolox.RUNNER:
            assert size == card.extra["input_size"] in (416, 640)
        elif runner is detr.RUNNER:
            assert size == 512 and not runner.uses_nms  # set prediction
        else:
            assert size == torchvision_models.SPECS[card.name].input_size and runner.uses_nms


def test_the_task_vocabulary_lives_with_the_types_and_every_stand_in_agrees_with_its_cards():
    assert set(KIND_OF_TASK.values()) == {"detect", "instance", "segment"}
    for card in CARDS:
        family = get_family(card.extra["shapes"])
        assert family.task == kind_of(card.name) == KIND_OF_TASK[card.task], card.name
        assert family.uses_nms == (card.extra["shapes"] != "detr")


def _pretend_bundled_is_there(monkeypatch):
    real = sources.is_local
    monkeypatch.setattr(sources, "is_local", lambda s: True if s.hub in ("assets", "onnx") else real(s))


class _FakeShapes:
    class_names = ["circle", "square"]
    image_size = 128
    uses_nms = False

    def predict(self, rgb):
        return Detections.empty(self.class_names)


def test_a_pretrained_source_that_fails_to_load_falls_back_to_the_bundled_stand_in(monkeypatch):
    """YOLOX 'cached' but unreadable: the zoo's loop tries the bundled ShapesWorld YOLO next, says why,
    and records it as loaded (the Models page's column)."""
    from core.vision.shapes import weights

    _pretend_bundled_is_there(monkeypatch)
    monkeypatch.setattr(sources, "local_path", lambda s: None if s.hub == "onnx" else sources.REPO_ROOT / s.ref)

    def broken(card, source, where, extra, input_size):
        raise OSError("truncated onnx file")

    monkeypatch.setitem(detect.RUNNERS, "yolox", Runner("yolox", broken, yolox.RUNNER.input_size, True))
    monkeypatch.setattr(weights, "load_shapes_model", lambda family: _FakeShapes())
    model = detect.load_model("yolox-tiny", "offline")
    assert model.fallback and model.resolution.source.kind == "bundled"
    assert "truncated onnx file" in model.resolution.reason and "pretrained" in model.resolution.reason
    assert model.input_size == 128 and not model.uses_nms  # the stand-in's own facts
    assert loaded()["yolox-tiny"].source.kind == "bundled"


def test_when_every_source_fails_the_message_says_why_and_names_the_fallback(monkeypatch):
    from core.vision.shapes import weights

    _pretend_bundled_is_there(monkeypatch)

    def broken(family):
        raise FileNotFoundError(f"shapes_{family}.safetensors")

    monkeypatch.setattr(weights, "load_shapes_model", broken)
    with pytest.raises(detect.ModelUnavailable, match="ShapesWorld `ssd`"):
        detect.load_model("ssd300-vgg16", "offline")


def test_the_bundled_runner_predicts_with_the_family_facts(monkeypatch):
    _pretend_bundled_is_there(monkeypatch)
    model = detect.load_model("detr-resnet-50", "offline")  # not cached here: the bundled ShapesWorld DETR
    if not model.fallback:
        pytest.skip("the real DETR checkpoint is cached on this machine")
    assert model.input_size == 128 and not model.uses_nms and model.kind == "detect"
    dets = detect.run_model("detr-resnet-50", np.zeros((64, 80, 3), np.uint8), model=model)
    assert isinstance(dets, Detections) and dets.meta["source"] == "bundled"
    assert get_card("detr-resnet-50").extra["runner"] == "detr"
