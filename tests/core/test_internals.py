import numpy as np
import pytest
import torch
from scipy.optimize import linear_sum_assignment
from torchvision import ops

from core.vision.internals.anchors import anchors_at
from core.vision.internals.iou import box_iou, generalized_box_iou
from core.vision.internals.nms import nms_steps
from core.vision.internals.roi import roi_align
from core.vision.internals.hungarian import hungarian


def _boxes(n, seed, size=100.0):
    g = torch.Generator().manual_seed(seed)
    xy = torch.rand(n, 2, generator=g) * size
    wh = torch.rand(n, 2, generator=g) * size / 2 + 1
    return torch.cat([xy, xy + wh], dim=1)


def test_iou_and_giou_equal_torchvision():
    a, b = _boxes(7, 0), _boxes(5, 1)
    torch.testing.assert_close(box_iou(a, b), ops.box_iou(a, b))
    torch.testing.assert_close(generalized_box_iou(a, b), ops.generalized_box_iou(a, b))
    assert box_iou(a[:1], torch.tensor([[500.0, 500, 510, 510]])).item() == 0.0


@pytest.mark.parametrize("thr", [0.3, 0.5, 0.7])
def test_nms_equals_torchvision(thr):
    boxes = _boxes(60, 2, size=60)
    scores = torch.rand(60, generator=torch.Generator().manual_seed(3))
    keep, steps = nms_steps(boxes, scores, thr)
    torch.testing.assert_close(keep, ops.nms(boxes, scores, thr))
    touched = sorted([s.kept for s in steps] + [j for s in steps for j in s.suppressed])
    assert touched == list(range(60))  # every box is kept or suppressed exactly once


@pytest.mark.parametrize("S,r,scale", [(2, 2, 1.0), (7, 2, 0.5), (3, 1, 0.25)])
def test_roi_align_equals_torchvision(S, r, scale):
    g = torch.Generator().manual_seed(4)
    feat = torch.randn(3, 16, 20, generator=g)
    for box in ([2.0, 3.0, 30.5, 25.0], [0.0, 0.0, 80.0, 64.0], [10.2, 11.7, 13.1, 40.0]):
        ours, pts = roi_align(feat, torch.tensor(box), S, spatial_scale=scale, sampling_ratio=r)
        ref = ops.roi_align(feat[None], [torch.tensor([box])], S, spatial_scale=scale, sampling_ratio=r,
                            aligned=True)[0]
        torch.testing.assert_close(ours, ref, atol=1e-5, rtol=1e-5)
        assert pts.shape == (S * S * r * r, 2)


def test_anchors_keep_area_and_ratio():
    a = anchors_at(50, 50, sizes=[32, 64], ratios=[0.5, 1.0, 2.0])
    w, h = a[:, 2] - a[:, 0], a[:, 3] - a[:, 1]
    torch.testing.assert_close(w * h, torch.tensor([32.0**2] * 3 + [64.0**2] * 3))
    torch.testing.assert_close(h / w, torch.tensor([0.5, 1.0, 2.0] * 2))


@pytest.mark.parametrize("shape", [(1, 1), (4, 4), (3, 7), (8, 5), (20, 20)])
def test_hungarian_equals_scipy(shape):
    rng = np.random.default_rng(sum(shape))
    for _ in range(5):
        cost = rng.random(shape) * 10
        rows, cols = hungarian(cost)
        r_ref, c_ref = linear_sum_assignment(cost)
        assert cost[rows, cols].sum() == pytest.approx(cost[r_ref, c_ref].sum())
        assert len(set(rows)) == len(rows) == len(set(cols)) == min(shape)


def test_hungarian_with_ties_and_integers():
    cost = np.array([[1, 1, 1], [1, 1, 1], [0, 5, 5]])
    rows, cols = hungarian(cost)
    assert cost[rows, cols].sum() == 2
