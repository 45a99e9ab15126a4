"""What the semi-supervised page draws (issue 24): FixMatch's weak and strong views of one digit with the
pseudo-label that crossed tau, and Soft Teacher's background weights r_j on one image."""
import numpy as np
import pytest
import torch
from torchvision.ops import roi_align

from core.learn.ssl import classify as sc
from core.learn.ssl import data as ssl_data
from core.learn.ssl import det_data
from core.learn.ssl import detect as sd
from core.learn.ssl.bg_weights import background_weights
from core.viz.ssl import background_weight_picture, view_caption, view_pair_picture


def test_fixmatch_views_are_two_augmentations_of_one_digit_and_the_label_crossed_tau():
    d = ssl_data.load("digits", per_class=5, seed=0)
    cfg = sc.ClassifyConfig(method="fixmatch", steps=60, eval_every=60, hidden=128, tau=0.6)
    last = list(sc.train(d, cfg, seed=0))[-1]
    assert 1 <= len(last.views) <= 6
    x = d.x_unl[:64].view(-1, 8, 8).numpy()
    for v in last.views:
        assert v["weak"].shape == v["strong"].shape == (8, 8)
        assert not np.allclose(v["weak"], v["strong"])                # two different views ...
        # ... of one sample: the weak view is that sample shifted by at most one pixel
        i = v["index"]
        assert v["truth"] == int(d.y_unl[i])
        assert any(np.allclose(np.roll(np.roll(x[i], dy, 0), dx, 1)[1:-1, 1:-1], v["weak"][1:-1, 1:-1])
                   for dy in (-1, 0, 1) for dx in (-1, 0, 1))
        assert v["crossed"] == (v["confidence"] >= cfg.tau)
        assert ("→ pseudo-label" in view_caption(v, cfg.tau)) == v["crossed"]
    pic = view_pair_picture(last.views[0]["weak"], last.views[0]["strong"])
    assert pic.shape == (96, 2 * 96 + 6, 3) and pic.dtype == np.uint8


def test_two_moons_events_carry_no_views():
    d = ssl_data.load("two_moons", per_class=5, seed=0)
    assert all(ev.views == [] for ev in sc.train(d, sc.ClassifyConfig(steps=20, eval_every=10), seed=0))


@pytest.fixture(scope="module")
def burn_in():
    from core.learn.ssl.burn_in import load_burn_in

    model, why = load_burn_in(0.10)
    if model is None:
        pytest.skip(why)
    _, unl, _ = det_data.load_shapes(0, 0.10, n_train=40, n_test=2)
    return model, unl


def test_background_weights_are_the_teachers_background_probability(burn_in):
    model, unl = burn_in
    before = {k: v.clone() for k, v in model.state_dict().items()}
    cfg = sd.lesson_config(fg_threshold=0.9, normalise="code")
    out = background_weights(model, model, unl.images[0], cfg, seed=3)
    assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items())   # nothing trained
    assert len(out["bg"]) == len(out["r"]) == len(out["w"]) > 0 and ((out["r"] >= 0) & (out["r"] <= 1)).all()
    # reference: torchvision's roi_align on the teacher's stride-4 map, its box head and predictor, softmax[:, 0]
    with torch.no_grad():
        il, _ = model.transform([unl.images[0]])
        feat = model.backbone(il.tensors)["0"]
        boxes = torch.as_tensor(out["bg"])
        pooled = roi_align(feat, [boxes], output_size=7, spatial_scale=feat.shape[-1] / il.tensors.shape[-1],
                           sampling_ratio=2, aligned=False)
        logits, _ = model.roi_heads.box_predictor(model.roi_heads.box_head(pooled))
    np.testing.assert_allclose(out["r"], logits.softmax(-1)[:, 0].numpy(), atol=1e-5)
    # the released code's weights: r_j / (N_fg + sum r), one fg candidate 1 / (N_fg + sum r)
    total = len(out["fg"]) + out["r"].sum()
    np.testing.assert_allclose(out["w"], out["r"] / max(total, 1.0), rtol=1e-5)
    again = background_weights(model, model, unl.images[0], cfg, seed=3)
    assert np.array_equal(again["bg"], out["bg"])                                   # its own generator
    pic = background_weight_picture((unl.images[0].permute(1, 2, 0) * 255).byte().numpy(), out["bg"], out["r"],
                                    out["pseudo"])
    assert pic.shape == (384, 384, 3)
