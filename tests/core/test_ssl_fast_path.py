"""The fast unlabeled loss (teacher under inference_mode, one teacher RoI call for jitters + background
candidates, only positives pooled for the regression loss) equals the plain formulation: separate
RoI-head calls, the teacher scored on every candidate, torchvision's own fastrcnn_loss on the full
regression sample. Same random draws, so losses and gradients must agree."""
import copy

import pytest
import torch
import torch.nn.functional as F
from torchvision.models.detection.roi_heads import fastrcnn_loss

from core.learn.ssl import det_data, detector, views
from core.learn.ssl import detect as sd
from core.learn.ssl.ema import ema_update, make_teacher
from core.learn.ssl.soft_teacher import box_uncertainty, reliability_weights, roi_head_outputs


def _plain_unsup(student, teacher, images, cfg, g, method, box_jitter):
    """The straightforward version of sd.unsup_loss (one RoI call per use, every RoI pooled)."""
    size = images.shape[-1]
    weak, a_w = views.weak_view(images, g)
    strong, a_s = views.strong_view(images, g)
    with torch.no_grad():
        il_t, _ = teacher.transform(list(weak))
        t_feats = teacher.backbone(il_t.tensors)
        dets, _ = teacher.roi_heads(t_feats, teacher.rpn(il_t, t_feats)[0], il_t.image_sizes)
    w2s = views.compose_affine(views.invert_affine(a_w), a_s)
    s2w = views.invert_affine(w2s)
    cand = [{k: d[k][d["scores"] >= cfg.jitter_min_score] for k in ("boxes", "labels", "scores")} for d in dets]
    il, _ = student.transform(list(strong))
    feats = student.backbone(il.tensors)

    def into(keeps):
        out = []
        for i, (c, k) in enumerate(zip(cand, keeps)):
            b, ok = views.boxes_into_view(c["boxes"][k], w2s[i], size)
            out.append({"boxes": b, "labels": c["labels"][k][ok]})
        return out

    cls_t = into([c["scores"] >= cfg.fg_threshold for c in cand])
    props, rpn_losses = student.rpn(il, feats, cls_t)
    rh = student.roi_heads
    s_props, _, labels, reg_targets = rh.select_training_samples([p.clone() for p in props], cls_t)
    if box_jitter:
        unc = box_uncertainty(teacher.roi_heads, t_feats, [c["boxes"] for c in cand], [c["labels"] for c in cand],
                              il_t.image_sizes, cfg.jitter_times, cfg.jitter_scale, g)
    logits, box_reg = roi_head_outputs(rh, feats, s_props, il.image_sizes)
    labels_cat = torch.cat(labels)
    if method == "soft_teacher":
        with torch.no_grad():
            t_logits, _ = roi_head_outputs(teacher.roi_heads, t_feats,
                                           [views.map_boxes(p, s2w[i]) for i, p in enumerate(s_props)], il_t.image_sizes)
        w = reliability_weights(labels_cat, t_logits.softmax(-1)[:, 0], cfg.normalise)
        loss_cls = (w * F.cross_entropy(logits, labels_cat, reduction="none")).sum()
    else:
        loss_cls = F.cross_entropy(logits, labels_cat)
    if box_jitter:
        reg_t = into([u < cfg.reg_threshold for u in unc])
        r_props, _, r_labels, r_targets = rh.select_training_samples([p.clone() for p in props], reg_t)
        r_logits, r_reg = roi_head_outputs(rh, feats, r_props, il.image_sizes)
        _, loss_reg = fastrcnn_loss(r_logits, r_reg, r_labels, r_targets)
    else:
        _, loss_reg = fastrcnn_loss(logits, box_reg, labels, reg_targets)
    return {"cls_u": loss_cls, "reg_u": loss_reg, "rpn_u": rpn_losses["loss_objectness"] + rpn_losses["loss_rpn_box_reg"]}


@pytest.fixture(scope="module")
def setup():
    from core.learn.ssl.burn_in import load_burn_in

    model, why = load_burn_in(0.10)
    assert model is not None, why  # the burn-in checkpoint is committed in assets/ssl/
    _, unl, _ = det_data.load_shapes(seed=0, labeled_fraction=0.10, n_train=40, n_test=1)
    student = detector.train_mode(copy.deepcopy(model), True)
    for p in student.parameters():
        p.requires_grad_(True)
    return student, make_teacher(student), unl.images[:6]


@pytest.mark.parametrize("method,jitter", [("soft_teacher", True), ("soft_teacher", False), ("mean_teacher", True),
                                           ("mean_teacher", False)])
def test_fast_unsup_loss_equals_plain_formulation(setup, method, jitter):
    student, teacher, images = setup
    cfg = sd.DetectConfig(fg_threshold=0.7, reg_threshold=0.05)  # enough pseudo-boxes of both kinds
    results = []
    for fn in (sd.unsup_loss, _plain_unsup):
        torch.manual_seed(3)                       # torchvision's samplers draw from the global RNG
        out = fn(student, teacher, images, cfg, torch.Generator().manual_seed(7), method, jitter)
        losses = out[0] if isinstance(out, tuple) else out
        student.zero_grad()
        sum(losses.values()).backward()
        grads = [p.grad.clone() for p in student.parameters() if p.grad is not None]
        results.append(({k: v.detach() for k, v in losses.items()}, grads))
    (fast, g_fast), (plain, g_plain) = results
    assert float(plain["reg_u"]) > 0 and float(plain["cls_u"]) > 0     # the comparison is not vacuous
    for k in plain:
        torch.testing.assert_close(fast[k], plain[k], rtol=1e-4, atol=1e-6)
    assert len(g_fast) == len(g_plain)
    for a, b in zip(g_fast, g_plain):
        torch.testing.assert_close(a, b, rtol=1e-3, atol=1e-6)


def test_ema_update_is_the_formula_for_every_parameter_and_copies_buffers():
    torch.manual_seed(0)
    student = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3), torch.nn.Linear(3, 2))
    teacher = make_teacher(student)
    with torch.no_grad():
        for p in student.parameters():
            p.add_(torch.randn_like(p))
    student.train()(torch.randn(8, 4))  # moves the BatchNorm statistics
    before = [p.clone() for p in teacher.parameters()]
    ema_update(teacher, student, 0.9)
    for t, t0, s in zip(teacher.parameters(), before, student.parameters()):
        torch.testing.assert_close(t, 0.9 * t0 + 0.1 * s)
    for tb, sb in zip(teacher.buffers(), student.buffers()):
        assert torch.equal(tb, sb)
