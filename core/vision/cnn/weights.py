"""Bundled CNN weights: safetensors (float16 on disk, float32 in memory) + a card json each, in assets/cnn/.

    clf = load_bundled("shapes_resnet_small")   # a Classifier: model, class names, input size, card
    x = clf.prepare(rgb)                        # [1, C, S, S], as the network saw its data
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from core.vision.cnn.data import to_input
from core.vision.cnn.registry import build
from core.zoo.record import TrainingRecord, write_card

ASSETS = Path(__file__).resolve().parents[3] / "assets" / "cnn"


@dataclass
class Classifier:
    """A network with what it takes to feed it an image and name its outputs."""

    model: nn.Module  # in eval mode; shared when cached: never train or mutate it
    class_names: tuple[str, ...]
    size: int  # input height = width
    in_ch: int  # 1 (grey) or 3 (RGB)
    label: str  # e.g. "ResNet (small) trained on ShapesWorld (bundled)"
    imagenet: bool = False  # normalise with ImageNet's mean/std (torchvision weights) instead of ours
    card: dict = field(default_factory=dict)

    def prepare(self, rgb: np.ndarray) -> torch.Tensor:
        if not self.imagenet:
            return to_input(rgb, self.size, self.in_ch)
        from core.vision.pretrained.torchvision_models import IMAGENET_MEAN, IMAGENET_STD

        x = to_input(rgb, self.size, 3) * 0.25 + 0.5  # back to pixels in [0, 1]
        mean, std = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
        return (x - mean) / std


def paths(stem: str, folder: Path = ASSETS) -> tuple[Path, Path]:
    return folder / f"{stem}.safetensors", folder / f"{stem}.json"


def save(model: nn.Module, stem: str, record: TrainingRecord, details: dict, folder: Path = ASSETS) -> Path:
    """Weights (float16 safetensors) and the card: the net's details and its TrainingRecord."""
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    w, c = paths(stem, folder)
    tensors = {k: (v.half() if v.is_floating_point() else v).contiguous() for k, v in model.state_dict().items()}
    save_file(tensors, str(w))
    write_card(c, record, **details)
    return w


def bundled_stems(folder: Path = ASSETS) -> list[str]:
    return sorted(p.stem for p in folder.glob("*.safetensors"))


def load_bundled(stem: str, folder: Path = ASSETS) -> Classifier:
    """Build the card's network and load its weights (no pickle). FileNotFoundError if absent."""
    from safetensors.torch import load_file

    w, c = paths(stem, folder)
    if not w.is_file():
        raise FileNotFoundError(f"no bundled weights {w}; train them with `python -m core.vision.cnn.train`")
    card = json.loads(c.read_text())
    model = build(card["net"], card["in_ch"], card["num_classes"], card["size"])
    state = {k: v.float() if v.is_floating_point() else v for k, v in load_file(str(w)).items()}
    model.load_state_dict(state)
    return Classifier(model.eval(), tuple(card["class_names"]), card["size"], card["in_ch"],
                      f"{card['title']} trained on {card['data_title']} (bundled)", card=card)
