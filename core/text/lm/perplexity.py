"""One perplexity for every language model on the page: exp(mean cross-entropy per token).

Each model gives the negative log-likelihood (nats) of each of its tokens of the same held-out
text; `perplexity` is computed from those alone. Models cut text into different tokens (words,
characters, BPE pieces), so per-token perplexities are not comparable across kinds; bits per
character (total NLL / characters / ln 2) is, and the table shows both.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch.nn import functional as F


def perplexity(nll: torch.Tensor) -> float:
    """nll [N] per-token negative log-likelihoods in nats -> exp(mean)."""
    return math.exp(float(nll.double().mean()))


def ngram_nll(lm, docs: list[str]) -> torch.Tensor:
    """[N] -log P(w | the previous n-1 words) for every word of every doc, EOS included."""
    from core.text.lm.ngram import EOS, words

    out = []
    for doc in docs:
        toks = words(doc) + [EOS]
        out += [-math.log(lm.prob(w, toks[:i])) for i, w in enumerate(toks)]
    return torch.tensor(out, dtype=torch.float64)


@torch.no_grad()
def char_nll(model, text: str) -> torch.Tensor:
    """[N] -log P(next char) for a CharLM over `text` (characters it never saw are dropped)."""
    ids = model.vocab.encode(text)
    logits = model(ids[:-1, None])[:, 0]  # [T-1, V]
    return F.cross_entropy(logits, ids[1:], reduction="none")


@torch.no_grad()
def causal_lm_nll(model, tokenizer, text: str, window: int | None = None) -> torch.Tensor:
    """[N] -log P(next token) for a Hugging Face causal LM, in windows of its context length."""
    ids = tokenizer(text, return_tensors="pt")["input_ids"][0]
    window = window or int(getattr(model.config, "n_positions", 512))
    dev = next(model.parameters()).device
    out = []
    for s in range(0, len(ids) - 1, window):
        chunk = ids[s: s + window + 1].to(dev)
        if len(chunk) < 2:
            break
        logits = model(input_ids=chunk[None, :-1]).logits[0].float()  # [t, V]
        out.append(F.cross_entropy(logits, chunk[1:], reduction="none").cpu())
    return torch.cat(out)


@dataclass
class PerplexityRow:
    model: str  # what was measured, in words
    unit: str  # "word", "character", "GPT token"
    tokens: int  # how many tokens of the held-out text it scored
    perplexity: float  # exp(mean NLL per token)
    bits_per_char: float  # total NLL / characters of the held-out text / ln 2: comparable across units


def row(model: str, unit: str, nll: torch.Tensor, n_chars: int) -> PerplexityRow:
    return PerplexityRow(model, unit, int(nll.numel()), perplexity(nll),
                         float(nll.double().sum()) / max(n_chars, 1) / math.log(2))
