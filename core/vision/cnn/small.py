"""The same families shrunk to train in seconds on 2 CPU cores: 28 px digits or 32-64 px ShapesWorld.

Same blocks as the full-size networks (core.vision.cnn.nets), fewer channels and stages. Inputs of
48 px and more get a stride-2 stem so every network does its work at <= 32 x 32.
"""
from __future__ import annotations

from torch import nn

from core.private_init import Dropout

from core.vision.cnn.blocks import DenseBlock, Inception, Residual, nin_block, transition
from core.vision.cnn.nets import flat_features, he_init, vgg


def _stem_stride(size: int) -> int:
    return 2 if size >= 48 else 1


def alexnet_small(in_ch: int, num_classes: int, size: int) -> nn.Sequential:
    s = _stem_stride(size)
    features = nn.Sequential(
        nn.Conv2d(in_ch, 24, 5, stride=s, padding=2), nn.ReLU(inplace=True),  # [B, 24, 32, 32] at 64 px
        nn.MaxPool2d(3, stride=2),  # [B, 24, 15, 15]
        nn.Conv2d(24, 48, 5, padding=2), nn.ReLU(inplace=True),
        nn.MaxPool2d(3, stride=2),  # [B, 48, 7, 7]
        nn.Conv2d(48, 64, 3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(64, 48, 3, padding=1), nn.ReLU(inplace=True),
        nn.MaxPool2d(3, stride=2),  # [B, 48, 3, 3]
        nn.Flatten())
    n = flat_features(features, in_ch, size)
    return nn.Sequential(*features, nn.Linear(n, 128), nn.ReLU(inplace=True), Dropout(0.3),
                         nn.Linear(128, 128), nn.ReLU(inplace=True), Dropout(0.3), nn.Linear(128, num_classes))


def vgg_small(in_ch: int, num_classes: int, size: int, bn: bool = False) -> nn.Sequential:
    arch = ((1, 16), (1, 32), (2, 64), (2, 64)) if size >= 48 else ((1, 16), (1, 32), (2, 64))
    return vgg(arch, in_ch, num_classes, size, fc=64, bn=bn)


def nin_small(in_ch: int, num_classes: int, size: int) -> nn.Sequential:
    s = _stem_stride(size)
    return he_init(nn.Sequential(
        nin_block(in_ch, 32, 5, s, 2), nn.MaxPool2d(3, stride=2),  # [B, 32, 15, 15] at 64 px
        nin_block(32, 64, 3, 1, 1), nn.MaxPool2d(3, stride=2),  # [B, 64, 7, 7]
        nin_block(64, 96, 3, 1, 1), nn.MaxPool2d(3, stride=2),  # [B, 96, 3, 3]
        Dropout(0.3),
        nin_block(96, num_classes, 3, 1, 1),  # [B, classes, 3, 3]
        nn.AdaptiveAvgPool2d(1), nn.Flatten()))


def googlenet_small(in_ch: int, num_classes: int, size: int) -> nn.Sequential:
    s = _stem_stride(size)
    b1 = nn.Sequential(nn.Conv2d(in_ch, 32, 5, stride=s, padding=2), nn.ReLU(inplace=True),
                       nn.MaxPool2d(3, stride=2, padding=1))  # [B, 32, 16, 16] at 64 px
    b2 = nn.Sequential(nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(inplace=True),
                       nn.MaxPool2d(3, stride=2, padding=1))  # [B, 64, 8, 8]
    b3 = nn.Sequential(Inception(64, 16, (24, 32), (8, 16), 16),  # [B, 80, 8, 8]
                       Inception(80, 32, (32, 48), (8, 24), 24),  # [B, 128, 8, 8]
                       nn.MaxPool2d(3, stride=2, padding=1))  # [B, 128, 4, 4]
    b4 = nn.Sequential(Inception(128, 48, (32, 64), (8, 16), 16),  # [B, 144, 4, 4]
                       nn.AdaptiveAvgPool2d(1), nn.Flatten())
    return nn.Sequential(b1, b2, b3, b4, nn.Linear(144, num_classes))


def resnet_small(in_ch: int, num_classes: int, size: int, bn: bool = True, residual: bool = True) -> nn.Sequential:
    s = _stem_stride(size)
    stem = nn.Sequential(nn.Conv2d(in_ch, 16, 3, stride=s, padding=1, bias=not bn),
                         nn.BatchNorm2d(16) if bn else nn.Identity(), nn.ReLU(inplace=True))  # [B, 16, 32, 32]
    return nn.Sequential(stem,
                         Residual(16, 16, bn=bn, residual=residual),
                         Residual(16, 32, stride=2, bn=bn, residual=residual),  # 1x1 shortcut: [B, 32, 16, 16]
                         Residual(32, 64, stride=2, bn=bn, residual=residual),  # [B, 64, 8, 8]
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, num_classes))


def densenet_small(in_ch: int, num_classes: int, size: int) -> nn.Sequential:
    s = _stem_stride(size)
    layers: list[nn.Module] = [nn.Conv2d(in_ch, 24, 3, stride=s, padding=1, bias=False)]  # [B, 24, 32, 32]
    c = 24
    for i in range(3):
        block = DenseBlock(4, c, growth=12, bn_size=0)  # [B, c + 48, H, W]
        layers.append(block)
        c = block.out_channels
        if i < 2:
            layers.append(transition(c, c // 2))  # [B, c / 2, H / 2, W / 2]
            c //= 2
    layers += [nn.BatchNorm2d(c), nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
               nn.Linear(c, num_classes)]
    return nn.Sequential(*layers)


def deep_stack(in_ch: int, num_classes: int, size: int, blocks: int = 10, width: int = 16,
               residual: bool = True, bn: bool = False) -> nn.Sequential:
    """2 * blocks + 1 conv layers at one width, with or without shortcuts: without BN and shortcuts
    the gradient reaching the first layer shrinks with depth; the identity paths carry it back."""
    s = _stem_stride(size)
    stem = nn.Sequential(nn.Conv2d(in_ch, width, 3, stride=s, padding=1), nn.ReLU(inplace=True))
    body = [Residual(width, width, stride=2 if i in (blocks // 3, 2 * blocks // 3) else 1, bn=bn,
                     residual=residual) for i in range(blocks)]  # two blocks halve H, W (1x1 shortcut there)
    return nn.Sequential(stem, *body, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(width, num_classes))
