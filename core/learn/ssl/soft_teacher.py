"""Soft Teacher's two ideas (Xu et al., "End-to-End Semi-Supervised Object Detection with Soft
Teacher", ICCV 2021), on torchvision's Faster R-CNN parts.

1. Reliability weighting. A student candidate box that the pseudo-boxes call "background" may
   hide a real object the teacher was not confident about. So each background candidate's
   classification loss is weighted by the *teacher's* background score on that very box, r_j.
   The paper's Eq. 3:
       L_cls^u = 1/N_fg * sum_i CE(fg_i) + sum_j w_j CE(bg_j),   w_j = r_j / sum_k r_k.
   (The released mmdet code instead divides the whole weighted sum by N_fg + sum_k r_k;
   `normalise="code"` gives that form.)
2. Box jittering. A pseudo-box is jittered J times (offsets ~ N(0, (scale * box size)^2)), the
   teacher's regression branch refines every copy, and the spread of the refined copies,
   sigma = mean over the 4 coordinates of std / (0.5 (h + w)) (the paper; the released code divides
   x-coordinates by w and y by h instead: `norm="code"`), says how well localised the box is.
   Only boxes with sigma < 0.02 train the student's box regression (released config: 10 jitters,
   scale 0.06, threshold 0.02; boxes come from teacher detections with score > 0.5).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def roi_head_outputs(roi_heads, features: dict, boxes: list[torch.Tensor], image_sizes: list) -> tuple:
    """Run a torchvision RoIHeads' box branch on given boxes (no sampling, no NMS).

    boxes: list over images of Tensor[N_i, 4] (x1, y1, x2, y2) in the network's input frame.
    Returns (class_logits Tensor[sum N_i, C+1], box_regression Tensor[sum N_i, (C+1)*4]).
    """
    pooled = roi_heads.box_roi_pool(features, boxes, image_sizes)   # [R, C_feat, 7, 7]
    return roi_heads.box_predictor(roi_heads.box_head(pooled))


def reliability_weights(labels: torch.Tensor, bg_scores: torch.Tensor, normalise: str = "paper") -> torch.Tensor:
    """Per-candidate weights w so that the unlabeled classification loss is sum_i w_i * CE_i.

    labels    (Tensor[R]) int, 0 = background (torchvision's convention), >0 = pseudo-box class
    bg_scores (Tensor[R]) teacher's background probability on the same candidates
    normalise "paper": fg weights 1/N_fg, bg weights r_j / sum_k r_k (Eq. 3)
              "code":  every fg 1 and bg r_j, all divided by max(N_fg + sum_k r_k, 1) (mmdet)
    Returns Tensor[R], detached (the teacher gives weights, not gradients).
    """
    bg = labels == 0
    r = bg_scores.detach().float()
    w = torch.zeros_like(r)
    if normalise == "paper":
        n_fg = int((~bg).sum())
        if n_fg:
            w[~bg] = 1.0 / n_fg
        total = r[bg].sum()
        if bool(bg.any()) and float(total) > 0:
            w[bg] = r[bg] / total
        return w
    if normalise == "code":
        w[~bg] = 1.0
        w[bg] = r[bg]
        return w / w.sum().clamp(min=1.0)
    raise ValueError(f"normalise must be 'paper' or 'code', got {normalise!r}")


def soft_teacher_cls_loss(class_logits: torch.Tensor, labels: torch.Tensor, bg_scores: torch.Tensor,
                          normalise: str = "paper") -> torch.Tensor:
    """class_logits (Tensor[R, C+1]), labels (Tensor[R]), bg_scores (Tensor[R]) -> scalar."""
    ce = F.cross_entropy(class_logits, labels, reduction="none")  # [R]
    return (reliability_weights(labels, bg_scores, normalise) * ce).sum()


def jitter_boxes(boxes: torch.Tensor, times: int = 10, scale: float = 0.06,
                 generator: torch.Generator | None = None) -> torch.Tensor:
    """boxes (Tensor[N, 4]) -> Tensor[times, N, 4]: each coordinate moved by N(0, (scale * side)^2),
    x-coordinates by the width, y-coordinates by the height (sides clamped to >= 1 pixel)."""
    wh = (boxes[:, 2:4] - boxes[:, :2]).clamp(min=1.0)           # [N, 2]
    side = wh.repeat(1, 2)                                        # [N, 4] = (w, h, w, h)
    noise = torch.randn((times, *boxes.shape), generator=generator).to(boxes.device)
    return boxes[None] + noise * side[None] * scale


VARIANCE_NORMS = ("paper", "code")


def localisation_variance(refined: torch.Tensor, norm: str = "paper") -> torch.Tensor:
    """refined (Tensor[J, N, 4]) teacher-refined jittered copies -> Tensor[N].

    sigma = mean_k( std_J(coord_k) / side_k ), from the mean refined box (w, h clamped to >= 1 px):
      norm "paper": side_k = 0.5 * (h + w) for every coordinate (the paper's Sec. 3.3; the notes)
      norm "code":  side = (w, h, w, h): x-coordinates by the width, y by the height (released code)
    std is the unbiased one, as in the released code. The two agree on square boxes; on a long
    thin box "code" divides the short side's spread by the short side, so it calls it less sure.
    """
    if norm not in VARIANCE_NORMS:
        raise ValueError(f"norm must be one of {VARIANCE_NORMS}, got {norm!r}")
    if refined.shape[1] == 0:
        return refined.new_zeros(0)
    mean = refined.mean(dim=0)                                    # [N, 4]
    wh = (mean[:, 2:4] - mean[:, :2]).clamp(min=1.0)              # [N, 2]
    side = wh.repeat(1, 2) if norm == "code" else (0.5 * wh.sum(1, keepdim=True)).expand(-1, 4)
    return (refined.std(dim=0) / side).mean(dim=1)


def jitter_rois(boxes: list[torch.Tensor], times: int = 10, scale: float = 0.06,
                generator: torch.Generator | None = None) -> list[torch.Tensor]:
    """Per image Tensor[N_i, 4] pseudo-boxes -> per image Tensor[times * N_i, 4] jittered copies
    (jitter-major: row j * N_i + n is jitter j of box n), ready for one RoI-head call."""
    return [jitter_boxes(b, times, scale, generator).reshape(-1, 4) for b in boxes]


def refine_jitters(box_coder, box_regression: torch.Tensor, rois: list[torch.Tensor],
                   labels: list[torch.Tensor], image_sizes: list, times: int) -> list[torch.Tensor]:
    """The teacher's regression on jittered copies -> per image Tensor[times, N_i, 4] refined boxes
    (each copy refined with its own box's class deltas, clipped to the image)."""
    if box_regression.shape[0] == 0:
        return [r.new_zeros(times, len(lab), 4) for r, lab in zip(rois, labels)]
    decoded = box_coder.decode(box_regression, rois)                              # [R, C+1, 4]
    own = torch.cat([lab.repeat(times) for lab in labels])                        # [R] (jitter-major)
    refined = decoded[torch.arange(len(own), device=own.device), own]            # [R, 4]
    limit = torch.cat([r.new_tensor([s[1], s[0], s[1], s[0]]).expand(len(r), 4)   # (W, H, W, H) per RoI
                       for r, s in zip(rois, image_sizes)])
    refined = torch.minimum(refined.clamp(min=0), limit)
    return [part.reshape(times, len(lab), 4) for part, lab in zip(refined.split([len(r) for r in rois]), labels)]


def variance_from_regression(box_coder, box_regression: torch.Tensor, rois: list[torch.Tensor],
                             labels: list[torch.Tensor], image_sizes: list, times: int,
                             norm: str = "paper") -> list[torch.Tensor]:
    """The teacher's regression on jittered copies -> localisation variance of each pseudo-box.

    box_regression (Tensor[sum J N_i, (C+1)*4]) the teacher's deltas on `rois` (from jitter_rois),
    labels per image Tensor[N_i] (1..C): each copy is refined with its own box's class deltas.
    Returns per image Tensor[N_i].
    """
    if box_regression.shape[0] == 0:
        return [r.new_zeros(len(lab)) for r, lab in zip(rois, labels)]
    parts = refine_jitters(box_coder, box_regression, rois, labels, image_sizes, times)
    return [localisation_variance(p, norm) if p.shape[1] else p.new_zeros(0) for p in parts]


@torch.no_grad()
def box_uncertainty(roi_heads, features: dict, boxes: list[torch.Tensor], labels: list[torch.Tensor],
                    image_sizes: list, times: int = 10, scale: float = 0.06,
                    generator: torch.Generator | None = None, norm: str = "paper") -> list[torch.Tensor]:
    """Localisation variance of each pseudo-box, via the teacher's regression branch: all
    pseudo-boxes x all jitters of the batch in one RoI-head call.

    boxes/labels: per image Tensor[N_i, 4] and Tensor[N_i] (torchvision labels, 1..C).
    Returns per image Tensor[N_i].
    """
    rois = jitter_rois(boxes, times, scale, generator)                              # [J N_i, 4]
    if sum(len(r) for r in rois) == 0:
        return [b.new_zeros(0) for b in boxes]
    _, reg = roi_head_outputs(roi_heads, features, rois, image_sizes)              # [sum J N_i, (C+1)*4]
    return variance_from_regression(roi_heads.box_coder, reg, rois, labels, image_sizes, times, norm)
