"""End-to-end semi-supervised detection, live: Mean Teacher and Soft Teacher (+ box jittering).

Each step: the EMA teacher detects on a weak view of unlabeled images; its boxes above the
foreground threshold become pseudo-boxes, carried into the student's strong view; the student
learns L = L_s + alpha * L_u. `cfg.method` and `cfg.box_jitter` are read at every step, so a page
can switch between Mean Teacher and Soft Teacher mid-run: the same student keeps training and
every event carries the method in force, so charts can mark the switch.
"""
from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

from core.vision.coco import coco_map
from core.learn.ssl import detector, views
from core.runtime import device
from core.learn.ssl.burn_in import make_optimizer, set_lr, supervised_loss
from core.learn.ssl.ema import ema_update, make_teacher
from core.learn.ssl.soft_teacher import (box_uncertainty, jitter_rois, roi_head_outputs, soft_teacher_cls_loss,
                                     variance_from_regression)

METHODS = ("supervised", "mean_teacher", "soft_teacher")
METHOD_NAMES = {"supervised": "supervised only", "mean_teacher": "Mean Teacher (E2E)", "soft_teacher": "Soft Teacher"}
LOSS_NAMES = {"sup": "labeled loss", "cls_u": "unlabeled: classification", "reg_u": "unlabeled: box regression",
              "rpn_u": "unlabeled: RPN", "unsup": "unlabeled total", "total": "total"}


@dataclass
class DetectConfig:
    method: str = "soft_teacher"   # "supervised" | "mean_teacher" | "soft_teacher"; read every step
    box_jitter: bool = True        # box jittering picks the regression pseudo-boxes; read every step
    steps: int = 300               # student steps in the run
    batch_labeled: int = 8         # labeled images a step
    batch_unlabeled: int = 8       # unlabeled images a step
    lr: float = 0.002              # SGD learning rate (momentum 0.9); 0.01 wrecked the tiny burn-in
                                   # in 5 steps once 4 x L_u joined (measured: mAP 0.58 -> 0.27)
    schedule: str = "constant"     # "constant" (the live page) or "cosine" to 0 over `steps` (the study:
                                   # the released configs drop the lr 10x twice before the end)
    unsup_weight: float = 4.0      # alpha in L_s + alpha * L_u (released config: 4.0)
    fg_threshold: float = 0.9      # teacher score for a classification/RPN pseudo-box (0.9)
    jitter_min_score: float = 0.5  # teacher score for a box-jittering candidate (0.5)
    reg_threshold: float = 0.02    # localisation variance below which a box trains regression
    jitter_times: int = 10         # jittered copies per pseudo-box
    jitter_scale: float = 0.06     # jitter std as a fraction of the box's width/height
    ema: float = 0.999             # teacher momentum (released config); a short live run needs less
    normalise: str = "code"        # Soft Teacher weights: "code" (released: / (N_fg + sum r)) or
                                   # "paper" (Eq. 3: 1/N_fg on fg). With 1-5 pseudo-boxes a batch,
                                   # Eq. 3 gives one box the weight of all the background: unstable
    variance_norm: str = "paper"   # box-jitter variance: "paper" (every coordinate / 0.5 (h + w)) or
                                   # "code" (x by w, y by h, as released)
    eval_every: int = 25           # steps between mAP evaluations on the fixed held-out images
    detail_every: int = 50         # steps between the heavier pseudo-box charts (also at the first eval)
    n_eval: int = 64               # held-out images for mAP (the first n_eval test images: a fixed set)
    n_show: int = 4                # unlabeled images whose pseudo-boxes are drawn
    n_quality: int = 16            # unlabeled images for pseudo-box precision/recall and Fig. 3
                                   # (0 and n_show 0: no pseudo-box charts at all)
    freeze_bn: bool = True         # BatchNorm statistics frozen at the burn-in's (norm_eval, as released)
    baseline: bool = False         # also train a supervised-only twin on the same labeled batches (read at start)


@dataclass
class DetectEvent:
    step: int
    method: str                     # method in force at this step
    box_jitter: bool
    losses: dict                    # sup, unsup, cls_u, reg_u, rpn_u, total
    n_pseudo: int                   # classification pseudo-boxes this step
    n_reg: int                      # regression pseudo-boxes this step
    student_map: float | None = None
    teacher_map: float | None = None
    student_map50: float | None = None
    teacher_map50: float | None = None
    baseline_map: float | None = None  # the supervised-only twin (cfg.baseline), same labeled batches
    elapsed_s: float = 0.0          # wall seconds since the loop started, when this event was made
    precision: float | None = None  # pseudo-boxes >= fg_threshold vs hidden GT (IoU >= 0.5, same class)
    recall: float | None = None
    pr_curve: list = field(default_factory=list)     # [(threshold, precision, recall)]
    var_iou: list = field(default_factory=list)      # [(variance, IoU with GT, score)] of boxes >= jitter_min_score
    shown: list = field(default_factory=list)        # [{"image", "boxes", "labels", "scores", "gt"}]
    models: dict | None = None      # on the last step only: {"student", "teacher"} (for a final score elsewhere)


# ----------------------------------------------------------------------------- teacher side
@torch.inference_mode()
def teacher_pass(teacher, images: torch.Tensor):
    """Teacher detections on images (its own eval-mode pipeline) and its features for reuse.
    Under inference_mode (the teacher never needs gradients): returned tensors are inference
    tensors, fine to read and index, but clone them before anything autograd must save."""
    il, _ = teacher.transform(list(images))
    feats = teacher.backbone(il.tensors)
    props, _ = teacher.rpn(il, feats)
    dets, _ = teacher.roi_heads(feats, props, il.image_sizes)
    return dets, feats, il.image_sizes


def _select(d: dict, keep: torch.Tensor) -> dict:
    return {"boxes": d["boxes"][keep], "labels": d["labels"][keep], "scores": d["scores"][keep]}


def _box_loss(box_regression, labels, regression_targets) -> torch.Tensor:
    """torchvision's fastrcnn box loss: smooth-L1 on positives' own-class deltas / all samples."""
    pos = torch.where(labels > 0)[0]
    if pos.numel() == 0:
        return box_regression.sum() * 0.0
    reg = box_regression.reshape(box_regression.shape[0], -1, 4)
    return F.smooth_l1_loss(reg[pos, labels[pos]], regression_targets[pos], beta=1 / 9,
                            reduction="sum") / labels.numel()


def _positive_box_loss(box_regression, labels: list, targets: list) -> torch.Tensor:
    """`_box_loss` of a sampled batch from the box head's output on its positives only.

    A negative sample adds exactly zero to the box loss (and no gradient) but still counts in the
    denominator, and the box head treats every RoI on its own; so pooling only the positives gives
    the same loss and gradients for about a quarter of the RoIAlign (whose CPU backward is slow).
    box_regression (Tensor[P, (C+1)*4]) on the positives, in order; labels/targets per image
    Tensor[S_i], Tensor[S_i, 4] from select_training_samples.
    """
    labels_cat = torch.cat(labels)                                   # [S]
    pos = labels_cat > 0
    if not bool(pos.any()):
        return box_regression.sum() * 0.0
    reg = box_regression.reshape(box_regression.shape[0], -1, 4)
    own = reg[torch.arange(reg.shape[0], device=reg.device), labels_cat[pos]]   # [P, 4]
    return F.smooth_l1_loss(own, torch.cat(targets)[pos], beta=1 / 9, reduction="sum") / labels_cat.numel()


def _pseudo_targets(cand: list, keeps: list, w2s: torch.Tensor, size: int) -> list:
    """Teacher boxes kept by `keeps`, carried into the student's view (plain tensors, not inference ones)."""
    out = []
    for i, (c, keep) in enumerate(zip(cand, keeps)):
        b, ok = views.boxes_into_view(c["boxes"][keep], w2s[i], size)
        out.append({"boxes": b.clone(), "labels": c["labels"][keep][ok].clone()})
    return out


def _pool_two(roi_heads, feats: dict, first: list, second: list, image_sizes: list) -> tuple:
    """Two per-image box sets through the box branch in one RoI-head call (the head treats every RoI
    on its own, so this equals two calls). first/second: per image Tensor[A_i, 4], Tensor[B_i, 4].
    Returns ((logits, regression) of all first boxes, (logits, regression) of all second boxes)."""
    rois = [torch.cat([f, s]) for f, s in zip(first, second)]                   # per image [A_i + B_i, 4]
    is_second = torch.cat([torch.arange(len(r), device=r.device) >= len(f) for r, f in zip(rois, first)])
    logits, reg = roi_head_outputs(roi_heads, feats, rois, image_sizes)        # [sum A_i + B_i, ...]
    return (logits[~is_second], reg[~is_second]), (logits[is_second], reg[is_second])


# ----------------------------------------------------------------------------- one unlabeled loss
def unsup_loss(student, teacher, images: torch.Tensor, cfg: DetectConfig, g: torch.Generator,
               method: str, box_jitter: bool) -> tuple[dict, dict]:
    """L_u on a batch of unlabeled images. Returns (losses, info for the charts).

    The teacher runs its backbone once (weak view); its features then serve, in one RoI-head call,
    both the box-jittering refinement (all pseudo-boxes x all jitters) and the background scores
    on the student's candidates. The student pools its classification samples and its regression
    samples' positives in one RoI-head call too.
    """
    size = images.shape[-1]
    weak, a_w = views.weak_view(images, g)
    strong, a_s = views.strong_view(images, g)
    dets, t_feats, t_sizes = teacher_pass(teacher, weak)
    w2s = views.compose_affine(views.invert_affine(a_w), a_s)          # teacher view -> student view
    s2w = views.invert_affine(w2s)
    cand = [_select(d, d["scores"] >= cfg.jitter_min_score) for d in dets]
    cls_t = _pseudo_targets(cand, [c["scores"] >= cfg.fg_threshold for c in cand], w2s, size)
    il, _ = student.transform(list(strong))
    feats = student.backbone(il.tensors)
    props, rpn_losses = student.rpn(il, feats, cls_t)
    rh = student.roi_heads
    s_props, _, labels, reg_targets = rh.select_training_samples([p.clone() for p in props], cls_t)
    labels_cat = torch.cat(labels)
    soft = method == "soft_teacher"
    with torch.inference_mode():  # the teacher's one RoI-head call: jittered pseudo-boxes + bg candidates
        none = [b.new_zeros(0, 4) for b in s_props]
        jit_reg = bg_logits = None  # plain Mean Teacher needs no teacher RoI scores
        jit = jitter_rois([c["boxes"] for c in cand], cfg.jitter_times, cfg.jitter_scale, g) if box_jitter else none
        # only background candidates need the teacher's score: fg weights do not depend on it
        bg_c = [views.map_boxes(p[lab == 0], s2w[i]) for i, (p, lab) in enumerate(zip(s_props, labels))] if soft else none
        if soft or box_jitter:
            (_, jit_reg), (bg_logits, _) = _pool_two(teacher.roi_heads, t_feats, jit, bg_c, t_sizes)
        if box_jitter:
            unc = variance_from_regression(teacher.roi_heads.box_coder, jit_reg, jit, [c["labels"] for c in cand],
                                           t_sizes, cfg.jitter_times, cfg.variance_norm)
    if soft:
        bg = torch.zeros(len(labels_cat), device=labels_cat.device)       # [R]; fg entries unused
        bg[labels_cat == 0] = bg_logits.softmax(-1)[:, 0]
    if box_jitter:  # regression learns only from the well-localised boxes: a second sampling
        reg_t = _pseudo_targets(cand, [u < cfg.reg_threshold for u in unc], w2s, size)
        r_props, _, r_labels, r_targets = rh.select_training_samples([p.clone() for p in props], reg_t)
        r_pos = [p[lab > 0] for p, lab in zip(r_props, r_labels)]  # negatives add nothing to a box loss
        (logits, box_reg), (_, pos_reg) = _pool_two(rh, feats, s_props, r_pos, il.image_sizes)
        loss_reg = _positive_box_loss(pos_reg, r_labels, r_targets)
    else:
        reg_t = cls_t
        logits, box_reg = roi_head_outputs(rh, feats, s_props, il.image_sizes)
        loss_reg = _box_loss(box_reg, labels_cat, torch.cat(reg_targets))
    if soft:
        loss_cls = soft_teacher_cls_loss(logits, labels_cat, bg, cfg.normalise)
    else:
        loss_cls = F.cross_entropy(logits, labels_cat)
    loss_rpn = rpn_losses["loss_objectness"] + rpn_losses["loss_rpn_box_reg"]
    info = {"n_pseudo": sum(len(t["boxes"]) for t in cls_t), "n_reg": sum(len(t["boxes"]) for t in reg_t)}
    return {"cls_u": loss_cls, "reg_u": loss_reg, "rpn_u": loss_rpn}, info


# ----------------------------------------------------------------------------- pseudo-box quality
def precision_recall(dets: list, gts: list, threshold: float, iou: float = 0.5) -> tuple[float, float]:
    """Pseudo-boxes with score >= threshold against hidden truth: a pseudo-box is right when it
    overlaps an unmatched same-class GT box with IoU >= iou (greedy, by score)."""
    from torchvision.ops import box_iou

    tp = n_pred = n_gt = 0
    for d, t in zip(dets, gts):
        keep = d["scores"] >= threshold
        boxes, labels = d["boxes"][keep], d["labels"][keep]
        order = d["scores"][keep].argsort(descending=True)
        n_pred += len(boxes)
        n_gt += len(t["boxes"])
        if len(boxes) == 0 or len(t["boxes"]) == 0:
            continue
        m = box_iou(boxes[order], t["boxes"])                        # [P, G]
        m[labels[order][:, None] != t["labels"][None, :]] = 0.0
        used = torch.zeros(len(t["boxes"]), dtype=torch.bool)
        for row in m:
            row = row.masked_fill(used.to(row.device), 0.0)
            j = int(row.argmax())
            if row[j] >= iou:
                used[j] = True
                tp += 1
    precision = tp / n_pred if n_pred else float("nan")
    return precision, (tp / n_gt if n_gt else float("nan"))


@torch.no_grad()
def variance_vs_iou(teacher, images, gts, cfg: DetectConfig, g, passed: tuple | None = None) -> list:
    """(localisation variance, best IoU with any GT box, score) for teacher boxes >= jitter_min_score:
    Fig. 3b/3c. `passed`: a teacher_pass(teacher, images) already made (its dets, features, sizes)."""
    from torchvision.ops import box_iou

    dets, feats, sizes = passed if passed is not None else teacher_pass(teacher, images)
    cand = [_select(d, d["scores"] >= cfg.jitter_min_score) for d in dets]
    unc = box_uncertainty(teacher.roi_heads, feats, [c["boxes"] for c in cand], [c["labels"] for c in cand],
                          sizes, cfg.jitter_times, cfg.jitter_scale, g, cfg.variance_norm)
    pts = []
    for c, u, t in zip(cand, unc, gts):
        if len(c["boxes"]) == 0:
            continue
        best = box_iou(c["boxes"], t["boxes"]).max(1).values if len(t["boxes"]) else torch.zeros(len(c["boxes"]))
        pts += [(float(a), float(b), float(s)) for a, b, s in zip(u, best, c["scores"])]
    return pts


def _snapshot(images, dets, gts, threshold) -> list:
    return [{"image": (img.permute(1, 2, 0) * 255).byte().cpu().numpy(),
             "boxes": d["boxes"][d["scores"] >= threshold].cpu().numpy(),
             "labels": (d["labels"][d["scores"] >= threshold] - 1).cpu().numpy(),
             "scores": d["scores"][d["scores"] >= threshold].cpu().numpy(),
             "gt": t["boxes"].cpu().numpy()} for img, d, t in zip(images, dets, gts)]


# ----------------------------------------------------------------------------- the live loop
def _details(ev: DetectEvent, teacher, unl, cfg: DetectConfig, g: torch.Generator, show: torch.Tensor) -> None:
    """Pseudo-box quality against the hidden truth, Fig. 3 points and drawn pseudo-boxes, into ev:
    one teacher pass over the drawn images and n_quality random unlabeled ones."""
    iu = show.tolist() + torch.randint(0, len(unl.images), (cfg.n_quality,), generator=g).tolist()
    imgs, gts = unl.images[iu], [unl.targets[i] for i in iu]
    passed = teacher_pass(teacher, imgs)               # eval-mode detections (= detector.predict) + features
    dets, n = passed[0], len(show)
    ev.precision, ev.recall = precision_recall(dets[n:], gts[n:], cfg.fg_threshold)
    ev.pr_curve = [(th, *precision_recall(dets[n:], gts[n:], th)) for th in (0.3, 0.5, 0.7, 0.8, 0.9, 0.95)]
    ev.var_iou = variance_vs_iou(teacher, imgs, gts, cfg, g, passed)
    ev.shown = _snapshot(imgs[:n], dets[:n], gts[:n], cfg.fg_threshold)


def train(cfg: DetectConfig, student, data: tuple, seed: int = 0):
    """Yield a DetectEvent every step (with evaluations every cfg.eval_every steps).

    student: the starting detector (the burn-in); it is deep-copied, never changed.
    data: (labeled, unlabeled, test) DetSplits; the unlabeled truth is used only for the charts.
    Step 0 is the starting point: its losses (no update) and one mAP (student = teacher = start),
    cheap so that a page shows it at once. With cfg.baseline a supervised-only twin trains on the
    very same labeled images each step (its own augmentation draws), for a line on the same chart.
    """
    lab, unl, test = data
    if len(lab.images) == 0 or len(unl.images) == 0:
        raise ValueError("need at least one labeled and one unlabeled image")
    t0 = time.perf_counter()
    g = torch.Generator().manual_seed(seed)
    student = detector.train_mode(copy.deepcopy(student).to(device()), cfg.freeze_bn)
    detector.seed_samplers(student, g)
    for p in student.parameters():
        p.requires_grad_(True)
    teacher = make_teacher(student)
    opt = make_optimizer(student, cfg.lr)
    twin = twin_opt = None
    if cfg.baseline:
        g_twin = torch.Generator().manual_seed(seed + 7919)
        twin = detector.seed_samplers(detector.train_mode(copy.deepcopy(student), cfg.freeze_bn), g_twin)
        twin_opt = make_optimizer(twin, cfg.lr)
    test_imgs, test_t = test.images[:cfg.n_eval], test.targets[:cfg.n_eval]
    show = torch.arange(min(cfg.n_show, len(unl.images)))
    for step in range(cfg.steps + 1):
        method, jitter = cfg.method, bool(cfg.box_jitter)
        if method not in METHODS:
            raise ValueError(f"unknown method {method!r}; choose one of {METHODS}")
        il = torch.randint(0, len(lab.images), (cfg.batch_labeled,), generator=g).tolist()
        sup = sum(supervised_loss(student, lab.images[il], [lab.targets[i] for i in il], g).values())
        losses, info = {"sup": sup}, {"n_pseudo": 0, "n_reg": 0}
        if method != "supervised":
            iu = torch.randint(0, len(unl.images), (cfg.batch_unlabeled,), generator=g).tolist()
            parts, info = unsup_loss(student, teacher, unl.images[iu], cfg, g, method, jitter)
            losses.update(parts)
            losses["unsup"] = parts["cls_u"] + parts["reg_u"] + parts["rpn_u"]
        total = sup + cfg.unsup_weight * losses.get("unsup", 0.0)
        losses["total"] = total
        if step > 0:  # step 0 reports the starting point only
            set_lr(opt, cfg.lr, cfg.steps, step, cfg.schedule)
            if twin_opt is not None:
                set_lr(twin_opt, cfg.lr, cfg.steps, step, cfg.schedule)
            opt.zero_grad()
            total.backward()
            opt.step()
            ema_update(teacher, student, cfg.ema)
            if twin is not None:
                twin_loss = sum(supervised_loss(twin, lab.images[il], [lab.targets[i] for i in il], g_twin).values())
                twin_opt.zero_grad()
                twin_loss.backward()
                twin_opt.step()
        ev = DetectEvent(step, method, jitter, {k: float(v.detach()) if torch.is_tensor(v) else float(v)
                                                for k, v in losses.items()}, info["n_pseudo"], info["n_reg"])
        if step % cfg.eval_every == 0 or step == cfg.steps:
            s = coco_map(detector.predict(student, test_imgs), test_t)
            t = s if step == 0 else coco_map(detector.predict(teacher, test_imgs), test_t)  # equal at step 0
            ev.student_map, ev.student_map50, ev.teacher_map, ev.teacher_map50 = s["map"], s["map50"], t["map"], t["map50"]
            if twin is not None:
                ev.baseline_map = s["map"] if step == 0 else coco_map(detector.predict(twin, test_imgs), test_t)["map"]
        if (cfg.n_quality or cfg.n_show) and step > 0 and (
                step == cfg.eval_every or step % cfg.detail_every == 0 or step == cfg.steps):
            _details(ev, teacher, unl, cfg, g, show)
        if step == cfg.steps:
            ev.models = {"student": student, "teacher": teacher}
        ev.elapsed_s = time.perf_counter() - t0
        yield ev


def lesson_config(**changes) -> DetectConfig:
    """The page's default run, sized for a lesson on a 2-core CPU: about 2 minutes for 200 steps,
    mAP on 16 fixed held-out images every 10 steps, a supervised-only twin for comparison."""
    base = dict(method="soft_teacher", box_jitter=True, steps=200, batch_labeled=4, batch_unlabeled=4, ema=0.99,
                eval_every=10, detail_every=50, n_eval=16, n_quality=12, n_show=4, baseline=True)
    return DetectConfig(**{**base, **changes})


def progress_line(events: list, total_steps: int, window: int = 20) -> str:
    """'step 40 / 200 · 3.1 steps/s · about 52 s left' from events with .step and .elapsed_s
    (the rate over the last `window` events, so a slow start or a method switch fades out)."""
    if not events:
        return f"step 0 / {total_steps}"
    last = events[-1]
    recent = events[-window - 1:]
    dt, ds = recent[-1].elapsed_s - recent[0].elapsed_s, recent[-1].step - recent[0].step
    if ds <= 0 or dt <= 0:
        return f"step {last.step} / {total_steps}"
    rate = ds / dt
    left = max(total_steps - last.step, 0) / rate
    when = f"about {left:.0f} s left" if left < 120 else f"about {left / 60:.1f} min left"
    return f"step {last.step} / {total_steps} · {rate:.2f} steps/s · " + ("done" if left == 0 else when)
