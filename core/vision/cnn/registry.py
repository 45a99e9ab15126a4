"""Every network the chapter can build, by name: the notes' full-size teaching networks, the small
trainable ones, and torchvision's originals (random init unless ImageNet weights are cached)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn

from core.private_init import dropout_from, init_weights
from core.vision.cnn import nets, small
from core.vision.cnn.nets import he_init


@dataclass(frozen=True)
class NetSpec:
    name: str  # key, e.g. "resnet18"
    title: str  # what the page calls it
    family: str  # LeNet, AlexNet, VGG, NiN, GoogLeNet, ResNet, DenseNet
    build: Callable[[int, int, int], nn.Module]  # (in_ch, num_classes, size) -> a fresh model
    in_ch: int = 3  # default input channels
    size: int = 224  # default input height = width
    num_classes: int = 1000


TEACHING: dict[str, NetSpec] = {s.name: s for s in [
    NetSpec("lenet5", "LeNet-5", "LeNet", lambda c, k, s: nets.lenet5(c, k, s), 1, 28, 10),
    NetSpec("alexnet", "AlexNet", "AlexNet", lambda c, k, s: nets.alexnet(c, k, s)),
    NetSpec("vgg11", "VGG-11", "VGG", lambda c, k, s: nets.vgg(nets.VGG11, c, k, s)),
    NetSpec("nin", "NiN", "NiN", lambda c, k, s: nets.nin(c, k)),
    NetSpec("googlenet", "GoogLeNet", "GoogLeNet", lambda c, k, s: nets.googlenet(c, k)),
    NetSpec("resnet18", "ResNet-18", "ResNet", lambda c, k, s: nets.resnet18(c, k)),
    NetSpec("densenet121", "DenseNet-121", "DenseNet", lambda c, k, s: nets.densenet121(c, k)),
]}

# Small versions (what the live tab trains and the bundled weights are): ShapesWorld 5 classes by default.
SMALL: dict[str, NetSpec] = {s.name: s for s in [
    NetSpec("lenet", "LeNet-5 (sigmoid)", "LeNet", lambda c, k, s: nets.lenet5(c, k, s), 3, 32, 5),
    NetSpec("lenet_bn", "LeNet-5 + BN", "LeNet", lambda c, k, s: nets.lenet5(c, k, s, bn=True), 3, 32, 5),
    NetSpec("lenet_relu", "LeNet-5 (ReLU)", "LeNet", lambda c, k, s: nets.lenet5(c, k, s, act="relu"), 3, 32, 5),
    NetSpec("alexnet_small", "AlexNet (small)", "AlexNet", small.alexnet_small, 3, 64, 5),
    NetSpec("vgg_small", "VGG (small)", "VGG", small.vgg_small, 3, 64, 5),
    NetSpec("vgg_small_bn", "VGG (small) + BN", "VGG", lambda c, k, s: small.vgg_small(c, k, s, bn=True), 3, 64, 5),
    NetSpec("nin_small", "NiN (small)", "NiN", small.nin_small, 3, 64, 5),
    NetSpec("googlenet_small", "GoogLeNet (small)", "GoogLeNet", small.googlenet_small, 3, 64, 5),
    NetSpec("resnet_small", "ResNet (small)", "ResNet", small.resnet_small, 3, 64, 5),
    NetSpec("resnet_small_nobn", "ResNet (small), no BN", "ResNet",
            lambda c, k, s: small.resnet_small(c, k, s, bn=False), 3, 64, 5),
    NetSpec("densenet_small", "DenseNet (small)", "DenseNet", small.densenet_small, 3, 64, 5),
    NetSpec("plain_deep", "Plain stack, 21 conv", "plain",
            lambda c, k, s: small.deep_stack(c, k, s, residual=False), 3, 64, 5),
    NetSpec("residual_deep", "Residual stack, 21 conv", "ResNet",
            lambda c, k, s: small.deep_stack(c, k, s, residual=True), 3, 64, 5),
]}

TORCHVISION = ("alexnet", "vgg11", "googlenet", "resnet18", "densenet121")
TV_WEIGHTS = {"alexnet": "AlexNet_Weights.IMAGENET1K_V1", "vgg11": "VGG11_Weights.IMAGENET1K_V1",
              "googlenet": "GoogLeNet_Weights.IMAGENET1K_V1", "resnet18": "ResNet18_Weights.IMAGENET1K_V1",
              "densenet121": "DenseNet121_Weights.IMAGENET1K_V1"}
TV_FAMILY = {"alexnet": "AlexNet", "vgg11": "VGG", "googlenet": "GoogLeNet", "resnet18": "ResNet",
             "densenet121": "DenseNet"}


def build(name: str, in_ch: int | None = None, num_classes: int | None = None, size: int | None = None,
          generator: torch.Generator | None = None) -> nn.Module:
    """A fresh teaching or small network by name (defaults from its spec). With `generator`, its initial
    weights (torch's defaults, or He's where the net asks for it) and its dropout masks come from it."""
    spec = TEACHING.get(name) or SMALL.get(name)
    if spec is None:
        raise ValueError(f"unknown network {name!r}; choose one of {sorted(TEACHING) + sorted(SMALL)}")
    model = spec.build(in_ch or spec.in_ch, num_classes or spec.num_classes, size or spec.size)
    if generator is not None:
        init_weights(model, generator)
        if getattr(model, "init_scheme", None) == "he":
            he_init(model, generator)
        dropout_from(model, generator)
    return model


def torchvision_model(name: str, weights: str | None = None) -> nn.Module:
    """torchvision's original; weights=None is a random init that downloads nothing."""
    import torchvision

    if name not in TORCHVISION:
        raise ValueError(f"unknown torchvision model {name!r}; choose one of {TORCHVISION}")
    kw = {"aux_logits": False, "init_weights": False} if name == "googlenet" and weights is None else {}
    if name == "googlenet" and weights is not None:
        kw = {"aux_logits": True}  # the checkpoint carries the auxiliary heads; eval() ignores them
    return getattr(torchvision.models, name)(weights=weights, **kw).eval()
