"""Download buttons for results, named after what and which settings (core.export.file_name):

    export.csv(history_df, "char-lm-history", cell="lstm", steps=300)
    export.png(picture, "gradcam", "cat", layer="layer4")
    export.json(trace, "beam", prompt, k=4, alpha=1.0)

A download never reruns the page (on_click="ignore"): a finished training run stays on screen.
"""
from __future__ import annotations

from typing import Any

import streamlit as st

from core import export as ex


def _button(label: str, data: bytes, name: str, mime: str, where, key: str | None) -> None:
    (where or st).download_button(label, data, file_name=name, mime=mime, key=key or f"dl_{name}",
                                  on_click="ignore", icon=":material/download:")


def csv(df, what: str, *texts: Any, label: str = "CSV", where=None, key: str | None = None, **settings) -> str:
    """A CSV download of a DataFrame; returns the file name."""
    name = ex.file_name(what, *texts, ext="csv", **settings)
    _button(label, ex.csv_bytes(df), name, "text/csv", where, key)
    return name


def png(picture, what: str, *texts: Any, label: str = "PNG", where=None, key: str | None = None, **settings) -> str:
    """A PNG download of a picture (uint8[H, W, 3]) at its own size; returns the file name."""
    name = ex.file_name(what, *texts, ext="png", **settings)
    _button(label, ex.png_bytes(picture), name, "image/png", where, key)
    return name


def matrix_png(m, what: str, *texts: Any, label: str = "PNG", where=None, key: str | None = None,
               **settings) -> str:
    """A PNG download of a heatmap's matrix (viridis, one square per entry); returns the file name."""
    name = ex.file_name(what, *texts, ext="png", **settings)
    _button(label, ex.matrix_png(m), name, "image/png", where, key)
    return name


def json(obj, what: str, *texts: Any, label: str = "JSON", where=None, key: str | None = None, **settings) -> str:
    """A JSON download of a trace (dataclasses, arrays, tensors); returns the file name."""
    name = ex.file_name(what, *texts, ext="json", **settings)
    _button(label, ex.json_bytes(obj), name, "application/json", where, key)
    return name
