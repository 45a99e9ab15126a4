"""An n-gram language model with add-k smoothing: P(w | the previous n−1 words) from counts."""
from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

BOS, EOS = "<s>", "</s>"


def words(text: str) -> list[str]:
    """Lower-case word and punctuation tokens."""
    return re.findall(r"[a-z']+|[.,!?]", text.lower())


@dataclass
class NGramLM:
    n: int = 3  # 1 = unigram, 2 = bigram, ...
    k: float = 0.1  # add-k smoothing: unseen continuations get k pseudo-counts
    counts: dict = field(default_factory=lambda: defaultdict(Counter))  # context tuple -> Counter(next word)
    vocab: set = field(default_factory=set)

    def fit(self, docs: list[str]) -> "NGramLM":
        for doc in docs:
            toks = [BOS] * (self.n - 1) + words(doc) + [EOS]
            self.vocab.update(toks)
            for i in range(self.n - 1, len(toks)):
                self.counts[tuple(toks[i - self.n + 1: i])][toks[i]] += 1
        self.vocab.discard(BOS)
        return self

    def context_of(self, history: list[str]) -> tuple:
        padded = [BOS] * (self.n - 1) + history
        return tuple(padded[len(padded) - (self.n - 1):]) if self.n > 1 else ()

    def prob(self, word: str, history: list[str]) -> float:
        """(count(context, w) + k) / (count(context) + k·|V|)."""
        c = self.counts.get(self.context_of(history), Counter())
        return (c[word] + self.k) / (sum(c.values()) + self.k * len(self.vocab))

    def next_distribution(self, history: list[str], top: int = 10) -> list[tuple[str, float]]:
        c = self.counts.get(self.context_of(history), Counter())
        total = sum(c.values()) + self.k * len(self.vocab)
        best = sorted(self.vocab, key=lambda w: -c[w])[:top]
        return [(w, (c[w] + self.k) / total) for w in best]

    def perplexity(self, docs: list[str]) -> float:
        """exp(mean negative log-likelihood per token, EOS included)."""
        nll, count = 0.0, 0
        for doc in docs:
            toks = words(doc) + [EOS]
            for i, w in enumerate(toks):
                nll -= math.log(self.prob(w, toks[:i]))
                count += 1
        return math.exp(nll / max(count, 1))
