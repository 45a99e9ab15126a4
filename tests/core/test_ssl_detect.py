"""The detection loops run, give finite losses, switch method mid-run and never touch the
detector they start from."""
import math

import pytest
import torch

from core.learn.ssl import det_data, detector
from core.learn.ssl import detect as sd
from core.learn.ssl import stac


@pytest.fixture(scope="module")
def small():
    torch.manual_seed(0)
    lab, unl, test = det_data.load_shapes(seed=0, labeled_fraction=0.10, n_train=64, n_test=8)
    return detector.build_detector().eval(), (lab, unl, test)


def _frozen(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


def _same(model, frozen):
    return all(torch.equal(v, frozen[k]) for k, v in model.state_dict().items())


@pytest.mark.slow
def test_e2e_loop_switches_method_and_keeps_the_start_model(small):
    model, data = small
    frozen = _frozen(model)
    # a random detector is never confident: low thresholds so pseudo-boxes exist and every branch runs
    cfg = sd.DetectConfig(method="soft_teacher", box_jitter=True, steps=3, batch_labeled=2, batch_unlabeled=2,
                          eval_every=3, n_eval=4, n_show=2, fg_threshold=0.05, jitter_min_score=0.05,
                          reg_threshold=1.0, ema=0.9)
    seen = []
    for ev in sd.train(cfg, model, data, seed=0):
        seen.append((ev.method, ev.box_jitter))
        assert all(math.isfinite(v) for v in ev.losses.values()), ev.losses
        assert {"sup", "cls_u", "reg_u", "rpn_u", "unsup", "total"} <= set(ev.losses)
        if ev.step == 1:
            cfg.method, cfg.box_jitter = "mean_teacher", False      # the toggle, mid-run
    assert seen == [("soft_teacher", True)] * 2 + [("mean_teacher", False)] * 2
    last = ev
    assert last.student_map is not None and 0 <= last.teacher_map <= 1
    assert len(last.shown) == 2 and last.shown[0]["image"].shape == (128, 128, 3)
    assert all(len(p) == 3 for p in last.var_iou) and len(last.pr_curve) == 6
    assert _same(model, frozen)


def test_supervised_method_has_no_unlabeled_loss(small):
    model, data = small
    cfg = sd.DetectConfig(method="supervised", steps=1, batch_labeled=2, eval_every=100)
    evs = list(sd.train(cfg, model, data))
    assert set(evs[-1].losses) == {"sup", "total"} and math.isfinite(evs[-1].losses["total"])
    cfg.method = "nonsense"
    with pytest.raises(ValueError):
        list(sd.train(cfg, model, data))


@pytest.mark.slow
def test_stac_loop_pseudo_labels_then_retrains_a_copy(small):
    model, data = small
    frozen = _frozen(model)
    cfg = stac.STACConfig(tau=0.05, steps=2, batch_labeled=2, batch_unlabeled=2, pool=4, eval_every=2, n_eval=4)
    evs = list(stac.train(cfg, model, data))
    assert evs[0]["stage"] == "pseudo-label" and evs[0]["images"] == 4
    assert evs[-1]["stage"] == "done" and evs[-1]["model"] is not model
    assert all(math.isfinite(v) for e in evs for v in e["losses"].values())
    assert "student_map" in evs[-2]
    assert _same(model, frozen)


def test_pseudo_label_keeps_only_confident_boxes(small):
    model, data = small
    lab, unl, _ = data
    cfg = stac.STACConfig(tau=0.3)
    raw = detector.predict(model, unl.images[:3])
    got = stac.pseudo_label(model, unl.images[:3], cfg)
    for r, t in zip(raw, got):
        assert len(t["boxes"]) == int((r["scores"] >= 0.3).sum())  # eval output is already NMS'd


def test_frozen_batchnorm_stays_frozen_through_evaluation(small):
    import copy

    model, data = small
    m = detector.train_mode(copy.deepcopy(model), freeze_bn=True)
    bns = [x for x in m.modules() if isinstance(x, torch.nn.BatchNorm2d)]
    assert bns and m.training and not any(b.training for b in bns)
    stats = [b.running_mean.clone() for b in bns]
    m(list(data[0].images[:2]), data[0].targets[:2])          # a training forward
    detector.predict(m, data[0].images[:1])                          # eval, then back to training mode
    assert m.training and not any(b.training for b in bns)
    assert all(torch.equal(a, b.running_mean) for a, b in zip(stats, bns))


def test_box_loss_matches_torchvision_fastrcnn_loss():
    from torchvision.models.detection.roi_heads import fastrcnn_loss

    g = torch.Generator().manual_seed(0)
    R, C = 30, 6
    logits, reg = torch.randn(R, C, generator=g), torch.randn(R, C * 4, generator=g)
    labels = torch.randint(0, C, (R,), generator=g)
    targets = torch.randn(R, 4, generator=g)
    _, ref = fastrcnn_loss(logits, reg, [labels], [targets])
    torch.testing.assert_close(sd._box_loss(reg, labels, targets), ref)
    assert float(sd._box_loss(reg, torch.zeros(R, dtype=torch.int64), targets)) == 0.0


def test_bundled_burn_in_is_untouched_by_a_soft_teacher_step(small):
    from core.learn.ssl.burn_in import load_burn_in

    model, why = load_burn_in(0.10)
    assert model is not None, why  # the burn-in checkpoint is committed in assets/ssl/
    frozen = _frozen(model)
    cfg = sd.DetectConfig(steps=1, batch_labeled=2, batch_unlabeled=2, eval_every=100, n_show=0)
    evs = list(sd.train(cfg, model, small[1]))
    assert all(math.isfinite(v) for v in evs[-1].losses.values())
    assert _same(model, frozen) and not model.training
