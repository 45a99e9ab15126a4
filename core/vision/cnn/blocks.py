"""The building blocks the CNN chapter opens up, in the notes' teaching form.

VGG block, NiN block, Inception block (four paths, concatenated), batch normalization written out,
ResNet's residual block (with the 1x1 shortcut when the shape changes), DenseNet's dense block and
transition layer. Each composite block says how its paths run (`rf_paths`) so the layer table can
compute receptive fields in closed form.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def vgg_block(num_convs: int, in_ch: int, out_ch: int, bn: bool = False) -> nn.Sequential:
    """num_convs 3x3 convolutions (padding 1 keeps H, W), then a 2x2 max pool halves H and W.
    [B, in_ch, H, W] -> [B, out_ch, H/2, W/2]"""
    layers: list[nn.Module] = []
    for _ in range(num_convs):
        layers.append(nn.Conv2d(in_ch, out_ch, kernel_size=3, padding=1))
        if bn:
            layers.append(nn.BatchNorm2d(out_ch))
        layers.append(nn.ReLU(inplace=True))
        in_ch = out_ch
    layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
    return nn.Sequential(*layers)


def nin_block(in_ch: int, out_ch: int, kernel_size: int, stride: int, padding: int) -> nn.Sequential:
    """One spatial convolution, then two 1x1 convolutions: a small MLP applied at every pixel.
    [B, in_ch, H, W] -> [B, out_ch, (H + 2p - k) / s + 1, ...]"""
    return nn.Sequential(
        nn.Conv2d(in_ch, out_ch, kernel_size, stride, padding), nn.ReLU(inplace=True),
        nn.Conv2d(out_ch, out_ch, kernel_size=1), nn.ReLU(inplace=True),
        nn.Conv2d(out_ch, out_ch, kernel_size=1), nn.ReLU(inplace=True))


class Inception(nn.Module):
    """GoogLeNet's block: four paths over the same input, concatenated on channels.

    p1: 1x1 conv                       -> c1 channels
    p2: 1x1 conv (reduce) -> 3x3 conv  -> c2[1]
    p3: 1x1 conv (reduce) -> 5x5 conv  -> c3[1]
    p4: 3x3 max pool      -> 1x1 conv  -> c4
    Every path keeps H and W, so [B, in_ch, H, W] -> [B, c1 + c2[1] + c3[1] + c4, H, W].
    """

    def __init__(self, in_ch: int, c1: int, c2: tuple[int, int], c3: tuple[int, int], c4: int):
        super().__init__()
        self.p1 = nn.Sequential(nn.Conv2d(in_ch, c1, 1), nn.ReLU(inplace=True))
        self.p2 = nn.Sequential(nn.Conv2d(in_ch, c2[0], 1), nn.ReLU(inplace=True),
                                nn.Conv2d(c2[0], c2[1], 3, padding=1), nn.ReLU(inplace=True))
        self.p3 = nn.Sequential(nn.Conv2d(in_ch, c3[0], 1), nn.ReLU(inplace=True),
                                nn.Conv2d(c3[0], c3[1], 5, padding=2), nn.ReLU(inplace=True))
        self.p4 = nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1),
                                nn.Conv2d(in_ch, c4, 1), nn.ReLU(inplace=True))

    def paths(self, x: torch.Tensor) -> list[torch.Tensor]:
        """The four path outputs, each [B, c_i, H, W], before the concatenation."""
        return [self.p1(x), self.p2(x), self.p3(x), self.p4(x)]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat(self.paths(x), dim=1)  # [B, sum c_i, H, W]

    def rf_paths(self) -> list[list[nn.Module]]:
        return [[self.p1], [self.p2], [self.p3], [self.p4]]


class BatchNorm2d(nn.Module):
    """Batch normalization written out (Ioffe & Szegedy 2015), equal to nn.BatchNorm2d.

    Training: normalise each channel by the batch's mean and (biased) variance over B, H, W, and
    update running averages with the unbiased variance. Eval: use the running averages.
    Then scale by gamma (weight) and shift by beta (bias), both learned per channel.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1):
        super().__init__()
        self.eps, self.momentum = eps, momentum
        self.weight = nn.Parameter(torch.ones(num_features))  # gamma [C]
        self.bias = nn.Parameter(torch.zeros(num_features))  # beta [C]
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, C, H, W = x.shape  # batch, channels, height, width
        if self.training:
            mean = x.mean(dim=(0, 2, 3))  # [C]
            var = x.var(dim=(0, 2, 3), unbiased=False)  # [C], what the batch is normalised by
            n = B * H * W
            with torch.no_grad():  # the running variance is the unbiased estimate (as PyTorch keeps it)
                self.running_mean.mul_(1 - self.momentum).add_(self.momentum * mean)
                self.running_var.mul_(1 - self.momentum).add_(self.momentum * var * n / max(n - 1, 1))
        else:
            mean, var = self.running_mean, self.running_var
        x_hat = (x - mean.view(1, C, 1, 1)) / torch.sqrt(var.view(1, C, 1, 1) + self.eps)
        return self.weight.view(1, C, 1, 1) * x_hat + self.bias.view(1, C, 1, 1)


class Residual(nn.Module):
    """ResNet's basic block: y = relu(F(x) + shortcut(x)), F = conv3x3-BN-ReLU-conv3x3-BN.

    When the stride or the channel count changes, x no longer has F(x)'s shape, and the shortcut is a
    1x1 convolution (with BN, as torchvision has it) of that stride; otherwise it is the identity.
    residual=False drops the shortcut: the same depth as a plain stack.
    [B, in_ch, H, W] -> [B, out_ch, H / stride, W / stride]
    """

    def __init__(self, in_ch: int, out_ch: int, stride: int = 1, bn: bool = True, residual: bool = True,
                 use_1x1: bool | None = None):
        super().__init__()
        norm = (lambda c: nn.BatchNorm2d(c)) if bn else (lambda c: nn.Identity())
        self.conv1 = nn.Conv2d(in_ch, out_ch, 3, stride=stride, padding=1, bias=not bn)
        self.bn1 = norm(out_ch)
        self.conv2 = nn.Conv2d(out_ch, out_ch, 3, padding=1, bias=not bn)
        self.bn2 = norm(out_ch)
        self.residual = residual
        if use_1x1 is None:
            use_1x1 = stride != 1 or in_ch != out_ch
        self.shortcut = (nn.Sequential(nn.Conv2d(in_ch, out_ch, 1, stride=stride, bias=not bn), norm(out_ch))
                         if residual and use_1x1 else None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.bn1(self.conv1(x)))  # [B, out_ch, H/s, W/s]
        y = self.bn2(self.conv2(y))
        if self.residual:
            y = y + (x if self.shortcut is None else self.shortcut(x))  # the shapes must agree here
        return F.relu(y)

    def rf_paths(self) -> list[list[nn.Module]]:
        main = [self.conv1, self.conv2]
        return [main, [self.shortcut] if self.shortcut is not None else []] if self.residual else [main]


class DenseLayer(nn.Module):
    """BN-ReLU-conv1x1 (bottleneck to bn_size * growth) -BN-ReLU-conv3x3 (growth channels), as in
    DenseNet-BC; bn_size=0 skips the bottleneck (the notes' plain conv_block)."""

    def __init__(self, in_ch: int, growth: int, bn_size: int = 4):
        super().__init__()
        layers: list[nn.Module] = []
        if bn_size:
            layers += [nn.BatchNorm2d(in_ch), nn.ReLU(inplace=True),
                       nn.Conv2d(in_ch, bn_size * growth, 1, bias=False)]
            in_ch = bn_size * growth
        layers += [nn.BatchNorm2d(in_ch), nn.ReLU(inplace=True), nn.Conv2d(in_ch, growth, 3, padding=1, bias=False)]
        self.body = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)  # [B, growth, H, W]


class DenseBlock(nn.Module):
    """Each layer sees the concatenation of the block's input and every earlier layer's output, so
    channels grow by `growth` per layer: [B, C, H, W] -> [B, C + num_layers * growth, H, W]."""

    def __init__(self, num_layers: int, in_ch: int, growth: int, bn_size: int = 4):
        super().__init__()
        self.layers = nn.ModuleList(DenseLayer(in_ch + i * growth, growth, bn_size) for i in range(num_layers))
        self.out_channels = in_ch + num_layers * growth

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            x = torch.cat([x, layer(x)], dim=1)  # [B, C + growth, H, W]
        return x

    def rf_paths(self) -> list[list[nn.Module]]:
        return [[layer.body for layer in self.layers]]  # the longest path runs through every layer


def transition(in_ch: int, out_ch: int) -> nn.Sequential:
    """DenseNet's transition layer: BN-ReLU-1x1 conv (channels, usually halved), 2x2 average pool
    (halves H and W). [B, in_ch, H, W] -> [B, out_ch, H/2, W/2]"""
    return nn.Sequential(nn.BatchNorm2d(in_ch), nn.ReLU(inplace=True), nn.Conv2d(in_ch, out_ch, 1, bias=False),
                         nn.AvgPool2d(kernel_size=2, stride=2))
