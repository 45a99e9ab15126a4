"""Blocks opened up: what goes in and out of each path, measured on a real tensor.

Each function builds the block, runs a seeded input through it and returns plain records the page
shows as tables and charts.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from core.private_init import init_weights
from core.runtime import torch_rng
from core.vision.cnn.blocks import BatchNorm2d, DenseBlock, Inception, Residual, transition


def _shape(t: torch.Tensor) -> str:
    return " x ".join(map(str, t.shape[1:]))


def _params(m: nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())


def inception_paths(in_ch: int = 192, c1: int = 64, c2=(96, 128), c3=(16, 32), c4: int = 32, size: int = 28,
                    seed: int = 0) -> list[dict]:
    """GoogLeNet's first Inception block (3a by default): each path's output shape and parameters,
    then the concatenation."""
    block = init_weights(Inception(in_ch, c1, tuple(c2), tuple(c3), c4), torch_rng(seed, "block")).eval()
    x = torch.randn(1, in_ch, size, size, generator=torch_rng(seed))
    with torch.no_grad():
        outs = block.paths(x)
        cat = block(x)
    names = ["1x1 conv", "1x1 then 3x3 conv", "1x1 then 5x5 conv", "3x3 max pool then 1x1 conv"]
    rows = [{"path": f"p{i + 1} {n}", "output": _shape(o), "channels": int(o.shape[1]), "params": _params(p)}
            for i, (n, o, p) in enumerate(zip(names, outs, [block.p1, block.p2, block.p3, block.p4]))]
    rows.append({"path": "concatenation", "output": _shape(cat), "channels": int(cat.shape[1]), "params": _params(block)})
    return rows


@dataclass
class ResidualCase:
    in_shape: str  # C x H x W in
    out_shape: str  # C x H x W out
    shortcut: str  # "identity" or "1x1 conv, stride s"
    params: int
    identity_fits: bool  # could x be added to F(x) as it is?


def residual_cases(in_ch: int = 64, size: int = 56, seed: int = 0) -> list[ResidualCase]:
    """ResNet's basic block three ways: same shape (identity), doubled channels, and halved H, W with
    doubled channels (both need the 1x1 shortcut)."""
    x = torch.randn(1, in_ch, size, size, generator=torch_rng(seed))
    g = torch_rng(seed, "blocks")
    out = []
    for out_ch, stride in ((in_ch, 1), (2 * in_ch, 1), (2 * in_ch, 2)):
        block = init_weights(Residual(in_ch, out_ch, stride), g).eval()
        with torch.no_grad():
            y = block(x)
        fits = stride == 1 and out_ch == in_ch
        out.append(ResidualCase(_shape(x), _shape(y), "identity" if block.shortcut is None else f"1x1 conv, stride {stride}",
                                _params(block), fits))
    return out


def dense_growth(num_layers: int = 4, in_ch: int = 64, growth: int = 32, size: int = 56, seed: int = 0) -> list[dict]:
    """Channels after the stem and after each layer of a dense block (growing by `growth`), then after a
    transition layer (channels, H and W halved)."""
    g = torch_rng(seed, "blocks")
    block = init_weights(DenseBlock(num_layers, in_ch, growth, bn_size=4), g).eval()
    trans = init_weights(transition(block.out_channels, block.out_channels // 2), g).eval()
    x = torch.randn(1, in_ch, size, size, generator=torch_rng(seed))
    rows = [{"stage": "block input", "channels": in_ch, "output": _shape(x)}]
    with torch.no_grad():
        for i, layer in enumerate(block.layers):
            x = torch.cat([x, layer(x)], dim=1)
            rows.append({"stage": f"after dense layer {i + 1}", "channels": int(x.shape[1]), "output": _shape(x)})
        t = trans(x)
    rows.append({"stage": "after transition", "channels": int(t.shape[1]), "output": _shape(t)})
    return rows


def conv1x1_vs_linear(in_ch: int = 8, out_ch: int = 4, size: int = 5, seed: int = 0) -> dict:
    """A 1x1 convolution and nn.Linear with the same weights, applied to every pixel: the same numbers."""
    g = torch_rng(seed)
    conv = nn.Conv2d(in_ch, out_ch, 1)
    lin = nn.Linear(in_ch, out_ch)
    with torch.no_grad():
        conv.weight.copy_(torch.randn(out_ch, in_ch, 1, 1, generator=g))
        conv.bias.copy_(torch.randn(out_ch, generator=g))
        lin.weight.copy_(conv.weight[:, :, 0, 0])  # [out, in]
        lin.bias.copy_(conv.bias)
        x = torch.randn(2, in_ch, size, size, generator=g)  # [B, C, H, W]
        y_conv = conv(x)  # [B, out, H, W]
        y_lin = lin(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)  # each pixel's C values through the FC layer
    return {"conv": y_conv, "linear": y_lin, "max_abs_diff": float((y_conv - y_lin).abs().max()),
            "pixel": (x[0, :, 0, 0], y_conv[0, :, 0, 0], y_lin[0, :, 0, 0])}


@torch.no_grad()  # training mode still updates the running statistics without autograd
def batchnorm_vs_torch(channels: int = 4, seed: int = 0, steps: int = 3) -> list[dict]:
    """Our written-out BatchNorm2d against nn.BatchNorm2d: outputs in training mode for a few batches
    (running statistics updating), then in eval mode; max absolute difference of each."""
    g = torch_rng(seed)
    ours, ref = BatchNorm2d(channels), nn.BatchNorm2d(channels)
    with torch.no_grad():
        w, b = torch.randn(channels, generator=g), torch.randn(channels, generator=g)
        for m in (ours, ref):
            m.weight.copy_(w)
            m.bias.copy_(b)
    rows = []
    for step in range(steps):
        x = 3 * torch.randn(8, channels, 6, 6, generator=g) + 2
        rows.append({"check": f"training, batch {step + 1}", "max_abs_diff": float((ours(x) - ref(x)).abs().max())})
    rows.append({"check": "running mean", "max_abs_diff": float((ours.running_mean - ref.running_mean).abs().max())})
    rows.append({"check": "running variance", "max_abs_diff": float((ours.running_var - ref.running_var).abs().max())})
    ours.eval(), ref.eval()
    x = torch.randn(8, channels, 6, 6, generator=g)
    rows.append({"check": "eval mode", "max_abs_diff": float((ours(x) - ref(x)).abs().max())})
    return rows


def stacks_vs_large_kernel(channels: int = 64, size: int = 56) -> list[dict]:
    """n stacked 3x3 convolutions against one (2n + 1) x (2n + 1) convolution: the same receptive field,
    fewer parameters and FLOPs (n 9 C^2 against (2n + 1)^2 C^2), and n ReLUs instead of one."""
    from core.vision.cnn.table import layer_table

    rows = []
    for n in (2, 3):
        k = 2 * n + 1
        stack = nn.Sequential(*[m for _ in range(n) for m in (nn.Conv2d(channels, channels, 3, padding=1), nn.ReLU())])
        big = nn.Sequential(nn.Conv2d(channels, channels, k, padding=n), nn.ReLU())
        for label, m in ((f"{n} x conv 3x3", stack), (f"1 x conv {k}x{k}", big)):
            t = layer_table(m, (channels, size, size))
            rows.append({"layers": label, "receptive field": t.rows[-1].rf, "params": t.total_params,
                         "FLOPs": t.total_flops, "nonlinearities": sum(isinstance(x, nn.ReLU) for x in m)})
    return rows
