"""Why R-CNN was slow and Fast R-CNN was not, measured on this machine.

R-CNN warps every region proposal to a fixed size and runs the CNN on each crop; Fast R-CNN runs
the CNN once on the whole image and cuts each proposal's features out of the shared map with RoI
Pooling. Both use the same network here (the ShapesWorld Faster R-CNN's backbone).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch

from core.progress import OnProgress
from core.vision.image import normalise, to_tensor


@dataclass
class RcnnTiming:
    proposals: int        # boxes timed
    warp: int             # R-CNN's crop side, pixels
    rcnn_ms: float        # warp + CNN on every crop, one at a time
    fast_ms: float        # CNN once + RoI Pool per box
    per_crop_ms: float    # R-CNN's cost of one proposal


@torch.no_grad()
def time_rcnn_vs_fast(backbone, image: np.ndarray, boxes: np.ndarray, warp: int = 64, pool: int = 7,
                      normalize=normalise, on_progress: OnProgress | None = None) -> RcnnTiming:
    """backbone: image [1, 3, H, W] -> {"0": [1, C, h, w]}; image uint8[H, W, 3]; boxes float[K, 4] xyxy pixels.
    on_progress(done, K + 1) after each CNN pass (K crops, then the whole image); its own time is not timed."""
    import cv2
    from torchvision.ops import roi_pool

    x = normalize(to_tensor(image)[None])                                  # [1, 3, H, W]
    H, W = image.shape[:2]
    b = np.clip(np.asarray(boxes, np.float32).reshape(-1, 4), 0, [W, H, W, H]).astype(np.float32)
    passes = len(b) + 1
    rcnn = 0.0
    for i, (x1, y1, x2, y2) in enumerate(b.round().astype(int), start=1):  # R-CNN: crop, warp, a full CNN pass, per proposal
        t0 = time.perf_counter()
        crop = image[y1:max(y2, y1 + 1), x1:max(x2, x1 + 1)]
        crop = cv2.resize(crop, (warp, warp), interpolation=cv2.INTER_LINEAR)
        c = normalize(to_tensor(crop)[None])                               # [1, 3, warp, warp]
        backbone(c)["0"].amax(dim=(2, 3))
        rcnn += time.perf_counter() - t0
        if on_progress:
            on_progress(i, passes)
    t0 = time.perf_counter()
    fmap = backbone(x)["0"]  # Fast R-CNN: one pass, then cheap pooling per box
    roi_pool(fmap, [torch.from_numpy(b)], pool, spatial_scale=fmap.shape[-1] / W)
    fast = (time.perf_counter() - t0) * 1000
    if on_progress:
        on_progress(passes, passes)
    return RcnnTiming(len(b), warp, rcnn * 1000, fast, rcnn * 1000 / max(len(b), 1))
