"""Everything the Attention lab page shows, computed in one call (the page only draws).

    res = analyze(model, tokenizer, "The cat sat on the", LabConfig(layer=1, head=2))

One batched forward pass serves the main view and, when asked for, the masked run to compare with
(mask switched off) and the run with the chosen head ablated. The benchmark times exactly this function.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import torch

from core.text.attention.capture import (AttentionTrace, HeadSteps, Variant, ablation_kls, capture, decode_each, entropy,
                                 head_steps, kl_div, model_info, softmax_t)
from core.nn.rollout import head_average, rollout
from core.text.attention.mlp import MLPView, gpt3_split, mlp_view, param_split


@dataclass(frozen=True)
class LabConfig:
    layer: int = 0  # layer shown in the heatmap, the step-by-step and the MLP view
    head: int = 0  # head shown (and ablated)
    token: int = -1  # query token for "attention from one token" and the MLP view (-1: the last)
    causal: bool = True  # the causal mask (ignored for encoders, which have none)
    temperature: float = 1.0  # applied to the next-token distribution and to one attention row
    top_k: int = 10  # next-token candidates listed
    mlp_k: int = 12  # MLP neurons listed
    max_tokens: int = 256  # prompt cap (below the model's context), to keep the page interactive
    ablate: bool = False  # also run with the chosen head zeroed (one more row in the same batch)


LOW_T = 0.3  # the fixed "sharp" temperature shown beside T = 1 and the slider's


@dataclass
class NextToken:
    """The next-token distribution after the prompt, at temperature T."""

    ids: list[int]  # top-k token ids, most probable first
    tokens: list[str]  # decoded
    probs: list[float]  # at temperature T
    probs_t1: list[float]  # the same tokens at T = 1 (the model's own distribution)
    entropy_bits: float  # of the full distribution at T
    greedy: int  # argmax id


@dataclass
class LabResult:
    trace: AttentionTrace  # the run the page shows (mask as chosen)
    masked: AttentionTrace | None  # with the causal mask, when the shown run has it off (for the diff)
    unmasked: AttentionTrace | None  # without the mask, when the shown run has it on (decoders: always one of the two)
    rollout: torch.Tensor  # [T, T]
    head_avg: torch.Tensor  # [T, T] the chosen layer's heads averaged
    steps: HeadSteps  # chosen layer/head, step by step
    row_t: torch.Tensor  # [T] chosen token's attention row at temperature T
    row_entropy: tuple[float, float]  # (at T = 1, at T) in bits
    next: NextToken | None  # decoders only
    next_masked: NextToken | None  # the masked run's prediction, when the mask is off
    next_unmasked: NextToken | None  # the unmasked run's prediction, when the mask is on
    next_ablated: NextToken | None  # the prediction with the chosen head removed, when asked for
    ablation: float | None  # effect of zeroing the chosen head (KL bits for decoders, 1 - cos for encoders)
    ablation_what: str
    mlp: MLPView
    split: dict[str, int]  # the loaded model's parameters by group
    token: int  # the query token actually used (an index into trace.tokens)
    gpt3: dict[str, int] = field(default_factory=gpt3_split)  # GPT-3 175B from its published shape


def next_token(tokenizer, logits: torch.Tensor, temperature: float, k: int) -> NextToken:
    """The k most likely tokens (by the logits), with their probabilities at T and at T = 1."""
    p = softmax_t(logits, temperature)  # [V]
    p1 = p if temperature == 1.0 else torch.softmax(logits, -1)
    top = torch.argsort(logits, descending=True, stable=True)[:k]  # the model's own ranking: T never changes it,
    # and at T = 0 (one-hot) the list still reads argmax first (probability 1), then the runners-up at 0
    ids = top.tolist()
    return NextToken(ids=ids, tokens=decode_each(tokenizer, ids), probs=p[top].tolist(),
                     probs_t1=p1[top].tolist(), entropy_bits=float(entropy(p)), greedy=int(logits.argmax()))


def sample_token(logits: torch.Tensor, temperature: float, generator: torch.Generator) -> int:
    """Draw one token id from softmax(logits / T) (T -> 0: the argmax)."""
    return int(torch.multinomial(softmax_t(logits, temperature), 1, generator=generator))


def _embedding(trace: AttentionTrace) -> torch.Tensor:
    """Mean-pooled last hidden state: the sentence embedding MiniLM is trained for."""
    return trace.hidden[-1].mean(0)


def analyze(model, tokenizer, text: str, cfg: LabConfig) -> LabResult:
    """Run the model once (batched variants) and derive every view of the page."""
    info = model_info(model)  # per-model constants, looked up once per model
    decoder = info.causal
    causal = cfg.causal and decoder
    L, H = info.L, info.H
    layer, head = min(cfg.layer, L - 1), min(cfg.head, H - 1)
    variants = [Variant(causal=causal)]
    if decoder:  # the same prompt with the mask the other way: the mask tab always compares both
        variants.append(Variant(causal=not causal))
    if cfg.ablate:
        variants.append(Variant(causal=causal, ablate=(layer, head)))
    traces = capture(model, tokenizer, text, variants, max_tokens=cfg.max_tokens)
    tr = traces[0]
    masked = traces[1] if decoder and not causal else None
    unmasked = traces[1] if decoder and causal else None
    abl = traces[-1] if cfg.ablate else None
    T = len(tr.ids)
    tok = cfg.token % T if -T <= cfg.token < T else T - 1
    steps = head_steps(model, tr, layer, head)
    row = steps.masked[tok]  # [T] scores of the chosen query token, -inf where masked
    row_t = softmax_t(row, cfg.temperature)
    if decoder:
        nxt = next_token(tokenizer, tr.logits, cfg.temperature, cfg.top_k)
        nxt_m = next_token(tokenizer, masked.logits, cfg.temperature, cfg.top_k) if masked else None
        nxt_u = next_token(tokenizer, unmasked.logits, cfg.temperature, cfg.top_k) if unmasked else None
        what = "KL(original ‖ ablated) of the next-token distribution, bits"
        effect = kl_div(tr.logits, abl.logits) if abl else None
        nxt_a = next_token(tokenizer, abl.logits, cfg.temperature, cfg.top_k) if abl else None
    else:
        nxt = nxt_m = nxt_u = nxt_a = None
        what = "1 − cosine similarity of the sentence embedding (mean of the last layer)"
        effect = float(1 - torch.nn.functional.cosine_similarity(_embedding(tr), _embedding(abl), dim=0)) if abl else None
    avg = head_average(tr.weights)  # [L, T, T], shared by the head-averaged view and the rollout
    res = LabResult(trace=tr, masked=masked, unmasked=unmasked, rollout=rollout(avg, causal=tr.causal), head_avg=avg[layer], steps=steps,
                    row_t=row_t, row_entropy=(float(entropy(steps.A[tok])), float(entropy(row_t))), next=nxt,
                    next_masked=nxt_m, next_unmasked=nxt_u, next_ablated=nxt_a, ablation=effect, ablation_what=what,
                    mlp=mlp_view(model, tr, layer, tok, cfg.mlp_k), split=param_split(model), token=tok)
    return res


def leak_shares(weights: torch.Tensor) -> torch.Tensor:
    """weights [T, T] (rows: queries) -> [T]: the share of each row's attention on later tokens, the
    positions a causal mask hides (0 for every row when the mask is on)."""
    T = weights.shape[-1]
    return (weights * torch.ones(T, T).triu(1)).sum(-1)


def temperature_rows(scores: torch.Tensor, temps: list[float]) -> list[tuple[float, torch.Tensor, float]]:
    """One attention row's scores [T] (-inf where masked) at each temperature: (T, weights [T], entropy bits)."""
    out = []
    for t in temps:
        w = softmax_t(scores, t)
        out.append((t, w, float(entropy(w))))
    return out


def model_label(name: str, label: str, mode: str | None) -> str:
    """The selector's label for a model card, saying so when this machine would load a fallback
    (e.g. "gpt2 (pretrained, 124M) → here: bundled gpt_tiny stands in")."""
    from pathlib import PurePosixPath

    from core.zoo import get_card, resolve

    card = get_card(name)
    res = resolve(card, mode)  # type: ignore[arg-type]
    if res.source is None:
        return f"{label} → not available here"
    if res.source is card.sources[0]:
        return label
    return f"{label} → here: {res.source.kind} {PurePosixPath(res.source.ref).name} stands in"


@dataclass
class HeadImportance:
    """What removing each head does to the next-token prediction, and the biggest one applied."""

    kl: torch.Tensor  # [L, H] KL(original ‖ head removed) of the next-token distribution, bits
    top: tuple[int, int]  # (layer, head) whose removal changes the prediction most
    next: NextToken  # the original prediction
    next_without_top: NextToken  # the prediction with `top` removed


def head_importance(model, tokenizer, text: str, causal: bool = True, temperature: float = 1.0, k: int = 5,
                    max_tokens: int = 256, on_progress=None) -> HeadImportance:
    """Ablate every head of a decoder in turn (batched forwards) and apply the most important removal.
    on_progress(heads done, all heads) as in ablation_kls."""
    info = model_info(model)
    base, = capture(model, tokenizer, text, [Variant(causal=causal)], max_tokens=max_tokens)
    heads = [(l, h) for l in range(info.L) for h in range(info.H)]
    kls = ablation_kls(model, base.ids, causal, heads, base.logits, on_progress=on_progress)
    grid = torch.tensor([[kls[(l, h)] for h in range(info.H)] for l in range(info.L)])  # [L, H]
    top = divmod(int(grid.argmax()), info.H)
    abl, = capture(model, tokenizer, text, [Variant(causal=causal, ablate=top)], max_tokens=max_tokens)
    return HeadImportance(grid, top, next_token(tokenizer, base.logits, temperature, k),
                          next_token(tokenizer, abl.logits, temperature, k))
