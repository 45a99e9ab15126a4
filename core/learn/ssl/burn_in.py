"""The supervised burn-in: a tiny Faster R-CNN trained on the labeled ShapesWorld images only.

Every semi-supervised detector starts from a sensible detector: a random teacher makes random
pseudo-boxes. `python -m core.learn.ssl.burn_in` trains on the 10% labeled split and writes
assets/ssl/burn_in_10.safetensors plus a JSON card (command, seed, steps, wall time, mAP).
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from core.learn.engine import FitConfig, lr_at
from core.learn.ssl import det_data, detector, views
from core.runtime import device
from core.zoo.record import describe, record_now, write_card

ASSET_DIR = Path(__file__).resolve().parents[3] / "assets" / "ssl"


@dataclass
class BurnInConfig:
    steps: int = 1500            # most optimiser steps
    max_seconds: float = 420.0   # wall-clock budget; the cosine schedule follows time when it binds
    batch: int = 8               # labeled images a step
    lr: float = 0.02             # SGD learning rate (momentum 0.9)
    warmup: int = 50             # linear warm-up steps
    weight_decay: float = 1e-4


def supervised_loss(model, images: torch.Tensor, targets: list, g: torch.Generator) -> dict:
    """Faster R-CNN's own four losses on a flipped/scaled view of the labeled batch."""
    a = views.random_affine(len(images), images.shape[-1], g, flip=True, scale=(0.9, 1.1), shift=0.05)
    warped = views.warp(images, a)
    return model(list(warped), views.targets_into_view(targets, a, images.shape[-1]))


def make_optimizer(model, lr: float, weight_decay: float = 1e-4):
    return torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=lr, momentum=0.9,
                           weight_decay=weight_decay)


def set_lr(opt, lr: float, steps: int, step: int, schedule: str = "constant", warmup: int = 0,
           elapsed: float = 0.0, budget_s: float = math.inf) -> float:
    """Set every group's learning rate for 1-based `step` from the engine's one schedule (lr_at)."""
    lr_now = lr_at(FitConfig(steps=steps, lr=lr, warmup_steps=warmup, schedule=schedule, budget_s=budget_s),
                   step - 1, elapsed)
    for group in opt.param_groups:
        group["lr"] = lr_now
    return lr_now


def train_supervised(model, lab: det_data.DetSplit, cfg: BurnInConfig, seed: int = 0):
    """Yield (step, losses dict) while training `model` in place on the labeled split."""
    g = torch.Generator().manual_seed(seed)
    detector.seed_samplers(model, g)
    opt = make_optimizer(model, cfg.lr, cfg.weight_decay)
    model.train()
    t0 = time.perf_counter()
    for step in range(1, cfg.steps + 1):
        elapsed = time.perf_counter() - t0
        if max((step - 1) / cfg.steps, elapsed / cfg.max_seconds) >= 1.0:
            return
        set_lr(opt, cfg.lr, cfg.steps, step, "cosine", max(cfg.warmup, 1), elapsed, cfg.max_seconds)
        idx = torch.randint(0, len(lab.images), (cfg.batch,), generator=g).tolist()
        losses = supervised_loss(model, lab.images[idx], [lab.targets[i] for i in idx], g)
        total = sum(losses.values())
        opt.zero_grad()
        total.backward()
        opt.step()
        yield step, {k: float(v.detach()) for k, v in losses.items()}


def checkpoint_path(fraction: float = 0.10) -> Path:
    return ASSET_DIR / f"burn_in_{int(round(fraction * 100))}.safetensors"


def load_burn_in(fraction: float = 0.10):
    """The bundled burn-in detector (eval mode) and a reason; (None, reason) when the file is
    missing or was trained for a different architecture (the tiny detector may have changed)."""
    from safetensors.torch import load_file

    path = checkpoint_path(fraction)
    if not path.exists():
        return None, f"{path.name} not found: run `python -m core.learn.ssl.burn_in`"
    model = detector.build_detector()
    state = load_file(str(path))
    mine = model.state_dict()
    if set(state) != set(mine) or any(state[k].shape != mine[k].shape for k in mine):
        return None, (f"{path.name} was trained for another version of the tiny detector: "
                      "rerun `python -m core.learn.ssl.burn_in`")
    model.load_state_dict(state)
    return model.to(device()).eval(), f"bundled burn-in {path.name}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--fraction", type=float, default=0.10)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--steps", type=int, default=BurnInConfig.steps)
    p.add_argument("--max-seconds", type=float, default=BurnInConfig.max_seconds)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    cfg = BurnInConfig(steps=args.steps, max_seconds=args.max_seconds)
    lab, _, test = det_data.load_shapes(args.seed, args.fraction)
    model = detector.build_detector().to(device())
    t0 = time.perf_counter()
    last = 0
    for step, losses in train_supervised(model, lab, cfg, args.seed):
        last = step
        if step % 50 == 0:
            print(step, f"{time.perf_counter() - t0:.0f}s", {k: round(v, 3) for k, v in losses.items()}, flush=True)
    wall = time.perf_counter() - t0
    score = detector.evaluate(model, test)
    print("test", score, flush=True)
    from safetensors.torch import save_file

    ASSET_DIR.mkdir(parents=True, exist_ok=True)
    path = checkpoint_path(args.fraction)
    save_file({k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}, str(path))
    record = record_now(  # core.zoo.record: the one training record of every bundle
        args.threads, command=" ".join(["python -m core.learn.ssl.burn_in", *(sys.argv[1:] if argv is None else argv)]),
        data=f"ShapesWorld seed {args.seed}, {len(lab.images)} labeled images ({args.fraction:.0%} of 1000)",
        steps=last, wall_time_s=round(wall, 1), metric="map", value=round(score["map"], 4), n_held_out=len(test.images),
        held_out={"map": round(score["map"], 4), "map50": round(score["map50"], 4)}, seed=args.seed)
    write_card(path.with_suffix(".json"), record, config=asdict(cfg), size_mb=round(path.stat().st_size / 1e6, 2),
               model="tiny Faster R-CNN (core.vision.shapes.models.faster_rcnn), supervised burn-in")
    print(describe(record), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
