"""Zipf's law and the size of n-gram tables, measured on a corpus.

Zipf: a word's frequency falls as a power of its rank, f(r) ~ C / r^s, a straight line of slope
-s on a log-log plot. The n-gram point of the notes: |V|^n possible n-grams, but a corpus holds
far fewer distinct ones, and fewer still once the rare ones (seen once or twice) are filtered out.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np


@dataclass
class ZipfFit:
    ranks: np.ndarray  # [W] 1, 2, 3, ... (most frequent word first)
    counts: np.ndarray  # [W] how often the word of that rank occurs
    words: list[str]  # [W] the words, by rank
    slope: float  # least-squares slope of log10(count) against log10(rank): about -1 for Zipf
    intercept: float  # log10 of the fitted count at rank 1


def zipf_fit(tokens: list[str], max_rank: int | None = None) -> ZipfFit:
    """Rank-frequency table of `tokens` and the least-squares line through (log r, log f),
    written out: slope = cov(x, y) / var(x)."""
    common = Counter(tokens).most_common(max_rank)
    if len(common) < 2:
        raise ValueError("need at least two distinct words for a rank-frequency fit")
    words = [w for w, _ in common]
    counts = np.array([c for _, c in common], dtype=float)
    ranks = np.arange(1, len(counts) + 1, dtype=float)
    x, y = np.log10(ranks), np.log10(counts)
    slope = float(((x - x.mean()) * (y - y.mean())).sum() / ((x - x.mean()) ** 2).sum())
    return ZipfFit(ranks, counts, words, slope, float(y.mean() - slope * x.mean()))


def ngram_counts(tokens: list[str], n: int) -> Counter:
    """Counts of every run of n consecutive tokens."""
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def distinct_ngrams(tokens: list[str], ns: list[int], min_count: int = 2) -> list[dict]:
    """For each n: distinct n-grams seen, how many survive a filter of count >= min_count, and
    |V|^n, the table a naive model would need."""
    V = len(set(tokens))
    rows = []
    for n in ns:
        c = ngram_counts(tokens, n)
        rows.append({"n": n, "distinct": len(c), "kept": sum(1 for v in c.values() if v >= min_count),
                     "possible": float(V) ** n})
    return rows
