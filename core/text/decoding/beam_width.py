"""What changes with the beam width k: real runs of our traced beam search on several inputs.

For each k: the best hypothesis's mean log-prob and length-normalised score (a wider beam can only
find higher-scoring outputs, up to the length penalty), exact match when targets are known, the
diversity of the n-best list (distinct tokens over all tokens of its hypotheses) and the time.
"""
from __future__ import annotations

import time
from typing import Callable

from core.text.decoding.search import DecodeConfig, beam_search


def k_study(make_stepper: Callable[[str], object], inputs: list[str], targets: list[set[str]] | None = None,
            ks=(1, 2, 4, 8, 16), cfg: DecodeConfig | None = None, on_progress=None) -> list[dict]:
    """make_stepper(text) -> a fresh stepper; targets[i]: the accepted outputs of inputs[i] (or None).
    on_progress(searches done, len(ks) * len(inputs)) after each search (core.progress.OnProgress)."""
    cfg = cfg or DecodeConfig()
    rows = []
    for k in ks:
        c = DecodeConfig(**{**cfg.__dict__, "num_beams": k})
        lp = norm = hits = distinct = total = length = 0.0
        t0 = time.perf_counter()
        for i, text in enumerate(inputs):
            tr = beam_search(make_stepper(text), c)
            lp, norm, length = lp + tr.best.score, norm + tr.best.norm_score, length + len(tr.best.tokens)
            toks = [t for h in tr.hypotheses for t in h.tokens]
            distinct, total = distinct + len(set(toks)), total + len(toks)
            if targets is not None:
                hits += tr.best.text.strip() in targets[i]
            if on_progress:
                on_progress(len(rows) * len(inputs) + i + 1, len(ks) * len(inputs))
        n = len(inputs)
        rows.append({"k": k, "mean best log-prob": lp / n, "mean length-normalised score": norm / n,
                     "exact match": hits / n if targets is not None else None,
                     "n-best diversity (distinct / all tokens)": distinct / max(total, 1),
                     "mean output length": length / n, "ms per input": 1000 * (time.perf_counter() - t0) / n})
    return rows


def beam_cost(make_stepper: Callable[[], object], k: int, lengths: list[int], cfg: DecodeConfig | None = None) -> list[dict]:
    """What beam search does per output length: the continuations it scores (every row's whole
    vocabulary, counted from the logits the model returns), and the wall time. Per step that is
    k·V, so the total grows linearly with the length; an exhaustive search would score V^length."""
    import math
    from dataclasses import replace

    rows = []
    for n in lengths:
        stepper = make_stepper()
        scored, original = [0], stepper.next_logits

        def counted(seqs, original=original):
            logits, attn = original(seqs)
            scored[0] += logits.shape[0] * logits.shape[-1]  # rows (beams) × V
            return logits, attn

        stepper.next_logits = counted
        t0 = time.perf_counter()
        tr = beam_search(stepper, replace(cfg or DecodeConfig(), max_new_tokens=n, num_beams=k))
        ms = 1000 * (time.perf_counter() - t0)
        V = scored[0] // max(1, k * len(tr.steps))
        rows.append({"steps": len(tr.steps), "scored continuations": scored[0],
                     "per step": scored[0] / len(tr.steps), "k·V": k * V, "time (ms)": ms,
                     "exhaustive: log10(V^steps)": len(tr.steps) * math.log10(max(V, 1))})
    return rows


def penalty_winners(trace, alphas=(-1.0, 0.0, 1.0, 3.0)) -> list[dict]:
    """Which finished hypothesis of a beam trace the length penalty picks at each α (re-scoring the
    n-best pool with that α and the trace's form): the lesson "α > 0 favours longer outputs", measured."""
    from core.text.decoding.search import length_norm

    rows = []
    for a in alphas:
        best = max(trace.hypotheses, key=lambda h: h.score / length_norm(len(h.tokens), a, trace.form))
        rows.append({"α": a, "picked": best.text, "tokens": len(best.tokens), "log-prob": best.score})
    return rows
