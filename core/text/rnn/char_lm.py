"""A character-level language model: embedding -> one RNN / GRU / LSTM layer -> next-char logits.

Trained with torch.nn's fused cells (fast); the page then re-runs the trained weights through the
hand-written cells in core.text.rnn.cells to show every gate.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterator

import torch
from torch import nn

from core.learn.engine import FitConfig, StepEvent, extend, fit
from core.private_init import init_weights
from core.text.rnn.gradients import clip_by_global_norm
from core.text.rnn.cells import CellTrace, CellWeights, run_cell


@dataclass
class CharLMConfig:
    kind: str = "gru"  # "rnn" | "gru" | "lstm"
    emb: int = 16  # character embedding size
    hidden: int = 64  # hidden units in the one recurrent layer
    seq_len: int = 48  # characters per training window
    batch: int = 32  # windows per step
    lr: float = 5e-3  # Adam learning rate
    steps: int = 250  # optimisation steps
    optimizer: str = "adam"  # "adam", or "sgd" (plain steps: an exploding gradient is a huge step)
    clip: float | None = 1.0  # gradient clipping threshold θ on the global norm (None: no clipping)
    explicit: bool = False  # True: run our hand-written cells (core.text.rnn.cells) instead of torch's fused ones


class Vocab:
    def __init__(self, text: str):
        self.chars = sorted(set(text))
        self.index = {ch: i for i, ch in enumerate(self.chars)}

    def encode(self, s: str) -> torch.Tensor:
        return torch.tensor([self.index[c] for c in s if c in self.index], dtype=torch.long)

    def decode(self, ids) -> str:
        return "".join(self.chars[int(i)] for i in ids)


class CharLM(nn.Module):
    def __init__(self, vocab_size: int, cfg: CharLMConfig):
        super().__init__()
        self.cfg = cfg
        self.embed = nn.Embedding(vocab_size, cfg.emb)
        cell = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[cfg.kind]
        self.rnn = cell(cfg.emb, cfg.hidden, batch_first=False)
        self.head = nn.Linear(cfg.hidden, vocab_size)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """ids [T, B] -> logits [T, B, V]."""
        if self.cfg.explicit:  # the same weights through our cells: slower, every gate in reach
            out = run_cell(self.cfg.kind, CellWeights.from_torch(self.rnn, detach=False), self.embed(ids)).hidden
        else:
            out, _ = self.rnn(self.embed(ids))
        return self.head(out)


@dataclass
class TrainEvent(StepEvent):
    """The engine's StepEvent (loss: nats per character, inf once the run diverged; diverged: the loss or
    the gradients became inf / NaN and the run stops there) plus what the sequence-models page draws."""
    val_loss: float | None = None  # on held-out text, every few steps
    grad_norm: float = 0.0  # global gradient norm before clipping
    clipped_norm: float = 0.0  # after clipping (== grad_norm without clipping)
    kind: str = ""  # "rnn" | "gru" | "lstm": which model this event is from
    model: "CharLM | None" = field(default=None, repr=False)  # the model being trained (the same object every event)


def train_char_lm(text: str, cfg: CharLMConfig, seed: int = 0) -> Iterator[TrainEvent | CharLM]:
    """Yield a TrainEvent per step (core.learn.engine.fit), then the trained model (a generator, so a page
    can draw progress). A run whose loss or gradients stop being finite yields one event with
    diverged=True and ends there (the model it then yields holds whatever weights the last finite step
    left). Every draw (init, batches) comes from generators seeded from `seed`: two students with the
    same seed get the same run, whatever else the server does meanwhile."""
    g = torch.Generator().manual_seed(seed)  # batches
    vocab = Vocab(text)
    data = vocab.encode(text)
    split = int(0.9 * len(data))
    train, val = data[:split], data[split:]
    model = init_weights(CharLM(len(vocab.chars), cfg), torch.Generator().manual_seed(seed))
    model.vocab = vocab
    opt = (torch.optim.SGD if cfg.optimizer == "sgd" else torch.optim.Adam)(model.parameters(), lr=cfg.lr)

    def batch(src: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        starts = torch.randint(0, len(src) - cfg.seq_len - 1, (cfg.batch,), generator=g)
        x = torch.stack([src[s: s + cfg.seq_len] for s in starts], dim=1)  # [T, B]
        y = torch.stack([src[s + 1: s + cfg.seq_len + 1] for s in starts], dim=1)  # next chars
        return x, y

    def step_fn(step: int) -> torch.Tensor:
        x, y = batch(train)
        return nn.functional.cross_entropy(model(x).flatten(0, 1), y.flatten())

    def clip(step: int) -> dict:  # our own global-norm clipping (core.text.rnn.gradients), shown on the page
        params = [p for p in model.parameters() if p.grad is not None]
        clipped = clip_by_global_norm([p.grad for p in params], cfg.clip if cfg.clip is not None else float("inf"))
        ok = math.isfinite(clipped.norm_before)
        if ok:
            for p, grad in zip(params, clipped.grads):  # plain RNNs explode without clipping
                p.grad = grad
        return {"grad_norm": clipped.norm_before, "clipped_norm": clipped.norm_after, "diverged": not ok}

    fit_cfg = FitConfig(seed=seed, steps=cfg.steps, lr=cfg.lr, schedule="constant")
    for ev in fit(fit_cfg, opt, step_fn, after_backward=clip):
        val_loss = None
        if not ev.diverged and (ev.step % 25 == 0 or ev.step == cfg.steps):
            with torch.no_grad():
                vx, vy = batch(val)
                val_loss = float(nn.functional.cross_entropy(model(vx).flatten(0, 1), vy.flatten()))
        yield extend(ev, TrainEvent, val_loss=val_loss, grad_norm=ev.info["grad_norm"],
                     clipped_norm=ev.info["clipped_norm"], kind=cfg.kind, model=model)
    model.eval()
    yield model


def trace_text(model: CharLM, s: str) -> tuple[str, CellTrace, torch.Tensor]:
    """Run `s` through our hand-written cell with the model's weights.
    Returns (the characters used, the gate trace, next-char probabilities [T, V])."""
    ids = model.vocab.encode(s)
    if len(ids) == 0:
        raise ValueError("type at least one character the model knows")
    with torch.no_grad():
        xs = model.embed(ids)[:, None, :]  # [T, 1, E]
        trace = run_cell(model.cfg.kind, CellWeights.from_torch(model.rnn), xs)
        probs = torch.softmax(model.head(trace.hidden[:, 0]), dim=-1)  # [T, V]
    return model.vocab.decode(ids), trace, probs


def sample(model: CharLM, prompt: str, n: int = 80, temperature: float = 0.8, seed: int = 0) -> str:
    g = torch.Generator().manual_seed(seed)
    ids = model.vocab.encode(prompt).tolist() or [0]
    with torch.no_grad():
        for _ in range(n):
            logits = model(torch.tensor(ids)[:, None])[-1, 0] / max(temperature, 1e-4)
            ids.append(int(torch.multinomial(torch.softmax(logits, -1), 1, generator=g)))
    return model.vocab.decode(ids)


def bits_per_char(loss_nats: float) -> float:
    return loss_nats / math.log(2)


def train_race(text: str, kinds: tuple[str, ...], cfg: CharLMConfig, seed: int = 0) -> Iterator[TrainEvent]:
    """Train one model per cell kind on the same text, the same batches (same seed) and settings,
    in lockstep: yields each kind's TrainEvent for step 1, then step 2, ... (live comparison)."""
    from dataclasses import replace

    runs = [train_char_lm(text, replace(cfg, kind=k), seed) for k in kinds]
    alive = list(runs)
    while alive:
        for run in list(alive):
            ev = next(run, None)
            if isinstance(ev, TrainEvent):
                yield ev
                if ev.diverged:
                    alive.remove(run)
            else:  # the trained model (or the end): this kind is done
                alive.remove(run)


def inside_quotes(s: str) -> list[bool]:
    """For each character: is it inside a pair of double quotes (the quote marks themselves count)?"""
    out, inside = [], False
    for ch in s:
        if ch == '"':
            out.append(True)
            inside = not inside
        else:
            out.append(inside)
    return out


def tracking_unit(values: torch.Tensor, flags: list[bool]) -> tuple[int, float]:
    """values [T, H] (a gate or the hidden state per step and unit), flags [T] -> the unit whose
    value correlates most with the flag (|Pearson r|), and that r."""
    v = values.double()
    f = torch.tensor(flags, dtype=torch.float64)
    if f.std() == 0:
        raise ValueError("the text needs characters both inside and outside quotes")
    vc, fc = v - v.mean(0), f - f.mean()
    r = (vc * fc[:, None]).sum(0) / (vc.norm(dim=0) * fc.norm()).clamp_min(1e-12)  # [H]
    unit = int(r.abs().argmax())
    return unit, float(r[unit])
