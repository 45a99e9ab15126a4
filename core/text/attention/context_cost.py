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

from core.text.attention.capture import model_info


def flops(L: int, D: int, F: int, T: int) -> dict[str, float]:
    """Floating-point operations (2 per multiply-add) of one forward pass over T tokens, by part."""
    return {"attention scores (QKᵀ and A·V)": L * 2 * 2 * T * T * D,
            "Q, K, V and output projections": L * 2 * 4 * T * D * D,
            "MLP": L * 2 * 2 * T * D * F}


@torch.no_grad()
def measure(model, lengths: list[int], seed: int = 0, on_progress=None) -> list[dict]:
    """One row per (T, part) with measured bytes, counted FLOPs and the forward's wall time (ms).
    on_progress(tokens run, all tokens) after each length (core.progress.OnProgress): a forward's time
    grows with its T, so tokens, not lengths, give an honest time left."""
    info = model_info(model)
    dev = next(model.parameters()).device
    V = model.get_input_embeddings().weight.shape[0]
    g = torch.Generator().manual_seed(seed)
    mlp_bytes: list[int] = []
    hooks = [b["up"].register_forward_hook(lambda m, a, out: mlp_bytes.append(out.numel() * out.element_size()))
             for b in info.blocks]
    rows = []
    try:
        for i, T in enumerate(lengths):
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
            if on_progress:
                on_progress(sum(lengths[:i + 1]), sum(lengths))
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


class Attend(torch.nn.Module):
    """The part of attention that grows with T²: scores QKᵀ/√dh, softmax, and the mix A·V."""

    def forward(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        # q, k, v: [B, H, T, dh]
        A = (q @ k.transpose(-2, -1) / q.shape[-1] ** 0.5).softmax(-1)  # [B, H, T, T]
        return A @ v  # [B, H, T, dh]


class MLP(torch.nn.Module):
    def __init__(self, D: int, F: int):
        super().__init__()
        self.up, self.down = torch.nn.Linear(D, F), torch.nn.Linear(F, D)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down(torch.nn.functional.gelu(self.up(x)))  # [B, T, D]


class ShapeBlock(torch.nn.Module):
    """One transformer layer with a model's shapes (D wide, H heads, MLP F wide), written out so
    FlopCounterMode can tell attention's T² work from the MLP's. It has no position table, so it
    runs at any T, past the model's own context."""

    def __init__(self, D: int, H: int, F: int):
        super().__init__()
        self.H = H
        self.qkv, self.out = torch.nn.Linear(D, 3 * D), torch.nn.Linear(D, D)
        self.attend, self.mlp = Attend(), MLP(D, F)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T, D = x.shape  # batch, tokens, width
        q, k, v = (t.view(B, T, self.H, D // self.H).transpose(1, 2) for t in self.qkv(x).split(D, -1))
        x = x + self.out(self.attend(q, k, v).transpose(1, 2).reshape(B, T, D))
        return x + self.mlp(x)


def layer_flops(D: int, H: int, F: int, lengths: list[int]) -> list[dict]:
    """FLOPs of one layer of these shapes at each T, measured by torch's FlopCounterMode on the meta
    device (the ops are dispatched and counted, nothing is computed, so T can be large).
    One row per (T, part): "attention (QKᵀ, A·V)" and "MLP"."""
    from torch.utils.flop_counter import FlopCounterMode

    with torch.device("meta"):
        block = ShapeBlock(D, H, F)
    rows = []
    for T in lengths:
        counter = FlopCounterMode(display=False)
        with counter:
            block(torch.empty(1, T, D, device="meta"))
        by_module = {k: sum(v.values()) for k, v in counter.get_flop_counts().items()}
        rows.append({"T": T, "part": "attention (QKᵀ, A·V)", "GFLOPs per layer": by_module["ShapeBlock.attend"] / 1e9})
        rows.append({"T": T, "part": "MLP", "GFLOPs per layer": by_module["ShapeBlock.mlp"] / 1e9})
    return rows


def crossover(rows: list[dict]) -> float | None:
    """The T where the measured attention FLOPs first reach the MLP's (log-interpolated between the
    two lengths around it), or None if they never do in `rows`."""
    import math

    by_t: dict[int, dict[str, float]] = {}
    for r in rows:
        by_t.setdefault(r["T"], {})[r["part"].split()[0]] = r["GFLOPs per layer"]
    ts = sorted(by_t)
    ratio = [by_t[t]["attention"] / by_t[t]["MLP"] for t in ts]
    for i, r in enumerate(ratio):
        if r >= 1:
            if i == 0:
                return float(ts[0])
            f = math.log(1 / ratio[i - 1]) / math.log(r / ratio[i - 1])
            return float(math.exp(math.log(ts[i - 1]) + f * (math.log(ts[i]) - math.log(ts[i - 1]))))
    return None


def extended_lengths(F: int, limit: int, start: int = 16) -> list[int]:
    """Powers of two from `start` to 4·F (past the crossover at T ≈ F), with the context limit added."""
    return sorted(set(lengths_for(4 * F, start)) | {limit})
