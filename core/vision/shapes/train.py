"""Train one ShapesWorld model family and bundle its weights with a card.

    python -m core.vision.shapes.train frcnn [--steps 1200] [--minutes 8] [--seed 0] [--threads 1]

Writes assets/weights/shapes_<family>.safetensors and shapes_<family>.json (command, seed, steps,
wall time, held-out scores, floor). Every step draws a fresh batch (seed TRAIN_SEED + step), so
the model never sees the held-out test images (seed TEST_SEED).

`train(...)` runs on core.learn.engine.fit: a generator of StepEvents, so a page can show it live
and a test can run five steps of it.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Iterator

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from core.learn.engine import FitConfig, StepEvent, fit
from core.runtime import device as runtime_device
from core.zoo.record import describe, record_now, write_card
from core.vision.shapes.evaluate import boundary_f1, evaluate, mean_iou
from core.vision.shapes.models.family import Family, stack_images
from core.vision.shapes.models.registry import FAMILIES, get_family
from core.vision.shapes.generator import ShapesConfig, generate

WEIGHTS_DIR = Path(__file__).resolve().parents[3] / "assets" / "weights"
TRAIN_SEED = 100_000   # step i trains on generate(batch, TRAIN_SEED + i)
TEST_SEED = 777        # held-out images: generate(n, TEST_SEED)
TEST_N = 200           # held-out images scored for the card
CHECK_N = 32           # the fixed test batch the unit tests re-score (first CHECK_N of the test set)
FLOOR_MARGIN = 0.05    # floor = measured score on the check batch minus this


def train(fam: Family, steps: int, seed: int = 0, max_seconds: float = float("inf"), model=None,
          samples: list | None = None, warmup: int = 50) -> Iterator[StepEvent]:
    """Train `model` (default: a fresh fam.build()) in place on core.learn.engine.fit, one StepEvent per step.

    samples: train on this fixed batch every step instead of fresh images (tests, overfitting demos).

    The learning rate warms up over `warmup` steps, then follows a cosine to zero over whichever ends
    first, `steps` or `max_seconds`, so a run cut short by the clock still anneals.
    """
    if model is None:  # command-line and test entry point: the init draws from the global generator
        torch.manual_seed(seed)
        model = fam.build()
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=fam.lr, weight_decay=fam.weight_decay)
    cfg = FitConfig(seed=seed, steps=steps, budget_s=max_seconds, lr=fam.lr, warmup_steps=warmup, clip=10.0)

    def step_fn(step: int):
        batch = samples if samples is not None else generate(fam.batch, TRAIN_SEED + seed * 1_000_003 + step, fam.data)
        return fam.loss(model, batch)  # (loss, parts)

    yield from fit(cfg, opt, step_fn)


def score(fam: Family, model, n: int = TEST_N, batch: int = 16, data: ShapesConfig | None = None) -> dict:
    """Held-out score on the first n test images (of `data`, default the family's setting):
    mAP (+ mask mAP) for detectors; mIoU and the mean per-image boundary F1 for DeepLab."""
    model.eval()
    samples = generate(n, TEST_SEED, data or fam.data)
    preds = []
    for i in range(0, n, batch):
        preds.extend(fam.predict(model, stack_images(samples[i:i + batch])))
    if fam.task == "segment":
        maps, truth = [p.classes for p in preds], [s.semantic for s in samples]
        return mean_iou(maps, truth) | {"boundary_f1": float(np.mean([boundary_f1(p, t) for p, t in zip(maps, truth)])),
                                        "n": n}
    out = evaluate(preds, samples, "bbox") | {"n": n}
    if fam.task == "instance":
        out |= {f"mask_{k}": v for k, v in evaluate(preds, samples, "segm").items()}
    return out


def weight_paths(family: str, folder: Path = WEIGHTS_DIR) -> tuple[Path, Path]:
    return folder / f"shapes_{family}.safetensors", folder / f"shapes_{family}.json"


def load_weights(family: str, folder: Path = WEIGHTS_DIR, device: torch.device | str | None = None):
    """(model in eval mode on `device`, default core.runtime.device(), card dict) from the bundled files.

    FileNotFoundError if missing. Training itself stays on the CPU: its wall time is the card's CPU figure.
    """
    wpath, cpath = weight_paths(family, folder)
    if not wpath.exists():
        raise FileNotFoundError(f"no bundled weights for {family!r} at {wpath}; run python -m core.vision.shapes.train {family}")
    fam = get_family(family)
    model = fam.build()
    state = load_file(str(wpath))
    model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state.items()})
    model.to(device if device is not None else runtime_device()).eval()
    return model, json.loads(cpath.read_text())


def _floor(*measured: float) -> float:
    """The floor a test holds a model to: its lowest measured score minus FLOOR_MARGIN, rounded down."""
    return max(0.0, math.floor((min(measured) - FLOOR_MARGIN) * 100) / 100)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m core.vision.shapes.train", description=__doc__)
    ap.add_argument("family", choices=FAMILIES)
    ap.add_argument("--steps", type=int, default=3000, help="most steps (the clock may stop it first)")
    ap.add_argument("--minutes", type=float, default=8.0, help="wall-clock budget for training")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", type=Path, default=WEIGHTS_DIR)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    fam = get_family(args.family)
    t0 = time.perf_counter()
    last, losses = None, []
    torch.manual_seed(args.seed)
    model = fam.build()
    for ev in train(fam, args.steps, args.seed, args.minutes * 60, model=model):
        last = ev
        losses.append(ev.loss)
        if ev.step % 25 == 0:
            print(f"step {ev.step} loss {np.mean(losses[-25:]):.4f} lr {ev.lr:.2e} {ev.elapsed:.0f}s", flush=True)
    wall = time.perf_counter() - t0
    held_out = score(fam, model)
    check = score(fam, model, n=CHECK_N)
    # trained on the easy setting? then say how it does on the default, harder one too
    default = score(fam, model, data=ShapesConfig()) if fam.data.easy else None
    key = "miou" if fam.task == "segment" else fam.metric
    floor = _floor(check[key], held_out[key])
    args.out.mkdir(parents=True, exist_ok=True)
    wpath, cpath = weight_paths(args.family, args.out)
    save_file({k: v.detach().contiguous() for k, v in model.state_dict().items()}, str(wpath))
    record = record_now(
        args.threads, command="python -m core.vision.shapes.train " + " ".join(argv if argv is not None else sys.argv[1:]),
        data=f"ShapesWorld: a fresh batch every step (seed {TRAIN_SEED} + step), {held_out['n']} held-out images "
             f"(seed {TEST_SEED})", steps=last.step, wall_time_s=round(wall, 1), metric=key, value=held_out[key],
        n_held_out=held_out["n"], held_out={k: v for k, v in held_out.items() if k != "n"}, seed=args.seed,
        final_loss=float(np.mean(losses[-50:])), note="CPU shared with other jobs while training; wall time is an upper bound")
    card = {
        "family": args.family, "task": fam.task, "batch": fam.batch, "lr": fam.lr,
        "params": sum(p.numel() for p in model.parameters()),
        "data": asdict(fam.data), "train_seed": TRAIN_SEED, "test_seed": TEST_SEED,
        "check_batch": check, "held_out_default_setting": default,
        "reproduce": "the LR schedule follows the wall clock (cosine over --minutes), so a rerun on another "
                     "machine gives a similar, not identical, model; --minutes 1000 makes it step-based",
        "floor": {"metric": key, "value": floor, "n": CHECK_N, "margin_in_tests": 0.03,
                  **({"map": _floor(check["map"], held_out["map"])} if "map" in check else {})},
    }
    write_card(cpath, record, **card)
    print(describe(record), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
