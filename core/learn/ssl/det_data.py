"""ShapesWorld as tensors for the detection loops: labeled, unlabeled (truth hidden) and test splits."""
from __future__ import annotations

from dataclasses import dataclass

import torch

from core.runtime import device
from core.vision.shapes.generator import generate, splits, to_torch_targets

IMAGE_SIZE = 128


@dataclass
class DetSplit:
    images: torch.Tensor            # f32[N, 3, H, W] in [0, 1]
    targets: list                   # per image {"boxes": f32[n, 4], "labels": i64[n] in 1..C}


def shapes_split(indices: list[int], samples: list) -> DetSplit:
    if not indices:
        return DetSplit(torch.zeros(0, 3, IMAGE_SIZE, IMAGE_SIZE, device=device()), [])
    imgs, tg = to_torch_targets([samples[i] for i in indices])
    d = device()
    return DetSplit(imgs.to(d), [{k: v.to(d) for k, v in t.items()} for t in tg])


def load_shapes(seed: int = 0, labeled_fraction: float = 0.10, n_train: int = 1000, n_test: int = 100):
    """(labeled, unlabeled-with-hidden-truth, test) DetSplits of ShapesWorld."""
    sp = splits(seed, n_train=n_train, n_val=0, n_test=n_test, labeled_fraction=labeled_fraction)
    samples = generate(n_train + n_test, seed)
    return shapes_split(sp["labeled"], samples), shapes_split(sp["unlabeled"], samples), shapes_split(sp["test"], samples)
