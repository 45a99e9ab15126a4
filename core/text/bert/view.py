"""What the BERT tab shows: the input as three embeddings, the masked-LM recipe on a sentence,
fill-mask predictions, and next-sentence scores."""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import torch

from core.text.bert.mlm import ACTIONS, MaskedInput, maskable_positions, mlm_mask, random_pool
from core.text.bert.nsp import NspPair


def max_positions(model) -> int:
    """How many tokens the model can read at once: the length of its position-embedding table.
    Every input is cut to this (a longer one would index past the table)."""
    return int(model.config.max_position_embeddings)


def encode_cut(tokenizer, a: str, b: str | None, max_len: int) -> tuple[dict, int]:
    """Tokenise (a, b) cut to max_len tokens ([CLS] and [SEP]s included; with a pair the longer
    sentence loses tokens first). Returns (the encoding as tensors, how many tokens were cut)."""
    full = len(tokenizer(a, b)["input_ids"])
    enc = tokenizer(a, b, return_tensors="pt", truncation=True, max_length=max_len)
    return enc, full - enc["input_ids"].shape[1]


@dataclass
class EmbeddingView:
    tokens: list[str]  # wordpieces incl. [CLS] / [SEP]
    segments: list[int]  # 0 for sentence A, 1 for sentence B
    token_vec: np.ndarray  # float[T, D] word-piece embedding rows
    segment_vec: np.ndarray  # float[T, D] segment (token type) embedding rows
    position_vec: np.ndarray  # float[T, D] position embedding rows
    summed: np.ndarray  # float[T, D] token + segment + position
    output: np.ndarray  # float[T, D] after the embedding LayerNorm: what layer 1 receives
    check_err: float  # max |our sum + LayerNorm - the model's own embeddings module|
    cut: int = 0  # tokens dropped to fit the model's max_position_embeddings


@torch.no_grad()
def embedding_view(encoder, tokenizer, a: str, b: str | None = None) -> EmbeddingView:
    """encoder: a BertModel (or anything with .embeddings like BERT's). The pair is cut to the
    encoder's position table."""
    enc, cut = encode_cut(tokenizer, a, b, max_positions(encoder))
    ids, seg = enc["input_ids"], enc.get("token_type_ids", torch.zeros_like(enc["input_ids"]))
    E = encoder.embeddings
    T = ids.shape[1]
    tv = E.word_embeddings(ids)[0]  # [T, D]
    sv = E.token_type_embeddings(seg)[0]
    pv = E.position_embeddings(torch.arange(T)[None])[0]
    summed = tv + sv + pv
    out = E.LayerNorm(summed)
    ref = E(input_ids=ids, token_type_ids=seg)[0]
    return EmbeddingView(tokenizer.convert_ids_to_tokens(ids[0].tolist()), seg[0].tolist(), tv.numpy(), sv.numpy(),
                         pv.numpy(), summed.numpy(), out.numpy(), float((out - ref).abs().max()), cut)


@dataclass
class MlmView:
    tokens: list[str]  # the sentence's wordpieces
    seen: list[str]  # what the model sees after the recipe
    actions: list[str]  # "", "mask", "random", "keep" per token
    masked: MaskedInput  # the tensors
    token_type_ids: torch.Tensor  # long[1, T]
    attention_mask: torch.Tensor  # long[1, T]
    cut: int = 0  # tokens dropped to fit the model's max_position_embeddings


def mlm_view(tokenizer, text: str, seed: int, max_len: int) -> MlmView:
    """The 15% / 80-10-10 recipe on a text cut to max_len tokens, seeded from the page's seed."""
    enc, cut = encode_cut(tokenizer, text, None, max_len)
    ids = enc["input_ids"]
    gen = torch.Generator().manual_seed(int(seed))
    m = mlm_mask(ids, maskable_positions(tokenizer, ids), tokenizer.mask_token_id, random_pool(tokenizer), gen)
    return MlmView(tokenizer.convert_ids_to_tokens(ids[0].tolist()),
                   tokenizer.convert_ids_to_tokens(m.input_ids[0].tolist()),
                   [ACTIONS[int(a)] for a in m.action[0]], m,
                   enc.get("token_type_ids", torch.zeros_like(ids)), enc["attention_mask"], cut)


def recipe_tally(tokenizer, text: str, seed: int, max_len: int, draws: int = 2000) -> dict[str, int]:
    """How the recipe treats the chosen tokens of this text over `draws` independent draws (one
    generator, the draws batched): counts of "mask", "random" and "keep". One draw of a short
    text rarely shows all three; two thousand show 80 / 10 / 10."""
    ids = encode_cut(tokenizer, text, None, max_len)[0]["input_ids"].repeat(draws, 1)  # [draws, T]
    gen = torch.Generator().manual_seed(int(seed))
    m = mlm_mask(ids, maskable_positions(tokenizer, ids), tokenizer.mask_token_id, random_pool(tokenizer), gen)
    return {ACTIONS[a]: int((m.action == a).sum()) for a in (1, 2, 3)}


@dataclass
class Prediction:
    position: int  # token index in the sequence
    original: str  # the token that was there ("" when the user typed [MASK])
    candidates: list[tuple[str, float]]  # (token, probability), best first


@torch.no_grad()
def fill_mask(model, tokenizer, input_ids: torch.Tensor, token_type_ids: torch.Tensor, positions: list[int],
              originals: list[str] | None = None, k: int = 5) -> list[Prediction]:
    """Top-k predictions of a masked-LM head (BertForPreTraining or BertForMaskedLM) at `positions`."""
    out = model(input_ids=input_ids, token_type_ids=token_type_ids)
    logits = out.prediction_logits if hasattr(out, "prediction_logits") else out.logits  # [1, T, V]
    preds = []
    for j, pos in enumerate(positions):
        top = logits[0, pos].softmax(-1).topk(k)
        preds.append(Prediction(pos, (originals or [""] * len(positions))[j],
                                [(tokenizer.convert_ids_to_tokens(int(i)), float(p)) for p, i in zip(top.values, top.indices)]))
    return preds


def fill_typed_masks(model, tokenizer, text: str, k: int = 5) -> list[Prediction]:
    """Fill-mask on a sentence the user wrote with [MASK] in it (cut to the model's positions)."""
    enc = encode_cut(tokenizer, re.sub(r"\[mask\]", "[MASK]", text, flags=re.I), None, max_positions(model))[0]
    pos = (enc["input_ids"][0] == tokenizer.mask_token_id).nonzero().flatten().tolist()
    return fill_mask(model, tokenizer, enc["input_ids"], enc.get("token_type_ids", torch.zeros_like(enc["input_ids"])),
                     pos, k=k)


def fill_recipe(model, tokenizer, view: MlmView, k: int = 5) -> list[Prediction]:
    """Predictions at every token the recipe chose (masked, replaced or kept): the MLM loss targets."""
    pos = view.masked.chosen[0].nonzero().flatten().tolist()
    return fill_mask(model, tokenizer, view.masked.input_ids, view.token_type_ids, pos,
                     [view.tokens[p] for p in pos], k=k)


@torch.no_grad()
def nsp_scores(model, tokenizer, pairs: list[NspPair]) -> list[float]:
    """P(IsNext) from the next-sentence head for each pair (label 0 = IsNext, as in BERT); each
    pair cut to the model's positions."""
    if not pairs:
        return []
    enc = tokenizer([p.a for p in pairs], [p.b for p in pairs], return_tensors="pt", padding=True,
                    truncation=True, max_length=max_positions(model))
    logits = model(**enc).seq_relationship_logits  # [B, 2]
    return logits.softmax(-1)[:, 0].tolist()
