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
from dataclasses import dataclass

import torch
from torchvision.ops import batched_nms

from core.learn.ssl import det_data, detector, views
from core.runtime import device
from core.learn.ssl.burn_in import make_optimizer, supervised_loss


@dataclass
class STACConfig:
    tau: float = 0.9             # confidence filter on the teacher's boxes
    nms_iou: float = 0.5         # per-class NMS before the filter
    unsup_weight: float = 2.0    # lambda_u (STAC's best value)
    steps: int = 300             # student steps
    batch_labeled: int = 8       # labeled images a step
    batch_unlabeled: int = 8     # pseudo-labeled images a step
    lr: float = 0.002            # SGD learning rate (as the end-to-end loop, for a fair comparison)
    pool: int = 0                # unlabeled images pseudo-labeled (0 = all); fewer = faster stage 2
    eval_every: int = 50         # steps between test evaluations
    n_eval: int = 64             # test images for mAP
    freeze_bn: bool = True       # BatchNorm statistics frozen at the teacher's, as in the E2E loop


def stac_filter(boxes: torch.Tensor, scores: torch.Tensor, labels: torch.Tensor,
                tau: float = 0.9, nms_iou: float = 0.5) -> torch.Tensor:
    """Indices of the boxes kept as pseudo-labels: per-class NMS, then score >= tau.

    boxes (Tensor[N, 4]) xyxy, scores (Tensor[N]), labels (Tensor[N]). Returns Tensor[K] int64,
    in decreasing score order.
    """
    keep = batched_nms(boxes, scores, labels, nms_iou)
    return keep[scores[keep] >= tau]


@torch.no_grad()
def pseudo_label(teacher, images: torch.Tensor, cfg: STACConfig) -> list:
    """Stage 2: frozen pseudo-targets for every image."""
    out = []
    for d in detector.predict(teacher, images):
        k = stac_filter(d["boxes"], d["scores"], d["labels"], cfg.tau, cfg.nms_iou)
        out.append({"boxes": d["boxes"][k], "labels": d["labels"][k]})
    return out


def train(cfg: STACConfig, teacher, data: tuple, seed: int = 0):
    """Yield dicts {"stage", "step", "losses", "n_pseudo", "student_map"?} while training a copy of
    the teacher (the teacher itself is never changed)."""
    lab, unl, test = data
    g = torch.Generator().manual_seed(seed)
    pool = unl.images if not cfg.pool else unl.images[:cfg.pool]
    targets = pseudo_label(teacher, pool, cfg)
    n_pseudo = sum(len(t["boxes"]) for t in targets)
    yield {"stage": "pseudo-label", "step": 0, "losses": {}, "n_pseudo": n_pseudo, "images": len(pool)}
    student = detector.train_mode(copy.deepcopy(teacher).to(device()), cfg.freeze_bn)
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
        opt.zero_grad()
        total.backward()
        opt.step()
        ev = {"stage": "retrain", "step": step, "n_pseudo": n_pseudo,
              "losses": {"sup": float(sup.detach()), "unsup": float(unsup.detach()), "total": float(total.detach())}}
        if step % cfg.eval_every == 0 or step == cfg.steps:
            ev["student_map"] = detector.evaluate(student, det_data.DetSplit(test.images[:cfg.n_eval], test.targets[:cfg.n_eval]))["map"]
        yield ev
    yield {"stage": "done", "step": cfg.steps, "model": student, "losses": {}, "n_pseudo": n_pseudo}
