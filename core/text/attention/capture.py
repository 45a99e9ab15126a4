"""Capture attention from the model that made the prediction, and the small maths around it.

`capture` runs one batched forward pass of a Hugging Face GPT-2 or BERT model (eager attention)
with `output_attentions=True`, and records the real Q, K, V, per-head context and MLP activations
with forward hooks on the projections (GPT-2: attn.c_attn / attn.c_proj / mlp.c_fc; BERT:
attention.self.query|key|value / attention.output.dense / intermediate.dense). Each batch row is a
`Variant`: the causal mask on or off, and optionally one head ablated, so the page's "what if"
questions cost one forward pass, not several.
"""
from __future__ import annotations

import math
import threading
import weakref
from dataclasses import dataclass, field

import torch

from core.runtime import device
from core.text.lm.load import context_limit, is_causal


# Hooks live on the (shared, cached) model while a capture runs: two sessions capturing at once
# would record each other's tensors, so captures take turns.
_CAPTURE_LOCK = threading.Lock()


@dataclass(frozen=True)
class Variant:
    causal: bool = True  # apply the causal mask (decoders); False lets every token see the future
    ablate: tuple[int, int] | None = None  # (layer, head) whose output is zeroed before the out-projection


@dataclass
class AttentionTrace:
    """Everything one forward pass did to one prompt. L layers, H heads, T tokens, D = H * dh."""

    tokens: list[str]  # each token decoded on its own (" cat"), in order
    ids: list[int]  # token ids fed to the model
    weights: torch.Tensor  # [L, H, T, T] softmax rows from output_attentions (query x key)
    q: torch.Tensor  # [L, H, T, dh] queries (bias included), as the model computed them
    k: torch.Tensor  # [L, H, T, dh]
    v: torch.Tensor  # [L, H, T, dh]
    x_in: torch.Tensor  # [L, T, D] input of the Q/K/V projections (after LayerNorm in GPT-2)
    context: torch.Tensor  # [L, H, T, dh] A @ V per head, before the output projection (after ablation)
    attn_out: torch.Tensor  # [L, T, D] output projection: what attention adds to the residual stream
    hidden: torch.Tensor  # [L + 1, T, D] residual stream entering each block, and the final one
    mlp_pre: torch.Tensor  # [L, T, F] MLP up-projection before the nonlinearity
    logits: torch.Tensor | None  # [V] next-token logits after the last token (causal LMs), else None
    causal: bool  # was the causal mask applied
    scaling: float  # the 1/sqrt(dh) the model multiplies scores by
    truncated: bool = False  # the prompt was longer than the context and was cut
    n_input_tokens: int = 0  # tokens in the prompt before truncation
    ablated: tuple[int, int] | None = None
    extra: dict = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int, int]:
        L, H, T, _ = self.weights.shape  # layers, heads, tokens
        return L, H, T


def tokenize(tokenizer, text: str, limit: int, causal: bool) -> tuple[list[int], int, bool]:
    """ids (cut to `limit`), the count before cutting, and whether it was cut.

    A decoder keeps the LAST tokens (the next-token prediction needs the recent context); an
    encoder keeps the first ones, as its tokenizer's own truncation does."""
    if not text or not text.strip():
        raise ValueError("the prompt is empty: type a few words, e.g. “The cat sat on the”")
    ids = tokenizer(text)["input_ids"]
    if not ids:
        raise ValueError("the prompt produced no tokens")
    n = len(ids)
    if n <= limit:
        return ids, n, False
    if causal:
        return ids[-limit:], n, True
    return ids[: limit - 1] + ids[-1:], n, True  # keep [SEP] at the end


def _find_blocks(model):
    """(kind, list of per-layer module dicts) for GPT-2 and BERT models (with or without a head)."""
    base = getattr(model, "transformer", None) or getattr(model, "bert", None) or model
    if hasattr(base, "h"):
        return "gpt2", [{"qkv": b.attn.c_attn, "out": b.attn.c_proj, "up": b.mlp.c_fc, "attn": b.attn,
                         "act": b.mlp.act, "down": b.mlp.c_proj} for b in base.h]
    if hasattr(base, "encoder"):
        return "bert", [{"q": l.attention.self.query, "k": l.attention.self.key, "v": l.attention.self.value,
                         "out": l.attention.output.dense, "up": l.intermediate.dense, "attn": l.attention.self,
                         "act": l.intermediate.intermediate_act_fn, "down": l.output.dense,
                         "ln": l.attention.output.LayerNorm}
                        for l in base.encoder.layer]
    raise ValueError(f"{type(model).__name__}: only GPT-2 and BERT style models are supported here")


@dataclass(frozen=True)
class ModelInfo:
    """What capture needs to know about a model's shape, looked up once per model: the modules and
    config lookups cost more than the arithmetic of a short prompt, and they never change."""

    kind: str  # "gpt2" or "bert"
    blocks: list  # per-layer dicts of the modules the hooks attach to (see _find_blocks)
    L: int  # layers
    H: int  # heads
    D: int  # d_model
    dh: int  # D // H
    scaling: float  # the 1/sqrt(dh) the model multiplies scores by
    causal: bool  # decoder (GPT) or encoder (BERT)
    limit: int  # context length (position table)


_INFO: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # model -> ModelInfo, gone with the model


def model_info(model) -> ModelInfo:
    """The model's ModelInfo, cached (weakly: a model that is freed leaves the cache)."""
    info = _INFO.get(model)
    if info is None:
        kind, blocks = _find_blocks(model)
        H, D = model.config.num_attention_heads, model.config.hidden_size
        info = ModelInfo(kind=kind, blocks=blocks, L=len(blocks), H=H, D=D, dh=D // H,
                         scaling=float(blocks[0]["attn"].scaling), causal=is_causal(model), limit=context_limit(model))
        _INFO[model] = info
    return info


def decode_each(tokenizer, ids: list[int]) -> list[str]:
    """Each token decoded on its own (" cat"), straight through the Rust tokenizer when there is one
    (a plain loop: decode_batch's thread pool costs more than it saves on a busy 2-core machine)."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is not None:
        return [backend.decode([i], skip_special_tokens=False) for i in ids]
    return tokenizer.batch_decode([[i] for i in ids])


def decoder_head(model) -> bool:
    """A model with an LM head that accepts logits_to_keep (Hugging Face causal LMs)."""
    return hasattr(model, "lm_head")


def additive_mask(T: int, causal: bool, dtype=torch.float32) -> torch.Tensor:
    """[T, T] mask added to the scores: 0 where allowed, the dtype's minimum (acts as -inf) above
    the diagonal when causal. The minimum, not -inf, so a fully masked row cannot produce NaN."""
    m = torch.zeros(T, T, dtype=dtype)
    if causal:
        m = m.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), torch.finfo(dtype).min)
    return m


def _register(info: ModelInfo, rec: dict, ablate_hook, ablated_layers: set) -> list:
    """Attach the recording hooks to every block; returns the handles to remove them. Hooks only keep
    references (no tensor ops): the reshaping into heads happens once, on all layers stacked."""
    handles = []
    for i, blk in enumerate(info.blocks):
        if info.kind == "gpt2":
            def qkv(module, args, out, i=i):
                rec["x_in"][i], rec["qkv"][i] = args[0], out  # c_attn packs Q, K, V side by side
            handles.append(blk["qkv"].register_forward_hook(qkv))
        else:
            for name in ("q", "k", "v"):
                def proj(module, args, out, i=i, name=name):
                    rec["x_in"][i], rec[name][i] = args[0], out
                handles.append(blk[name].register_forward_hook(proj))
        if i in ablated_layers:  # a pre-hook only where a head is zeroed
            handles.append(blk["out"].register_forward_pre_hook(ablate_hook(i)))

        def out_proj(module, args, out, i=i):  # args: the (possibly ablated) heads' context, as the model used it
            rec["context"][i], rec["attn_out"][i] = args[0], out
        handles.append(blk["out"].register_forward_hook(out_proj))
        handles.append(blk["up"].register_forward_hook(lambda m, a, o, i=i: rec["mlp_pre"].__setitem__(i, o)))
    return handles


@torch.no_grad()
def capture_ids(model, ids: list[int], variants: list[Variant]) -> list[dict]:
    """One batched forward (one row per variant). Returns per-variant dicts of tensors."""
    info = model_info(model)
    B, T, H, D, dh = len(variants), len(ids), info.H, info.D, info.dh
    names = ("x_in", "qkv", "context", "attn_out", "mlp_pre") if info.kind == "gpt2" else \
        ("x_in", "q", "k", "v", "context", "attn_out", "mlp_pre")
    rec: dict[str, list] = {k: [None] * info.L for k in names}
    heads = lambda x: x.unflatten(-1, (H, dh)).transpose(-2, -3)  # [B, L, T, D] -> [B, L, H, T, dh] (a view)

    def ablate_hook(layer):
        rows = [(b, v.ablate[1]) for b, v in enumerate(variants) if v.ablate and v.ablate[0] == layer]

        def pre(module, args):
            ctx = args[0].clone()  # [B, T, D] heads concatenated
            for b, h in rows:
                ctx[b, :, h * dh:(h + 1) * dh] = 0.0
            return (ctx,) + tuple(args[1:])
        return pre

    dev = device()
    x = torch.tensor([ids] * B, dtype=torch.long, device=dev)
    dtype = next(model.parameters()).dtype
    mask = torch.zeros(B, 1, T, T, dtype=dtype, device=dev)  # additive: 0 where allowed
    causal_rows = [b for b, v in enumerate(variants) if v.causal]
    if causal_rows:
        mask[causal_rows] = additive_mask(T, True, dtype).to(dev)
    # only the next-token logits are needed, and no KV cache (nothing is generated from this pass)
    kw = {"logits_to_keep": 1, "use_cache": False} if decoder_head(model) else {}
    ablated_layers = {v.ablate[0] for v in variants if v.ablate}
    with _CAPTURE_LOCK:
        handles = _register(info, rec, ablate_hook, ablated_layers)
        try:
            out = model(input_ids=x, attention_mask=mask, output_attentions=True, output_hidden_states=True, **kw)
        finally:
            for h in handles:
                h.remove()
    if out.attentions is None or out.attentions[0] is None:
        raise ValueError("the model returned no attentions: load it with attn_implementation='eager'")
    weights = torch.stack(out.attentions, 1)  # [B, L, H, T, T]
    hidden = torch.stack(out.hidden_states, 1)  # [B, L+1, T, D]
    logits = out.logits[:, -1] if hasattr(out, "logits") else None  # [B, V]
    stack = {k: torch.stack(v, 1) for k, v in rec.items()}  # each [B, L, T, ...]
    if info.kind == "gpt2":
        stack["q"], stack["k"], stack["v"] = stack.pop("qkv").split(D, dim=-1)
    for k in ("q", "k", "v", "context"):
        stack[k] = heads(stack[k])  # [B, L, H, T, dh]
    return [{"weights": weights[b], "hidden": hidden[b], "logits": None if logits is None else logits[b],
             **{k: v[b] for k, v in stack.items()}} for b in range(B)]


def capture(model, tokenizer, text: str, variants: list[Variant] | None = None,
            max_tokens: int | None = None) -> list[AttentionTrace]:
    """Tokenize `text` and capture one AttentionTrace per variant (default: the model's own mask)."""
    info = model_info(model)
    variants = variants or [Variant(causal=info.causal)]
    limit = min(info.limit, max_tokens or 10**9)
    ids, n, cut = tokenize(tokenizer, text, limit, info.causal)
    tokens = decode_each(tokenizer, ids)
    return [AttentionTrace(tokens=tokens, ids=ids, causal=v.causal, scaling=info.scaling, truncated=cut,
                           n_input_tokens=n, ablated=v.ablate,
                           **{k: None if t is None else t.float().cpu() for k, t in r.items()})
            for v, r in zip(variants, capture_ids(model, ids, variants))]


def recompute_weights(q: torch.Tensor, k: torch.Tensor, scaling: float, causal: bool) -> torch.Tensor:
    """softmax(Q Kᵀ · scaling + mask): the attention rows from the captured Q and K.

    q, k (Tensor[..., T, dh]). Returns Tensor[..., T, T]."""
    scores = q @ k.transpose(-1, -2) * scaling  # [..., T, T]
    return torch.softmax(scores + additive_mask(q.shape[-2], causal, q.dtype), dim=-1)


def softmax_t(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """softmax(logits / T) over the last axis; T -> 0 is the one-hot argmax (ties: first index).

    Masked entries may be -inf; they get probability 0 at every temperature."""
    if temperature <= 1e-6:
        return torch.nn.functional.one_hot(logits.argmax(-1), logits.shape[-1]).to(logits.dtype)
    return torch.softmax(logits / temperature, dim=-1)


def entropy(p: torch.Tensor) -> torch.Tensor:
    """Shannon entropy in bits over the last axis (0 log 0 = 0)."""
    terms = (p * torch.log2(p.clamp_min(1e-30))).where(p > 0, torch.zeros(()))
    return 0.0 - terms.sum(-1)  # 0 - x, not -x: a one-hot row reads 0.00, not -0.00


def kl_div(p_logits: torch.Tensor, q_logits: torch.Tensor) -> float:
    """KL(p || q) in bits between the distributions behind two logit vectors."""
    lp, lq = torch.log_softmax(p_logits, -1), torch.log_softmax(q_logits, -1)
    return float((lp.exp() * (lp - lq)).sum() / math.log(2))


def ablation_kls(model, ids: list[int], causal: bool, heads: list[tuple[int, int]], base_logits: torch.Tensor,
                 chunk: int = 16, on_progress=None) -> dict[tuple[int, int], float]:
    """KL(original || head ablated) of the next-token distribution, for each (layer, head).
    on_progress(heads done, all heads) after each chunk of forwards (core.progress.OnProgress)."""
    out: dict[tuple[int, int], float] = {}
    for i in range(0, len(heads), chunk):
        part = heads[i:i + chunk]
        rows = capture_ids(model, ids, [Variant(causal=causal, ablate=lh) for lh in part])
        for lh, r in zip(part, rows):
            out[lh] = kl_div(base_logits, r["logits"].float().cpu())
        if on_progress:
            on_progress(len(out), len(heads))
    return out


@dataclass
class HeadSteps:
    """One head of one layer, step by step, with the model's own matrices. T tokens, D = d_model."""

    E: torch.Tensor  # [T, D] input of the projections (LayerNormed residual stream in GPT-2)
    Wq: torch.Tensor  # [D, dh] this head's slice of the query projection (and Wk, Wv alike)
    Wk: torch.Tensor
    Wv: torch.Tensor
    Q: torch.Tensor  # [T, dh] = E @ Wq + bq, recomputed from the weights
    K: torch.Tensor  # [T, dh]
    V: torch.Tensor  # [T, dh]
    scores: torch.Tensor  # [T, T] = Q Kᵀ / sqrt(dh)
    masked: torch.Tensor  # [T, T] scores with -inf above the diagonal when causal
    A: torch.Tensor  # [T, T] softmax of masked, row by row
    Z: torch.Tensor  # [T, dh] = A @ V, this head's context vectors
    head_out: torch.Tensor  # [T, D] = Z @ Wo[rows of this head]: the head's share of the residual update
    attn_out: torch.Tensor  # [T, D] all heads through the out-projection, plus its bias
    resid_in: torch.Tensor  # [T, D] residual stream entering the block
    resid_out: torch.Tensor  # [T, D] after the residual add (GPT-2: resid_in + attn_out; BERT: LayerNorm of it)
    max_err_q: float  # |Q recomputed - Q captured|, a live check that these are the real numbers


def head_weights(model, layer: int, head: int) -> dict[str, torch.Tensor]:
    """Wq/Wk/Wv [D, dh], bq/bk/bv [dh] and Wo [dh, D] of one head, in x @ W orientation."""
    info = model_info(model)
    D, dh = info.D, info.dh
    s = slice(head * dh, (head + 1) * dh)
    b = info.blocks[layer]
    if info.kind == "gpt2":  # Conv1D stores [in, out]; c_attn's out is [Q | K | V]
        W, bias = b["qkv"].weight, b["qkv"].bias
        w = {n: W[:, i * D:(i + 1) * D][:, s] for i, n in enumerate(("Wq", "Wk", "Wv"))}
        w |= {n: bias[i * D:(i + 1) * D][s] for i, n in enumerate(("bq", "bk", "bv"))}
        w["Wo"] = b["out"].weight[s, :]
    else:  # nn.Linear stores [out, in]
        w = {f"W{n}": b[n].weight.T[:, s] for n in ("q", "k", "v")} | {f"b{n}": b[n].bias[s] for n in ("q", "k", "v")}
        w["Wo"] = b["out"].weight.T[s, :]
    return {k: v.detach().float().cpu() for k, v in w.items()}


@torch.no_grad()
def head_steps(model, trace: AttentionTrace, layer: int, head: int) -> HeadSteps:
    """Recompute one head from the captured block input and the model's weights."""
    w = head_weights(model, layer, head)
    E = trace.x_in[layer]  # [T, D]
    Q, K, V = E @ w["Wq"] + w["bq"], E @ w["Wk"] + w["bk"], E @ w["Wv"] + w["bv"]  # [T, dh] each
    scores = Q @ K.T * trace.scaling  # [T, T]
    T = scores.shape[0]
    masked = scores.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf")) if trace.causal else scores
    A = torch.softmax(masked, -1)
    Z = A @ V  # [T, dh]
    resid_mid = trace.hidden[layer] + trace.attn_out[layer]
    info = model_info(model)
    if not info.causal:  # BERT is post-LN: LayerNorm(x + attention(x))
        ln = info.blocks[layer]["ln"]
        resid_mid = torch.nn.functional.layer_norm(resid_mid, ln.normalized_shape, ln.weight.float().cpu(),
                                                   ln.bias.float().cpu(), ln.eps)
    return HeadSteps(E=E, Wq=w["Wq"], Wk=w["Wk"], Wv=w["Wv"], Q=Q, K=K, V=V, scores=scores, masked=masked, A=A, Z=Z,
                     head_out=Z @ w["Wo"], attn_out=trace.attn_out[layer], resid_in=trace.hidden[layer],
                     resid_out=resid_mid, max_err_q=float((Q - trace.q[layer, head]).abs().max()))
