"""Model initialisation and dropout drawn from a private generator (issue 20, item 5).

torch's layers initialise themselves from the process-global generator when they are built, and
`nn.Dropout` draws its masks from it while training. On a shared server every session's thread draws
from that one stream, so two students with the same seed would get different weights. Here the same
default initialisations are redrawn from a `torch.Generator` the caller owns (from `core.runtime.torch_rng`):

    model = build(...)                       # torch's own init (global draws, overwritten below)
    init_weights(model, torch_rng(seed))      # the same distributions, from the session's seed
    dropout_from(model, torch_rng(seed, "dropout"))

Per layer this is exactly torch's `reset_parameters` with `generator=`: a `nn.Linear(4, 3)` re-drawn from
`torch_rng(s)` equals one built after seeding the global generator with s (tested).
"""
from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import init

_NORMS = (nn.LayerNorm, nn.GroupNorm, nn.modules.batchnorm._NormBase)


def _kaiming_layer(m: nn.Module, g: torch.Generator) -> None:
    """nn.Linear / nn.ConvNd / nn.ConvTransposeNd's reset_parameters, drawn from g."""
    init.kaiming_uniform_(m.weight, a=math.sqrt(5), generator=g)
    if m.bias is not None:
        fan_in, _ = init._calculate_fan_in_and_fan_out(m.weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        init.uniform_(m.bias, -bound, bound, generator=g)


def _init_one(m: nn.Module, g: torch.Generator) -> None:
    """Re-draw the parameters that `m` owns itself (not its children's), as torch initialises them."""
    if hasattr(m, "init_parameters"):  # our own modules with extra parameters say how they start
        m.init_parameters(g)
    elif isinstance(m, (nn.Linear, nn.modules.conv._ConvNd)):
        _kaiming_layer(m, g)
    elif isinstance(m, nn.Embedding):
        init.normal_(m.weight, generator=g)
        if m.padding_idx is not None:
            m.weight[m.padding_idx].zero_()
    elif isinstance(m, nn.RNNBase):  # RNN / GRU / LSTM: every weight U(-1/sqrt(H), 1/sqrt(H))
        bound = 1.0 / math.sqrt(m.hidden_size) if m.hidden_size > 0 else 0
        for w in m.parameters(recurse=False):
            init.uniform_(w, -bound, bound, generator=g)
    elif isinstance(m, nn.MultiheadAttention):  # its out_proj is a child Linear, re-drawn on its own
        if m.in_proj_weight is not None:
            init.xavier_uniform_(m.in_proj_weight, generator=g)
        else:
            for w in (m.q_proj_weight, m.k_proj_weight, m.v_proj_weight):
                init.xavier_uniform_(w, generator=g)
        if m.in_proj_bias is not None:
            init.constant_(m.in_proj_bias, 0.0)
            init.constant_(m.out_proj.bias, 0.0)
        for b in (m.bias_k, m.bias_v):
            if b is not None:
                init.xavier_normal_(b, generator=g)
    elif isinstance(m, _NORMS):
        m.reset_parameters()  # ones and zeros: nothing random
    elif any(True for _ in m.parameters(recurse=False)):
        raise TypeError(f"init_weights does not know how {type(m).__name__} initialises its own parameters; "
                        "give it an init_parameters(generator) method")


@torch.no_grad()
def init_weights(model: nn.Module, generator: torch.Generator) -> nn.Module:
    """Re-initialise every parameter of `model` with torch's default initialisation, drawn from
    `generator`, in the order the modules were registered. Returns the model."""
    for m in model.modules():
        _init_one(m, generator)
    if isinstance(model, nn.MultiheadAttention) or any(isinstance(m, nn.MultiheadAttention) for m in model.modules()):
        for m in model.modules():  # MHA's zero out_proj bias wins over the child's kaiming draw, as in torch
            if isinstance(m, nn.MultiheadAttention) and m.in_proj_bias is not None:
                init.constant_(m.out_proj.bias, 0.0)
    return model


class Dropout(nn.Dropout):
    """nn.Dropout whose masks come from `self.generator` when one is set (`dropout_from`); without
    one it is nn.Dropout itself. No parameters, so state dicts are unchanged."""

    generator: torch.Generator | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.generator is None or not self.training or self.p == 0:
            return super().forward(x)
        if self.p == 1:
            return torch.zeros_like(x)
        keep = torch.empty(x.shape, dtype=x.dtype, device=x.device).bernoulli_(1 - self.p, generator=self.generator)
        return x * keep / (1 - self.p)


def dropout_from(model: nn.Module, generator: torch.Generator) -> nn.Module:
    """Make every `Dropout` in `model` draw its masks from `generator`; a plain nn.Dropout cannot take
    a generator, so finding one is an error (build with `core.private_init.Dropout`)."""
    for name, m in model.named_modules():
        if isinstance(m, Dropout):
            m.generator = generator
        elif isinstance(m, nn.modules.dropout._DropoutNd):
            raise TypeError(f"{name or type(model).__name__}: nn.{type(m).__name__} draws from the global "
                            "generator; use core.private_init.Dropout")
    return model
