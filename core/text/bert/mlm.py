"""BERT's masked-LM recipe (Devlin et al., 2018): choose 15% of the tokens; of those, 80% become
[MASK], 10% a random token, 10% stay unchanged; the model must recover all chosen tokens.

Deterministic for a given torch.Generator. The count chosen per sequence is exact
(round(15% of the maskable tokens), at least one), as in the original create_pretraining_data.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

IGNORE = -100  # label of a token the loss skips (PyTorch's cross_entropy default)
ACTIONS = ("", "mask", "random", "keep")  # per-token action codes 0..3


@dataclass(frozen=True)
class MlmConfig:
    select_prob: float = 0.15  # fraction of maskable tokens chosen for prediction
    mask_frac: float = 0.8  # of the chosen: replaced by [MASK]
    random_frac: float = 0.1  # of the chosen: replaced by a random token (the rest stay unchanged)


@dataclass
class MaskedInput:
    input_ids: torch.Tensor  # long[B, T]: what the model sees
    labels: torch.Tensor  # long[B, T]: the original id where chosen, IGNORE elsewhere
    action: torch.Tensor  # long[B, T]: 0 untouched, 1 [MASK], 2 random token, 3 chosen but unchanged

    @property
    def chosen(self) -> torch.Tensor:  # bool[B, T]
        return self.action > 0


def mlm_mask(ids: torch.Tensor, maskable: torch.Tensor, mask_id: int, random_pool: torch.Tensor,
             gen: torch.Generator, cfg: MlmConfig = MlmConfig()) -> MaskedInput:
    """ids long[B, T] (or [T]); maskable bool, same shape (False for [CLS], [SEP], padding);
    random_pool long[K]: ids a random replacement is drawn from (real words, no special tokens)."""
    squeeze = ids.dim() == 1
    ids, maskable = (ids[None], maskable[None]) if squeeze else (ids, maskable)
    B, T = ids.shape
    n_cand = maskable.sum(1)  # [B]
    k = torch.where(n_cand > 0, (n_cand.float() * cfg.select_prob).round().clamp(min=1), 0).long()  # [B]
    score = torch.rand(B, T, generator=gen).masked_fill(~maskable, 2.0)  # non-candidates sort last
    rank = score.argsort(1).argsort(1)  # [B, T] rank of each position
    chosen = rank < k[:, None]
    u = torch.rand(B, T, generator=gen)
    action = torch.zeros(B, T, dtype=torch.long)
    action[chosen & (u < cfg.mask_frac)] = 1
    action[chosen & (u >= cfg.mask_frac) & (u < cfg.mask_frac + cfg.random_frac)] = 2
    action[chosen & (u >= cfg.mask_frac + cfg.random_frac)] = 3
    rand_tok = random_pool[torch.randint(0, len(random_pool), (B, T), generator=gen)]
    seen = torch.where(action == 1, torch.full_like(ids, mask_id), ids)
    seen = torch.where(action == 2, rand_tok, seen)
    labels = torch.where(chosen, ids, torch.full_like(ids, IGNORE))
    out = MaskedInput(seen, labels, action)
    if squeeze:
        out = MaskedInput(seen[0], labels[0], action[0])
    return out


def random_pool(tokenizer) -> torch.Tensor:
    """Token ids a random replacement may take: every vocabulary entry that is not a special or
    reserved token ([PAD], [unused12], ...). long[K]."""
    special = set(tokenizer.all_special_ids)
    vocab = tokenizer.get_vocab()
    ids = [i for t, i in vocab.items() if i not in special and not (t.startswith("[") and t.endswith("]"))]
    return torch.tensor(sorted(ids), dtype=torch.long)


def maskable_positions(tokenizer, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None) -> torch.Tensor:
    """bool like input_ids: True for ordinary tokens (not special, not padding)."""
    special = torch.tensor(sorted(tokenizer.all_special_ids))
    ok = ~torch.isin(input_ids, special)
    return ok & attention_mask.bool() if attention_mask is not None else ok
