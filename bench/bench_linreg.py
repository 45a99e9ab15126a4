"""Linear regression benchmarks.

linreg_fit_ms: KeyPoint's solver (Householder QR of [X | y], R only, core.learn.linreg.fit) on n = 20000 rows and
d = 50 features, median of 9 interleaved runs; baseline: numpy.linalg.lstsq (SVD) on the same X, y, side by side.

linreg_page_rerun_s: the Linear regression page (AppTest) after its first run: median time of a view
change (the replay step, the projection's b); baseline: the first run itself.
"""
from __future__ import annotations

import os
import statistics
import time

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("KEYPOINT_OFFLINE", "1")


def _median_ms(fn, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(1000 * (time.perf_counter() - t0))
    return statistics.median(times)


def linreg_fit_ms() -> dict:
    from core.learn import linreg

    rng = np.random.default_rng(0)
    X = linreg.add_bias(rng.normal(size=(20000, 50)))
    y = X @ rng.normal(size=51) + rng.normal(size=20000)
    w = linreg.fit(X, y).w
    ref = np.linalg.lstsq(X, y, rcond=None)[0]
    assert np.allclose(w, ref, atol=1e-9)
    ours, base = [], []
    for _ in range(9):  # interleaved, so a busy machine slows both alike
        ours.append(_median_ms(lambda: linreg.fit(X, y), repeats=1))
        base.append(_median_ms(lambda: np.linalg.lstsq(X, y, rcond=None), repeats=1))
    return {"value": statistics.median(ours), "unit": "ms", "baseline": statistics.median(base)}


def linreg_page_rerun_s() -> dict:
    from tests.app.helpers import page

    at = page("app_pages/linear_regression/page.py")
    t0 = time.perf_counter()
    at.run()
    first = time.perf_counter() - t0
    assert not at.exception, at.exception
    times = []
    for step, b1 in ((10, 1.0), (30, -1.0), (0, 2.0), (60, 0.5)):
        at.slider(key="lr_replay").set_value(step)
        at.slider(key="pj_b1").set_value(b1)
        t0 = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t0)
        assert not at.exception, at.exception
    return {"value": statistics.median(times), "unit": "s", "baseline": first}


BENCHMARKS = {"linreg_fit_ms": linreg_fit_ms, "linreg_page_rerun_s": linreg_page_rerun_s}
