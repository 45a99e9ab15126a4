"""Soft Teacher's background weights r_j on one unlabeled image, for drawing.

The student samples candidate boxes against the teacher's pseudo-boxes; those that match no pseudo-box
become background candidates. Many of them sit on real objects the teacher was not sure enough about
(score < 0.9), so a hard "background" label would teach the student to miss them. Soft Teacher asks the
teacher: r_j = its background probability on candidate j, and weights the background loss by it
(core.learn.ssl.soft_teacher.reliability_weights). Here both see the image itself (no augmentation), so
every box can be drawn on it.
"""
from __future__ import annotations

import copy

import torch

from core.learn.ssl import detector
from core.learn.ssl.detect import DetectConfig, teacher_pass
from core.learn.ssl.soft_teacher import reliability_weights, roi_head_outputs


@torch.no_grad()
def background_weights(student, teacher, image: torch.Tensor, cfg: DetectConfig, seed: int = 0) -> dict:
    """image (Tensor[3, H, W]) in [0, 1]. Returns numpy arrays:
    "pseudo" [P, 4] the teacher's boxes >= cfg.fg_threshold; "fg" [F, 4] student candidates matched to them;
    "bg" [B, 4] background candidates; "r" [B] the teacher's background probability on each;
    "w" [B] their weight in the classification loss (cfg.normalise), "w_fg" the weight of one fg candidate.
    Neither model is changed (the student is copied to give its sampler a private generator)."""
    dets, t_feats, sizes = teacher_pass(teacher, image[None])
    keep = dets[0]["scores"] >= cfg.fg_threshold
    pseudo = [{"boxes": dets[0]["boxes"][keep].clone(), "labels": dets[0]["labels"][keep].clone()}]
    s = detector.seed_samplers(copy.deepcopy(student).eval(), torch.Generator().manual_seed(seed))
    il, _ = s.transform([image])
    props, _ = s.rpn(il, s.backbone(il.tensors))                  # eval-mode proposals: [N, 4]
    s_props, _, labels, _ = s.roi_heads.select_training_samples([p.clone() for p in props], pseudo)
    cand, lab = s_props[0], labels[0]                               # [R, 4], [R] (0 = background)
    bg = lab == 0
    logits, _ = roi_head_outputs(teacher.roi_heads, t_feats, [cand[bg]], sizes)
    r = torch.zeros(len(lab))
    r[bg] = logits.softmax(-1)[:, 0]
    w = reliability_weights(lab, r, cfg.normalise)
    return {"pseudo": pseudo[0]["boxes"].numpy(), "fg": cand[~bg].numpy(), "bg": cand[bg].numpy(),
            "r": r[bg].numpy(), "w": w[bg].numpy(), "w_fg": float(w[~bg][0]) if bool((~bg).any()) else 0.0}
