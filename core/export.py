"""Results as files a student keeps: file names that say what and which settings, and the bytes
(CSV of a table, PNG of a picture or of a matrix, JSON of a trace). Never imports streamlit; the
page side is app_pages/parts/export.py.

    file_name("beam", "the cat", k=4, alpha=1.0, ext="json")   # 'beam_k4_alpha1.0_the-cat.json'
"""
from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

import numpy as np

MAX_SLUG = 32  # characters of free text (a prompt) kept in a file name


def slug(value: Any, limit: int = MAX_SLUG) -> str:
    """'The cat sat!' -> 'the-cat-sat': lowercase letters, digits, dots and dashes only."""
    text = re.sub(r"[^a-z0-9.]+", "-", str(value).lower()).strip("-.")
    return text[:limit].rstrip("-.") or "x"


def file_name(what: str, *texts: Any, ext: str, **settings: Any) -> str:
    """what, then each setting as name+value, then free texts: file_name('beam', 'the cat', k=4, ext='json')
    gives 'beam_k4_the-cat.json'. Floats keep one decimal at least (alpha1.0)."""
    parts = [slug(what)]
    for k, v in settings.items():
        v = f"{v:g}" if isinstance(v, float) and v != int(v) else (f"{v:.1f}" if isinstance(v, float) else v)
        parts.append(slug(f"{k}{v}"))
    parts += [slug(t) for t in texts if str(t).strip()]
    return "_".join(parts) + "." + ext.lstrip(".")


def csv_bytes(df) -> bytes:
    """A pandas DataFrame as UTF-8 CSV, without the index (its columns are the table's)."""
    return df.to_csv(index=False).encode("utf-8")


def png_bytes(rgb: np.ndarray) -> bytes:
    """A picture (uint8[H, W, 3] or [H, W], or floats in [0, 1]) as PNG bytes of the same size."""
    from core.viz.overlay import encode_png

    a = np.asarray(rgb)
    if a.dtype != np.uint8:
        a = (np.clip(a.astype(np.float64), 0, 1) * 255).round().astype(np.uint8)
    return encode_png(a)


# viridis at 8 stops (matplotlib's table), interpolated: readable on light and dark pages alike.
_VIRIDIS = np.array([[68, 1, 84], [70, 50, 127], [54, 92, 141], [39, 127, 142], [31, 161, 135],
                     [74, 194, 109], [159, 218, 58], [253, 231, 37]], np.float64)


def matrix_png(m: np.ndarray, cell: int = 16) -> bytes:
    """A matrix (float[R, C], e.g. attention weights) as a viridis PNG, `cell` pixels per entry
    (low = dark purple, high = yellow; scaled to the matrix's own min and max)."""
    m = np.asarray(m, np.float64)
    if m.ndim != 2 or m.size == 0:
        raise ValueError(f"matrix_png needs a non-empty 2-D matrix, got shape {m.shape}")
    lo, hi = np.nanmin(m), np.nanmax(m)
    t = np.zeros_like(m) if hi <= lo else (np.nan_to_num(m, nan=lo) - lo) / (hi - lo)
    pos = t * (len(_VIRIDIS) - 1)
    i = np.minimum(pos.astype(int), len(_VIRIDIS) - 2)
    f = (pos - i)[..., None]
    rgb = (_VIRIDIS[i] * (1 - f) + _VIRIDIS[i + 1] * f).round().astype(np.uint8)  # [R, C, 3]
    return png_bytes(np.kron(rgb, np.ones((cell, cell, 1), np.uint8)))


def to_jsonable(obj: Any) -> Any:
    """Dataclasses, numpy arrays and scalars, torch tensors, tuples and dicts as plain JSON values."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if hasattr(obj, "detach") and hasattr(obj, "cpu"):  # a torch tensor, without importing torch
        return obj.detach().cpu().tolist()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set)):
        return [to_jsonable(v) for v in obj]
    return obj


def json_bytes(obj: Any) -> bytes:
    """Any trace (dataclasses, arrays, tensors) as indented UTF-8 JSON (a pruned beam's -inf stays
    -Infinity, which json.loads and JavaScript's JSON5 readers take back)."""
    return json.dumps(to_jsonable(obj), indent=1, ensure_ascii=False).encode("utf-8")
