"""The chapter's networks at the notes' (ImageNet) sizes, built from core.vision.cnn.blocks.

LeNet-5 takes a 1 x 28 x 28 digit; the others a 3 x 224 x 224 image and 1000 classes. VGG-11,
ResNet-18 and DenseNet-121 are built so that their parameter counts and output shapes equal
torchvision's (a test checks it); AlexNet, NiN and GoogLeNet follow the notes (D2L) instead:
AlexNet without the two-GPU split and LRN, GoogLeNet without batch norm and auxiliary heads.
"""
from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

from core.private_init import Dropout

from core.vision.cnn.blocks import DenseBlock, Inception, Residual, nin_block, transition, vgg_block


def flat_features(features: nn.Module, in_ch: int, size: int) -> int:
    """How many numbers `features` makes from one in_ch x size x size image (for the first FC layer)."""
    with torch.no_grad():
        return int(features(torch.zeros(1, in_ch, size, size)).numel())


def he_init(model: nn.Module, generator: torch.Generator | None = None) -> nn.Module:
    """He (Kaiming) normal init for every conv, zero biases. NiN's long runs of ReLU convs lose the signal
    under PyTorch's default init (measured: the class maps come out ~0 and the loss sits at ln(classes)).
    The model remembers it (`init_scheme`), so `registry.build(..., generator=g)` redraws it from g."""
    model.init_scheme = "he"
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu", generator=generator)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
    return model


def lenet5(in_ch: int = 1, num_classes: int = 10, size: int = 28, bn: bool = False, act: str = "sigmoid") -> nn.Sequential:
    """LeNet-5 (LeCun et al. 1998) as the notes write it: two 5x5 conv + 2x2 average-pool stages, three FC.
    bn=True puts batch normalization before every activation (the notes' "LeNet with BN")."""
    A = {"sigmoid": nn.Sigmoid, "relu": nn.ReLU}[act]
    norm2 = (lambda c: [nn.BatchNorm2d(c)]) if bn else (lambda c: [])
    norm1 = (lambda c: [nn.BatchNorm1d(c)]) if bn else (lambda c: [])
    features = nn.Sequential(
        nn.Conv2d(in_ch, 6, 5, padding=2), *norm2(6), A(),  # [B, 6, 28, 28]
        nn.AvgPool2d(2, 2),  # [B, 6, 14, 14]
        nn.Conv2d(6, 16, 5), *norm2(16), A(),  # [B, 16, 10, 10]
        nn.AvgPool2d(2, 2),  # [B, 16, 5, 5]
        nn.Flatten())  # [B, 400]
    n = flat_features(features, in_ch, size)
    return nn.Sequential(*features,
                         nn.Linear(n, 120), *norm1(120), A(),
                         nn.Linear(120, 84), *norm1(84), A(),
                         nn.Linear(84, num_classes))


def alexnet(in_ch: int = 3, num_classes: int = 1000, size: int = 224) -> nn.Sequential:
    """AlexNet (Krizhevsky et al. 2012) in the notes' single-tower form; most parameters sit in the FC layers."""
    features = nn.Sequential(
        nn.Conv2d(in_ch, 96, 11, stride=4, padding=1), nn.ReLU(inplace=True),  # [B, 96, 54, 54]
        nn.MaxPool2d(3, stride=2),  # [B, 96, 26, 26]
        nn.Conv2d(96, 256, 5, padding=2), nn.ReLU(inplace=True),  # [B, 256, 26, 26]
        nn.MaxPool2d(3, stride=2),  # [B, 256, 12, 12]
        nn.Conv2d(256, 384, 3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(384, 384, 3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(inplace=True),  # [B, 256, 12, 12]
        nn.MaxPool2d(3, stride=2),  # [B, 256, 5, 5]
        nn.Flatten())  # [B, 6400]
    n = flat_features(features, in_ch, size)
    return nn.Sequential(*features,
                         nn.Linear(n, 4096), nn.ReLU(inplace=True), Dropout(0.5),
                         nn.Linear(4096, 4096), nn.ReLU(inplace=True), Dropout(0.5),
                         nn.Linear(4096, num_classes))


VGG11 = ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))  # (convs, channels) per block


def vgg(arch=VGG11, in_ch: int = 3, num_classes: int = 1000, size: int = 224, fc: int = 4096,
        bn: bool = False) -> nn.Sequential:
    """VGG (Simonyan & Zisserman 2014): blocks of 3x3 convs, each halving H and W; three FC layers.
    Two 3x3 convs see 5x5 with 2 * 9 C^2 weights instead of 25 C^2."""
    blocks, c = [], in_ch
    for num_convs, out_ch in arch:
        blocks.append(vgg_block(num_convs, c, out_ch, bn))  # [B, out_ch, H/2, W/2]
        c = out_ch
    features = nn.Sequential(*blocks, nn.Flatten())  # [B, 512 * 7 * 7] at 224
    n = flat_features(features, in_ch, size)
    return nn.Sequential(*features,
                         nn.Linear(n, fc), nn.ReLU(inplace=True), Dropout(0.5),
                         nn.Linear(fc, fc), nn.ReLU(inplace=True), Dropout(0.5),
                         nn.Linear(fc, num_classes))


def nin(in_ch: int = 3, num_classes: int = 1000) -> nn.Sequential:
    """Network in Network (Lin et al. 2013): NiN blocks, no FC layers; the last block makes one channel
    per class and global average pooling turns each channel into that class's score."""
    return he_init(nn.Sequential(
        nin_block(in_ch, 96, 11, 4, 0), nn.MaxPool2d(3, stride=2),  # [B, 96, 26, 26]
        nin_block(96, 256, 5, 1, 2), nn.MaxPool2d(3, stride=2),  # [B, 256, 12, 12]
        nin_block(256, 384, 3, 1, 1), nn.MaxPool2d(3, stride=2),  # [B, 384, 5, 5]
        Dropout(0.5),
        nin_block(384, num_classes, 3, 1, 1),  # [B, classes, 5, 5]
        nn.AdaptiveAvgPool2d(1), nn.Flatten()))  # [B, classes]


def googlenet(in_ch: int = 3, num_classes: int = 1000) -> nn.Sequential:
    """GoogLeNet (Szegedy et al. 2014) in the notes' form: a stem, nine Inception blocks, global average pooling."""
    b1 = nn.Sequential(nn.Conv2d(in_ch, 64, 7, stride=2, padding=3), nn.ReLU(inplace=True),
                       nn.MaxPool2d(3, stride=2, padding=1))  # [B, 64, 56, 56]
    b2 = nn.Sequential(nn.Conv2d(64, 64, 1), nn.ReLU(inplace=True), nn.Conv2d(64, 192, 3, padding=1),
                       nn.ReLU(inplace=True), nn.MaxPool2d(3, stride=2, padding=1))  # [B, 192, 28, 28]
    b3 = nn.Sequential(Inception(192, 64, (96, 128), (16, 32), 32),  # [B, 256, 28, 28]
                       Inception(256, 128, (128, 192), (32, 96), 64),  # [B, 480, 28, 28]
                       nn.MaxPool2d(3, stride=2, padding=1))  # [B, 480, 14, 14]
    b4 = nn.Sequential(Inception(480, 192, (96, 208), (16, 48), 64),  # [B, 512, 14, 14]
                       Inception(512, 160, (112, 224), (24, 64), 64),
                       Inception(512, 128, (128, 256), (24, 64), 64),
                       Inception(512, 112, (144, 288), (32, 64), 64),  # [B, 528, 14, 14]
                       Inception(528, 256, (160, 320), (32, 128), 128),  # [B, 832, 14, 14]
                       nn.MaxPool2d(3, stride=2, padding=1))  # [B, 832, 7, 7]
    b5 = nn.Sequential(Inception(832, 256, (160, 320), (32, 128), 128),
                       Inception(832, 384, (192, 384), (48, 128), 128),  # [B, 1024, 7, 7]
                       nn.AdaptiveAvgPool2d(1), nn.Flatten())  # [B, 1024]
    return nn.Sequential(b1, b2, b3, b4, b5, nn.Linear(1024, num_classes))


def resnet18(in_ch: int = 3, num_classes: int = 1000, widths=(64, 128, 256, 512), blocks=(2, 2, 2, 2)) -> nn.Sequential:
    """ResNet-18 (He et al. 2015): a 7x7 stem, four stages of two residual blocks; each later stage
    halves H, W and doubles channels, its first block with the 1x1 shortcut."""
    stem = nn.Sequential(nn.Conv2d(in_ch, widths[0], 7, stride=2, padding=3, bias=False), nn.BatchNorm2d(widths[0]),
                         nn.ReLU(inplace=True), nn.MaxPool2d(3, stride=2, padding=1))  # [B, 64, 56, 56]
    stages, c = [], widths[0]
    for i, (w, n) in enumerate(zip(widths, blocks)):
        stride = 1 if i == 0 else 2
        stages.append(nn.Sequential(*[Residual(c if j == 0 else w, w, stride if j == 0 else 1) for j in range(n)]))
        c = w  # stage i: [B, w, 56 / 2^i, 56 / 2^i]
    return nn.Sequential(stem, *stages, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, num_classes))


def densenet121(in_ch: int = 3, num_classes: int = 1000, growth: int = 32, blocks=(6, 12, 24, 16),
                init: int = 64, bn_size: int = 4) -> nn.Sequential:
    """DenseNet-121 (Huang et al. 2016), DenseNet-BC: four dense blocks (growth 32 channels per layer),
    transitions halving channels, H and W in between."""
    layers: list[tuple[str, nn.Module]] = [
        ("conv0", nn.Conv2d(in_ch, init, 7, stride=2, padding=3, bias=False)), ("norm0", nn.BatchNorm2d(init)),
        ("relu0", nn.ReLU(inplace=True)), ("pool0", nn.MaxPool2d(3, stride=2, padding=1))]  # [B, 64, 56, 56]
    c = init
    for i, n in enumerate(blocks):
        block = DenseBlock(n, c, growth, bn_size)
        layers.append((f"denseblock{i + 1}", block))  # [B, c + n * growth, H, W]
        c = block.out_channels
        if i < len(blocks) - 1:
            layers.append((f"transition{i + 1}", transition(c, c // 2)))  # [B, c / 2, H / 2, W / 2]
            c //= 2
    layers += [("norm5", nn.BatchNorm2d(c)), ("relu5", nn.ReLU(inplace=True)), ("pool", nn.AdaptiveAvgPool2d(1)),
               ("flatten", nn.Flatten()), ("fc", nn.Linear(c, num_classes))]  # [B, 1024] -> [B, classes]
    return nn.Sequential(OrderedDict(layers))
