"""Directions in embedding space carry meaning; many more almost-orthogonal directions fit than dimensions.

Word vectors: each word of a small vocabulary embedded by a real model (MiniLM's mean-pooled
sentence embedding of the word alone, or a decoder's own token-embedding row). Then nearest
neighbours by cosine, and analogies as vector arithmetic: a − b + c ≈ ? (king − man + woman).

Superposition (Johnson–Lindenstrauss): in N dimensions only N directions are exactly orthogonal, but
the number of directions whose pairwise angles all stay within 90° ± ε grows exponentially with N.
`count_near_orthogonal` finds how many random unit vectors can be kept, greedily, under that rule.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

WORDS = ("king queen man woman boy girl prince princess father mother son daughter brother sister uncle aunt "
         "husband wife actor actress cat cats dog dogs bird birds horse horses cow cows fox foxes mouse mice duck ducks "
         "frog frogs bear bears child children foot feet tree trees book books car cars city cities "
         "Paris France Rome Italy Madrid Spain Berlin Germany Tokyo Japan London England Cairo Egypt Moscow Russia "
         "Athens Greece good better best bad worse worst big bigger small smaller hot cold warm cool happy sad "
         "walk walked run ran swim swam eat ate go went red blue green yellow black white one two three four "
         "Monday Tuesday Friday Sunday apple banana bread cheese honey fish water milk sun moon rain snow").split()
ANALOGIES = [("king", "man", "woman"), ("dogs", "dog", "cat"), ("Paris", "France", "Italy"), ("walked", "walk", "run"),
             ("bigger", "big", "small"), ("actress", "actor", "prince")]  # a − b + c: "queen", "cats", "Rome", ...


FEATURES = {  # one feature, its own pairs: is b − a the same direction for every pair of the feature?
    "gender": [("man", "woman"), ("king", "queen"), ("boy", "girl"), ("father", "mother"), ("son", "daughter"),
               ("brother", "sister"), ("husband", "wife")],
    "plural": [("cat", "cats"), ("dog", "dogs"), ("bird", "birds"), ("horse", "horses"), ("cow", "cows"),
               ("tree", "trees"), ("book", "books")],
}


@torch.no_grad()
def encoder_word_vectors(model, tokenizer, words: list[str]) -> torch.Tensor:
    """[N, D] mean-pooled last hidden state of each word on its own (what MiniLM is trained to embed)."""
    batch = tokenizer(words, padding=True, return_tensors="pt").to(next(model.parameters()).device)
    h = model(**batch).last_hidden_state  # [N, t, D]
    m = batch["attention_mask"][..., None].to(h.dtype)
    return ((h * m).sum(1) / m.sum(1)).float().cpu()


@torch.no_grad()
def token_embedding_vectors(model, tokenizer, words: list[str]) -> tuple[list[str], torch.Tensor]:
    """A decoder's own input-embedding rows for the words that are one token (with a leading space,
    as they appear mid-sentence): (the words kept, [N, D])."""
    E = model.get_input_embeddings().weight
    kept, rows = [], []
    for w in words:
        ids = tokenizer(" " + w)["input_ids"]
        if len(ids) == 1:
            kept.append(w)
            rows.append(E[ids[0]].float().cpu())
    return kept, torch.stack(rows) if rows else torch.zeros(0, E.shape[1])


def cosine_matrix(V: torch.Tensor) -> torch.Tensor:
    """[N, D] -> [N, N] cosine similarities."""
    U = torch.nn.functional.normalize(V.double(), dim=-1)
    return U @ U.T


def neighbours(words: list[str], V: torch.Tensor, word: str, k: int = 8) -> list[tuple[str, float]]:
    """The k words most similar to `word` by cosine (itself excluded)."""
    i = words.index(word)
    cos = cosine_matrix(V)[i]
    order = [j for j in cos.argsort(descending=True).tolist() if j != i][:k]
    return [(words[j], float(cos[j])) for j in order]


def analogy(words: list[str], V: torch.Tensor, a: str, b: str, c: str, k: int = 5) -> list[tuple[str, float]]:
    """a − b + c: the k words whose vectors have the highest cosine with it (a, b, c excluded)."""
    idx = {w: i for i, w in enumerate(words)}
    U = torch.nn.functional.normalize(V.double(), dim=-1)
    q = U[idx[a]] - U[idx[b]] + U[idx[c]]
    cos = (U @ q) / q.norm()
    order = [j for j in cos.argsort(descending=True).tolist() if words[j] not in (a, b, c)][:k]
    return [(words[j], float(cos[j])) for j in order]


def difference_scores(words: list[str], V: torch.Tensor, features: dict[str, list[tuple[str, str]]]) -> list[dict]:
    """Is b − a one direction per feature? For each feature on its own pairs (a, b): the cosine of each
    pair's difference with the mean difference of the feature's other pairs (leave-one-out), and,
    for contrast, with the mean difference of the other features' pairs. Pairs with a word missing
    from `words` are skipped; a feature needs at least 3 pairs."""
    idx = {w: i for i, w in enumerate(words)}
    U = torch.nn.functional.normalize(V.double(), dim=-1)
    cos = torch.nn.functional.cosine_similarity
    diffs = {f: [(a, b, U[idx[b]] - U[idx[a]]) for a, b in ps if a in idx and b in idx] for f, ps in features.items()}
    diffs = {f: d for f, d in diffs.items() if len(d) >= 3}
    rows = []
    for f, d in diffs.items():
        D = torch.stack([x for _, _, x in d])  # [P, dims]
        others = [x for g, e in diffs.items() if g != f for _, _, x in e]
        other_mean = torch.stack(others).mean(0) if others else None
        for p, (a, b, x) in enumerate(d):
            rest = torch.cat([D[:p], D[p + 1:]]).mean(0)
            rows.append({"feature": f, "pair": f"{a} → {b}",
                         "cosine with its own feature's other pairs": float(cos(x, rest, dim=0)),
                         "cosine with the other feature's pairs": float(cos(x, other_mean, dim=0))
                         if other_mean is not None else float("nan")})
    return rows


@dataclass
class NearOrthogonal:
    dims: int  # N
    epsilon_deg: float  # allowed deviation from 90°
    kept: np.ndarray  # [n, N] the unit vectors kept
    tried: int  # random candidates drawn


def count_near_orthogonal(dims: int, epsilon_deg: float, tries: int = 2000, seed: int = 0,
                          cap: int = 5000) -> NearOrthogonal:
    """Draw random unit vectors in `dims` dimensions; keep each one whose angle to every kept one is
    within 90° ± ε (|cos| <= sin ε). Stops after `tries` candidates (or `cap` kept)."""
    rng = np.random.default_rng(seed)
    bound = math.sin(math.radians(epsilon_deg))
    kept = np.empty((tries, dims))  # filled from the top: kept[:n]
    n = 0
    X = rng.standard_normal((tries, dims))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    for start in range(0, tries, 256):  # the same greedy decisions, one block of candidates at a time:
        blk = X[start:start + 256]  # [B, dims] checked against everything kept so far in one product,
        ok = np.abs(blk @ kept[:n].T).max(1) <= bound if n else np.ones(len(blk), bool)
        G = np.abs(blk @ blk.T)  # then against the ones this block keeps, in order
        acc: list[int] = []
        for i in np.flatnonzero(ok):
            if not acc or (G[i, acc] <= bound).all():
                acc.append(i)
        acc = acc[:cap - n]
        kept[n:n + len(acc)] = blk[acc]
        n += len(acc)
        if n >= cap:
            break
    return NearOrthogonal(dims, epsilon_deg, kept[:n].copy(), tries)


def beats_dimensions(rows: list[dict]) -> int | None:
    """The smallest N of near_orthogonal_rows where more near-orthogonal directions were kept than N."""
    found = {r["dims"]: r["directions"] for r in rows if not r["series"].startswith("exactly")}
    return next((n for n in sorted(found) if found[n] > n), None)


EPSILONS = (5, 10, 15, 20, 30, 45)  # degrees offered on the page; from 10° up the count passes N within 256 dims


def near_orthogonal_rows(epsilon_deg: float, seed: int = 0, dims=(2, 4, 8, 16, 32, 64, 128, 256),
                         tries: int = 3000, on_progress=None) -> list[dict]:
    """For each N: how many directions were kept within 90° ± ε, next to the N exactly orthogonal ones.
    on_progress(dimensions done, all dimensions) after each N (core.progress.OnProgress)."""
    rows = []
    for i, n in enumerate(dims):
        found = len(count_near_orthogonal(n, epsilon_deg, tries=tries, seed=seed).kept)
        rows += [{"dims": n, "series": f"within 90° ± {epsilon_deg:g}° (kept of {tries} random)", "directions": found},
                 {"dims": n, "series": "exactly orthogonal (N)", "directions": n}]
        if on_progress:
            on_progress(i + 1, len(dims))
    return rows


def pairwise_angles_deg(V: np.ndarray | torch.Tensor, max_rows: int = 2000, seed: int = 0) -> np.ndarray:
    """Angles (degrees) between every pair of rows of V [n, D] (a random subset of max_rows rows)."""
    V = np.asarray(V, dtype=np.float64)
    if len(V) > max_rows:
        V = V[np.random.default_rng(seed).choice(len(V), max_rows, replace=False)]
    U = V / np.maximum(np.linalg.norm(V, axis=1, keepdims=True), 1e-12)
    cos = np.clip(U @ U.T, -1, 1)[np.triu_indices(len(U), 1)]
    return np.degrees(np.arccos(cos))
