"""Training as a generator of progress events, for core.live.LiveRun, the training script and the tests.

    for event in train(model, data, TrainConfig(steps=200)):
        event.step, event.loss, event.test_acc, event.grad_first, event.act

Each step (on core.learn.engine.fit): a random batch, cross-entropy, backward, the gradient norm at
the first layer's weights, an optimiser step. Every eval_every steps (and at the end): held-out accuracy and per-layer
activation mean/std of that step's training batch (forward hooks, only on those steps).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

import torch
import torch.nn.functional as F
from torch import nn

from core.learn.engine import FitConfig, StepEvent, extend, fit
from core.vision.cnn.data import ImageSet
from core.vision.cnn.table import layer_rows

ACTIVATIONS = (nn.ReLU, nn.Sigmoid, nn.Tanh)


@dataclass
class TrainConfig:
    steps: int = 300  # optimiser steps
    batch: int = 64  # images per step
    lr: float = 0.01  # Adam's learning rate (SGD: use ~0.1)
    optimizer: str = "adam"  # "adam" or "sgd" (momentum 0.9)
    weight_decay: float = 0.0
    eval_every: int = 25  # steps between held-out evaluations and activation statistics
    n_eval: int = 300  # held-out images per evaluation (at most the test set)
    flip: bool = False  # random horizontal and vertical flips per image (no shape class changes under them)


@dataclass
class TrainEvent(StepEvent):
    """The engine's StepEvent plus what the CNN page draws."""
    train_acc: float = 0.0  # accuracy on this step's batch
    grad_first: float = 0.0  # L2 norm of the gradient at the first layer's weights
    test_acc: float | None = None  # held-out accuracy (evaluation steps only)
    act: list[tuple[str, float, float]] | None = field(default=None)  # (layer, mean, std) at evaluation steps


def stat_layers(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """The rows whose outputs the activation statistics follow: activations and whole blocks."""
    rows = layer_rows(model)
    picked = [(n, m) for n, m in rows if isinstance(m, ACTIVATIONS) or (list(m.children()) and
                                                                        not isinstance(m, nn.Sequential))]
    return picked or [(n, m) for n, m in rows if isinstance(m, nn.Conv2d)]


def first_weight(model: nn.Module) -> torch.Tensor:
    """The first layer's weight (a conv's kernels): where vanishing gradients show first."""
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            return m.weight
    raise ValueError("the model has no conv or linear layer")


def make_optimizer(model: nn.Module, cfg: TrainConfig) -> torch.optim.Optimizer:
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(model.parameters(), lr=cfg.lr, momentum=0.9, weight_decay=cfg.weight_decay)
    if cfg.optimizer == "adam":
        return torch.optim.Adam(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    raise ValueError(f"unknown optimizer {cfg.optimizer!r}; choose adam or sgd")


@torch.no_grad()
def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch: int = 256) -> float:
    was = model.training
    model.eval()
    hits = sum(int((model(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum()) for i in range(0, len(y), batch))
    model.train(was)
    return hits / max(1, len(y))


def flip_batch(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Flip each image left-right and/or up-down with probability 1/2 each."""
    B = x.shape[0]
    h, v = (torch.rand(2, B, generator=g) < 0.5)[:, :, None, None, None]  # [B, 1, 1, 1] each
    x = torch.where(h, x.flip(3), x)
    return torch.where(v, x.flip(2), x)


def train(model: nn.Module, data: ImageSet, cfg: TrainConfig, seed: int = 0) -> Iterator[TrainEvent]:
    """Train `model` in place (give it your own copy), yielding one TrainEvent per step."""
    g = torch.Generator().manual_seed(seed)
    opt = make_optimizer(model, cfg)
    w0 = first_weight(model)
    layers = stat_layers(model)
    n_eval = min(cfg.n_eval, len(data.y_test))
    seen: dict = {}  # what this step's forward pass saw: labels, logits, activation statistics

    def evaluating(step: int) -> bool:  # step counts from 1
        return step % cfg.eval_every == 0 or step == cfg.steps or step == 1

    def step_fn(i: int) -> torch.Tensor:
        idx = torch.randint(0, len(data.y_train), (cfg.batch,), generator=g)
        xb, yb = data.x_train[idx], data.y_train[idx]  # [B, C, S, S], [B]
        if cfg.flip:
            xb = flip_batch(xb, g)
        stats: list[tuple[str, float, float]] = []
        handles = [m.register_forward_hook(lambda mod, inp, o, n=n: stats.append((n, float(o.detach().mean()),
                                                                                   float(o.detach().std()))))
                   for n, m in layers] if evaluating(i + 1) else []
        logits = model(xb)  # [B, classes]
        for h in handles:
            h.remove()
        seen.update(yb=yb, logits=logits.detach(), stats=stats)
        return F.cross_entropy(logits, yb)

    def grad_norm_first(i: int) -> dict:
        return {"grad_first": float(w0.grad.norm()) if w0.grad is not None else 0.0}

    model.train()
    fit_cfg = FitConfig(seed=seed, steps=cfg.steps, lr=cfg.lr, schedule="constant")
    for ev in fit(fit_cfg, opt, step_fn, after_backward=grad_norm_first):
        event = extend(ev, TrainEvent, train_acc=float((seen["logits"].argmax(1) == seen["yb"]).float().mean()),
                       grad_first=ev.info["grad_first"])
        if evaluating(ev.step):
            event.test_acc = accuracy(model, data.x_test[:n_eval], data.y_test[:n_eval])
            event.act = seen["stats"]
        yield event


def side_by_side(runs: dict[str, Iterator[TrainEvent]]) -> Iterator[dict[str, TrainEvent]]:
    """Step several runs in lockstep: one event per run per step, {label: event}."""
    while True:
        out = {}
        for label, run in runs.items():
            try:
                out[label] = next(run)
            except StopIteration:
                return
        yield out
