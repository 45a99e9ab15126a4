"""The detector-internals algorithms against their references: torchvision.ops and torchvision's own
generators and matchers, scipy's linear_sum_assignment, autograd for receptive fields."""
import numpy as np
import pytest
import torch
from scipy.optimize import linear_sum_assignment
import torch.nn.functional as F
from torchvision import ops
from torchvision.models.detection._utils import Matcher, SSDMatcher
from torchvision.models.detection.anchor_utils import AnchorGenerator, DefaultBoxGenerator
from torchvision.models.detection.image_list import ImageList

from core.vision.boxes import batched_nms
from core.vision.internals.anchors import anchor_grid, assign_anchors, default_boxes, match_default_boxes
from core.vision.internals.atrous import measured_receptive_field, receptive_field, spp, taps
from core.vision.internals.hungarian import hungarian
from core.vision.matcher import match, matching_cost
from core.vision.internals.roi import roi_align, roi_pool

BOXES = ([2.0, 3.0, 30.5, 25.0], [0.0, 0.0, 80.0, 64.0], [10.2, 11.7, 13.1, 40.0], [-5.0, -3.0, 8.5, 9.5],
         [4.5, 2.5, 6.5, 7.5])


@pytest.mark.parametrize("S,scale", [(2, 1.0), (7, 0.5), (3, 0.25), (4, 1.0)])
def test_roi_pool_and_align_equal_torchvision(S, scale):
    feat = torch.randn(3, 16, 20, generator=torch.Generator().manual_seed(0))
    for box in BOXES:
        pooled, bins = roi_pool(feat, torch.tensor(box), S, scale)
        torch.testing.assert_close(pooled, ops.roi_pool(feat[None], [torch.tensor([box])], S, scale)[0])
        assert bins.shape == (S * S, 4)
        aligned, _ = roi_align(feat, torch.tensor(box), S, spatial_scale=scale, sampling_ratio=2)
        ref = ops.roi_align(feat[None], [torch.tensor([box])], S, spatial_scale=scale, sampling_ratio=2, aligned=True)[0]
        torch.testing.assert_close(aligned, ref, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("image,feature,sizes,ratios", [
    ((128, 128), (32, 32), (16, 24, 32, 48), (0.75, 1.0, 1.33)),  # the ShapesWorld Faster R-CNN
    ((480, 640), (15, 20), (32, 64, 128), (0.5, 1.0, 2.0)),
])
def test_anchor_grid_equals_torchvision_anchor_generator(image, feature, sizes, ratios):
    ref = AnchorGenerator(sizes=(sizes,), aspect_ratios=(ratios,))(
        ImageList(torch.zeros(1, 3, *image), [image]), [torch.zeros(1, 8, *feature)])[0]
    torch.testing.assert_close(anchor_grid(image, feature, sizes, ratios), ref)


@pytest.mark.parametrize("image,maps,ratios,scales,steps", [
    ((128, 128), [(16, 16), (8, 8), (4, 4)], [[2], [2], [2]], [0.12, 0.2, 0.32, 0.45], [8, 16, 32]),  # ShapesWorld SSD
    ((300, 300), [(19, 19), (10, 10), (5, 5), (3, 3)], [[2], [2, 3], [2, 3], [2]], None, None),
])
def test_default_boxes_equal_torchvision_default_box_generator(image, maps, ratios, scales, steps):
    gen = DefaultBoxGenerator(ratios, scales=scales, steps=steps)
    ref = gen(ImageList(torch.zeros(1, 3, *image), [image]), [torch.zeros(1, 8, *m) for m in maps])[0]
    ours, level = default_boxes(maps, image, ratios, scales, steps)
    torch.testing.assert_close(ours, ref)
    assert level.tolist() == sorted(level.tolist()) and level.max() == len(maps) - 1


def test_anchor_and_default_box_matching_equal_torchvision_matchers():
    gt = torch.tensor([[10.0, 10, 50, 60], [60, 20, 100, 90], [5, 80, 30, 120], [70, 70, 76, 78]])
    anchors = anchor_grid((128, 128), (32, 32), (16, 24, 32, 48), (0.75, 1.0, 1.33))
    m = Matcher(0.7, 0.3, allow_low_quality_matches=True)(ops.box_iou(gt, anchors))
    labels, matched, _ = assign_anchors(anchors, gt)
    assert torch.equal(labels, torch.where(m >= 0, 1, torch.where(m == -1, 0, -1)))  # -2 between thresholds: ignored
    assert torch.equal(matched, torch.where(m >= 0, m, -1))
    assert set(labels.tolist()) == {-1, 0, 1}
    boxes, _ = default_boxes([(16, 16), (8, 8), (4, 4)], (128, 128), [[2], [2], [2]], [0.12, 0.2, 0.32, 0.45], [8, 16, 32])
    ref = SSDMatcher(0.5)(ops.box_iou(gt, boxes))
    assert torch.equal(match_default_boxes(boxes, gt), torch.where(ref >= 0, ref, -1))
    assert set(match_default_boxes(boxes, gt).tolist()) >= {0, 1, 2, 3}  # every object has a default box
    empty = torch.zeros(0, 4)
    assert (assign_anchors(anchors, empty)[0] == 0).all() and (match_default_boxes(boxes, empty) == -1).all()


def test_batched_nms_breaks_score_ties_as_torchvision():
    rng = np.random.default_rng(0)
    for n in [2, 5, 30, 120, 400]:
        for _ in range(10):
            xy = rng.random((n, 2)) * 60
            b = np.concatenate([xy, xy + rng.random((n, 2)) * 30 + 1], 1).astype(np.float32)
            s = rng.choice([0.5, 0.7, 0.9], n).astype(np.float32)  # many exact ties
            lab = rng.integers(0, 3, n)
            ref = ops.batched_nms(torch.from_numpy(b), torch.from_numpy(s), torch.from_numpy(lab), 0.5).numpy()
            np.testing.assert_array_equal(batched_nms(b, s, lab, 0.5), ref)


@pytest.mark.parametrize("shape", [(0, 0), (0, 4), (5, 0), (1, 6), (6, 1), (3, 9), (12, 4), (8, 8)])
def test_hungarian_total_equals_scipy_on_rectangular_and_empty(shape):
    rng = np.random.default_rng(sum(shape) + 1)
    cost = rng.normal(size=shape) * 3
    rows, cols = hungarian(cost)
    r_ref, c_ref = linear_sum_assignment(cost)
    assert rows.dtype == cols.dtype == np.int64 and rows.dtype.kind == r_ref.dtype.kind == "i"
    assert cost[rows, cols].sum() == pytest.approx(cost[r_ref, c_ref].sum())
    assert len(rows) == min(shape) and np.all(np.diff(rows) > 0)
    assert cost[rows, cols].shape == cost[r_ref, c_ref].shape  # indexes like scipy's result, empty included


def test_the_one_matcher_is_detrs_and_the_page_solves_it_as_the_model_does():
    """Class, L1 and GIoU terms as DETR's matcher builds them, by hand against torchvision.ops; the page's
    written-out Hungarian solves the ShapesWorld DETR's own cost to the model's optimum."""
    from core.vision.shapes.models.detr import DETRConfig, hungarian_match

    g = torch.Generator().manual_seed(1)
    logits = torch.randn(8, 6, generator=g)
    pred = torch.rand(8, 4, generator=g) * 0.5 + torch.tensor([0.25, 0.25, 0.1, 0.1])  # cx, cy, w, h in [0, 1]
    gt = ops.box_convert(torch.tensor([[10.0, 10, 50, 60], [60, 20, 100, 90], [5, 80, 30, 120], [70, 70, 90, 100]]),
                         "xyxy", "cxcywh") / 128
    labels = torch.tensor([0, 3, 1, 3])
    cost = matching_cost(logits.softmax(-1), pred, labels, gt)
    p = logits.softmax(-1)
    for q in range(8):
        for m in range(4):
            by_hand = (-p[q, labels[m]] + 5 * (pred[q] - gt[m]).abs().sum()
                       - 2 * ops.generalized_box_iou(ops.box_convert(pred[q:q + 1], "cxcywh", "xyxy"),
                                                     ops.box_convert(gt[m:m + 1], "cxcywh", "xyxy"))[0, 0])
            assert cost.total[q, m] == pytest.approx(float(by_hand), abs=1e-5)
    rows, cols = hungarian(cost.total)
    q, t = hungarian_match(logits, pred, labels, gt, DETRConfig())
    assert cost.total[rows, cols].sum() == pytest.approx(cost.total[q, t].sum(), abs=1e-5)
    assert list(zip(*match(cost))) == list(zip(q, t))
    assert cost.total.shape == (8, 4)
    assert matching_cost(torch.zeros(0, 6), torch.zeros(0, 4), labels, gt).total.shape == (0, 4)
    assert match(matching_cost(p, pred, labels[:0], gt[:0]))[0].shape == (0,)


@pytest.mark.parametrize("rate", [1, 6, 12, 18])
def test_atrous_receptive_field_equals_closed_form(rate):
    seen = measured_receptive_field([(3, rate, 1)], size=41)
    ys, xs = np.nonzero(seen)
    assert xs.max() - xs.min() + 1 == ys.max() - ys.min() + 1 == receptive_field([(3, rate, 1)]) == 2 * rate + 1
    assert seen.sum() == 9 and np.array_equal(seen, taps(3, rate, 41))  # nine taps, rate pixels apart


def test_stacked_receptive_field_and_spp_length():
    layers = [(3, 1, 2), (3, 1, 2), (3, 2, 1), (3, 4, 1)]  # two strided convs, then two atrous ones
    ys, xs = np.nonzero(measured_receptive_field(layers))
    assert xs.max() - xs.min() + 1 == receptive_field(layers) == 55
    for h, w in [(13, 17), (40, 31), (4, 4)]:
        assert spp(torch.randn(2, 8, h, w)).shape == (2, 8 * (1 + 4 + 16))


@pytest.mark.parametrize("h, w", [(16, 16), (13, 11), (5, 7), (3, 2)])
def test_spp_grids_equal_torch_adaptive_max_pool(h, w):
    from core.vision.internals.atrous import pyramid_bins, spp_grids

    fmap = torch.randn(6, h, w, generator=torch.Generator().manual_seed(h * 100 + w))
    grids = spp_grids(fmap.numpy())
    for level, g in grids.items():
        torch.testing.assert_close(torch.from_numpy(g), F.adaptive_max_pool2d(fmap, level))
    flat = np.concatenate([grids[lv].reshape(-1) for lv in (1, 2, 4)])
    torch.testing.assert_close(spp(fmap[None])[0], torch.from_numpy(flat))  # the page's grids are spp()'s vector
    assert pyramid_bins(13, 4) == [(0, 4), (3, 7), (6, 10), (9, 13)]  # overlapping by a cell when 4 does not divide 13


def test_spp_on_the_real_deeplab_map_has_one_length_for_every_picture_size():
    from core.vision.internals.atrous import spp_grids
    from core.vision.internals.deeplab import backbone_map
    from core.vision.shapes.generator import generate
    from core.vision.shapes.weights import load_shapes_model
    from core.vision.internals.prepare import square

    model = load_shapes_model("deeplab").model
    img = generate(1, seed=5)[0].image
    got = {}
    hook = model.atrous.register_forward_hook(lambda m, a, out: got.__setitem__("map", out[0]))
    try:
        with torch.no_grad():
            model(torch.from_numpy(img).permute(2, 0, 1)[None].float() / 255)
    finally:
        hook.remove()
    fmap = backbone_map(model, img)
    torch.testing.assert_close(torch.from_numpy(fmap), got["map"])  # the map the model's own forward hands to ASPP
    assert fmap.std() > 0
    lengths = set()
    for side in (96, 128, 200):
        m = backbone_map(model, square(img, side)[0])
        assert m.shape[1] == -(-side // 8)
        lengths.add(sum(g.size for g in spp_grids(m).values()))
    assert lengths == {fmap.shape[0] * 21}
