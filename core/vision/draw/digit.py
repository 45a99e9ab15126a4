"""A hand-drawn digit brought to the form of the digits LeNet's training data.

scikit-learn's digits are UCI's "optdigits" (Alpaydin & Kaynak 1998): NIST's programs cut each handwritten
digit out of a form and size-normalised it into a 32 x 32 bitmap (the digit fills the height, keeps its
aspect, sits in the middle: every one of the 1797 images is inked from its top row to its bottom row);
then each 4 x 4 block's inked pixels were counted, giving 8 x 8 values 0..16. KeyPoint divides by 16 and
upsamples to 28 x 28 (core.vision.cnn.data). A drawing takes the same road:

    canvas RGBA -> ink in [0, 1] -> crop to the ink -> longer side to 32 px, centred -> binary 32 x 32
    -> 4 x 4 block counts / 16 = 8 x 8 -> bilinear 28 x 28 -> (p - 0.5) / 0.25
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from core.vision.cnn.data import normalise, upsample_digits

BITMAP = 32  # NIST's normalised bitmap
BLOCK = 4  # optdigits counted inked pixels in 4 x 4 blocks: 32 / 4 = 8
MIN_INK_PX = 4  # fewer inked canvas pixels than this is an empty canvas


@dataclass
class DrawnDigit:
    bitmap: np.ndarray  # bool[32, 32], the size-normalised drawing (NIST's step)
    digit8: np.ndarray  # float32[8, 8] in [0, 1], the block counts / 16 (what the data set stores)
    x: torch.Tensor  # float32[1, 1, size, size], the network's input (normalised)
    box: tuple[int, int, int, int]  # the ink's bounding box on the canvas (x1, y1, x2, y2), end exclusive
    note: str | None  # a line for the student when the drawing is odd (a dot, a line), else None


def ink(rgba: np.ndarray) -> np.ndarray:
    """uint8[H, W, 4] (or [H, W, 3], [H, W]) white-on-black drawing -> float32[H, W] ink in [0, 1].
    A transparent pixel is no ink, whatever its colour."""
    a = np.asarray(rgba)
    if a.ndim == 2:
        return a.astype(np.float32) / 255
    grey = np.maximum(np.maximum(a[..., 0], a[..., 1]), a[..., 2]).astype(np.float32) / 255  # any bright channel is ink (a coloured brush too)
    return grey * (a[..., 3].astype(np.float32) / 255) if a.shape[-1] == 4 else grey


def _resize(img: np.ndarray, h: int, w: int) -> np.ndarray:
    import cv2

    shrink = img.shape[0] > h or img.shape[1] > w  # area averaging when shrinking (no aliasing), else bilinear
    return cv2.resize(np.ascontiguousarray(img, np.float32), (w, h), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)


def to_bitmap(ink_map: np.ndarray, threshold: float = 0.5) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """NIST's size normalisation: crop to the ink, scale so the longer side is 32 px (aspect kept),
    centre in a 32 x 32 square, binarise. ink_map float[H, W] with at least one pixel over threshold."""
    on = ink_map > threshold
    rows, cols = np.flatnonzero(on.any(axis=1)), np.flatnonzero(on.any(axis=0))
    y1, y2, x1, x2 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    crop = ink_map[y1:y2, x1:x2]
    h, w = crop.shape
    s = BITMAP / max(h, w)
    nh, nw = max(1, min(BITMAP, round(h * s))), max(1, min(BITMAP, round(w * s)))
    small = _resize(crop, nh, nw)
    bitmap = np.zeros((BITMAP, BITMAP), bool)
    top, left = (BITMAP - nh) // 2, (BITMAP - nw) // 2
    bitmap[top:top + nh, left:left + nw] = small > threshold
    return bitmap, (x1, y1, x2, y2)


def block_counts(bitmap: np.ndarray) -> np.ndarray:
    """bool[32, 32] -> float32[8, 8]: inked pixels per 4 x 4 block, divided by 16."""
    n = BITMAP // BLOCK
    return bitmap.reshape(n, BLOCK, n, BLOCK).sum(axis=(1, 3)).astype(np.float32) / (BLOCK * BLOCK)


def prepare_drawing(rgba: np.ndarray | None, size: int = 28) -> DrawnDigit | None:
    """A canvas image (uint8[H, W, 4], white ink on black) -> the digits LeNet's input, or None when nothing
    is drawn. Every step is kept so the page can show what the network sees."""
    if rgba is None:
        return None
    m = ink(rgba)
    if m.ndim != 2 or int((m > 0.5).sum()) < MIN_INK_PX:
        return None
    bitmap, box = to_bitmap(m)
    digit8 = block_counts(bitmap)
    x = normalise(upsample_digits(torch.from_numpy(digit8)[None, None], size))  # [1, 1, size, size]
    bw, bh = box[2] - box[0], box[3] - box[1]
    side = max(m.shape)
    note = None
    if max(bw, bh) < 0.08 * side:
        note = "That is a dot, not a digit: it is blown up to fill the square, so the guess means little."
    elif min(bw, bh) < 0.04 * side and max(bw, bh) > 0.3 * side:
        note = "A straight line: the network reads it as a 1 at best (the digits' 1s are slanted strokes)."
    return DrawnDigit(bitmap, digit8, x, box, note)


def render_digit(digit8: np.ndarray, canvas: int = 280, height: int = 200, offset: tuple[int, int] = (0, 0)) -> np.ndarray:
    """The inverse road, for tests and "try a sample": an 8 x 8 digit in [0, 1] drawn as a canvas would hold
    it: white ink on black, uint8[canvas, canvas, 4], `height` pixels tall, centred then moved by offset (x, y)."""
    d = np.asarray(digit8, np.float32)
    big = _resize(d, height, height) > 0.5  # the ink a pen would leave, blocky edges smoothed by bilinear
    out = np.zeros((canvas, canvas, 4), np.uint8)
    out[..., 3] = 255
    top = (canvas - height) // 2 + offset[1]
    left = (canvas - height) // 2 + offset[0]
    ys, xs = np.nonzero(big)
    ys, xs = ys + top, xs + left
    keep = (ys >= 0) & (ys < canvas) & (xs >= 0) & (xs < canvas)
    out[ys[keep], xs[keep], :3] = 255
    return out


def layer_outputs(model: torch.nn.Module, x: torch.Tensor, layers: list[str]) -> dict[str, np.ndarray]:
    """Every named layer's output for one input, from one forward pass: {name: float32[C, h, w]}."""
    seen: dict[str, np.ndarray] = {}
    hooks = [model.get_submodule(n).register_forward_hook(
        lambda m, i, o, n=n: seen.__setitem__(n, o.detach()[0].float().numpy())) for n in layers]
    try:
        with torch.no_grad():
            model(x)
    finally:
        for h in hooks:
            h.remove()
    return seen


def drawn_like_accuracy(model: torch.nn.Module, digits8: np.ndarray, labels: np.ndarray, size: int = 28,
                        heights: tuple[int, ...] = (120, 200, 240), offsets: tuple[tuple[int, int], ...] = ((-40, 30), (0, 0), (10, -5))) -> float:
    """Held-out digits drawn on a 280 px canvas (several sizes and places) and read back through
    prepare_drawing: the accuracy a student's drawing can expect at best. digits8 float[N, 8, 8] in [0, 1]."""
    xs, ys = [], []
    for h, off in zip(heights, offsets):
        for d, y in zip(digits8, labels):
            drawn = prepare_drawing(render_digit(d, 280, h, off), size)
            if drawn is not None:
                xs.append(drawn.x)
                ys.append(int(y))
    with torch.no_grad():
        pred = model(torch.cat(xs)).argmax(dim=1).numpy()
    return float((pred == np.asarray(ys)).mean())


def held_out_digits(n_test: int = 300, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The digits LeNet never trained on (the same split as core.vision.cnn.data): (float32[n, 8, 8] in [0, 1],
    int64[n] labels)."""
    from sklearn.datasets import load_digits

    d = load_digits()
    order = torch.randperm(len(d.target), generator=torch.Generator().manual_seed(seed))[:n_test].numpy()
    return (d.images[order] / 16).astype(np.float32), d.target[order].astype(np.int64)
