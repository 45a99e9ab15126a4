"""A canvas's drawn objects in image coordinates, and what to do with a bad drawing.

The canvas (streamlit-drawable-canvas, Fabric.js underneath) reports objects in canvas pixels, each as
left/top/width/height with a scale (a resized box keeps its width and changes scaleX) and an origin
(left/top or centre). The picture behind it is stretched to the canvas, so image = canvas * (W / canvas_w).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_ORIGIN = {"left": 0.0, "top": 0.0, "center": 0.5, "right": 1.0, "bottom": 1.0}
MAX_BOXES = 50  # more than this is a scribble, not an annotation: the rest are dropped with a note


@dataclass
class Scale:
    """Canvas pixels -> image pixels (the background image is stretched over the whole canvas)."""

    sx: float  # image pixels per canvas pixel, horizontally
    sy: float

    @classmethod
    def fit(cls, canvas_wh: tuple[int, int], image_wh: tuple[int, int]) -> "Scale":
        return cls(image_wh[0] / max(canvas_wh[0], 1), image_wh[1] / max(canvas_wh[1], 1))


def _extent(obj: dict) -> tuple[float, float, float, float]:
    """(left, top, width, height) of one Fabric object in canvas pixels, scale and origin applied."""
    w = float(obj.get("width", 0) or 0) * float(obj.get("scaleX", 1) or 1)
    h = float(obj.get("height", 0) or 0) * float(obj.get("scaleY", 1) or 1)
    left = float(obj.get("left", 0) or 0) - _ORIGIN.get(obj.get("originX", "left"), 0.0) * w
    top = float(obj.get("top", 0) or 0) - _ORIGIN.get(obj.get("originY", "top"), 0.0) * h
    return left, top, w, h


def rects(json_data: dict | None, scale: Scale) -> np.ndarray:
    """Every drawn rectangle as float[N, 4] (x1, y1, x2, y2) in image pixels, in drawing order.
    A box drawn right to left or bottom to top (negative width/height) comes out with x1 <= x2, y1 <= y2."""
    out = []
    for obj in (json_data or {}).get("objects", []):
        if obj.get("type") not in ("Rect", "rect", "LabeledRect"):
            continue
        left, top, w, h = _extent(obj)
        x1, x2 = sorted((left, left + w))
        y1, y2 = sorted((top, top + h))
        out.append([x1 * scale.sx, y1 * scale.sy, x2 * scale.sx, y2 * scale.sy])
    return np.asarray(out, np.float64).reshape(-1, 4)


def points(json_data: dict | None, scale: Scale) -> np.ndarray:
    """Every clicked point (point mode draws a small Circle centred on the click) as float[N, 2] (x, y)
    in image pixels, in click order."""
    out = []
    for obj in (json_data or {}).get("objects", []):
        if obj.get("type") not in ("Circle", "circle"):
            continue
        sw = float(obj.get("strokeWidth", 0) or 0)  # Fabric's box includes the stroke: the centre is half of it further
        left, top, w, h = _extent({**obj, "width": float(obj.get("width", 0) or 0) + sw,
                                   "height": float(obj.get("height", 0) or 0) + sw})
        out.append([(left + w / 2) * scale.sx, (top + h / 2) * scale.sy])
    return np.asarray(out, np.float64).reshape(-1, 2)


@dataclass
class CheckedBoxes:
    boxes: np.ndarray  # float[K, 4] xyxy, inside the image, each at least min_size wide and high
    kept: np.ndarray  # int64[K], index of each kept box in the input
    notes: list[str]  # one readable line per problem (empty when all was well)


def check_boxes(boxes: np.ndarray, width: int, height: int, min_size: float = 2.0,
                max_boxes: int = MAX_BOXES) -> CheckedBoxes:
    """Clip drawn boxes to the image and drop the ones a detector could never match: outside the image,
    or thinner than min_size pixels after clipping. Too many boxes: the first max_boxes are kept."""
    b = np.asarray(boxes, np.float64).reshape(-1, 4)
    notes = []
    if len(b) > max_boxes:
        notes.append(f"{len(b)} boxes drawn: only the first {max_boxes} are used.")
        b = b[:max_boxes]
    x1, x2 = np.minimum(b[:, 0], b[:, 2]), np.maximum(b[:, 0], b[:, 2])  # right to left is still a box
    y1, y2 = np.minimum(b[:, 1], b[:, 3]), np.maximum(b[:, 1], b[:, 3])
    clipped = np.stack([x1.clip(0, width), y1.clip(0, height), x2.clip(0, width), y2.clip(0, height)], axis=1)
    ok = ((clipped[:, 2] - clipped[:, 0]) >= min_size) & ((clipped[:, 3] - clipped[:, 1]) >= min_size)
    outside = ((x2 <= 0) | (y2 <= 0) | (x1 >= width) | (y1 >= height))
    if outside.any():
        notes.append(f"{int(outside.sum())} box(es) lie outside the picture and are ignored.")
    thin = ~ok & ~outside
    if thin.any():
        notes.append(f"{int(thin.sum())} box(es) narrower than {min_size:g} px are ignored (a click, not a drag?).")
    return CheckedBoxes(clipped[ok], np.flatnonzero(ok), notes)


def feature_box(box: np.ndarray, spatial_scale: float) -> np.ndarray:
    """A box in image pixels on the feature map: multiply by spatial_scale (1 / stride), as RoI Pool and
    RoI Align do before anything else. float[4] -> float[4] in feature-map cells."""
    return np.asarray(box, np.float64) * float(spatial_scale)


def cell_of(point: np.ndarray, stride: float, grid_wh: tuple[int, int]) -> tuple[int, int]:
    """The (row, col) of the grid cell a point (x, y) in image pixels falls in, for cells of `stride` pixels;
    a point outside the image goes to the nearest cell."""
    x, y = float(point[0]), float(point[1])
    col = int(np.clip(np.floor(x / stride), 0, grid_wh[0] - 1))
    row = int(np.clip(np.floor(y / stride), 0, grid_wh[1] - 1))
    return row, col


@dataclass
class DrawnBox:
    box: np.ndarray | None  # float[4] xyxy in image pixels, clipped to the image; None when none is usable
    cells: np.ndarray | None  # float[4] the same box on the feature map (box * spatial_scale)
    note: str | None  # why the drawing was not used, or what was changed (clipped), for the page


def last_box(json_data: dict | None, scale: Scale, width: int, height: int, spatial_scale: float = 1.0,
             min_size: float = 2.0) -> DrawnBox:
    """The last rectangle drawn on a canvas as the box an algorithm takes: in image pixels (clipped to the
    width x height image, right-to-left drags put right) and on a feature map of stride 1 / spatial_scale."""
    drawn = rects(json_data, scale)
    if len(drawn) == 0:
        return DrawnBox(None, None, "No box drawn yet: drag a rectangle on the picture.")
    raw = drawn[-1]
    checked = check_boxes(raw[None], width, height, min_size)
    if len(checked.boxes) == 0:
        return DrawnBox(None, None, checked.notes[0] if checked.notes else "That box cannot be used.")
    box = checked.boxes[0]
    note = "The box went past the picture's edge: it is cut at the edge." if not np.allclose(box, raw) else None
    return DrawnBox(box, feature_box(box, spatial_scale), note)


def rect_drawing(boxes: np.ndarray, scale: Scale, stroke: str = "#ff4b4b", fill: str = "rgba(255, 75, 75, 0.15)",
                 stroke_width: int = 3) -> dict:
    """Boxes in image pixels (float[N, 4]) as a canvas drawing (the inverse of `rects`), to start a canvas
    with a box already on it."""
    objs = []
    for x1, y1, x2, y2 in np.asarray(boxes, np.float64).reshape(-1, 4):
        objs.append({"type": "Rect", "left": x1 / scale.sx, "top": y1 / scale.sy, "width": (x2 - x1) / scale.sx,
                     "height": (y2 - y1) / scale.sy, "originX": "left", "originY": "top", "scaleX": 1, "scaleY": 1,
                     "angle": 0, "fill": fill, "stroke": stroke, "strokeWidth": stroke_width, "strokeUniform": True})
    return {"version": "4.4.0", "objects": objs}


@dataclass
class GroundTruth:
    boxes: np.ndarray  # float[M, 4] xyxy in image pixels (checked: inside, not degenerate)
    labels: np.ndarray  # int64[M], indices into the class list
    notes: list[str]  # one line per box that was left out, and why


def labelled_boxes(json_data: dict | None, scale: Scale, class_names: list[str], width: int, height: int) -> GroundTruth:
    """Drawn ground truth: every labelled rectangle as a box and a class index. A box without a class, or with
    a name the model does not know, is left out with a note; so are boxes check_boxes refuses."""
    objs = [o for o in (json_data or {}).get("objects", []) if o.get("type") in ("LabeledRect", "Rect", "rect")]
    names = [str(o.get("label", "") or "").strip() for o in objs]
    checked = check_boxes(rects({"objects": objs}, scale), width, height)
    notes = list(checked.notes)
    boxes, labels = [], []
    for box, k in zip(checked.boxes, checked.kept):
        if not names[k]:
            notes.append(f"Box {k + 1} has no class: pick one before drawing the box. It is left out.")
        elif names[k] not in class_names:
            notes.append(f"Box {k + 1}: this model does not know '{names[k]}'. It is left out.")
        else:
            boxes.append(box)
            labels.append(class_names.index(names[k]))
    return GroundTruth(np.asarray(boxes, np.float64).reshape(-1, 4), np.asarray(labels, np.int64), notes)
