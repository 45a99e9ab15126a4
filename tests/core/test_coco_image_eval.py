"""One image's detections judged against drawn ground truth (core.vision.coco.evaluate_image): TP / FP /
duplicate / missed by hand, AP@0.5 equal to pycocotools' COCOeval on the same image."""
import numpy as np
import pytest

from core.vision.coco import coco_map, evaluate_image


def test_marks_by_hand():
    gt = np.array([[10, 10, 50, 50], [100, 100, 150, 160], [200, 10, 240, 60]])
    gl = np.array([1, 1, 2])
    det = np.array([[12, 12, 50, 52],  # TP on object 0
                    [11, 9, 49, 50],  # the same object again, lower score: duplicate
                    [300, 300, 340, 340],  # nothing there: FP
                    [200, 10, 240, 60]])  # right place, wrong class: FP (object 2 is class 2)
    ev = evaluate_image(gt, gl, det, [0.9, 0.8, 0.7, 0.6], [1, 1, 1, 3])
    assert ev.status == ["TP", "duplicate", "FP", "FP"]
    assert ev.matched.tolist() == [0, -1, -1, -1]
    assert ev.iou[0] == pytest.approx((38 * 38) / (40 * 40 + 38 * 40 - 38 * 38))
    assert ev.missed.tolist() == [1, 2]
    assert ev.precision == 0.25 and ev.recall == pytest.approx(1 / 3)


def test_edge_cases_never_raise():
    none = evaluate_image(np.zeros((0, 4)), [], np.zeros((0, 4)), [], [])
    assert none.status == [] and np.isnan(none.recall) and np.isnan(none.ap50) and none.precision == 1.0
    only_gt = evaluate_image([[0, 0, 10, 10]], [1], np.zeros((0, 4)), [], [])
    assert only_gt.recall == 0.0 and only_gt.ap50 == 0.0 and only_gt.missed.tolist() == [0]
    only_det = evaluate_image(np.zeros((0, 4)), [], [[0, 0, 10, 10]], [0.5], [1])
    assert only_det.status == ["FP"] and np.isnan(only_det.ap50)
    flat = evaluate_image([[5, 5, 5, 30]], [1], [[5, 5, 5, 30]], [0.9], [1])  # a zero-width box matches nothing
    assert flat.status == ["FP"]


def _random_image(rng, n_gt, n_det, n_cls=3):
    xy = rng.uniform(0, 200, (n_gt, 2))
    gt = np.concatenate([xy, xy + rng.uniform(10, 80, (n_gt, 2))], 1)
    gl = rng.integers(1, n_cls + 1, n_gt)
    src = rng.integers(0, max(n_gt, 1), n_det)
    jitter = rng.normal(0, 8, (n_det, 4))
    det = (gt[src] + jitter) if n_gt else rng.uniform(0, 200, (n_det, 4))
    det[:, 2:] = np.maximum(det[:, 2:], det[:, :2] + 1)
    dl = np.where(rng.random(n_det) < 0.8, gl[src] if n_gt else 1, rng.integers(1, n_cls + 1, n_det))
    return gt, gl, det, rng.random(n_det), dl


@pytest.mark.parametrize("seed", range(8))
def test_ap50_equals_pycocotools(seed):
    rng = np.random.default_rng(seed)
    gt, gl, det, sc, dl = _random_image(rng, int(rng.integers(1, 8)), int(rng.integers(1, 15)))
    ev = evaluate_image(gt, gl, det, sc, dl)
    ref = coco_map([{"boxes": det, "scores": sc, "labels": dl}], [{"boxes": gt, "labels": gl}], sizes=[(300, 300)])
    assert ev.ap50 == pytest.approx(ref["map50"], abs=1e-6)


def test_two_hundred_boxes():
    rng = np.random.default_rng(0)
    gt, gl, det, sc, dl = _random_image(rng, 50, 200)
    ev = evaluate_image(gt, gl, det, sc, dl)
    assert len(ev.status) == 200 and 0 <= ev.precision <= 1 and 0 <= ev.recall <= 1
    ref = coco_map([{"boxes": det, "scores": sc, "labels": dl}], [{"boxes": gt, "labels": gl}], sizes=[(300, 300)])
    assert ev.ap50 == pytest.approx(ref["map50"], abs=1e-6)
