"""What each method costs as the problem grows, measured on the spot.

Normal equation: form XᵀX (n·d² multiply-adds) and factor it (d³/3): O(n·d² + d³), once.
Gradient descent: each of k steps is two matrix-vector products (2·n·d): O(n·d·k).
So for many features (large d) and few steps gradient descent wins; for few features the one-shot
solve does.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from itertools import zip_longest

import numpy as np
import pandas as pd
import scipy.linalg
from threadpoolctl import threadpool_limits

NORMAL = "normal equation (XᵀX, Cholesky)"
GD = "gradient descent"


@dataclass
class CostConfig:
    ns: tuple[int, ...] = (1000, 4000, 16000)  # rows tried with d = d_fixed
    ds: tuple[int, ...] = (5, 20, 80, 240)  # features tried with n = n_fixed
    n_fixed: int = 2000  # rows while d grows
    d_fixed: int = 20  # features while n grows
    steps: int = 50  # k, gradient-descent steps
    repeats: int = 3  # best of this many timings
    budget_s: float = 2.0  # stop measuring once this much wall time is spent
    seed: int = 0  # for the random X, y


def _time(fn, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def _normal(X, y):
    return scipy.linalg.cho_solve(scipy.linalg.cho_factor(X.T @ X), X.T @ y)


def _gd(X, y, steps):
    n, d = X.shape
    w = np.zeros(d)
    lr = 1.0 / np.linalg.norm(X, 2) ** 2 * n  # a safe step, fixed (its cost is not what we time)
    for _ in range(steps):
        w -= lr * (X.T @ (X @ w - y)) / n
    return w


def measure(config: CostConfig = CostConfig()) -> pd.DataFrame:
    """Seconds per method for each (n, d) in the two sweeps, with the operation counts behind them.
    Columns: sweep ("n grows" / "d grows"), n, d, method, seconds, ops (n·d² + d³ or 2·n·d·k)."""
    rng = np.random.default_rng(config.seed)
    by_n = [("n grows", n, config.d_fixed) for n in config.ns]
    by_d = [("d grows", config.n_fixed, d) for d in config.ds]
    grid = [g for pair in zip_longest(by_n, by_d) for g in pair if g is not None]  # alternate: both sweeps get points
    rows, start = [], time.perf_counter()
    with threadpool_limits(1):  # one BLAS thread: steadier timings on a shared machine, and the O(·) counts hold
        for sweep, n, d in grid:
            if time.perf_counter() - start > config.budget_s:
                break
            X = rng.normal(size=(n, d))  # [n, d]
            y = X @ rng.normal(size=d) + rng.normal(size=n)  # [n]
            Xf = np.asfortranarray(X)
            t_ne = _time(lambda: _normal(Xf, y), config.repeats)
            t_gd = _time(lambda: _gd(X, y, config.steps), config.repeats)
            rows.append({"sweep": sweep, "n": n, "d": d, "method": NORMAL, "seconds": t_ne, "ops": n * d * d + d**3})
            rows.append({"sweep": sweep, "n": n, "d": d, "method": GD, "seconds": t_gd, "ops": 2 * n * d * config.steps})
    return pd.DataFrame(rows)


def fit_models(df: pd.DataFrame) -> pd.DataFrame:
    """The O(·) curves scaled to the measurements: for each method, seconds ≈ c·ops with c the
    least-squares fit in log space (the geometric mean of seconds/ops). Adds a column "model seconds"."""
    out = df.copy()
    out["model seconds"] = np.nan
    for method, g in df.groupby("method"):
        ok = g["seconds"] > 0
        c = float(np.exp(np.mean(np.log(g.loc[ok, "seconds"] / g.loc[ok, "ops"])))) if ok.any() else np.nan
        out.loc[g.index, "model seconds"] = c * g["ops"]
    return out
