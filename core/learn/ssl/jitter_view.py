"""Box jittering, one pseudo-box at a time: what Soft Teacher computes to decide whether a
pseudo-box may train the student's box regression.

For the picked teacher box: J jittered copies (each coordinate moved by N(0, (scale * side)^2)),
the teacher's regression refining each copy, each coordinate's spread across the refined copies,
and the variance under both normalisations (the paper's 0.5 (h + w), the released code's w / h).
`fig3_points` gives, for many teacher boxes, (variance, IoU with the hidden truth, score): the
paper's argument (Fig. 3b/c) is that the variance tracks IoU better than the score does.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from core.learn.ssl.soft_teacher import (jitter_rois, localisation_variance, refine_jitters,
                                         roi_head_outputs)

COORDS = ("x1", "y1", "x2", "y2")


@dataclass
class JitterView:
    image: np.ndarray          # uint8[H, W, 3] the unlabeled image
    box: np.ndarray            # f32[4] the teacher's pseudo-box (xyxy)
    label: int                 # its class, 0-based (ShapesWorld CLASSES)
    score: float               # the teacher's foreground score
    iou: float                 # best IoU with a hidden ground-truth box
    jittered: np.ndarray       # f32[J, 4] jittered copies fed to the teacher
    refined: np.ndarray        # f32[J, 4] the teacher's refinement of each copy
    spread: np.ndarray         # f32[4] unbiased std of each refined coordinate
    width: float               # w of the mean refined box (>= 1)
    height: float              # h of the mean refined box (>= 1)
    variance: dict             # {"paper": float, "code": float}


@torch.no_grad()
def teacher_boxes(teacher, image: torch.Tensor, min_score: float = 0.5) -> dict:
    """image f32[3, H, W] -> the teacher's eval-mode detections with score >= min_score."""
    from core.learn.ssl.detect import teacher_pass

    dets, feats, sizes = teacher_pass(teacher, image[None])
    keep = dets[0]["scores"] >= min_score
    return {k: v[keep] for k, v in dets[0].items()} | {"features": feats, "sizes": sizes}


@torch.no_grad()
def explain_box(teacher, image: torch.Tensor, gt: dict, index: int = 0, times: int = 10, scale: float = 0.06,
                min_score: float = 0.5, seed: int = 0) -> JitterView | None:
    """Jitter the teacher's `index`-th box (by score) on one image. None if it has no such box."""
    from torchvision.ops import box_iou

    d = teacher_boxes(teacher, image, min_score)
    if index >= len(d["boxes"]):
        return None
    box, label = d["boxes"][index:index + 1], d["labels"][index:index + 1]          # [1, 4], [1]
    g = torch.Generator().manual_seed(seed)
    rois = jitter_rois([box], times, scale, g)                                         # [[J, 4]]
    _, reg = roi_head_outputs(teacher.roi_heads, d["features"], rois, d["sizes"])
    refined = refine_jitters(teacher.roi_heads.box_coder, reg, rois, [label], d["sizes"], times)[0]  # [J, 1, 4]
    mean = refined.mean(0)[0]
    w, h = [max(float(v), 1.0) for v in (mean[2] - mean[0], mean[3] - mean[1])]
    iou = float(box_iou(box, gt["boxes"]).max()) if len(gt["boxes"]) else 0.0
    return JitterView(image=(image.permute(1, 2, 0) * 255).byte().cpu().numpy(), box=box[0].cpu().numpy(),
                      label=int(label[0]) - 1, score=float(d["scores"][index]), iou=iou,
                      jittered=rois[0].cpu().numpy(), refined=refined[:, 0].cpu().numpy(),
                      spread=refined[:, 0].std(0).cpu().numpy(), width=w, height=h,
                      variance={n: float(localisation_variance(refined, n)[0]) for n in ("paper", "code")})


def spread_rows(view: JitterView) -> list[dict]:
    """One row per coordinate: its spread and what each normalisation divides it by."""
    half = 0.5 * (view.width + view.height)
    return [{"coordinate": c, "spread (px)": round(float(s), 3),
             "paper: / 0.5(h+w)": round(float(s) / half, 4),
             "code: / w or h": round(float(s) / (view.width if c[0] == "x" else view.height), 4)}
            for c, s in zip(COORDS, view.spread)]


@torch.no_grad()
def fig3_points(teacher, images: torch.Tensor, gts: list, times: int = 10, scale: float = 0.06,
                min_score: float = 0.5, norm: str = "paper", seed: int = 0) -> list[tuple[float, float, float]]:
    """(localisation variance, best IoU with hidden truth, score) of every teacher box >= min_score."""
    from core.learn.ssl.detect import DetectConfig, variance_vs_iou

    cfg = DetectConfig(jitter_times=times, jitter_scale=scale, jitter_min_score=min_score, variance_norm=norm)
    return variance_vs_iou(teacher, images, gts, cfg, torch.Generator().manual_seed(seed))
