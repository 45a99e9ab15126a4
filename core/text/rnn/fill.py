"""Fill in the blank: a task where the future matters, for deep and bidirectional RNNs.

Some characters of a text window are hidden (replaced by BLANK); at every hidden position the model
must name the character. A left-to-right RNN's state at t has read only the left side; a
bidirectional one also has a right-to-left state that has read everything after t, so it can use
both ("The d_g barks" needs the "g" after the blank as much as the "d" before it). Both are trained
the same way on the same batches; their held-out accuracy on the blanks is the measured difference.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from core.learn.engine import FitConfig, fit
from core.private_init import init_weights
from core.runtime import torch_rng
from core.text.rnn.char_lm import Vocab

BLANK = "_"  # what a hidden character looks like in the input


@dataclass(frozen=True)
class FillConfig:
    kind: str = "gru"  # "rnn" | "gru" | "lstm"
    hidden: int = 16  # units per direction
    layers: int = 2  # stacked layers; layer 2 reads layer 1's [forward ; backward] states
    emb: int = 16  # character embedding width
    window: int = 24  # characters per training sequence
    blank_frac: float = 0.15  # share of the characters hidden
    steps: int = 300  # Adam steps (held-out blank accuracy ~0.35 left-to-right, ~0.56 bidirectional)
    batch: int = 32
    lr: float = 0.01


class Filler(nn.Module):
    """Embedding -> (bi)RNN stack -> a linear head on the last layer's output at every position."""

    def __init__(self, vocab_size: int, cfg: FillConfig, bidirectional: bool):
        super().__init__()
        self.cfg, self.bidirectional = cfg, bidirectional
        self.embed = nn.Embedding(vocab_size, cfg.emb)
        cell = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[cfg.kind]
        self.rnn = cell(cfg.emb, cfg.hidden, num_layers=cfg.layers, bidirectional=bidirectional)
        self.head = nn.Linear(cfg.hidden * (2 if bidirectional else 1), vocab_size)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """ids [T, B] -> logits [T, B, V]."""
        out, _ = self.rnn(self.embed(ids))  # [T, B, H * directions]
        return self.head(out)


def fill_vocab(text: str) -> Vocab:
    """The text's characters plus BLANK."""
    return Vocab(text + BLANK)


def blank_batch(data: torch.Tensor, blank_id: int, cfg: FillConfig, gen: torch.Generator):
    """Random windows of `data` (long[N]) with a share of the characters hidden.
    Returns (input ids [T, B], target ids [T, B], hidden bool[T, B])."""
    starts = torch.randint(0, len(data) - cfg.window, (cfg.batch,), generator=gen)
    target = torch.stack([data[s:s + cfg.window] for s in starts.tolist()], dim=1)  # [T, B]
    hidden = torch.rand(target.shape, generator=gen) < cfg.blank_frac
    return target.masked_fill(hidden, blank_id), target, hidden


def train_filler(text: str, cfg: FillConfig, bidirectional: bool, seed: int = 0,
                 on_progress=None) -> tuple[Filler, Vocab]:
    """Adam on cross-entropy at the hidden positions only. The batches depend on the seed, not on
    the direction, so the two models see the same data. on_progress(step, steps) every 25 steps."""
    vocab = fill_vocab(text)
    data = vocab.encode(text)
    model = init_weights(Filler(len(vocab.chars), cfg, bidirectional), torch_rng(seed, "fill", bidirectional))
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    gen = torch_rng(seed, "fill batches")
    blank = vocab.index[BLANK]

    def step_fn(step: int) -> torch.Tensor:
        x, y, hid = blank_batch(data, blank, cfg, gen)  # [T, B] each
        return nn.functional.cross_entropy(model(x)[hid], y[hid])

    for ev in fit(FitConfig(seed=seed, steps=cfg.steps, lr=cfg.lr, schedule="constant"), opt, step_fn):
        if on_progress and ev.step % 25 == 0:
            on_progress(ev.step, cfg.steps)
    return model.eval(), vocab


@torch.no_grad()
def blank_accuracy(model: Filler, vocab: Vocab, text: str, seed: int = 1, batches: int = 20) -> float:
    """Share of hidden characters of held-out windows that the model names exactly (argmax)."""
    data, gen, blank = vocab.encode(text), torch_rng(seed, "fill held out"), vocab.index[BLANK]
    right = total = 0
    for _ in range(batches):
        x, y, hid = blank_batch(data, blank, model.cfg, gen)
        right += int((model(x).argmax(-1)[hid] == y[hid]).sum())
        total += int(hid.sum())
    return right / max(total, 1)


@torch.no_grad()
def fill_in(model: Filler, vocab: Vocab, text: str, k: int = 3) -> list[tuple[int, list[tuple[str, float]]]]:
    """For each BLANK in `text`: (its position, the k likeliest characters with their probabilities)."""
    ids = vocab.encode(text)
    p = model(ids[:, None])[:, 0].softmax(-1)  # [T, V]
    out = []
    for t in (ids == vocab.index[BLANK]).nonzero().flatten().tolist():
        top = p[t].topk(k)
        out.append((t, [(vocab.chars[int(i)], float(q)) for q, i in zip(top.values, top.indices)]))
    return out


@torch.no_grad()
def states(model: Filler, vocab: Vocab, text: str):
    """The trained stack run through our own cells (core.text.rnn.deep) on `text`: (DeepTrace, max
    |ours − torch's output|)."""
    from core.text.rnn.deep import run_deep

    xs = model.embed(vocab.encode(text))[:, None, :]  # [T, 1, E]
    trace = run_deep(model.rnn, xs)
    return trace, float((trace.output - model.rnn(xs)[0]).abs().max())
