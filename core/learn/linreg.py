"""Linear regression two ways: the normal equation in one shot, gradient descent step by step.

Model: y ≈ X·w, with X the design matrix (a column of ones for the bias, then the features).
Loss:  L(w) = 1/(2n) · ||X·w − y||²,   gradient ∇L = 1/n · Xᵀ(X·w − y).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np


@dataclass
class LineData:
    x: np.ndarray  # float64[n] inputs
    y: np.ndarray  # float64[n] noisy targets
    true_w: np.ndarray  # float64[degree + 1] the coefficients that generated y


def make_data(n: int = 50, slope: float = 2.0, intercept: float = -1.0, noise: float = 0.5,
              degree: int = 1, seed: int = 0) -> LineData:
    """y = intercept + slope·x (+ small higher-order terms if degree > 1) + Gaussian noise."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, size=n)
    true_w = np.array([intercept, slope] + [0.5 / k for k in range(2, degree + 1)], dtype=np.float64)
    y = design_matrix(x, degree) @ true_w + rng.normal(0, noise, size=n)
    return LineData(x=x, y=y, true_w=true_w)


def design_matrix(x: np.ndarray, degree: int = 1) -> np.ndarray:
    """X[n, degree + 1] = [1, x, x², ...]: the bias is just a feature that is always 1."""
    return np.stack([x**k for k in range(degree + 1)], axis=1)


def loss(X: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    """Mean squared error / 2: L(w) = 1/(2n) · ||X·w − y||²."""
    r = X @ w - y
    return float(r @ r / (2 * len(y)))


def normal_equation(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Solve XᵀX · w = Xᵀy: where the gradient Xᵀ(Xw − y) is zero.
    We solve the system instead of forming (XᵀX)⁻¹: same answer, fewer rounding errors."""
    return np.linalg.solve(X.T @ X, X.T @ y)


@dataclass
class GDStep:
    step: int
    w: np.ndarray  # float64[d] weights after this step
    loss: float
    grad_norm: float


def gradient_descent(X: np.ndarray, y: np.ndarray, lr: float = 0.1, steps: int = 100,
                     w0: np.ndarray | None = None) -> Iterator[GDStep]:
    """Yield every step of batch gradient descent: w ← w − lr · 1/n · Xᵀ(X·w − y)."""
    n, d = X.shape
    w = np.zeros(d) if w0 is None else np.asarray(w0, dtype=np.float64).copy()
    yield GDStep(0, w.copy(), loss(X, y, w), float("nan"))
    for t in range(1, steps + 1):
        grad = X.T @ (X @ w - y) / n  # [d]
        w = w - lr * grad
        yield GDStep(t, w.copy(), loss(X, y, w), float(np.linalg.norm(grad)))
        if not np.isfinite(w).all():
            return  # diverged: the learning rate is too large for this data


def max_stable_lr(X: np.ndarray) -> float:
    """GD on this quadratic converges iff lr < 2 / λ_max(XᵀX / n)."""
    return float(2.0 / np.linalg.eigvalsh(X.T @ X / len(X)).max())


def loss_surface(X: np.ndarray, y: np.ndarray, w0_range: tuple[float, float], w1_range: tuple[float, float],
                 n: int = 40) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """L(w0, w1) on a grid (intercept × slope) for the straight-line model (the first two columns
    of X), for the contour plot. Returns (W0, W1, L), each [n, n]."""
    a = np.linspace(*w0_range, n)
    b = np.linspace(*w1_range, n)
    W0, W1 = np.meshgrid(a, b)  # [n, n]
    W = np.stack([W0.ravel(), W1.ravel()], axis=1)  # [n*n, 2]
    R = X[:, :2] @ W.T - y[:, None]  # [samples, n*n]
    L = (R**2).mean(axis=0) / 2
    return W0, W1, L.reshape(n, n)
