"""ShapesWorld benchmarks.

shapesworld_images_per_s: the vectorised generator vs a naive per-image, per-shape, per-pixel-mask
    loop (the obvious implementation: one full-size inside-test per shape, painted in order).
train_<family>_steps_per_s: one training step of the family (data generation, loss, backward,
    AdamW update) at its default batch, vs a plain forward + backward of the same model on the
    same batch (the cost of the model alone; the ratio shows the overhead of matching, targets
    and data).
"""
from __future__ import annotations

import time

import numpy as np
import torch

from core.vision.shapes.generator import CLASSES, ShapesConfig, _hsv_to_rgb, _shape_masks, generate


def _naive_generate(n: int, seed: int, cfg: ShapesConfig) -> list:
    """One image at a time, each shape tested on the whole image: the baseline."""
    rng = np.random.default_rng(seed)
    S = cfg.size
    yy, xx = np.mgrid[0:S, 0:S].astype(np.float32)
    out = []
    for _ in range(n):
        img = np.empty((S, S, 3), np.float32)
        img[:] = rng.uniform(0.1, 0.45, 3)
        ids = np.full((S, S), -1)
        for k in range(int(rng.integers(cfg.min_shapes, cfg.max_shapes + 1))):
            r = rng.uniform(cfg.min_radius, cfg.max_radius)
            cx, cy = rng.uniform(r + 1, S - r - 1, 2)
            m = _shape_masks(np.array([rng.integers(len(CLASSES))]), np.array([r]), np.array([rng.uniform(0, 6.28)]),
                             (xx - cx)[None], (yy - cy)[None])[0]
            img[m] = _hsv_to_rgb(np.array(rng.uniform()), np.array(0.8), np.array(0.9))
            ids[m] = k
        img += rng.normal(0, cfg.noise / 255.0, img.shape)
        masks = [ids == k for k in np.unique(ids) if k >= 0]
        boxes = [(np.nonzero(m.any(0))[0][[0, -1]], np.nonzero(m.any(1))[0][[0, -1]]) for m in masks]
        out.append(((img * 255).clip(0, 255).astype(np.uint8), masks, boxes))
    return out


def _rate(fn, min_seconds: float = 1.5) -> float:
    """Calls per second of fn(), after one warm-up call."""
    fn()
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < min_seconds:
        fn()
        n += 1
    return n / (time.perf_counter() - t0)


def bench_generator() -> dict:
    torch.set_num_threads(1)
    cfg = ShapesConfig()
    fast = 256 * _rate(lambda: generate(256, 1, cfg))
    naive = 32 * _rate(lambda: _naive_generate(32, 1, cfg))
    return {"value": fast, "unit": "images/s", "baseline": naive, "baseline_is": "per-image loop, full-image masks",
            "threads": 1}


def _train_bench(family: str):
    def run() -> dict:
        from core.vision.shapes.models.registry import get_family
        from core.vision.shapes.train import TRAIN_SEED, train
        torch.set_num_threads(1)
        fam = get_family(family)
        it = train(fam, steps=10_000, seed=0)
        steps = _rate(lambda: next(it), min_seconds=4.0)
        model = fam.build()
        model.train()
        samples = generate(fam.batch, TRAIN_SEED, fam.data)

        def plain():  # the model's own forward + backward on a fixed batch, no optimiser, no fresh data
            loss, _ = fam.loss(model, samples)
            loss.backward()
        return {"value": steps, "unit": "steps/s", "baseline": _rate(plain, min_seconds=4.0),
                "baseline_is": "forward+backward only", "batch": fam.batch, "threads": 1}
    return run


BENCHMARKS = {"shapesworld_images_per_s": bench_generator}
for _f in ("yolo", "ssd", "frcnn", "maskrcnn", "detr", "deeplab"):
    BENCHMARKS[f"train_{_f}_steps_per_s"] = _train_bench(_f)
