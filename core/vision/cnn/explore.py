"""What the CNNs page asks core for: a layer table by name, the family comparison, a ShapesWorld image
the bundled network gets right, and the live side-by-side runs."""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Iterator

import numpy as np
import torch

from core.progress import OnProgress
from core.runtime import torch_rng
from core.vision.cnn import data as cnn_data
from core.vision.cnn.loop import TrainConfig, TrainEvent, side_by_side, train
from core.vision.cnn.registry import SMALL, TEACHING, TORCHVISION, build, torchvision_model
from core.vision.cnn.table import LayerTable, family_summary, layer_table, on_meta

# explorer key -> label: the notes' networks, torchvision's originals, the small trainable ones
EXPLORER: dict[str, str] = {
    **{f"teaching:{k}": f"{s.title} (the notes' form)" for k, s in TEACHING.items()},
    **{f"torchvision:{k}": f"torchvision {k}" for k in TORCHVISION},
    **{f"small:{k}": f"{s.title}, trainable here" for k, s in SMALL.items()},
}


def explorer_input(key: str) -> tuple[int, int]:
    """(channels, default size) of an explorer network."""
    kind, name = key.split(":")
    spec = TEACHING.get(name) if kind == "teaching" else SMALL.get(name) if kind == "small" else None
    return (spec.in_ch, spec.size) if spec else (3, 224)


def explore(key: str, size: int | None = None) -> LayerTable:
    """The layer table of an explorer network at size x size (built on the meta device: no weights)."""
    kind, name = key.split(":")
    in_ch, default = explorer_input(key)
    size = size or default
    if kind == "torchvision":
        model = on_meta(lambda: torchvision_model(name))
    else:
        spec = TEACHING[name] if kind == "teaching" else SMALL[name]
        model = on_meta(lambda: spec.build(in_ch, spec.num_classes, size))
    return layer_table(model, (in_ch, size, size))


def family(on_progress: OnProgress | None = None) -> list[dict]:
    """Parameters and FLOPs of the notes' networks at their own input size (LeNet 28 px, others 224 px),
    one network at a time: on_progress(done, total) after each is measured."""
    specs = list(TEACHING.values())
    out = []
    for i, s in enumerate(specs, start=1):
        model = on_meta(lambda s=s: s.build(s.in_ch, s.num_classes, s.size))
        out += family_summary({s.title: (model, (s.in_ch, s.size, s.size))})
        if on_progress:
            on_progress(i, len(specs))
    return out


def shapes_samples(n: int = 24, seed: int = cnn_data.TEST_SEED, size: int = 64):
    """Held-out ShapesWorld images (the bundled networks' test seed): (uint8[n, S, S, 3], labels, names)."""
    from core.vision.shapes.classification import classification_set

    s = classification_set(n, seed, size)
    return s.images, s.labels, s.class_names


def first_correct(clf, images: np.ndarray, labels: np.ndarray, min_prob: float = 0.6) -> int:
    """Index of the first image the classifier gets right with probability >= min_prob (else 0)."""
    with torch.no_grad():
        for i, (img, y) in enumerate(zip(images, labels)):
            p = clf.model(clf.prepare(img)).softmax(1)[0]
            if int(p.argmax()) == int(y) and float(p.max()) >= min_prob:
                return i
    return 0


@dataclass(frozen=True)
class Preset:
    data: str  # "digits" or "shapes"
    left: str  # SMALL network names
    right: str
    cfg: TrainConfig  # steps, batch, learning rate
    why: str  # what the comparison shows


PRESETS: dict[str, Preset] = {
    "LeNet-5 with and without batch norm (digits)": Preset(
        "digits", "lenet", "lenet_bn", TrainConfig(steps=300, batch=64, lr=0.01, eval_every=20, n_eval=300),
        "Same LeNet-5 with sigmoids; BN renormalises every layer's inputs, so the sigmoids stay in their "
        "steep range and the loss drops in a fraction of the steps."),
    "Plain stack vs residual, 21 conv layers (digits)": Preset(
        "digits", "plain_deep", "residual_deep", TrainConfig(steps=200, batch=32, lr=0.001, eval_every=20, n_eval=200),
        "No batch norm. Through 20 plain layers the gradient at the first layer is ~1e-9 and the net does not "
        "learn; the identity shortcuts carry it back (~1e-2)."),
    "VGG vs ResNet, small (ShapesWorld 32 px)": Preset(
        "shapes", "vgg_small", "resnet_small", TrainConfig(steps=300, batch=32, lr=0.003, eval_every=20, n_eval=200,
                                                           flip=True),
        "ShapesWorld shape classification, 5 classes."),
}


def load_data(name: str, seed: int = 0) -> cnn_data.ImageSet:
    """The live tab's data: digits (28 px) or a small ShapesWorld set (800 + 200 images at 32 px)."""
    return cnn_data.load(name, 800, 200, 32, seed) if name == "shapes" else cnn_data.load(name, seed=seed)


def start_pair(data: cnn_data.ImageSet, left: str, right: str, cfg: TrainConfig,
               seed: int = 0) -> Iterator[dict[str, TrainEvent]]:
    """Two fresh networks (seeded the same), trained side by side on the same batches."""
    runs = {}
    for name in (left, right):  # each run owns its generators: other sessions' draws cannot reach them
        model = build(name, data.in_ch, len(data.class_names), data.size, generator=torch_rng(seed, "init"))
        runs[SMALL[name].title] = train(model, data, copy.copy(cfg), seed=seed)
    return side_by_side(runs)
