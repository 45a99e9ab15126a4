"""Next-sentence-prediction pairs (BERT): sentence A, then 50% the real next sentence (IsNext),
50% a random sentence from elsewhere (NotNext). Seeded, from the user's own text."""
from __future__ import annotations

import re
from dataclasses import dataclass

import torch


@dataclass
class NspPair:
    a: str  # sentence A
    b: str  # sentence B
    is_next: bool  # True: b really follows a in the text
    source: str  # where b came from: "next sentence", "elsewhere in the text", "the corpus"


def split_sentences(text: str) -> list[str]:
    """Sentences ending in . ! or ? (a final fragment counts too), whitespace trimmed."""
    parts = re.findall(r"[^.!?]+[.!?]*", text)
    return [p.strip() for p in parts if p.strip() and re.search(r"\w", p)]


def nsp_pairs(text: str, gen: torch.Generator, pool: list[str] | None = None) -> list[NspPair]:
    """One pair per sentence that has a successor. A NotNext B is drawn from the text's other
    sentences (not A, not A's real successor); with too few of those, from `pool` (other text)."""
    sents = split_sentences(text)
    pairs: list[NspPair] = []
    for i in range(len(sents) - 1):
        if torch.rand((), generator=gen).item() < 0.5:
            pairs.append(NspPair(sents[i], sents[i + 1], True, "next sentence"))
            continue
        others = [s for j, s in enumerate(sents) if j not in (i, i + 1) and s != sents[i + 1]]
        src = "elsewhere in the text"
        if not others:
            others, src = [s for s in (pool or []) if s != sents[i + 1]], "the corpus"
        if not others:
            pairs.append(NspPair(sents[i], sents[i + 1], True, "next sentence"))
            continue
        j = int(torch.randint(0, len(others), (), generator=gen))
        pairs.append(NspPair(sents[i], others[j], False, src))
    return pairs
