"""The MLP block of a Transformer layer, opened up, and where a model's parameters live.

    up-projection (D -> F, F = 4D) -> nonlinearity (GELU) -> down-projection (F -> D)

`mlp_view` reads the up-projection the model actually computed for one token (captured in the
AttentionTrace), applies the model's own nonlinearity and down-projection, and ranks the neurons.
`param_split` groups a loaded model's parameters; `gpt3_split` does the same for GPT-3 175B from
its published shape (Brown et al. 2020, Table 2.1), where the MLPs are about two thirds.
"""
from __future__ import annotations

import functools
import weakref
from dataclasses import dataclass

import torch

from core.text.attention.capture import AttentionTrace, model_info


@dataclass
class MLPView:
    """One token's pass through one layer's MLP. F hidden neurons, D = d_model."""

    pre: torch.Tensor  # [F] up-projection output (before the nonlinearity), as captured
    act: torch.Tensor  # [F] after the model's nonlinearity
    top: torch.Tensor  # [k] neuron indices with the largest activation
    contrib_norm: torch.Tensor  # [k] |act[i] * W_down[i]|: how far each top neuron pushes the residual stream
    out: torch.Tensor  # [D] act @ W_down + b: what the MLP adds to the residual stream
    act_name: str  # e.g. "gelu_new"


def mlp_parts(model, layer: int):
    """The MLP of `layer`: (activation fn, W_down [F, D], b_down [D], activation name)."""
    info = model_info(model)
    b = info.blocks[layer]
    if info.kind == "gpt2":  # Conv1D stores [in, out]
        return b["act"], b["down"].weight, b["down"].bias, model.config.activation_function
    return b["act"], b["down"].weight.T, b["down"].bias, model.config.hidden_act  # nn.Linear stores [out, in]


@torch.no_grad()
def mlp_view(model, trace: AttentionTrace, layer: int, token: int, k: int = 12) -> MLPView:
    """The MLP of `layer` at position `token`, from the captured up-projection."""
    act_fn, W_down, b_down, name = mlp_parts(model, layer)
    W_down, b_down = W_down.detach().float().cpu(), b_down.detach().float().cpu()  # [F, D], [D]
    pre = trace.mlp_pre[layer, token]  # [F]
    act = act_fn(pre)
    top = act.topk(min(k, act.numel())).indices
    return MLPView(pre=pre, act=act, top=top, contrib_norm=(act[top, None] * W_down[top]).norm(dim=-1),
                   out=act @ W_down + b_down, act_name=str(name))


def _group(name: str) -> str:
    """Which part of a Transformer a parameter belongs to, from its name (GPT-2 and BERT names)."""
    if "ln_" in name or "LayerNorm" in name or name.startswith("ln_f") or ".ln_f." in name:
        return "layer norm"
    if any(t in name for t in ("wte", "wpe", "embeddings")):
        return "embeddings"
    if ".attn." in name or ".attention." in name:
        return "attention"
    if ".mlp." in name or ".intermediate." in name or ".output.dense" in name:
        return "MLP"
    return "other"  # BERT's pooler, an untied LM head


_SPLITS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # model -> its split (names and shapes never change)


def param_split(model) -> dict[str, int]:
    """Parameter counts per group; they add up to sum(p.numel() for p in model.parameters()).
    Tied weights (GPT-2's LM head is its token embedding) are counted once, as parameters() does.
    Counted once per model (walking every named parameter costs more than a short prompt's
    forward pass), then served from a cache; the caller gets its own copy."""
    if model not in _SPLITS:
        out = {"embeddings": 0, "attention": 0, "MLP": 0, "layer norm": 0, "other": 0}
        for name, p in model.named_parameters():
            out[_group(name)] += p.numel()
        _SPLITS[model] = out
    return dict(_SPLITS[model])


@dataclass(frozen=True)
class Shape:
    n_layer: int  # transformer blocks
    d_model: int  # residual stream width
    n_head: int  # attention heads (does not change the count: heads split d_model)
    d_ff: int  # MLP hidden width
    vocab: int  # token embedding rows (tied with the output layer)
    n_ctx: int  # learned position embeddings


GPT3 = Shape(n_layer=96, d_model=12288, n_head=96, d_ff=49152, vocab=50257, n_ctx=2048)  # GPT-3 175B


def split_from_shape(s: Shape) -> dict[str, int]:
    """GPT-2/3 parameter count from the shape alone (biases included, LM head tied)."""
    d, f = s.d_model, s.d_ff
    return {
        "embeddings": s.vocab * d + s.n_ctx * d,
        "attention": s.n_layer * (d * 3 * d + 3 * d + d * d + d),  # fused QKV + out-projection
        "MLP": s.n_layer * (d * f + f + f * d + d),  # up + down
        "layer norm": s.n_layer * 2 * 2 * d + 2 * d,  # two per block (gain + bias) and the final one
        "other": 0,
    }


@functools.cache
def _gpt3_split() -> tuple[tuple[str, int], ...]:
    return tuple(split_from_shape(GPT3).items())


def gpt3_split() -> dict[str, int]:
    """GPT-3 175B's split (a constant: computed once, a fresh dict per call)."""
    return dict(_gpt3_split())


def shape_of(model) -> Shape:
    """The Shape of a loaded GPT-2 style model (to check split_from_shape against param_split)."""
    c = model.config
    return Shape(n_layer=c.n_layer, d_model=c.n_embd, n_head=c.n_head, d_ff=c.n_inner or 4 * c.n_embd,
                 vocab=c.vocab_size, n_ctx=c.n_positions)
