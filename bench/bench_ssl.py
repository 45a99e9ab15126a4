"""Semi-supervised detection speed: Soft Teacher (+ box jittering) and Mean Teacher steps per
second at 128x128 with 8 labeled + 8 unlabeled images a step, each measured side by side with a
supervised step of the same detector on the 8 labeled images (baseline). `overhead` is
baseline / value: how many supervised steps one semi-supervised step costs (target <= 2.5)."""
from __future__ import annotations

import statistics
import time

import torch

STEPS = 5


def _setup():
    from core.learn.ssl import det_data, detector
    from core.learn.ssl.burn_in import load_burn_in

    data = det_data.load_shapes(0, 0.10, n_train=200, n_test=8)
    model, _ = load_burn_in(0.10)
    return (model if model is not None else detector.build_detector()), data


def _steps(method: str, jitter: bool, model, data):
    """A running loop, past its starting evaluation and one warm-up step."""
    from core.learn.ssl import detect as sd

    cfg = sd.DetectConfig(method=method, box_jitter=jitter, steps=10**6, eval_every=10**9, n_show=0, n_eval=1)
    gen = sd.train(cfg, model, data, seed=0)
    next(gen)  # step 0: the starting evaluation, not a training step
    next(gen)  # one warm-up step
    return gen


def _timed(gen) -> float:
    t0 = time.perf_counter()
    next(gen)
    return time.perf_counter() - t0


def _bench(method: str, jitter: bool) -> dict:
    """Supervised and semi-supervised steps alternate, so a busy shared CPU slows both alike;
    the median step time of each gives the rates."""
    torch.manual_seed(0)
    model, data = _setup()
    sup, ssl = _steps("supervised", False, model, data), _steps(method, jitter, model, data)
    t_sup, t_ssl = [], []
    for _ in range(STEPS):
        t_sup.append(_timed(sup))
        t_ssl.append(_timed(ssl))
    sup.close()
    ssl.close()
    base, value = 1 / statistics.median(t_sup), 1 / statistics.median(t_ssl)
    return {"value": value, "unit": "steps/s", "baseline": base, "overhead": round(base / value, 3),
            "threads": torch.get_num_threads()}


def soft_teacher_steps_per_s() -> dict:
    return _bench("soft_teacher", True)


def mean_teacher_steps_per_s() -> dict:
    return _bench("mean_teacher", False)


BENCHMARKS = {"soft_teacher_steps_per_s": soft_teacher_steps_per_s,
              "mean_teacher_steps_per_s": mean_teacher_steps_per_s}
