"""Images in and out of the chapter's models, and the pictures drawn over them (numpy only)."""
from __future__ import annotations

import cv2
import numpy as np
import torch


def model_side(processor) -> int:
    """The square input side an image processor resizes to (224 for the pretrained ViT/MAE)."""
    size = processor.size
    return int(size.get("height") or size.get("shortest_edge"))


def resize_square(image: np.ndarray, side: int) -> np.ndarray:
    """uint8[H, W, 3] -> uint8[side, side, 3]: centre crop to a square, then resize (area filter
    when shrinking)."""
    h, w = image.shape[:2]
    s = min(h, w)
    y0, x0 = (h - s) // 2, (w - s) // 2
    sq = image[y0:y0 + s, x0:x0 + s]
    interp = cv2.INTER_AREA if s > side else cv2.INTER_LINEAR
    return sq if s == side else cv2.resize(sq, (side, side), interpolation=interp)


def to_pixels(image: np.ndarray, processor) -> torch.Tensor:
    """uint8[side, side, 3] -> float32[1, 3, side, side], normalised with the processor's mean/std."""
    from core.vision.image import to_tensor

    m = torch.tensor(processor.image_mean, dtype=torch.float32).view(3, 1, 1)
    s = torch.tensor(processor.image_std, dtype=torch.float32).view(3, 1, 1)
    return ((to_tensor(image) - m) / s)[None]


def from_pixels(x: torch.Tensor, processor) -> np.ndarray:
    """float32[1, 3, H, W] normalised -> uint8[H, W, 3]."""
    m = torch.tensor(processor.image_mean, dtype=torch.float32).view(1, 3, 1, 1)
    s = torch.tensor(processor.image_std, dtype=torch.float32).view(1, 3, 1, 1)
    y = ((x.detach().float().cpu() * s + m).clamp(0, 1) * 255).round().byte()
    return y[0].permute(1, 2, 0).numpy()


def draw_grid(image: np.ndarray, patch: int, colour=(255, 255, 255), scale: int = 1) -> np.ndarray:
    """The patch grid drawn over an image (optionally enlarged by `scale` first, nearest)."""
    img = image.repeat(scale, 0).repeat(scale, 1) if scale > 1 else image.copy()
    step = patch * scale
    img[::step, :] = colour
    img[:, ::step] = colour
    img[-1, :] = colour
    img[:, -1] = colour
    return img


def shade_patches(image: np.ndarray, patch: int, hidden: np.ndarray, colour=(60, 60, 60)) -> np.ndarray:
    """Hidden patches (bool[N], raster order) painted grey, as MAE's figures show them."""
    img = image.copy()
    g = image.shape[1] // patch
    for i in np.flatnonzero(hidden):
        r, c = divmod(int(i), g)
        img[r * patch:(r + 1) * patch, c * patch:(c + 1) * patch] = colour
    return img


def heat_overlay(image: np.ndarray, heat: np.ndarray, alpha: float = 0.55) -> np.ndarray:
    """A [h, w] map (any range) upsampled over the image as a colour heat map."""
    hm = heat.astype(np.float32)
    hm = ((hm - hm.min()) / (hm.max() - hm.min() + 1e-8) * 255).astype(np.uint8)  # [h, w]
    col = cv2.applyColorMap(hm, cv2.COLORMAP_INFERNO)[..., ::-1]  # colour the small map, then enlarge it
    col = cv2.resize(np.ascontiguousarray(col), (image.shape[1], image.shape[0]), interpolation=cv2.INTER_NEAREST)
    return cv2.addWeighted(np.ascontiguousarray(image), 1 - alpha, col, alpha, 0)


def token_strip(image: np.ndarray, patch: int, n: int, gap: int = 2, scale: int = 1) -> np.ndarray:
    """The first n patches laid out in a row as the token sequence, after a black CLS square."""
    g = image.shape[1] // patch
    tiles = [np.zeros((patch, patch, 3), np.uint8)]  # CLS: a learned vector, no pixels
    for i in range(min(n, g * g)):
        r, c = divmod(i, g)
        tiles.append(image[r * patch:(r + 1) * patch, c * patch:(c + 1) * patch])
    pad = np.full((patch, gap, 3), 255, np.uint8)
    row = np.concatenate([x for t in tiles for x in (t, pad)][:-1], axis=1)
    return row.repeat(scale, 0).repeat(scale, 1) if scale > 1 else row


def resize_note(shape: tuple, side: int, patch: int) -> str | None:
    """What resize_square does to a picture of `shape` (H, W, ...) for a model reading side x side
    with patch x patch patches, in a sentence for the student; None when nothing happens to it."""
    h, w = int(shape[0]), int(shape[1])
    if (h, w) == (side, side):
        return None
    s = min(h, w)
    parts = []
    if h != w:
        parts.append(f"centre-cropped from {w} × {h} to {s} × {s} px (the {'sides' if w > h else 'top and bottom'} "
                     "are not seen)")
    if s < side:
        parts.append(f"blown up {side / s:.3g}× to {side} × {side} px: every pixel of yours became a "
                     f"{side / s:.3g}-pixel-wide block, so the model sees no detail that was not already there")
        if s * patch < side:
            parts.append(f"with fewer than one of your pixels per {patch} × {patch} patch, many patches are a "
                         "single flat colour")
    elif s > side:
        parts.append(f"shrunk to {side} × {side} px (area average)")
    return f"Your picture is {w} × {h} px and this model reads {side} × {side}: it was " + "; ".join(parts) + "."
