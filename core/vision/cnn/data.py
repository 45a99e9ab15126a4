"""The chapter's two offline data sets as tensors: scikit-learn's digits (8 x 8, shown at 28 x 28, one
channel, 10 classes) and ShapesWorld shape classification (RGB, 5 classes), and the one way an image
becomes a network input: pixels in [0, 1], then (p - 0.5) / 0.25."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from core.vision.image import normalise, to_tensor  # every bundled network sees normalise(p), p in [0, 1]

DATASETS = ("digits", "shapes")
TEST_SEED = 7919  # ShapesWorld test images come from seed + TEST_SEED: never the training stream


@dataclass
class ImageSet:
    name: str  # "digits" or "shapes"
    x_train: torch.Tensor  # float32[N, C, S, S], normalised
    y_train: torch.Tensor  # int64[N]
    x_test: torch.Tensor  # float32[M, C, S, S]
    y_test: torch.Tensor  # int64[M]
    class_names: tuple[str, ...]
    size: int  # S

    @property
    def in_ch(self) -> int:
        return int(self.x_train.shape[1])




def to_input(rgb: np.ndarray, size: int, in_ch: int) -> torch.Tensor:
    """Any uint8[H, W, 3] (or [H, W]) image -> float32[1, in_ch, size, size], as the bundled nets saw."""
    a = np.asarray(rgb)
    if a.ndim == 2:
        a = np.stack([a] * 3, axis=-1)
    if a.ndim != 3 or a.shape[2] < 3:
        raise ValueError(f"expected an RGB image [H, W, 3], got shape {a.shape}")
    if min(a.shape[:2]) < 4:
        raise ValueError(f"image too small ({a.shape[1]} x {a.shape[0]} pixels; at least 4 x 4 needed)")
    p = to_tensor(np.array(a[..., :3], dtype=np.uint8))[None]  # [1, 3, H, W]
    p = F.interpolate(p, size=(size, size), mode="area" if min(a.shape[:2]) > size else "bilinear",
                      **({} if min(a.shape[:2]) > size else {"align_corners": False}))
    if in_ch == 1:
        p = p.mean(dim=1, keepdim=True)  # grey, like the digits
    return normalise(p)


def upsample_digits(x8: torch.Tensor, size: int = 28) -> torch.Tensor:
    """8 x 8 digits with ink in [0, 1] (float[N, 1, 8, 8]) -> float[N, 1, size, size], as the training images
    were made (bilinear), before normalise(). A drawn digit goes through this too (core.vision.draw.digit)."""
    return F.interpolate(x8, size=(size, size), mode="bilinear", align_corners=False)


def _digits(n_test: int, seed: int, size: int):
    from sklearn.datasets import load_digits

    d = load_digits()
    x = torch.from_numpy(d.images).float().div(16)[:, None]  # [1797, 1, 8, 8], ink = 1
    x = upsample_digits(x, size)
    y = torch.from_numpy(d.target).long()
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed))
    test, train = order[:n_test], order[n_test:]
    return x[train], y[train], x[test], y[test], tuple(str(i) for i in range(10))


def _shapes(n_train: int, n_test: int, seed: int, size: int):
    from core.vision.shapes.classification import classification_set

    def tensors(s):
        return to_tensor(s.images).contiguous(), torch.from_numpy(s.labels)

    tr, te = classification_set(n_train, seed, size), classification_set(n_test, seed + TEST_SEED, size)
    return (*tensors(tr), *tensors(te), tuple(tr.class_names))


def load(name: str, n_train: int = 1200, n_test: int = 300, size: int | None = None, seed: int = 0) -> ImageSet:
    """digits: all 1797 images, n_test held out (n_train is ignored); shapes: n_train + n_test generated
    images (the test images from another seed)."""
    if name == "digits":
        size = size or 28
        xtr, ytr, xte, yte, names = _digits(n_test, seed, size)
    elif name == "shapes":
        size = size or 64
        xtr, ytr, xte, yte, names = _shapes(n_train, n_test, seed, size)
    else:
        raise ValueError(f"unknown data set {name!r}; choose one of {DATASETS}")
    return ImageSet(name, normalise(xtr), ytr, normalise(xte), yte, names, size)
