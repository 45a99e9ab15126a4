"""What the Sequence models page computes, tab by tab, from real models and the real corpus.

The page only reads widgets and places these results (core never imports streamlit).
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import torch
from torch import nn

from core.private_init import init_weights
from core.runtime import torch_rng
from core.text.rnn import gradients, deep as rnn_deep
from core.text.lm import perplexity
from core.text.rnn.char_lm import CharLM


TABLE_COLUMNS = {"unit": "token", "tokens": "tokens scored", "perplexity": "perplexity (per token)",
                 "bits_per_char": "bits per character"}  # PerplexityRow fields -> the table's headers, in words


def perplexity_table(ngrams: dict, char_models: dict[str, CharLM], gpt, held_out: list[str]) -> pd.DataFrame:
    """One row per model on the same held-out docs: n-grams (each n), the character RNN / GRU /
    LSTM, the tiny GPT (model, tokenizer) or None. Every perplexity is exp(mean NLL per token)."""
    text = " ".join(held_out)
    rows = [perplexity.row(f"{n}-gram (add-{lm.k:g})", "word", perplexity.ngram_nll(lm, held_out), len(text))
            for n, lm in sorted(ngrams.items())]
    rows += [perplexity.row(f"character {kind.upper()} ({m.cfg.hidden} units, {m.cfg.steps} steps)", "character",
                            perplexity.char_nll(m, text), len(text)) for kind, m in char_models.items()]
    if gpt is not None:
        rows.append(perplexity.row("tiny GPT (bundled, 4 layers)", "GPT token", perplexity.causal_lm_nll(*gpt, text),
                                   len(text)))
    return pd.DataFrame([r.__dict__ for r in rows]).rename(columns=TABLE_COLUMNS)


@dataclass
class DeepResult:
    shapes: pd.DataFrame  # one row per tensor: which, shape
    params: pd.DataFrame  # cell kind, ours (from the shape), torch's (sum of numel), equal?
    trace: rnn_deep.DeepTrace  # every layer's forward and backward states
    max_err: float  # |our output - torch's| over every element


def deep_demo(kind: str, xs: torch.Tensor, hidden: int, layers: int = 2, bidirectional: bool = True,
              seed: int = 0) -> DeepResult:
    """A random torch RNN / GRU / LSTM(num_layers, bidirectional) run through our cells on xs [T, 1, E]."""
    rnn = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[kind](xs.shape[-1], hidden, num_layers=layers,
                                                                 bidirectional=bidirectional)
    init_weights(rnn, torch_rng(seed))  # torch's own U(-1/sqrt(H), 1/sqrt(H)), from this session's seed
    with torch.no_grad():
        ref, _ = rnn(xs)
        tr = rnn_deep.run_deep(rnn, xs)
    T, B, E = xs.shape
    rows = [("input", (T, B, E))]
    for l in range(layers):
        rows.append((f"layer {l + 1} forward states", tuple(tr.forward[l].shape)))
        if bidirectional:
            rows.append((f"layer {l + 1} backward states", tuple(tr.backward[l].shape)))
            rows.append((f"layer {l + 1} output [forward ; backward]", (T, B, 2 * hidden)))
    rows.append(("output (what the next layer or a head reads)", tuple(tr.output.shape)))
    shapes = pd.DataFrame({"tensor": [r[0] for r in rows], "shape [T, B, features]": ["×".join(map(str, r[1])) for r in rows]})
    params = []
    for k in ("rnn", "gru", "lstm"):
        with torch.device("meta"):  # shapes only: no weights drawn
            ref_model = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[k](E, hidden, num_layers=layers,
                                                                           bidirectional=bidirectional)
        ours, theirs = rnn_deep.param_count(k, E, hidden, layers, bidirectional), sum(p.numel() for p in ref_model.parameters())
        params.append({"cell": k.upper(), "from the shape": ours, "torch (sum of numel)": theirs, "equal": ours == theirs})
    return DeepResult(shapes, pd.DataFrame(params), tr, float((tr.output - ref).abs().max()))


def gradient_study(T: int, weight_scale: float, forget_bias: float, seed: int = 0, hidden: int = 32,
                   emb: int = 8) -> pd.DataFrame:
    """|d sum(h_T) / d x_t| for every t, plain RNN vs LSTM (vs GRU), on the same random input."""
    xs = torch.randn(T, 1, emb, generator=torch_rng(seed + 1))
    rows = []
    for kind in ("rnn", "gru", "lstm"):
        cell = gradients.make_cell(kind, emb, hidden, seed, weight_scale, forget_bias)
        norms = gradients.input_gradient_norms(cell, xs)
        rows += [{"cell": kind.upper(), "steps back from the end": T - 1 - t, "gradient norm": float(v)}
                 for t, v in enumerate(norms)]
    return pd.DataFrame(rows)


def clipping_runs(text: str, theta: float, lr: float, steps: int, seed: int = 0, hidden: int = 64,
                  on_progress=None) -> list[dict]:
    """A plain RNN trained with plain SGD, with and without clipping the global gradient norm to θ:
    one row per step and run (loss in bits per character, the norm before and after clipping).
    on_progress(steps done over both runs, 2 * steps) after each step (core.progress.OnProgress)."""
    from core.text.rnn import char_lm

    rows = []
    for r, (label, clip) in enumerate(((f"clipped at θ = {theta:g}", theta), ("no clipping", None))):
        cfg = char_lm.CharLMConfig(kind="rnn", hidden=hidden, steps=steps, lr=lr, optimizer="sgd", clip=clip)
        for e in char_lm.train_char_lm(text, cfg, seed):
            if isinstance(e, char_lm.TrainEvent):
                rows.append({"run": label, "step": e.step, "bits per character": char_lm.bits_per_char(e.loss),
                             "norm before": e.grad_norm, "norm after": e.clipped_norm, "diverged": e.diverged})
                if on_progress:
                    on_progress(r * steps + (steps if e.diverged else e.step), 2 * steps)
    return rows


@torch.no_grad()
def forced_gru(model: CharLM, text: str, force_z: float | None, force_r: float | None):
    """The trained GRU on `text`, free and with its gates pinned: (chars, free trace, forced trace)."""
    from core.text.rnn.cells import CellWeights, run_cell

    ids = model.vocab.encode(text)
    if len(ids) == 0:
        raise ValueError("type at least one character the model knows")
    xs = model.embed(ids)[:, None, :]
    w = CellWeights.from_torch(model.rnn)
    return model.vocab.decode(ids), run_cell("gru", w, xs), run_cell("gru", w, xs, force_z, force_r)
