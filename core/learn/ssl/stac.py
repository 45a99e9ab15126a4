"""STAC (Sohn et al., "A Simple Semi-Supervised Learning Framework for Object Detection", 2020):
the multi-stage recipe that end-to-end methods such as Soft Teacher improve on.

1. Train a teacher on the labeled images (here: the supervised burn-in).
2. Run it once over the unlabeled images; keep its boxes after NMS whose score >= tau (0.9).
   The pseudo-boxes are frozen from then on: they never improve while the student trains.
3. Train a student on labeled + pseudo-labeled images, the unlabeled ones strongly augmented
   (colour, geometry and cut-out; the geometry moves the pseudo-boxes too), L = L_s + lambda_u L_u
   with lambda_u = 2 as in the paper.
"""
from __future__ import annotations

import copy
import time
from dataclasses import dataclass

import torch
from torchvision.ops import batched_nms

from core.learn.ssl import det_data, detector, views
from core.runtime import device
from core.learn.ssl.burn_in import make_optimizer, set_lr, supervised_loss


@dataclass
class STACConfig:
    tau: float = 0.9             # confidence filter on the teacher's boxes
    nms_iou: float = 0.5         # per-class NMS before the filter
    unsup_weight: float = 2.0    # lambda_u (STAC's best value)
    steps: int = 300             # student steps
    batch_labeled: int = 8       # labeled images a step
    batch_unlabeled: int = 8     # pseudo-labeled images a step
    lr: float = 0.002            # SGD learning rate (as the end-to-end loop, for a fair comparison)
    schedule: str = "constant"   # "constant" or "cosine" to 0 over `steps` (as the end-to-end loop)
    pool: int = 0                # unlabeled images pseudo-labeled (0 = all); fewer = faster stage 2
    eval_every: int = 50         # steps between test evaluations
    n_eval: int = 64             # test images for mAP (the first n_eval: a fixed held-out set)
    freeze_bn: bool = True       # BatchNorm statistics frozen at the teacher's, as in the E2E loop


def stac_filter(boxes: torch.Tensor, scores: torch.Tensor, labels: torch.Tensor,
                tau: float = 0.9, nms_iou: float = 0.5) -> torch.Tensor:
    """Indices of the boxes kept as pseudo-labels: per-class NMS, then score >= tau.

    boxes (Tensor[N, 4]) xyxy, scores (Tensor[N]), labels (Tensor[N]). Returns Tensor[K] int64,
    in decreasing score order.
    """
    keep = batched_nms(boxes, scores, labels, nms_iou)
    return keep[scores[keep] >= tau]


def keep_confident(dets: list, tau: float, nms_iou: float = 0.5) -> list:
    """Per image detections {"boxes", "scores", "labels"} -> the pseudo-labels STAC keeps (same keys)."""
    out = []
    for d in dets:
        k = stac_filter(d["boxes"], d["scores"], d["labels"], tau, nms_iou)
        out.append({"boxes": d["boxes"][k], "labels": d["labels"][k], "scores": d["scores"][k]})
    return out


def threshold_sweep(dets: list, gts: list, thresholds, nms_iou: float = 0.5) -> list[tuple]:
    """[(tau, precision, recall, pseudo-boxes kept)] of STAC's filter against the hidden truth:
    a low tau keeps wrong boxes, a high one misses objects, and the student learns from either."""
    from core.learn.ssl.detect import precision_recall

    out = []
    for tau in thresholds:
        kept = keep_confident(dets, float(tau), nms_iou)
        p, r = precision_recall(kept, gts, float(tau))
        out.append((float(tau), p, r, sum(len(k["boxes"]) for k in kept)))
    return out


@torch.no_grad()
def pseudo_label(teacher, images: torch.Tensor, cfg: STACConfig) -> list:
    """Stage 2: frozen pseudo-targets for every image."""
    return [{"boxes": k["boxes"], "labels": k["labels"]}
            for k in keep_confident(detector.predict(teacher, images), cfg.tau, cfg.nms_iou)]


def lesson_config(**changes) -> STACConfig:
    """The page's STAC run: 120 student steps of 4 + 4 images, 200 images pseudo-labeled, mAP on the
    same 16 fixed held-out images as the end-to-end run, every 10 steps."""
    base = dict(steps=120, batch_labeled=4, batch_unlabeled=4, pool=200, eval_every=10, n_eval=16)
    return STACConfig(**{**base, **changes})


def train(cfg: STACConfig, teacher, data: tuple, seed: int = 0):
    """Yield dicts {"stage", "step", "losses", "n_pseudo", "elapsed_s", "student_map"?} while training
    a copy of the teacher (the teacher itself is never changed). The first event (stage
    "pseudo-label") carries the teacher's held-out mAP and, when the unlabeled truth is known, the
    pseudo-labels' precision and recall against it."""
    from core.learn.ssl.detect import precision_recall

    t0 = time.perf_counter()
    lab, unl, test = data
    g = torch.Generator().manual_seed(seed)
    pool = unl.images if not cfg.pool else unl.images[:cfg.pool]
    targets = pseudo_label(teacher, pool, cfg)
    n_pseudo = sum(len(t["boxes"]) for t in targets)
    held_out = det_data.DetSplit(test.images[:cfg.n_eval], test.targets[:cfg.n_eval])
    first = {"stage": "pseudo-label", "step": 0, "losses": {}, "n_pseudo": n_pseudo, "images": len(pool),
             "teacher_map": detector.evaluate(teacher, held_out)["map"] if len(held_out.images) else None}
    if len(unl.targets) >= len(pool):
        first["precision"], first["recall"] = precision_recall(
            [t | {"scores": torch.ones(len(t["boxes"]))} for t in targets], unl.targets[:len(pool)], 0.0)
    first["student_map"] = first["teacher_map"]          # the student starts as a copy of the teacher
    first["elapsed_s"] = time.perf_counter() - t0
    yield first
    student = detector.seed_samplers(detector.train_mode(copy.deepcopy(teacher).to(device()), cfg.freeze_bn), g)
    for p in student.parameters():
        p.requires_grad_(True)
    opt = make_optimizer(student, cfg.lr)
    size = pool.shape[-1]
    for step in range(1, cfg.steps + 1):
        il = torch.randint(0, len(lab.images), (cfg.batch_labeled,), generator=g).tolist()
        sup = sum(supervised_loss(student, lab.images[il], [lab.targets[i] for i in il], g).values())
        iu = torch.randint(0, len(pool), (cfg.batch_unlabeled,), generator=g).tolist()
        strong, a = views.strong_view(pool[iu], g)
        unsup = sum(student(list(strong), views.targets_into_view([targets[i] for i in iu], a, size)).values())
        total = sup + cfg.unsup_weight * unsup
        set_lr(opt, cfg.lr, cfg.steps, step, cfg.schedule)
        opt.zero_grad()
        total.backward()
        opt.step()
        ev = {"stage": "retrain", "step": step, "n_pseudo": n_pseudo,
              "losses": {"sup": float(sup.detach()), "unsup": float(unsup.detach()), "total": float(total.detach())}}
        if step % cfg.eval_every == 0 or step == cfg.steps:
            ev["student_map"] = detector.evaluate(student, held_out)["map"]
        ev["elapsed_s"] = time.perf_counter() - t0
        yield ev
    yield {"stage": "done", "step": cfg.steps, "model": student, "losses": {}, "n_pseudo": n_pseudo,
           "elapsed_s": time.perf_counter() - t0}
