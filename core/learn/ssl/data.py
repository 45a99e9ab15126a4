"""Small offline data sets for semi-supervised classification: a few labels, many unlabeled.

two-moons: 2-D, so the decision boundary can be drawn on a grid.
digits:    scikit-learn's 8x8 handwritten digits (1797 images, shipped with the package).
The unlabeled part keeps its true labels in `y_unl` only to *measure* pseudo-label accuracy;
no loop ever trains on them.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from core.runtime import device


@dataclass
class SSLData:
    """One split: labeled, unlabeled (labels hidden from training), test."""

    name: str                 # "two_moons" | "digits"
    x_lab: torch.Tensor       # f32[L, D] labeled inputs
    y_lab: torch.Tensor       # i64[L]
    x_unl: torch.Tensor       # f32[U, D] unlabeled inputs
    y_unl: torch.Tensor       # i64[U] hidden truth, used only for pseudo-label accuracy
    x_test: torch.Tensor      # f32[T, D]
    y_test: torch.Tensor      # i64[T]
    n_classes: int            # number of classes
    image_shape: tuple | None = None  # (8, 8) for digits, so augmentations can shift pixels

    @property
    def dim(self) -> int:
        return int(self.x_lab.shape[1])


def _pick_per_class(y: np.ndarray, per_class: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of `per_class` random examples of every class (fewer if a class is smaller)."""
    idx = [rng.permutation(np.flatnonzero(y == c))[:per_class] for c in np.unique(y)]
    return np.sort(np.concatenate(idx))


def _to(*arrays):
    d = device()
    return [torch.as_tensor(a, dtype=torch.float32 if a.dtype.kind == "f" else torch.int64, device=d)
            for a in arrays]


def _split(name, x, y, per_class, n_test, seed, image_shape=None) -> SSLData:
    if per_class < 1:
        raise ValueError(f"need at least one label per class, got {per_class}")
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(y))
    test, rest = order[:n_test], order[n_test:]
    lab_local = _pick_per_class(y[rest], per_class, rng)
    lab = rest[lab_local]
    unl = np.setdiff1d(rest, lab)
    xl, yl, xu, yu, xt, yt = _to(x[lab], y[lab], x[unl], y[unl], x[test], y[test])
    return SSLData(name, xl, yl, xu, yu, xt, yt, int(y.max()) + 1, image_shape)


def two_moons(n: int = 1000, noise: float = 0.1, per_class: int = 5, n_test: int = 400,
              seed: int = 0) -> SSLData:
    """sklearn's two interleaving half circles, standardised; `per_class` labels per moon."""
    from sklearn.datasets import make_moons

    if n < 2 * per_class + n_test + 2:
        raise ValueError(f"n={n} is too small for {per_class} labels per class and {n_test} test points")
    x, y = make_moons(n_samples=n, noise=noise, random_state=seed)
    x = ((x - x.mean(0)) / x.std(0)).astype(np.float32)  # standardised: one grid fits any noise
    return _split("two_moons", x, y.astype(np.int64), per_class, n_test, seed)


def digits(per_class: int = 5, n_test: int = 497, seed: int = 0) -> SSLData:
    """sklearn's 8x8 digits scaled to [0, 1]; `per_class` labels per digit, the rest unlabeled."""
    from sklearn.datasets import load_digits

    d = load_digits()
    x = (d.data / 16.0).astype(np.float32)  # pixel intensities are 0..16
    return _split("digits", x, d.target.astype(np.int64), per_class, n_test, seed, image_shape=(8, 8))


def load(name: str, per_class: int = 5, seed: int = 0, **kw) -> SSLData:
    if name == "two_moons":
        return two_moons(per_class=per_class, seed=seed, **kw)
    if name == "digits":
        return digits(per_class=per_class, seed=seed, **kw)
    raise ValueError(f"unknown data set {name!r}; choose two_moons or digits")
