"""Semi-supervised classification: EMA, FixMatch's mask, ramp-up, data and the live loop."""
import copy
import math

import numpy as np
import pytest
import torch
from torch import nn

from core.learn.ssl import classify as sc
from core.learn.ssl import data as ssl_data
from core.learn.ssl.ema import ema_update, make_teacher


def test_ema_update_matches_formula_on_every_parameter():
    torch.manual_seed(0)
    student = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    teacher = make_teacher(student)
    with torch.no_grad():
        for p in teacher.parameters():
            p.add_(torch.randn_like(p))
    student.train()
    student(torch.randn(8, 3))                      # moves the BN running stats
    before = [p.clone() for p in teacher.parameters()]
    m = 0.9
    ema_update(teacher, student, m)
    for t, t0, s in zip(teacher.parameters(), before, student.parameters()):
        torch.testing.assert_close(t, m * t0 + (1 - m) * s)
        assert not t.requires_grad
    for tb, sb in zip(teacher.buffers(), student.buffers()):
        assert torch.equal(tb, sb)                  # buffers copied, not averaged
    with pytest.raises(ValueError):
        ema_update(teacher, student, 1.5)


def test_ema_momentum_one_freezes_and_zero_copies():
    s = nn.Linear(2, 2)
    t = make_teacher(s)
    with torch.no_grad():
        s.weight.add_(1.0)
    frozen = t.weight.clone()
    ema_update(t, s, 1.0)
    assert torch.equal(t.weight, frozen)
    ema_update(t, s, 0.0)
    assert torch.equal(t.weight, s.weight)


def test_fixmatch_mask_is_max_prob_at_least_tau():
    torch.manual_seed(1)
    probs = torch.randn(500, 4).softmax(1)
    probs[0] = torch.tensor([0.95, 0.05, 0.0, 0.0])   # exactly tau counts
    tau = 0.95
    got = sc.fixmatch_mask(probs, tau)
    ref = probs.numpy().max(axis=1) >= np.float32(tau)           # numpy, in the tensor's precision
    assert got.dtype == torch.bool and np.array_equal(got.numpy(), ref)
    assert bool(got[0])


def test_sigmoid_rampup_values():
    assert sc.sigmoid_rampup(0, 100) == pytest.approx(math.exp(-5))
    assert sc.sigmoid_rampup(50, 100) == pytest.approx(math.exp(-5 * 0.25))
    assert sc.sigmoid_rampup(100, 100) == 1.0 and sc.sigmoid_rampup(500, 100) == 1.0
    assert sc.sigmoid_rampup(3, 0) == 1.0


def test_data_splits_have_few_labels_per_class_and_disjoint_parts():
    d = ssl_data.digits(per_class=3, seed=2)
    assert d.n_classes == 10 and d.dim == 64
    assert torch.bincount(d.y_lab, minlength=10).tolist() == [3] * 10
    assert len(d.y_lab) + len(d.y_unl) + len(d.y_test) == 1797
    m = ssl_data.two_moons(n=300, per_class=4, n_test=100, seed=0)
    assert m.x_lab.shape == (8, 2) and torch.bincount(m.y_lab).tolist() == [4, 4]
    assert float(m.x_unl.abs().max()) < 3.0                          # standardised
    with pytest.raises(ValueError):
        ssl_data.load("cifar")
    with pytest.raises(ValueError):
        ssl_data.two_moons(per_class=0)


def test_augmentations_keep_shape_and_digits_range():
    d = ssl_data.digits(per_class=2)
    g = torch.Generator().manual_seed(0)
    cfg = sc.ClassifyConfig()
    x = d.x_unl[:16]
    w, s = sc.weak_aug(x, d, cfg, g), sc.strong_aug(x, d, cfg, g)
    assert w.shape == s.shape == x.shape
    assert float(s.min()) >= 0 and float(s.max()) <= 1
    # a weak shift moves the pixels but keeps almost all the ink (a 1-pixel border is lost)
    assert float(w.sum()) == pytest.approx(float(x.sum()), rel=0.1)


@pytest.mark.parametrize("method", sc.METHODS)
def test_loop_few_steps_finite_and_boundary_grid(method):
    d = ssl_data.two_moons(n=300, per_class=5, n_test=100)
    cfg = sc.ClassifyConfig(method=method, steps=6, eval_every=3, grid=12)
    events = list(sc.train(d, cfg, seed=0))
    assert [e.step for e in events] == [0, 3, 6]
    for e in events:
        assert e.method == method and math.isfinite(e.loss_s) and math.isfinite(e.loss_u)
        assert 0 <= e.student_acc <= 1 and 0 <= e.mask_rate <= 1
        assert e.grid_student.shape == (12, 12) and ((e.grid_student >= 0) & (e.grid_student <= 1)).all()
    if method == "supervised":
        assert all(e.loss_u == 0 for e in events)


def test_loop_leaves_given_student_untouched_only_when_copied_and_switches_method():
    d = ssl_data.two_moons(n=300, per_class=5, n_test=100)
    cfg = sc.ClassifyConfig(method="supervised", steps=8, eval_every=2)
    student = sc.make_mlp(2, 2)
    frozen = copy.deepcopy(student.state_dict())
    gen = sc.train(d, cfg, student=copy.deepcopy(student))
    methods = []
    for e in gen:
        methods.append(e.method)
        if e.step == 4:
            cfg.method = "fixmatch"                 # toggled mid-run: the same student continues
    assert methods == ["supervised"] * 3 + ["fixmatch"] * 2
    assert all(torch.equal(v, student.state_dict()[k]) for k, v in frozen.items())


@pytest.mark.slow
def test_mean_teacher_and_fixmatch_beat_supervised_on_two_moons_with_five_labels():
    """The lesson of the page: with 5 labels a moon, the unlabeled points help (teacher accuracy)."""
    d = ssl_data.two_moons(per_class=5, seed=0)
    acc = {m: list(sc.train(d, sc.ClassifyConfig(method=m, steps=600, eval_every=600), seed=0))[-1].teacher_acc
           for m in sc.METHODS}
    assert acc["mean_teacher"] > acc["supervised"] + 0.01
    assert acc["fixmatch"] > acc["supervised"] + 0.05


def test_supervised_twin_equals_a_supervised_run():
    """The baseline twin trains on the student's labeled batches with the student's start: under the
    "supervised" method the two are the same computation, so their accuracies agree at every event."""
    d = ssl_data.load("two_moons", per_class=5, seed=0)
    evs = list(sc.train(d, sc.ClassifyConfig(method="supervised", steps=40, eval_every=10, grid=8, baseline=True), seed=1))
    assert all(e.baseline_acc == pytest.approx(e.student_acc) for e in evs)
    mt = list(sc.train(d, sc.ClassifyConfig(method="fixmatch", steps=10, eval_every=10, grid=8, baseline=True), seed=1))
    assert mt[-1].baseline_acc is not None and 0 <= mt[-1].baseline_acc <= 1
