"""Draw what a vision model found onto the image: boxes, labels, instance masks, semantic masks.

Pure numpy + PIL, RGB uint8 in, RGB uint8 out; the model is never touched here, so a page can
re-render with a new threshold or opacity without running the network again.
"""
from __future__ import annotations

import io
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from core.vision.types import Detections, Segmentation


def palette(n: int) -> np.ndarray:
    """n well-spread, saturated colours (uint8[n, 3]), stable per class index (golden-ratio hues)."""
    import colorsys

    hues = (np.arange(n) * 0.618033988749895) % 1.0
    return np.array([[round(c * 255) for c in colorsys.hsv_to_rgb(h, 0.85, 0.95)] for h in hues], np.uint8)


@lru_cache(maxsize=8)
def _font(size: int):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1 has a single bitmap size
        return ImageFont.load_default()


def blend_masks(rgb: np.ndarray, masks: np.ndarray, colors: np.ndarray, opacity: float) -> np.ndarray:
    """Alpha-blend binary masks (bool[N, H, W]) over rgb (uint8[H, W, 3]) with one colour each."""
    out = rgb.astype(np.float32)
    for m, c in zip(masks, colors):
        out[m] = (1 - opacity) * out[m] + opacity * c.astype(np.float32)
    return out.round().clip(0, 255).astype(np.uint8)


def _place_tag(box, tw: float, th: float, w: int, h: int, placed: list) -> tuple[float, float]:
    """Top-left corner for a tw x th tag of `box`: above the box, else inside its top edge, else below it,
    else inside its bottom edge; the first spot that overlaps no tag placed so far (else stacked under
    the one it hits). Keeps every tag inside the image."""
    x1, y1, x2, y2 = box
    tx = max(0.0, min(x1, w - tw))
    spots = [y1 - th, y1, y2, y2 - th]
    spots = [max(0.0, min(y, h - th)) for y in spots]

    def hits(y):
        return [p for p in placed if tx < p[2] and p[0] < tx + tw and y < p[3] and p[1] < y + th]

    for y in spots:
        if not hits(y):
            return tx, y
    y = spots[0]
    for _ in range(len(placed)):  # stack below whatever it hits until it is free (or at the bottom)
        blocking = hits(y)
        if not blocking or y + th >= h:
            break
        y = min(max(p[3] for p in blocking), h - th)
    return tx, y


def draw_detections(rgb: np.ndarray, dets: Detections, mask_opacity: float = 0.45,
                    line_width: int | None = None, show_scores: bool = True, show_labels: bool = True,
                    tags: list[str] | None = None) -> np.ndarray:
    """Boxes with "class score" tags (laid out so that they do not cover each other), plus instance masks
    when the model gave them.

    rgb (uint8[H, W, 3]); dets in the same pixel frame; tags: one text per box instead of its class name
    (the colour still follows the label). Returns a new uint8[H, W, 3].
    """
    h, w = rgb.shape[:2]
    colors = palette(max(len(dets.class_names), 1))[dets.labels] if len(dets) else np.zeros((0, 3), np.uint8)
    img = np.ascontiguousarray(rgb[..., :3])
    if dets.masks is not None and len(dets) and mask_opacity > 0:
        img = blend_masks(img, dets.masks >= 0.5, colors, mask_opacity)
    pil = Image.fromarray(img)
    draw = ImageDraw.Draw(pil)
    lw = line_width or max(2, round(max(h, w) / 250))
    font = _font(max(12, round(max(h, w) / 32)))  # readable when the page shows it scaled down
    for box, color in zip(dets.boxes, colors):  # every box first, so no box is drawn over a tag
        draw.rectangle([float(v) for v in box], outline=tuple(int(v) for v in color), width=lw)
    if not show_labels:
        return np.asarray(pil)
    placed: list[tuple[float, float, float, float]] = []
    for k in np.argsort(-dets.scores, kind="stable"):  # the surest objects get the best spots
        box, score, label = dets.boxes[k], dets.scores[k], dets.labels[k]
        c = tuple(int(v) for v in colors[k])
        text = (tags[k] if tags is not None else dets.class_names[int(label)]) + (f" {score:.2f}" if show_scores else "")
        tx0, ty0, tx1, ty1 = draw.textbbox((0, 0), text, font=font)
        tw, th = tx1 - tx0 + 6, ty1 - ty0 + 4
        tx, ty = _place_tag([float(v) for v in box], tw, th, w, h, placed)
        placed.append((tx, ty, tx + tw, ty + th))
        draw.rectangle([tx, ty, tx + tw, ty + th], fill=c)
        draw.text((tx + 3, ty + 2 - ty0), text, fill=(0, 0, 0) if sum(c) > 380 else (255, 255, 255), font=font)
    return np.asarray(pil)


def legend_entries(seg: Segmentation, min_fraction: float = 0.0) -> list[tuple[str, tuple[int, int, int], float]]:
    """(class name, colour, fraction of pixels) for every class present, largest first."""
    counts = np.bincount(seg.classes.ravel(), minlength=len(seg.class_names))
    colors = palette(len(seg.class_names))
    total = max(int(counts.sum()), 1)
    rows = [(seg.class_names[i], tuple(int(v) for v in colors[i]), counts[i] / total)
            for i in np.flatnonzero(counts) if counts[i] / total >= min_fraction]
    return sorted(rows, key=lambda r: -r[2])


def draw_segmentation(rgb: np.ndarray, seg: Segmentation, opacity: float = 0.55,
                      background: int | None = 0, legend: bool = True) -> np.ndarray:
    """Colour every pixel by its class (background left clear) and add a legend strip on the right.

    rgb (uint8[H, W, 3]), seg.classes (int64[H, W]). Returns uint8[H, W + legend width, 3].
    """
    import cv2

    rgb = np.ascontiguousarray(rgb[..., :3])
    colors = palette(len(seg.class_names))
    painted = np.take(colors, seg.classes, axis=0)  # uint8[H, W, 3]: a lookup table, all classes at once
    img = cv2.addWeighted(rgb, 1.0 - opacity, painted, opacity, 0.0)  # one fused, rounded blend
    if background is not None:
        img = np.where((seg.classes == background)[..., None], rgb, img)  # background stays clear
    if not legend:
        return img
    rows = legend_entries(seg)
    if background is not None:  # it is left clear: no swatch for it
        rows = [r for r in rows if r[0] != seg.class_names[background]]
    return _with_legend(img, rows)


def _with_legend(img: np.ndarray, rows: list[tuple[str, tuple[int, int, int], float]]) -> np.ndarray:
    """Append a white strip listing colour swatch, class name and pixel share."""
    h = img.shape[0]
    font = _font(max(11, round(h / 40)))
    line = max(16, round(h / 22))
    width = max(120, 12 + line + max((int(font.getlength(f"{n} {f:.0%}")) for n, _, f in rows), default=0) + 8)
    pil = Image.new("RGB", (img.shape[1] + width, h), (255, 255, 255))
    pil.paste(Image.fromarray(img), (0, 0))
    draw = ImageDraw.Draw(pil)
    x0 = img.shape[1] + 8
    for k, (name, color, frac) in enumerate(rows[: max(1, (h - 8) // line)]):
        y = 6 + k * line
        draw.rectangle([x0, y, x0 + line - 4, y + line - 4], fill=color, outline=(0, 0, 0))
        draw.text((x0 + line + 2, y), f"{name} {frac:.0%}", fill=(0, 0, 0), font=font)
    return np.asarray(pil)


def encode_png(rgb: np.ndarray) -> bytes:
    """uint8[H, W, 3] -> PNG bytes (for st.download_button)."""
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb)).save(buf, format="PNG")
    return buf.getvalue()
