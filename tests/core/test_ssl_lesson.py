"""The lesson-sized pieces of the semi-supervised page: STAC's filter and threshold sweep, one
pseudo-box's jittering made visible, the progress line, and the live run's cheap start + twin."""
import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from torchvision.ops import nms

from core.learn.ssl import det_data
from core.learn.ssl import detect as sd
from core.learn.ssl import stac
from core.learn.ssl.jitter_view import explain_box, fig3_points, spread_rows
from core.learn.ssl.soft_teacher import jitter_boxes, localisation_variance


def _random_dets(seed=0, n=60):
    g = torch.Generator().manual_seed(seed)
    xy = torch.rand(n, 2, generator=g) * 80
    boxes = torch.cat([xy, xy + 10 + torch.rand(n, 2, generator=g) * 30], 1)
    return boxes, torch.rand(n, generator=g), torch.randint(1, 4, (n,), generator=g)


@pytest.mark.parametrize("tau", [0.3, 0.7, 0.9])
def test_stac_filter_equals_threshold_then_torchvision_nms(tau):
    boxes, scores, labels = _random_dets(1)
    got = set(stac.stac_filter(boxes, scores, labels, tau=tau, nms_iou=0.5).tolist())
    ref = set()
    for c in labels.unique():                              # threshold first, then plain nms per class
        idx = torch.where((labels == c) & (scores >= tau))[0]
        ref |= set(idx[nms(boxes[idx], scores[idx], 0.5)].tolist())
    assert got == ref and len(ref) > 0


def test_threshold_sweep_hand_case():
    gts = [{"boxes": torch.tensor([[0.0, 0.0, 10.0, 10.0], [20.0, 20.0, 40.0, 40.0]]), "labels": torch.tensor([1, 2])}]
    dets = [{"boxes": torch.tensor([[0.0, 0.0, 10.0, 10.0], [20.0, 20.0, 40.0, 40.0], [60.0, 60.0, 70.0, 70.0]]),
             "labels": torch.tensor([1, 2, 2]), "scores": torch.tensor([0.95, 0.6, 0.4])}]
    rows = stac.threshold_sweep(dets, gts, [0.3, 0.5, 0.9, 0.99])
    assert rows[0] == (0.3, pytest.approx(2 / 3), 1.0, 3)
    assert rows[1] == (0.5, 1.0, 1.0, 2)
    assert rows[2] == (0.9, 1.0, 0.5, 1)
    assert rows[3][3] == 0 and math.isnan(rows[3][1]) and rows[3][2] == 0.0


@pytest.fixture(scope="module")
def burn_in():
    from core.learn.ssl.burn_in import load_burn_in

    model, why = load_burn_in(0.10)
    assert model is not None, why  # the burn-in checkpoint is committed in assets/ssl/
    return model


def test_explain_box_with_identity_regressor_shows_the_jitters(burn_in):
    """Zero deltas: the teacher 'refines' every jittered copy to itself, so the refined boxes are the
    jitters (clipped to the image) and the spread is theirs: an independent check of the whole view."""
    import copy

    model = copy.deepcopy(burn_in)
    with torch.no_grad():
        model.roi_heads.box_predictor.bbox_pred.weight.zero_()
        model.roi_heads.box_predictor.bbox_pred.bias.zero_()
    _, unl, _ = det_data.load_shapes(seed=0, labeled_fraction=0.10, n_train=12, n_test=1)
    view = next(v for i in range(len(unl.images))
                if (v := explain_box(model, unl.images[i], unl.targets[i], 0, times=8, scale=0.06, seed=3)) is not None)
    jit = jitter_boxes(torch.tensor(view.box)[None], 8, 0.06, torch.Generator().manual_seed(3))  # [8, 1, 4]
    np.testing.assert_allclose(view.jittered, jit[:, 0].numpy(), atol=1e-5)
    np.testing.assert_allclose(view.refined, jit[:, 0].clamp(0, 128).numpy(), atol=1e-3)
    np.testing.assert_allclose(view.spread, np.std(view.refined, axis=0, ddof=1), rtol=1e-4)
    for norm in ("paper", "code"):
        assert view.variance[norm] == pytest.approx(float(localisation_variance(jit.clamp(0, 128), norm)[0]), rel=1e-4)
    rows = spread_rows(view)
    half = 0.5 * (view.width + view.height)
    assert np.mean([r["paper: / 0.5(h+w)"] for r in rows]) == pytest.approx(view.variance["paper"], abs=1e-3)
    assert rows[0]["paper: / 0.5(h+w)"] == pytest.approx(view.spread[0] / half, abs=1e-4)
    assert 0.0 <= view.iou <= 1.0 and view.score >= 0.5


def test_fig3_points_are_variance_iou_score(burn_in):
    _, unl, _ = det_data.load_shapes(seed=0, labeled_fraction=0.10, n_train=12, n_test=1)
    pts = fig3_points(burn_in, unl.images[:6], unl.targets[:6], times=6)
    assert pts and all(v >= 0 and 0 <= iou <= 1 and s >= 0.5 for v, iou, s in pts)


def test_progress_line():
    evs = [SimpleNamespace(step=s, elapsed_s=0.5 * s) for s in range(0, 41)]
    assert sd.progress_line(evs, 200) == "step 40 / 200 · 2.00 steps/s · about 80 s left"
    assert sd.progress_line(evs[:1], 200) == "step 0 / 200"
    assert sd.progress_line([], 10) == "step 0 / 10"
    assert sd.progress_line(evs, 40).endswith("done")


@pytest.mark.slow
def test_lesson_run_starts_cheaply_and_trains_a_supervised_twin(burn_in):
    data = det_data.load_shapes(seed=0, labeled_fraction=0.10, n_train=40, n_test=4)
    cfg = sd.lesson_config(steps=2, eval_every=2, batch_labeled=2, batch_unlabeled=2, n_eval=4, n_quality=2, n_show=1)
    evs = list(sd.train(cfg, burn_in, data, seed=0))
    first, last = evs[0], evs[-1]
    assert first.step == 0 and first.student_map == first.teacher_map == first.baseline_map
    assert not first.shown and first.elapsed_s > 0                       # no heavy charts at step 0
    assert last.baseline_map is not None and last.shown and last.pr_curve
    assert cfg.baseline and cfg.variance_norm == "paper"


def test_charts_build_from_plain_data_with_legends_below():
    import numpy as np

    from core.viz import ssl as v

    sw = v.switch_marks([(0, "Soft Teacher"), (1, "Soft Teacher"), (2, "Mean Teacher (E2E)")])
    assert sw == [{"step": 2, "label": "Mean Teacher (E2E)"}]
    rows = [{"step": s, "series": n, "value": 0.1 * s} for s in range(3) for n in ("student", "supervised only")]
    spec = v.line_chart(rows, "mAP", sw, title="mAP", dashed=["supervised only"]).to_dict()
    assert spec["layer"][0]["encoding"]["color"]["legend"]["orient"] == "bottom"   # switch labels sit at the top
    pts = [(0.01, 0.8, 0.9), (0.05, 0.4, 0.7)]
    for chart in (v.variance_iou_chart(pts, 0.02), v.score_iou_chart(pts, 0.9),
                  v.threshold_chart([(0.5, 0.8, 0.6), (0.9, 0.95, 0.3)], "t", 0.9),
                  v.sweep_chart([(0.5, 0.8, 0.6, 10), (0.9, 0.95, 0.3, 4)], 0.9),
                  v.boundary_chart(np.zeros((4, 4)), 2.0, np.zeros((3, 2)), np.zeros((2, 2)), [0, 1], "b")):
        assert chart.to_dict()
    img = np.zeros((16, 16, 3), np.uint8)
    pic = v.jitter_picture(img, np.array([2.0, 2, 8, 8]), np.array([[2.0, 2, 8, 8]]), np.array([[3.0, 3, 9, 9]]),
                           np.array([[2.0, 2, 8, 8]]), scale=2)
    assert pic.shape == (32, 32, 3) and pic.any()
