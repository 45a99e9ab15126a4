"""ShapesWorld as tensors for the detection loops: labeled, unlabeled (truth hidden) and test splits."""
from __future__ import annotations

from dataclasses import dataclass

import torch

from core.runtime import device
from core.vision.shapes.generator import generate, splits, to_torch_targets

IMAGE_SIZE = 128


class Images:
    """N images kept as uint8 (a quarter of float32: 52 MB, not 206 MB, for the 1100 images the
    page shares between sessions); indexing and slicing give float32[..., 3, H, W] in [0, 1], as
    the loops expect (the conversion of a batch costs microseconds)."""

    def __init__(self, u8: torch.Tensor):
        self.u8 = u8  # uint8[N, 3, H, W]

    def __len__(self) -> int:
        return len(self.u8)

    def __getitem__(self, idx) -> torch.Tensor:
        return self.u8[idx].float().div_(255.0)

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    @property
    def shape(self) -> torch.Size:
        return self.u8.shape


@dataclass
class DetSplit:
    images: Images | torch.Tensor   # f32[N, 3, H, W] in [0, 1] when indexed (Images: stored as uint8)
    targets: list                   # per image {"boxes": f32[n, 4], "labels": i64[n] in 1..C}


def shapes_split(indices: list[int], samples: list) -> DetSplit:
    if not indices:
        return DetSplit(torch.zeros(0, 3, IMAGE_SIZE, IMAGE_SIZE, device=device()), [])
    d = device()
    u8, targets = [], []
    for start in range(0, len(indices), 100):  # in chunks: the float copies stay small
        imgs, tg = to_torch_targets([samples[i] for i in indices[start:start + 100]])
        u8.append(imgs.mul_(255.0).round_().to(torch.uint8))  # exact: the images were uint8 / 255
        targets += [{k: v.to(d) for k, v in t.items()} for t in tg]
    return DetSplit(Images(torch.cat(u8).to(d)), targets)


def load_shapes(seed: int = 0, labeled_fraction: float = 0.10, n_train: int = 1000, n_test: int = 100):
    """(labeled, unlabeled-with-hidden-truth, test) DetSplits of ShapesWorld. The masks the generator
    draws are dropped as soon as each split is made, and the heap they used is given back."""
    from core.zoo.budget import give_back_memory

    sp = splits(seed, n_train=n_train, n_val=0, n_test=n_test, labeled_fraction=labeled_fraction)
    samples = generate(n_train + n_test, seed)
    out = shapes_split(sp["labeled"], samples), shapes_split(sp["unlabeled"], samples), shapes_split(sp["test"], samples)
    del samples
    give_back_memory()
    return out
