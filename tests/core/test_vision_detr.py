"""DETR: our post-processing equals transformers' DetrImageProcessor, on a tiny random DETR with a
timm ResNet-18 backbone (random, nothing downloaded)."""
import numpy as np
import pytest
import torch
from pycocotools.coco import COCO
from transformers import DetrImageProcessor

from core.vision.coco import coco_dataset, coco_results
from core.vision.types import Detections
from core.vision.pretrained.detr import boxes_to_pixels, class_names_of, postprocess, tiny_random_detr
from core.viz.overlay import draw_detections

H, W = 60, 80


@pytest.fixture(scope="module")
def detr():
    return tiny_random_detr(num_labels=5, num_queries=10, seed=0)


@pytest.fixture(scope="module")
def rgb():
    return np.random.default_rng(1).integers(0, 256, (H, W, 3), dtype=np.uint8)


def test_postprocess_equals_transformers(detr, rgb):
    out = detr.forward(detr.preprocess(rgb))
    ref = DetrImageProcessor().post_process_object_detection(out, threshold=0.0, target_sizes=[(H, W)])[0]
    boxes, scores, labels = postprocess(out.logits[0], out.pred_boxes[0], H, W)
    np.testing.assert_allclose(boxes, ref["boxes"].numpy(), rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(scores, ref["scores"].numpy(), rtol=1e-5)
    np.testing.assert_array_equal(labels, ref["labels"].numpy())


def test_boxes_to_pixels_known_box():
    b = boxes_to_pixels(torch.tensor([[0.5, 0.5, 0.5, 0.2]]), height=100, width=200)
    np.testing.assert_allclose(b.numpy(), [[50.0, 40.0, 150.0, 60.0]], atol=1e-4)


def test_class_names_fill_coco_gaps():
    class C:
        id2label = {"0": "N/A", "1": "person", "3": "car"}
        num_labels = 4
    assert class_names_of(C) == ["N/A", "person", "N/A", "car"]


def test_predict_types_overlay_and_coco(detr, rgb):
    dets = detr.predict(rgb)
    assert isinstance(dets, Detections) and dets.meta["nms"] is False
    n = len(dets)
    assert n == 10  # score floor 0 in the tiny config: one detection per query
    assert dets.boxes.shape == (n, 4) and dets.scores.dtype == np.float32 and dets.labels.max() < 5
    assert np.all(dets.scores[:-1] >= dets.scores[1:])
    img = draw_detections(rgb, dets.filter(0.0))
    assert img.shape == (H, W, 3) and img.dtype == np.uint8
    gt = COCO()
    gt.dataset = coco_dataset(dets, W, H)
    gt.createIndex()
    res = gt.loadRes(coco_results(dets))
    assert len(res.getAnnIds()) == n
    assert {c["name"] for c in gt.loadCats(gt.getCatIds())} <= set(dets.class_names)
