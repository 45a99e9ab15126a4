"""ShapesWorld model families: their maths against references, training lowers the loss,
and every bundled weight file scores at least its recorded floor on the fixed test batch."""
import itertools
import json

import numpy as np
import pytest
import torch
from torchvision.ops import box_iou, generalized_box_iou

from core.vision.shapes.evaluate import evaluate, mean_iou
from core.vision.types import Detections
from core.vision.shapes.models.registry import FAMILIES, get_family
from core.vision.shapes.generator import ShapesConfig, generate
from core.vision.shapes.train import CHECK_N, TEST_SEED, train, weight_paths
from core.zoo.record import from_card


# ---- metrics against hand-computed cases ----


def _one_gt(box, label=0):
    s = generate(1, seed=0, cfg=ShapesConfig(min_shapes=1, max_shapes=1))[0]
    s.boxes = np.array([box], np.float32)
    s.labels = np.array([label])
    s.masks = s.masks[:1]
    return s


def _det(boxes, scores, labels):
    return Detections(np.array(boxes, np.float32), np.array(scores, np.float32), np.array(labels), ["a"] * 5)


def test_map_hand_computed():
    gt = _one_gt([10, 10, 60, 60])
    # perfect box -> AP 1 at every threshold
    assert evaluate([_det([[10, 10, 60, 60]], [0.9], [0])], [gt])["map"] == pytest.approx(1.0)
    # IoU = 0.62 passes the thresholds .50 .55 .60 only -> mAP@[.5:.95] = 3/10, mAP@.5 = 1
    x2 = 10 + 50 * 0.62  # same top-left and height, width shrunk: IoU = w / 50
    r = evaluate([_det([[10, 10, x2, 60]], [0.9], [0])], [gt])
    assert r["map50"] == pytest.approx(1.0) and r["map"] == pytest.approx(0.3)
    # a false positive ranked above the true one: precision 1/2 at recall 1 -> AP 0.5
    r = evaluate([_det([[70, 70, 90, 90], [10, 10, 60, 60]], [0.9, 0.8], [0, 0])], [gt])
    assert r["map50"] == pytest.approx(0.5)
    # right box, wrong class -> 0
    assert evaluate([_det([[10, 10, 60, 60]], [0.9], [1])], [gt])["map50"] == 0.0


def test_mean_iou_matches_sklearn():
    from sklearn.metrics import jaccard_score
    rng = np.random.default_rng(0)
    gt = [rng.integers(0, 6, (16, 16)) for _ in range(3)]
    pred = [np.where(rng.random((16, 16)) < 0.7, g, rng.integers(0, 6, (16, 16))) for g in gt]
    ours = mean_iou(pred, gt)["miou"]
    ref = jaccard_score(np.concatenate([g.ravel() for g in gt]), np.concatenate([p.ravel() for p in pred]),
                        average="macro")
    assert ours == pytest.approx(ref)


# ---- model internals against references ----


def test_yolo_targets_decode_round_trip_and_iou():
    from core.vision.shapes.models.yolov1 import YoloConfig, build_targets, cell_boxes_xyxy, decode
    from core.vision.boxes import elementwise_iou as paired_iou
    cfg = YoloConfig()
    a, b = torch.rand(50, 2) * 60, torch.rand(50, 2) * 60
    A = torch.cat([a, a + torch.rand(50, 2) * 50 + 1], 1)
    B = torch.cat([b, b + torch.rand(50, 2) * 50 + 1], 1)
    torch.testing.assert_close(paired_iou(A, B), torch.diag(box_iou(A, B)))
    # a "perfect" prediction built from the targets decodes back to the ground truth
    s = generate(1, seed=9, cfg=ShapesConfig(easy=True))[0]
    has, box, xyxy, cls = build_targets([s.boxes], [s.labels], cfg)
    pred = torch.zeros(1, cfg.S, cfg.S, cfg.B * 5 + cfg.C)
    pred[..., 0:4] = box
    pred[..., 4] = has.float()
    pred[..., cfg.B * 5:] = cls
    torch.testing.assert_close(cell_boxes_xyxy(pred, cfg)[..., 0, :][has], xyxy[has], atol=1e-3, rtol=0)
    d = decode(pred, cfg, score_thresh=0.5)[0]
    got = sorted(zip(d.labels.tolist(), np.round(d.boxes).tolist()))
    want = sorted(zip(s.labels.tolist(), s.boxes.tolist()))
    assert got == want


def test_detr_hungarian_matches_brute_force():
    from core.vision.shapes.models.detr import DETRConfig, hungarian_match
    cfg = DETRConfig()
    g = torch.Generator().manual_seed(0)
    logits, boxes = torch.randn(5, cfg.num_classes + 1, generator=g), torch.rand(5, 4, generator=g) * 0.4 + 0.1
    labels, tboxes = torch.tensor([0, 3, 3]), torch.rand(3, 4, generator=g) * 0.4 + 0.1
    q, t = hungarian_match(logits, boxes, labels, tboxes, cfg)
    to_xyxy = lambda b: torch.cat([b[:, :2] - b[:, 2:] / 2, b[:, :2] + b[:, 2:] / 2], 1)  # noqa: E731
    C = (-cfg.cost_class * logits.softmax(-1)[:, labels] + cfg.cost_bbox * torch.cdist(boxes, tboxes, p=1)
         - cfg.cost_giou * generalized_box_iou(to_xyxy(boxes), to_xyxy(tboxes)))
    best = min(sum(C[p[j], j] for j in range(3)) for p in itertools.permutations(range(5), 3))
    assert float(C[q, t].sum()) == pytest.approx(float(best), abs=1e-5)
    assert sorted(t.tolist()) == [0, 1, 2]


def test_deeplab_aspp_rates_and_shapes():
    from core.vision.shapes.models.deeplab import DeepLabConfig, DeepLabV3Plus
    m = DeepLabV3Plus(DeepLabConfig(aspp_rates=(1, 3)))
    assert [b[0].dilation for b in m.aspp.branches] == [(1, 1), (1, 1), (3, 3)]
    assert m(torch.rand(2, 3, 64, 96)).shape == (2, 7 - 1, 64, 96)


# ---- each family trains: a few steps on a fixed tiny batch lower the loss ----

STEPS = {"frcnn": 5, "maskrcnn": 5, "yolo": 6, "ssd": 6, "detr": 6, "deeplab": 6, "deeplab_v1": 6, "deeplab_v2": 6,
         "deeplab_v3": 6}


@pytest.mark.slow
@pytest.mark.parametrize("family", FAMILIES)
def test_training_lowers_the_loss(family):
    torch.manual_seed(0)
    fam = get_family(family)
    samples = generate(2, seed=5, cfg=fam.data)
    losses = [ev.loss for ev in train(fam, steps=STEPS[family], samples=samples, warmup=1)]
    assert len(losses) == STEPS[family] and all(np.isfinite(losses))
    assert losses[-1] < 0.85 * losses[0], losses


# ---- bundled weights: load (safetensors, no pickle) and reach the recorded floor ----


@pytest.mark.slow
@pytest.mark.parametrize("family", FAMILIES)
def test_bundled_weights_reach_floor(family):
    from core.vision.shapes.weights import load_shapes_model
    wpath, cpath = weight_paths(family)
    assert wpath.exists(), f"bundled weights for {family} are committed in assets/ and must be there"
    card = json.loads(cpath.read_text())
    record = from_card(card)
    assert record.steps > 0 and record.wall_time_s > 0 and record.metric == card["floor"]["metric"]
    m = load_shapes_model(family)
    samples = generate(CHECK_N, TEST_SEED, m.data_config)
    preds = [m.predict(s.image) for s in samples]
    if m.task == "segment":
        got = mean_iou([p.classes for p in preds], [s.semantic for s in samples])["miou"]
    else:
        scores = evaluate(preds, samples)
        got = scores[card["floor"]["metric"]]
        if "map" in card["floor"]:  # the strict COCO metric has its own floor
            assert scores["map"] >= card["floor"]["map"] - card["floor"]["margin_in_tests"], (scores, card["floor"])
    assert got >= card["floor"]["value"] - card["floor"]["margin_in_tests"], (got, card["floor"])
    assert got > 0.1  # a floor of 0 would make this vacuous


def test_predict_maps_boxes_back_to_any_image_size():
    from core.vision.shapes.weights import available_families, load_shapes_model
    fams = [f for f in available_families() if f != "deeplab"]
    assert fams, "the bundled ShapesWorld detectors are committed in assets/weights/"
    m = load_shapes_model(fams[0])
    s = generate(1, TEST_SEED, m.data_config)[0]
    import cv2
    big = cv2.resize(s.image, (256, 384), interpolation=cv2.INTER_NEAREST)
    small, large = m.predict(s.image), m.predict(big)
    assert len(small) > 0
    # same model input (nearest up then area down restores the image) -> boxes scale by (2, 3)
    np.testing.assert_allclose(large.boxes[:3], small.boxes[:3] * np.array([2, 3, 2, 3]), atol=1.0)
    with pytest.raises(ValueError, match="RGB"):
        m.predict(np.zeros((10, 10, 5), np.uint8))
