"""Model cards for the CNNs page.

torchvision's ImageNet classifiers list their pretrained checkpoint first and, second, the small
network of the same family KeyPoint trained on ShapesWorld (5 shape classes), so the feature maps and
Grad-CAM work offline and the page says which weights it shows. LeNet-5 and NiN are bundled only.
"""
from __future__ import annotations

import json

from core.zoo.card import ModelCard, Source
from core.zoo.record import describe, read_record
from core.zoo.sources import REPO_ROOT

TV_LICENSE = "BSD-3-Clause (torchvision code; weights trained on ImageNet-1k)"
OWN_LICENSE = "MIT (KeyPoint's own weights and data)"


def bundled(stem: str) -> Source:
    return Source(kind="bundled", hub="assets", ref=f"assets/cnn/{stem}.safetensors")


def _note(stem: str) -> str:
    """One line from the training card next to the bundled weights, when it is there."""
    path = REPO_ROOT / "assets" / "cnn" / f"{stem}.json"
    if not path.is_file():
        return f"Offline fallback `{stem}`: train it with `python -m core.vision.cnn.train {stem}`."
    return f"Offline fallback: {json.loads(path.read_text())['title']}. {describe(read_record(path))}"


def _tv(name: str, weights: str, size_mb: float, stem: str, what: str) -> ModelCard:
    return ModelCard(name=f"cnn-{name}", family=name, task="image classification", license=TV_LICENSE,
                     sources=(Source(kind="pretrained", hub="torchvision", ref=weights, size_mb=size_mb), bundled(stem)),
                     notes=f"{what} {_note(stem)}", page="cnns", extra={"torchvision": name, "stem": stem})


def _own(name: str, family: str, stem: str, what: str) -> ModelCard:
    return ModelCard(name=name, family=family, task="image classification", license=OWN_LICENSE,
                     sources=(bundled(stem),), notes=f"{what} {_note(stem)}", page="cnns", extra={"stem": stem})


CARDS: list[ModelCard] = [
    _tv("resnet18", "ResNet18_Weights.IMAGENET1K_V1", 44.7, "shapes_resnet_small",
        "ResNet-18 (He et al. 2015), ImageNet top-1 69.8%."),
    _tv("alexnet", "AlexNet_Weights.IMAGENET1K_V1", 233.1, "shapes_alexnet_small",
        "AlexNet (Krizhevsky et al. 2012), ImageNet top-1 56.5%."),
    _tv("vgg11", "VGG11_Weights.IMAGENET1K_V1", 506.8, "shapes_vgg_small", "VGG-11 (Simonyan & Zisserman 2014), ImageNet top-1 69.0%."),
    _tv("googlenet", "GoogLeNet_Weights.IMAGENET1K_V1", 49.7, "shapes_googlenet_small",
        "GoogLeNet (Szegedy et al. 2014), ImageNet top-1 69.8%."),
    _tv("densenet121", "DenseNet121_Weights.IMAGENET1K_V1", 30.8, "shapes_densenet_small",
        "DenseNet-121 (Huang et al. 2016), ImageNet top-1 74.4%."),
    _own("cnn-nin-shapes", "NiN", "shapes_nin_small", "Network in Network, small, no fully connected layers."),
    _own("cnn-lenet5-shapes", "LeNet", "shapes_lenet", "LeNet-5 (ReLU) on 32 x 32 ShapesWorld images."),
    _own("cnn-lenet5-digits", "LeNet", "digits_lenet", "LeNet-5 with batch norm on handwritten digits."),
]
