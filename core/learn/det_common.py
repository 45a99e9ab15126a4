"""Plumbing shared by the detection loops (burn-in, end-to-end Mean/Soft Teacher, STAC,
reproduction): the detector, ShapesWorld as tensors, views whose geometry is known, and mAP.

Views are per-image axis-aligned affine maps x' = sx * x + tx, y' = sy * y + ty (a flip has
sx = -1), so a box found in one view can be carried into another exactly: Soft Teacher needs the
teacher's scores on the *student's* candidate boxes, and those live in a different view.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from core.runtime import device

IMAGE_SIZE = 128


# ----------------------------------------------------------------------------- the detector
def build_detector(num_classes: int = 6) -> torch.nn.Module:
    """The project's tiny Faster R-CNN (core.vision.tiny_frcnn), or, if that module is missing,
    a local equivalent built from the same torchvision parts (so this lab runs on its own)."""
    try:
        from core.vision.tiny_frcnn import build_tiny_faster_rcnn
    except ImportError:
        return _fallback_detector(num_classes)
    return build_tiny_faster_rcnn(num_classes=num_classes, mask=False, image_size=IMAGE_SIZE)


def _fallback_detector(num_classes: int) -> torch.nn.Module:
    from torch import nn
    from torchvision.models.detection import FasterRCNN
    from torchvision.models.detection.anchor_utils import AnchorGenerator
    from torchvision.ops import MultiScaleRoIAlign

    def block(cin, cout):
        return [nn.Conv2d(cin, cout, 3, stride=2, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]

    backbone = nn.Sequential(*block(3, 32), *block(32, 64), *block(64, 64))  # stride 8
    backbone.out_channels = 64
    anchors = AnchorGenerator(sizes=((12, 24, 48),), aspect_ratios=((0.5, 1.0, 2.0),))
    pool = MultiScaleRoIAlign(featmap_names=["0"], output_size=7, sampling_ratio=2)
    return FasterRCNN(backbone, num_classes=num_classes, rpn_anchor_generator=anchors, box_roi_pool=pool,
                      min_size=IMAGE_SIZE, max_size=IMAGE_SIZE, rpn_pre_nms_top_n_train=300,
                      rpn_post_nms_top_n_train=100, rpn_pre_nms_top_n_test=150, rpn_post_nms_top_n_test=50,
                      box_batch_size_per_image=64, box_detections_per_img=20,
                      )


# ----------------------------------------------------------------------------- data
@dataclass
class DetSplit:
    images: torch.Tensor            # f32[N, 3, H, W] in [0, 1]
    targets: list                   # per image {"boxes": f32[n, 4], "labels": i64[n] in 1..C}


def shapes_split(indices: list[int], samples: list) -> DetSplit:
    from core.vision.shapesworld import to_torch_targets

    if not indices:
        return DetSplit(torch.zeros(0, 3, IMAGE_SIZE, IMAGE_SIZE, device=device()), [])
    imgs, tg = to_torch_targets([samples[i] for i in indices])
    d = device()
    return DetSplit(imgs.to(d), [{k: v.to(d) for k, v in t.items()} for t in tg])


def load_shapes(seed: int = 0, labeled_fraction: float = 0.10, n_train: int = 1000, n_test: int = 100):
    """(labeled, unlabeled-with-hidden-truth, test) DetSplits of ShapesWorld."""
    from core.vision.shapesworld import generate, splits

    sp = splits(seed, n_train=n_train, n_val=0, n_test=n_test, labeled_fraction=labeled_fraction)
    samples = generate(n_train + n_test, seed)
    return shapes_split(sp["labeled"], samples), shapes_split(sp["unlabeled"], samples), shapes_split(sp["test"], samples)


# ----------------------------------------------------------------------------- views
def identity_affine(n: int) -> torch.Tensor:
    """Tensor[n, 4] of (sx, tx, sy, ty) = the identity map."""
    return torch.tensor([[1.0, 0.0, 1.0, 0.0]], device=device()).repeat(n, 1)


def invert_affine(a: torch.Tensor) -> torch.Tensor:
    """x = (x' - tx) / sx, so the inverse has sx' = 1/sx and tx' = -tx/sx."""
    return torch.stack([1 / a[:, 0], -a[:, 1] / a[:, 0], 1 / a[:, 2], -a[:, 3] / a[:, 2]], dim=1)


def compose_affine(first: torch.Tensor, then: torch.Tensor) -> torch.Tensor:
    """The map `then(first(x))`."""
    return torch.stack([then[:, 0] * first[:, 0], then[:, 0] * first[:, 1] + then[:, 1],
                        then[:, 2] * first[:, 2], then[:, 2] * first[:, 3] + then[:, 3]], dim=1)


def map_boxes(boxes: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
    """boxes (Tensor[N, 4]) xyxy through one affine a (Tensor[4]); flips swap x1 and x2."""
    x = boxes[:, 0::2] * a[0] + a[1]
    y = boxes[:, 1::2] * a[2] + a[3]
    return torch.stack([x.min(1).values, y.min(1).values, x.max(1).values, y.max(1).values], dim=1)


def warp(images: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
    """Resample images (Tensor[B, 3, H, W]) so that content at x appears at sx * x + tx."""
    B, _, H, W = images.shape
    theta = torch.zeros(B, 2, 3, device=images.device)
    theta[:, 0, 0] = 1 / a[:, 0]
    theta[:, 0, 2] = (1 - 2 * a[:, 1] / W) / a[:, 0] - 1   # derived from align_corners=False coords
    theta[:, 1, 1] = 1 / a[:, 2]
    theta[:, 1, 2] = (1 - 2 * a[:, 3] / H) / a[:, 2] - 1
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def random_affine(n: int, size: int, g: torch.Generator, flip: bool = True, scale: tuple = (1.0, 1.0),
                  shift: float = 0.0) -> torch.Tensor:
    """Random flips, isotropic scales about the centre, and shifts (a fraction of the size)."""
    s = scale[0] + (scale[1] - scale[0]) * torch.rand(n, generator=g)
    fx = torch.where(torch.rand(n, generator=g) < 0.5, -1.0, 1.0) if flip else torch.ones(n)
    c = size / 2
    dx, dy = (torch.rand(2, n, generator=g) * 2 - 1) * shift * size
    a = torch.stack([fx * s, c - fx * s * c + dx, s, c - s * c + dy], dim=1)
    return a.to(device())


def photometric(images: torch.Tensor, g: torch.Generator, cutouts: int = 2) -> torch.Tensor:
    """Colour jitter, noise and a few cut-out squares: the strong view's non-geometric part."""
    B, _, H, W = images.shape
    d = images.device
    bright = (torch.rand(B, 1, 1, 1, generator=g) * 0.4 - 0.2).to(d)
    contrast = (0.7 + torch.rand(B, 1, 1, 1, generator=g) * 0.6).to(d)
    mean = images.mean(dim=(1, 2, 3), keepdim=True)
    out = (images - mean) * contrast + mean + bright
    out = out[:, torch.randperm(3, generator=g).to(d)] if bool(torch.rand(1, generator=g) < 0.3) else out
    out = out + 0.04 * torch.randn(out.shape, generator=g).to(d)
    side = int(H * 0.12)
    ys = torch.randint(0, H - side, (B, cutouts, 1, 1), generator=g).to(d)
    xs = torch.randint(0, W - side, (B, cutouts, 1, 1), generator=g).to(d)
    r = torch.arange(H, device=d).view(1, 1, H, 1)
    c = torch.arange(W, device=d).view(1, 1, 1, W)
    hole = ((r >= ys) & (r < ys + side) & (c >= xs) & (c < xs + side)).any(dim=1, keepdim=True)  # [B, 1, H, W]
    return out.masked_fill(hole, 0.5).clamp(0, 1)


def weak_view(images: torch.Tensor, g: torch.Generator):
    """Random horizontal flip only (Soft Teacher's weak view: flip + resize)."""
    a = random_affine(images.shape[0], images.shape[-1], g, flip=True)
    return warp(images, a), a


def strong_view(images: torch.Tensor, g: torch.Generator):
    """Flip, scale 0.8-1.2, shift up to 8%, then colour jitter, noise, cut-outs."""
    a = random_affine(images.shape[0], images.shape[-1], g, flip=True, scale=(0.8, 1.2), shift=0.08)
    return photometric(warp(images, a), g), a


def boxes_into_view(boxes: torch.Tensor, a: torch.Tensor, size: int, min_side: float = 2.0):
    """Carry boxes into a view, clip to the image, drop those squeezed below min_side.
    Returns (boxes Tensor[M, 4], keep Tensor[N] bool)."""
    b = map_boxes(boxes, a).clamp(0, size)
    keep = ((b[:, 2] - b[:, 0]) >= min_side) & ((b[:, 3] - b[:, 1]) >= min_side)
    return b[keep], keep


def targets_into_view(targets: list, affines: torch.Tensor, size: int) -> list:
    out = []
    for t, a in zip(targets, affines):
        b, keep = boxes_into_view(t["boxes"], a, size)
        out.append({k: (b if k == "boxes" else v[keep]) for k, v in t.items()})
    return out


# ----------------------------------------------------------------------------- training mode
def train_mode(model, freeze_bn: bool = False):
    """model.train(), with BatchNorm layers optionally kept in eval mode ("norm_eval" in the released
    Soft Teacher configs): their running statistics stay those of the burn-in instead of drifting
    towards strongly augmented (cut-out, colour-jittered) batches. Their scale/shift still learn."""
    model.train()
    model._bn_frozen = freeze_bn
    if freeze_bn:
        for m in model.modules():
            if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                m.eval()
    return model


# ----------------------------------------------------------------------------- evaluation
@torch.no_grad()
def predict(model, images: torch.Tensor, batch: int = 32) -> list:
    """Eval-mode detections per image: {"boxes", "scores", "labels" (1..C)}. Restores the mode."""
    was = model.training
    model.eval()
    out = []
    for i in range(0, len(images), batch):
        out.extend(model(list(images[i:i + batch])))
    if was:
        train_mode(model, getattr(model, "_bn_frozen", False))
    return out


def coco_map(preds: list, targets: list) -> dict:
    """{"map": AP@[.5:.95], "map50": AP@.5} with pycocotools (COCO's own evaluator)."""
    # core.vision.coco_eval scores ShapesSample lists; here ground truth is already tensors
    # (often carried into another view), so the same pycocotools evaluation is run directly.
    import contextlib
    import io

    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    images, anns, dets = [], [], []
    for i, (p, t) in enumerate(zip(preds, targets)):
        images.append({"id": i, "width": IMAGE_SIZE, "height": IMAGE_SIZE})
        for b, l in zip(t["boxes"].tolist(), t["labels"].tolist()):
            anns.append({"id": len(anns) + 1, "image_id": i, "category_id": int(l), "iscrowd": 0,
                         "bbox": [b[0], b[1], b[2] - b[0], b[3] - b[1]], "area": (b[2] - b[0]) * (b[3] - b[1])})
        for b, s, l in zip(p["boxes"].tolist(), p["scores"].tolist(), p["labels"].tolist()):
            dets.append({"image_id": i, "category_id": int(l), "score": float(s),
                         "bbox": [b[0], b[1], b[2] - b[0], b[3] - b[1]]})
    if not dets:
        return {"map": 0.0, "map50": 0.0}
    cats = sorted({a["category_id"] for a in anns} | {d["category_id"] for d in dets})
    with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints its tables
        gt = COCO()
        gt.dataset = {"images": images, "annotations": anns, "categories": [{"id": c} for c in cats]}
        gt.createIndex()
        dt = gt.loadRes(dets)
        ev = COCOeval(gt, dt, "bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return {"map": float(max(ev.stats[0], 0.0)), "map50": float(max(ev.stats[1], 0.0))}


def evaluate(model, split: DetSplit) -> dict:
    return coco_map(predict(model, split.images), split.targets)
