"""The one pixels -> network-input step (core.vision.image.to_tensor, normalise) against torchvision's
own conversion, and no second copy of it in core/ or the pages."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import torch
from torchvision.transforms.functional import to_tensor as tv_to_tensor

from core.vision.image import SHAPES_MEAN, SHAPES_STD, normalise, to_tensor

ROOT = Path(__file__).resolve().parents[2]


def test_to_tensor_equals_torchvision_for_one_image_and_a_batch():
    rgb = np.random.default_rng(0).integers(0, 256, (7, 5, 3), dtype=np.uint8)
    torch.testing.assert_close(to_tensor(rgb), tv_to_tensor(rgb))  # [3, 7, 5] in [0, 1]
    batch = np.stack([rgb, rgb[::-1]])
    out = to_tensor(batch)
    assert out.shape == (2, 3, 7, 5) and out.dtype == torch.float32
    torch.testing.assert_close(out[1], tv_to_tensor(np.ascontiguousarray(rgb[::-1])))
    assert to_tensor(rgb, "cpu").device.type == "cpu"


def test_normalise_is_the_one_shapesworld_scaling():
    x = torch.tensor([0.0, 0.5, 1.0])
    torch.testing.assert_close(normalise(x), (x - SHAPES_MEAN) / SHAPES_STD)
    assert normalise(x).tolist() == [-2.0, 0.0, 2.0]


_COPY = re.compile(r"(permute\((2, 0, 1|0, 3, 1, 2)\)[^\n]*(/ ?255|div\(255))|((/ ?255|div\(255)[^\n]*permute\((2, 0, 1|0, 3, 1, 2)\))"
                   r"|\(x - 0\.5\) / 0\.25")


def test_no_second_copy_of_the_image_to_tensor_step():
    copies = [f"{p.relative_to(ROOT)}:{i}" for p in sorted((ROOT / "core").rglob("*.py")) + sorted((ROOT / "app_pages").rglob("*.py"))
              if p != ROOT / "core/vision/image.py"
              for i, line in enumerate(p.read_text().splitlines(), 1) if _COPY.search(line)]
    assert copies == [], "use core.vision.image.to_tensor / normalise:\n" + "\n".join(copies)
