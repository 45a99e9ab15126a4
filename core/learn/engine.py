"""The one training engine: the config every trainer starts from, the one learning-rate schedule,
the one progress event, and `fit`, the optimiser loop they all run.

    cfg = FitConfig(seed=0, steps=500, budget_s=60, lr=3e-3, warmup_steps=50)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr)
    for ev in fit(cfg, opt, lambda step: loss_of(model, next_batch(step))):
        ev.step, ev.total, ev.loss, ev.lr, ev.elapsed, ev.steps_per_s, ev.time_left

A trainer owns what differs (its data, its loss, its evaluation) in a `step_fn(step) -> loss` (or
`(loss, {"part": value})`); the engine owns what is the same everywhere: the schedule, zero_grad,
backward, clipping, the optimiser step, the clock and the event. Because `fit` is a generator, a page
draws it live (core.live.LiveRun), a test runs five steps of it, a command-line trainer prints it and
a benchmark times it. The semi-supervised loops (core.learn.ssl) keep their own step (teacher, EMA).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Callable, Iterator

import torch


@dataclass
class FitConfig:
    seed: int = 0  # init, batch order, masks: everything random in the run
    steps: int = 1000  # most optimiser steps
    budget_s: float = math.inf  # wall-clock budget; the run stops at whichever limit comes first
    lr: float = 1e-3  # peak learning rate
    warmup_steps: int = 0  # linear warm-up over this many steps (0: none)
    schedule: str = "cosine"  # "cosine": warm-up, then a cosine to min_lr_ratio * lr; "constant": warm-up, then lr
    min_lr_ratio: float = 0.0  # where the cosine ends, as a share of the peak
    clip: float | None = None  # clip the global gradient norm to this (None: no clipping)


def lr_at(cfg: FitConfig, step: int, elapsed: float) -> float:
    """The one schedule: linear warm-up by steps, then a cosine over the run's progress, which is the
    larger of the step share and the time share. A run cut short by the clock still ends annealed, so a
    bundle trained on a busy CPU gets a complete schedule, just fewer steps."""
    warm = min(1.0, (step + 1) / cfg.warmup_steps) if cfg.warmup_steps > 0 else 1.0
    if cfg.schedule == "constant":
        return cfg.lr * warm
    if cfg.schedule != "cosine":
        raise ValueError(f"unknown schedule {cfg.schedule!r}; choose cosine or constant")
    progress = min(1.0, max(step / cfg.steps, elapsed / cfg.budget_s))
    return cfg.lr * warm * (cfg.min_lr_ratio + (1 - cfg.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * progress)))


@dataclass
class StepEvent:
    step: int  # optimiser steps done (1 after the first)
    total: int  # most steps (the clock may end the run first)
    loss: float  # this step's training loss (inf once a run diverged)
    lr: float  # the learning rate this step used
    elapsed: float  # seconds since the run started
    steps_per_s: float  # steps done / elapsed
    time_left: float  # seconds until the first limit (steps at this pace, or the budget)
    parts: dict[str, float] = field(default_factory=dict)  # the loss's named parts (box, class, mask, ...)
    info: dict = field(default_factory=dict)  # what the trainer measured after backward (gradient norms, ...)
    diverged: bool = False  # the loss or a gradient stopped being finite: no update was made, the run ends

    @property
    def progress(self) -> float:
        """Share of the run done, 0..1 (for a progress bar)."""
        return min(1.0, max(self.step / self.total, self.elapsed / max(self.elapsed + self.time_left, 1e-9)))


def extend(ev: StepEvent, cls: type, **more) -> StepEvent:
    """The same event as a trainer's subclass of StepEvent, with its extra fields filled in."""
    return cls(**{f.name: getattr(ev, f.name) for f in fields(StepEvent)}, **more)


def grad_params(opt: torch.optim.Optimizer) -> list[torch.Tensor]:
    return [p for g in opt.param_groups for p in g["params"] if p.grad is not None]


def fit(cfg: FitConfig, opt: torch.optim.Optimizer, step_fn: Callable[[int], object],
        after_backward: Callable[[int], dict | None] | None = None) -> Iterator[StepEvent]:
    """Run the optimiser loop, yielding one StepEvent per step.

    step_fn(step) -> loss (a scalar Tensor) or (loss, parts: {name: float}); step counts from 0.
    after_backward(step) -> dict | None: runs between backward and the update (read or change gradients);
    what it returns goes into the event's `info`. Returning {"diverged": True} (or a loss or gradient
    norm that is not finite) skips the update, yields one last event with diverged=True and ends the run.
    """
    t0 = time.perf_counter()
    step = 0
    while step < cfg.steps:
        elapsed = time.perf_counter() - t0
        if elapsed >= cfg.budget_s:
            break
        lr = lr_at(cfg, step, elapsed)
        for group in opt.param_groups:
            group["lr"] = lr
        out = step_fn(step)
        loss, parts = out if isinstance(out, tuple) else (out, {})
        opt.zero_grad(set_to_none=True)
        loss.backward()
        info = {}
        if cfg.clip is not None:
            info["grad_norm"] = float(torch.nn.utils.clip_grad_norm_(grad_params(opt), cfg.clip))
        if after_backward is not None:
            info |= after_backward(step) or {}
        value = float(loss.detach())
        diverged = bool(info.pop("diverged", False)) or not math.isfinite(value) or \
            not math.isfinite(info.get("grad_norm", 0.0))
        if not diverged:
            opt.step()
        step += 1
        now = time.perf_counter() - t0
        pace = step / max(now, 1e-9)
        left = min((cfg.steps - step) / pace, cfg.budget_s - now)
        yield StepEvent(step, cfg.steps, math.inf if diverged else value, lr, now, pace, max(0.0, left),
                        {k: float(v) for k, v in parts.items()}, info, diverged)
        if diverged:
            return


def line(ev: StepEvent) -> str:
    """One progress line for a terminal: step/total, loss, lr, pace and time left."""
    return (f"step {ev.step}/{ev.total}  loss {ev.loss:.4f}  lr {ev.lr:.2e}  {ev.steps_per_s:.1f} steps/s  "
            f"{ev.elapsed:.0f} s, {ev.time_left:.0f} s left")


def drive(events: Iterator[StepEvent], every: int = 200, out=None) -> StepEvent | None:
    """Run a training generator to its end from the command line, printing a progress line every
    `every` steps (to stderr); returns the last event (None when the run made no step)."""
    import sys

    out = out if out is not None else sys.stderr
    last = None
    for last in events:
        if last.step % every == 0:
            print(line(last), file=out, flush=True)
    return last


def budget_parser(doc: str, budget_s: float, out: Path):
    """The command-line options every bundle trainer shares: its time budget and output folder."""
    import argparse

    p = argparse.ArgumentParser(description=doc.splitlines()[0])
    p.add_argument("--budget-s", type=float, default=budget_s, help="wall-clock budget of the optimisation loop")
    p.add_argument("--out", type=Path, default=out, help="where the bundle (weights and card) goes")
    return p
