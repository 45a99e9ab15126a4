"""The cost of context: attention's T×T score matrices against the MLP's per-token work.

For each context length T the loaded model runs once on T tokens; we *measure* the bytes of every
attention-weight matrix it returns (L·H·T·T) and of every MLP's hidden activations (L·T·F, hooked on
the up-projection) and the wall time, and *count* the multiply-adds from the shapes:
attention scores and mixing 2·(2·T²·D) per layer (quadratic in T); the MLP 2·(2·T·D·F) and the Q, K,
V, out projections 2·(4·T·D²) per layer (linear in T). At short T the MLP dominates; as T grows
the quadratic term wins: why context length is the bottleneck.
"""
from __future__ import annotations

import time

import torch

from core.text.attention import model_info


def flops(L: int, D: int, F: int, T: int) -> dict[str, float]:
    """Floating-point operations (2 per multiply-add) of one forward pass over T tokens, by part."""
    return {"attention scores (QKᵀ and A·V)": L * 2 * 2 * T * T * D,
            "Q, K, V and output projections": L * 2 * 4 * T * D * D,
            "MLP": L * 2 * 2 * T * D * F}


@torch.no_grad()
def measure(model, lengths: list[int], seed: int = 0) -> list[dict]:
    """One row per (T, part) with measured bytes, counted FLOPs and the forward's wall time (ms)."""
    info = model_info(model)
    dev = next(model.parameters()).device
    V = model.get_input_embeddings().weight.shape[0]
    g = torch.Generator().manual_seed(seed)
    mlp_bytes: list[int] = []
    hooks = [b["up"].register_forward_hook(lambda m, a, out: mlp_bytes.append(out.numel() * out.element_size()))
             for b in info.blocks]
    rows = []
    try:
        for T in lengths:
            ids = torch.randint(0, V, (1, T), generator=g).to(dev)
            mlp_bytes.clear()
            t0 = time.perf_counter()
            out = model(input_ids=ids, output_attentions=True)
            ms = 1000 * (time.perf_counter() - t0)
            att_bytes = sum(a.numel() * a.element_size() for a in out.attentions)
            F = int(info.blocks[0]["up"].weight.shape[-1 if info.kind == "gpt2" else 0])  # Conv1D [in, out]; Linear [out, in]
            fl = flops(info.L, info.D, F, T)
            rows.append({"T": T, "part": "attention", "memory (MB)": att_bytes / 2**20,
                         "GFLOPs": fl["attention scores (QKᵀ and A·V)"] / 1e9, "forward (ms)": ms})
            rows.append({"T": T, "part": "MLP", "memory (MB)": sum(mlp_bytes) / 2**20, "GFLOPs": fl["MLP"] / 1e9,
                         "forward (ms)": ms})
    finally:
        for h in hooks:
            h.remove()
    return rows


def lengths_for(limit: int, start: int = 16) -> list[int]:
    """Powers of two from `start` up to the model's context limit (and the limit itself)."""
    out, T = [], start
    while T < limit:
        out.append(T)
        T *= 2
    return out + [limit]
