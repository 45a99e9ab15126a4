"""A network's layer table: output shape, parameters, FLOPs (measured by torch's FlopCounterMode) and
receptive field (closed form), one row per layer or block.

Rows: the model's children, with plain nn.Sequential containers opened up (so a VGG block shows its
convolutions) and every other module (a residual block, an Inception block) kept whole.

Receptive field, closed form: a layer of kernel k (dilated: d(k - 1) + 1) and stride s turns the
field r and jump j (input pixels between neighbouring outputs) of its input into
    r' = r + (k - 1) j,    j' = j s.
A block with several paths takes the largest field over its paths; after global pooling or a fully
connected layer every output sees the whole image (None).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

GLOBAL = None  # the receptive field of an output that sees the whole input


@dataclass
class LayerRow:
    name: str  # dotted module path, e.g. "3.1" or "layer2.0"
    kind: str  # the module's class, e.g. "Conv2d", "Residual", "Inception"
    out_shape: tuple  # output shape without the batch dimension
    params: int  # parameters inside this row
    flops: int  # FLOPs of this row's forward (FlopCounterMode: 2 per multiply-add, convs and matmuls)
    rf: int | None  # receptive field in input pixels after this row (None: the whole image)
    jump: int | None  # input pixels between neighbouring outputs after this row


@dataclass
class LayerTable:
    input_shape: tuple  # (C, H, W)
    rows: list[LayerRow]
    total_params: int
    total_flops: int  # FlopCounterMode's total for the whole forward

    def records(self) -> list[dict]:
        return [{"layer": r.name, "type": r.kind, "output": " x ".join(map(str, r.out_shape)),
                 "params": r.params, "FLOPs": r.flops, "receptive field": "whole image" if r.rf is None else f"{r.rf} px"}
                for r in self.rows]


def layer_rows(model: nn.Module, prefix: str = "") -> list[tuple[str, nn.Module]]:
    """(name, module) for the table: plain Sequentials opened up, anything else one row."""
    out = []
    for name, child in model.named_children():
        full = f"{prefix}{name}"
        if type(child) is nn.Sequential:
            out += layer_rows(child, full + ".")
        else:
            out.append((full, child))
    return out


def _paths(m: nn.Module) -> list[list[nn.Module]] | None:
    """The parallel paths through a block, for the blocks that have more than one."""
    if hasattr(m, "rf_paths"):
        return m.rf_paths()
    kind = type(m).__name__
    if kind == "Inception":  # torchvision's GoogLeNet block
        return [[m.branch1], [m.branch2], [m.branch3], [m.branch4]]
    if kind in ("BasicBlock", "Bottleneck"):  # torchvision's ResNet blocks
        main = [m.conv1, m.conv2] + ([m.conv3] if kind == "Bottleneck" else [])
        return [main, [m.downsample] if m.downsample is not None else []]
    return None


def kernel_stride(m: nn.Module) -> tuple[int, int] | None:
    """The (kernel, stride) a module acts with on its input's pixels; None if it mixes them all."""
    if isinstance(m, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)):
        k = m.kernel_size[0] if isinstance(m.kernel_size, tuple) else m.kernel_size
        s = m.stride[0] if isinstance(m.stride, tuple) else m.stride
        d = getattr(m, "dilation", 1)
        d = d[0] if isinstance(d, tuple) else d
        return d * (k - 1) + 1, s
    if isinstance(m, (nn.Linear, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)):
        return None
    paths = _paths(m)
    if paths is not None:
        ks = [compose(p) for p in paths]
        if any(x is None for x in ks):
            return None
        return max(k for k, _ in ks), max(s for _, s in ks)
    return compose(list(m.children()))


def compose(modules: list[nn.Module]) -> tuple[int, int] | None:
    """(kernel, stride) of modules applied one after another: k = 1 + sum (k_i - 1) prod_{j<i} s_j."""
    k, s = 1, 1
    for m in modules:
        ks = kernel_stride(m)
        if ks is None:
            return None
        k += (ks[0] - 1) * s
        s *= ks[1]
    return k, s


def _device(model: nn.Module) -> torch.device:
    p = next(model.parameters(), None)
    return p.device if p is not None else torch.device("cpu")


def on_meta(build):
    """Build a model on the meta device: shapes, parameter counts and FLOPs without allocating or
    initialising a single weight (VGG-11's 133M parameters take seconds to initialise on a CPU)."""
    with torch.device("meta"):
        return build()


def layer_table(model: nn.Module, input_shape: tuple[int, int, int]) -> LayerTable:
    """Run one image of input_shape (C, H, W) through model and measure every row."""
    rows = layer_rows(model)
    shapes: dict[str, tuple] = {}
    handles = [m.register_forward_hook(lambda mod, inp, out, n=n: shapes.__setitem__(n, (tuple(inp[0].shape), tuple(out.shape))))
               for n, m in rows]
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            model(torch.zeros(1, *input_shape, device=_device(model)))
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    counts = counter.get_flop_counts()
    root = type(model).__name__
    out, r, j = [], 1, 1
    for name, m in rows:
        if name not in shapes:  # a child the forward never called (e.g. an unused head)
            continue
        ins, outs = shapes[name]
        ks = kernel_stride(m)
        adaptive_same = isinstance(m, (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)) and ins[2:] == outs[2:]
        if adaptive_same:
            ks = (1, 1)  # e.g. VGG's 7 x 7 adaptive pool on a 7 x 7 map changes nothing
        if r is None or ks is None:
            r = j = None
        else:
            r, j = r + (ks[0] - 1) * j, j * ks[1]
        out.append(LayerRow(name, type(m).__name__, outs[1:], sum(p.numel() for p in m.parameters()),
                            int(sum(counts.get(f"{root}.{name}", {}).values())), r, j))
    return LayerTable(tuple(input_shape), out, sum(p.numel() for p in model.parameters()),
                      int(counter.get_total_flops()))


def fc_params(model: nn.Module) -> int:
    """Parameters in fully connected (nn.Linear) layers."""
    return sum(p.numel() for m in model.modules() if isinstance(m, nn.Linear) for p in m.parameters())


def family_summary(models: dict[str, tuple[nn.Module, tuple[int, int, int]]]) -> list[dict]:
    """One record per network: parameters (FC and the rest) and FLOPs for one image of its input shape."""
    out = []
    for name, (model, shape) in models.items():
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            model.eval()(torch.zeros(1, *shape, device=_device(model)))
        total, fc = sum(p.numel() for p in model.parameters()), fc_params(model)
        out.append({"network": name, "params": total, "fc_params": fc, "conv_params": total - fc,
                    "fc_share": fc / total if total else 0.0, "flops": int(counter.get_total_flops()),
                    "input": " x ".join(map(str, shape))})
    return out
