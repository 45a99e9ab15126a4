"""Soft Teacher's pieces and STAC's filter, against hand computations and torchvision.ops."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torchvision.ops import nms

from core.learn.ssl import detector, views
from core.learn.ssl.soft_teacher import (box_uncertainty, jitter_boxes, localisation_variance,
                                     reliability_weights, soft_teacher_cls_loss)
from core.learn.ssl.detect import precision_recall
from core.learn.ssl.stac import stac_filter


def _candidates(seed=0, R=40, C=6):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(R, C, generator=g)
    labels = torch.randint(0, C, (R,), generator=g)
    labels[:R // 2] = 0                                            # plenty of background
    bg = torch.rand(R, generator=g)
    return logits, labels, bg


def test_reliability_weights_are_teacher_bg_scores_normalised():
    _, labels, bg = _candidates()
    w = reliability_weights(labels, bg, "paper")
    is_bg = labels == 0
    torch.testing.assert_close(w[is_bg], bg[is_bg] / bg[is_bg].sum())
    torch.testing.assert_close(w[~is_bg], torch.full(((~is_bg).sum(),), 1.0 / (~is_bg).sum()))
    assert float(w[is_bg].sum()) == pytest.approx(1.0)
    # the released code's variant: fg 1, bg r_j, all over (N_fg + sum r)
    wc = reliability_weights(labels, bg, "code")
    denom = (~is_bg).sum() + bg[is_bg].sum()
    torch.testing.assert_close(wc[is_bg], bg[is_bg] / denom)
    torch.testing.assert_close(wc[~is_bg], torch.ones((~is_bg).sum()) / denom)
    with pytest.raises(ValueError):
        reliability_weights(labels, bg, "other")


def test_soft_teacher_loss_matches_equation_3():
    logits, labels, bg = _candidates(1)
    is_bg = labels == 0
    ce = [F.cross_entropy(logits[i:i + 1], labels[i:i + 1]).item() for i in range(len(labels))]
    ce = np.asarray(ce)
    r = bg.numpy()
    fg_part = ce[~is_bg.numpy()].mean()
    bg_part = (r[is_bg.numpy()] / r[is_bg.numpy()].sum() * ce[is_bg.numpy()]).sum()
    assert float(soft_teacher_cls_loss(logits, labels, bg)) == pytest.approx(fg_part + bg_part, rel=1e-5)


def test_soft_teacher_weights_edge_cases():
    labels = torch.tensor([0, 0, 0])
    w = reliability_weights(labels, torch.tensor([0.2, 0.3, 0.5]))
    torch.testing.assert_close(w, torch.tensor([0.2, 0.3, 0.5]))        # no foreground at all
    w = reliability_weights(torch.tensor([1, 2]), torch.tensor([0.9, 0.1]))
    torch.testing.assert_close(w, torch.tensor([0.5, 0.5]))             # no background at all


def test_jitter_boxes_offsets_scale_with_box_size():
    boxes = torch.tensor([[10.0, 20.0, 30.0, 60.0], [0.0, 0.0, 0.5, 0.5]])  # second: sides clamp to 1
    j = jitter_boxes(boxes, times=10, scale=0.06, generator=torch.Generator().manual_seed(3))
    noise = torch.randn((10, 2, 4), generator=torch.Generator().manual_seed(3))
    side = torch.tensor([[20.0, 40.0, 20.0, 40.0], [1.0, 1.0, 1.0, 1.0]])
    torch.testing.assert_close(j, boxes[None] + noise * side * 0.06)


def test_localisation_variance_hand_computed_released_code_norm():
    # two refined copies of one box: x moves by 2 px, y not at all
    refined = torch.tensor([[[0.0, 0.0, 10.0, 20.0]], [[2.0, 0.0, 12.0, 20.0]]])  # [J=2, N=1, 4]
    std_x = np.std([0.0, 2.0], ddof=1)                                          # sqrt(2)
    expected = (std_x / 10 + 0 + std_x / 10 + 0) / 4                           # w = 10, h = 20
    assert float(localisation_variance(refined, "code")[0]) == pytest.approx(expected)
    # random jitters vs numpy
    r = torch.rand(10, 5, 4) * 5 + torch.tensor([10.0, 10.0, 40.0, 50.0])
    a = r.numpy()
    mean = a.mean(0)
    side = np.maximum(np.concatenate([mean[:, 2:] - mean[:, :2]] * 2, 1), 1.0)
    ref = (a.std(0, ddof=1) / side).mean(1)
    np.testing.assert_allclose(localisation_variance(r, "code").numpy(), ref, rtol=1e-5)
    assert localisation_variance(torch.zeros(10, 0, 4)).shape == (0,)


def test_localisation_variance_paper_norm_by_hand_on_several_aspect_ratios():
    """The paper's sigma: every coordinate's spread over 0.5 (h + w), averaged over the 4 coordinates."""
    # one box per aspect ratio (w x h): 10x40, 20x20, 60x15, 5x5; three refined copies each, by hand
    base = [(0.0, 0.0, 10.0, 40.0), (5.0, 5.0, 25.0, 25.0), (0.0, 10.0, 60.0, 25.0), (3.0, 3.0, 8.0, 8.0)]
    moves = [(0, 0, 0, 0), (1, -2, 3, 0.5), (-1, 2, 0, -0.5)]   # the same offsets for every box
    refined = torch.tensor([[[b[k] + m[k] for k in range(4)] for b in base] for m in moves])  # [J=3, N=4, 4]
    spread = [np.std([m[k] for m in moves], ddof=1) for k in range(4)]       # per coordinate, unbiased
    for n, b in enumerate(base):
        mean_box = [b[k] + np.mean([m[k] for m in moves]) for k in range(4)]
        w, h = mean_box[2] - mean_box[0], mean_box[3] - mean_box[1]
        paper = sum(sd / (0.5 * (h + w)) for sd in spread) / 4
        code = (spread[0] / w + spread[1] / h + spread[2] / w + spread[3] / h) / 4
        assert float(localisation_variance(refined, "paper")[n]) == pytest.approx(paper, rel=1e-5)
        assert float(localisation_variance(refined, "code")[n]) == pytest.approx(code, rel=1e-5)
        if w == h:
            assert paper == pytest.approx(code)                       # they agree on square boxes only
    assert localisation_variance(refined)[0] == localisation_variance(refined, "paper")[0]  # the default
    with pytest.raises(ValueError):
        localisation_variance(refined, "mmdet")


def test_box_uncertainty_with_identity_regressor_is_the_jitter_spread():
    """With zero box deltas the teacher 'refines' each jittered box to itself, so the variance is
    that of the jitters: an independent check of the jitter -> refine -> std path."""
    torch.manual_seed(0)
    model = detector.build_detector().eval()
    with torch.no_grad():
        model.roi_heads.box_predictor.bbox_pred.weight.zero_()
        model.roi_heads.box_predictor.bbox_pred.bias.zero_()
    img = torch.rand(1, 3, 128, 128)
    feats = model.backbone(model.transform(list(img))[0].tensors)
    boxes = [torch.tensor([[20.0, 30.0, 60.0, 70.0], [70.0, 10.0, 100.0, 50.0]])]
    labels = [torch.tensor([1, 3])]
    got = box_uncertainty(model.roi_heads, feats, boxes, labels, [(128, 128)], times=10, scale=0.06,
                          generator=torch.Generator().manual_seed(5))[0]
    jit = jitter_boxes(boxes[0], 10, 0.06, torch.Generator().manual_seed(5)).clamp(0, 128)
    torch.testing.assert_close(got, localisation_variance(jit), rtol=1e-4, atol=1e-6)
    assert float(got.max()) < 0.1                     # 6% jitter: std ~ 0.06 of a side
    # an image without pseudo-boxes next to one with boxes
    two = box_uncertainty(model.roi_heads, model.backbone(model.transform(list(img.repeat(2, 1, 1, 1)))[0].tensors),
                          [torch.zeros(0, 4), boxes[0]], [torch.zeros(0, dtype=torch.int64), labels[0]],
                          [(128, 128)] * 2, generator=torch.Generator().manual_seed(5))
    assert two[0].shape == (0,) and two[1].shape == (2,)


def test_stac_filter_is_nms_then_threshold():
    g = torch.Generator().manual_seed(0)
    xy = torch.rand(60, 2, generator=g) * 80
    boxes = torch.cat([xy, xy + 10 + torch.rand(60, 2, generator=g) * 30], 1)
    scores = torch.rand(60, generator=g)
    labels = torch.randint(1, 4, (60,), generator=g)
    got = set(stac_filter(boxes, scores, labels, tau=0.7, nms_iou=0.5).tolist())
    ref = set()
    for c in labels.unique():                          # torchvision's plain nms, class by class
        idx = torch.where(labels == c)[0]
        kept = idx[nms(boxes[idx], scores[idx], 0.5)]
        ref |= set(kept[scores[kept] >= 0.7].tolist())
    assert got == ref and len(ref) > 0
    assert all(scores[i] >= 0.7 for i in got)


def test_view_geometry_round_trip_and_warp_agree():
    g = torch.Generator().manual_seed(2)
    a = views.random_affine(4, 128, g, flip=True, scale=(0.8, 1.2), shift=0.1)
    boxes = torch.tensor([[10.0, 20.0, 40.0, 60.0], [50.0, 50.0, 90.0, 70.0]])
    for i in range(4):
        back = views.map_boxes(views.map_boxes(boxes, a[i]), views.invert_affine(a)[i])
        torch.testing.assert_close(back, boxes, atol=1e-4, rtol=0)
    img = torch.zeros(4, 3, 128, 128)
    img[:, :, 20:60, 10:40] = 1.0
    w = views.warp(img, a)
    for i in range(4):
        ys, xs = torch.nonzero(w[i, 0] > 0.5, as_tuple=True)
        seen = torch.tensor([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]).float()
        want = views.map_boxes(boxes[:1], a[i])[0].clamp(0, 128)
        assert (seen - want).abs().max() <= 1.0


def test_precision_recall_hand_case():
    gt = [{"boxes": torch.tensor([[0.0, 0.0, 10.0, 10.0], [20.0, 20.0, 40.0, 40.0]]), "labels": torch.tensor([1, 2])}]
    dets = [{"boxes": torch.tensor([[0.0, 0.0, 10.0, 10.0], [20.0, 20.0, 40.0, 40.0], [60.0, 60.0, 70.0, 70.0]]),
             "labels": torch.tensor([1, 1, 2]), "scores": torch.tensor([0.95, 0.92, 0.5])}]
    p, r = precision_recall(dets, gt, 0.9)            # second box has the wrong class
    assert (p, r) == (0.5, 0.5)
    p, r = precision_recall(dets, gt, 0.3)
    assert p == pytest.approx(1 / 3) and r == 0.5
