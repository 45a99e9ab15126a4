"""Attention rollout (Abnar & Zuidema, 2020) and the head average it starts from."""
from __future__ import annotations

import torch


def head_average(weights: torch.Tensor) -> torch.Tensor:
    """[L, H, T, T] -> [L, T, T]: the mean over heads."""
    return weights.mean(1)


def _lower_matmul(a: torch.Tensor, b: torch.Tensor, leaf: int = 128) -> torch.Tensor:
    """a @ b for lower-triangular a, b [T, T] (causal attention): the product is lower-triangular too,
    so with a and b cut into 2 x 2 blocks the upper-right block is 0 and the diagonal blocks recurse
    (half the multiplications per level; below `leaf` one plain product is faster)."""
    T = a.shape[-1]
    if T <= leaf:
        return a @ b
    h = T // 2
    out = a.new_empty(T, T)
    out[:h, h:] = 0.0  # upper-right block: row i < h meets column j >= h only above the diagonal
    out[:h, :h] = _lower_matmul(a[:h, :h], b[:h, :h], leaf)
    out[h:, h:] = _lower_matmul(a[h:, h:], b[h:, h:], leaf)
    torch.mm(a[h:, :h], b[:h, :h], out=out[h:, :h])  # written in place: no temporaries
    out[h:, :h].addmm_(a[h:, h:], b[h:, :h])
    return out


def rollout(weights: torch.Tensor, residual: float = 0.5, causal: bool = False) -> torch.Tensor:
    """Attention rollout (Abnar & Zuidema, 2020): how much each input token reaches each position
    after all layers. Per layer Â = residual·I + (1-residual)·mean_heads(A), rows renormalised;
    R = Â_L ··· Â_1. weights: Tensor[L, H, T, T], or Tensor[L, T, T] already averaged over heads
    (the page has that average anyway). causal: the weights are lower-triangular (a decoder's
    causal mask), so the products skip the zero blocks. Returns Tensor[T, T] (rows sum to 1)."""
    avg = weights.mean(1) if weights.dim() == 4 else weights  # [L, T, T]
    a = avg * (1 - residual)  # every layer at once, in place from here (a is a fresh tensor)
    a.diagonal(dim1=-2, dim2=-1).add_(residual)  # + residual·I
    a /= a.sum(-1, keepdim=True)
    matmul = _lower_matmul if causal else torch.matmul
    R = a[0]  # Â_1 (= Â_1 · I, one product saved)
    for layer in range(1, len(a)):
        R = matmul(a[layer], R)
    return R
