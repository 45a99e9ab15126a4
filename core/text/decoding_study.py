"""What changes with the beam width k: real runs of our traced beam search on several inputs.

For each k: the best hypothesis's mean log-prob and length-normalised score (a wider beam can only
find higher-scoring outputs, up to the length penalty), exact match when targets are known, the
diversity of the n-best list (distinct tokens over all tokens of its hypotheses) and the time.
"""
from __future__ import annotations

import time
from typing import Callable

from core.text.decoding import DecodeConfig, beam_search


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
