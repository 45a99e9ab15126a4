"""Gradient descent for linear regression: KeyPoint's loop-style gradientDescent, the vectorised stepper, one step written out.

Model: y ≈ X·w, with X the design matrix (a column of ones for the bias, then the features).
Loss:  L(w) = 1/(2n) · ||X·w − y||²,   gradient ∇L = 1/n · Xᵀ(X·w − y).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np


def loss(X: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    """Mean squared error / 2: L(w) = 1/(2n) · ||X·w − y||²."""
    r = X @ w - y
    return float(r @ r / (2 * len(y)))


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
        with np.errstate(over="ignore", invalid="ignore"):  # a too-large rate overflows on purpose
            grad = X.T @ (X @ w - y) / n  # [d]
            w = w - lr * grad
            step = GDStep(t, w.copy(), loss(X, y, w), float(np.linalg.norm(grad)))
        yield step
        if not np.isfinite(w).all():
            return  # diverged: the learning rate is too large for this data


def max_stable_lr(X: np.ndarray) -> float:
    """GD on this quadratic converges iff lr < 2 / λ_max(XᵀX / n)."""
    return float(2.0 / np.linalg.eigvalsh(X.T @ X / len(X)).max())


def curvatures(X: np.ndarray) -> tuple[float, float]:
    """(λ_min, λ_max) of XᵀX / n, the loss's Hessian. The error along the eigenvector of λ shrinks by
    |1 − η·λ| per step: λ_max sets the stable rate, λ_min how slowly the flattest direction converges."""
    lam = np.linalg.eigvalsh(X.T @ X / len(X))
    return float(lam[0]), float(lam[-1])


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


def computeCost(X, y, theta):  # noqa: N802 - the textbook (Octave-style) name
    """KeyPoint's loop-style cost function, in the common textbook form: J(θ) = 1/(2m) · Σ (Xθ − y)².
    (The course notes do not give this code; it is the project's.)"""
    m = len(y)
    return (1 / (2 * m)) * np.sum((X.dot(theta) - y) ** 2)


def gradient_descent_notes(X, y, theta, alpha, num_iters):
    """KeyPoint's loop-style `gradientDescent` (the project's code, in the common textbook form; the
    course notes do not give it): batch gradient descent θ ← θ − α/m · Xᵀ(Xθ − y), recording the cost after every iteration.
    Returns (theta, J_history [num_iters, 1])."""
    m = len(y)
    J_history = np.zeros((num_iters, 1))
    for iter in range(num_iters):  # noqa: A001 - the textbook loop variable
        theta = theta - (alpha / m) * X.T.dot(X.dot(theta) - y)
        J_history[iter] = computeCost(X, y, theta)
    return theta, J_history


def run_gradient_descent(X: np.ndarray, y: np.ndarray, lr: float, steps: int,
                         w0: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The page's vectorised stepper (gradient_descent) collected into the loop's return shape:
    (final w [d], losses [steps]), nan where it stopped early after overflowing."""
    trace = list(gradient_descent(X, y, lr=lr, steps=steps, w0=w0))
    losses = np.full(steps, np.nan)
    losses[: len(trace) - 1] = [s.loss for s in trace[1:]]
    return trace[-1].w, losses


@dataclass
class GradientStep:
    X: np.ndarray  # float64[n, d] the design matrix
    y: np.ndarray  # float64[n] the targets
    w: np.ndarray  # float64[d] the weights before the step
    residual: np.ndarray  # float64[n] r = Xw − y
    grad: np.ndarray  # float64[d] ∇L = Xᵀr / n
    lr: float  # the step size η
    w_next: np.ndarray  # float64[d] w − η·∇L


def one_step(X: np.ndarray, y: np.ndarray, w: np.ndarray, lr: float) -> GradientStep:
    """One gradient step with every intermediate kept, to write out with the user's numbers:
    r_i = x_i·w − y_i, then ∂L/∂w_j = (1/n) Σ_i X_ij r_i."""
    X = np.asarray(X, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    r = X @ w - y  # [n]
    grad = X.T @ r / len(y)  # [d]
    return GradientStep(X, np.asarray(y, dtype=np.float64), w, r, grad, lr, w - lr * grad)


def _num(v: float) -> str:
    return f"{v:.3g}" if v >= 0 else f"({v:.3g})"


def one_step_latex(s: GradientStep, names: list[str] | None = None, rows: int = 3, components: int = 5) -> list[str]:
    """The step written out with its own numbers, as LaTeX lines: the first residuals, each
    gradient component as its sum (first terms, then '…'), and the update."""
    n, d = s.X.shape
    names = [n.replace("_", "\\_") for n in (names or [f"w{j}" for j in range(d)])]  # \text{} has no _
    k = min(rows, n)
    out = []
    for i in range(k):
        terms = " + ".join(f"{_num(s.X[i, j])}\\cdot{_num(s.w[j])}" for j in range(d))
        out.append(f"r_{{{i + 1}}} = {terms} - {_num(s.y[i])} = {s.residual[i]:.4g}")
    shown = min(d, components)  # the first few components; the rest follow the same pattern
    for j in range(shown):
        terms = " + ".join(f"{_num(s.X[i, j])}\\cdot{_num(s.residual[i])}" for i in range(k))
        more = " + \\dots" if n > k else ""
        out.append(f"\\frac{{\\partial L}}{{\\partial w_{{{j}}}}} = \\tfrac{{1}}{{{n}}}\\left({terms}{more}\\right)"
                   f" = {s.grad[j]:.4g} \\quad (\\text{{{names[j]}}})")
    if d > shown:
        out.append(f"\\dots\\ \\text{{and {d - shown} more components, each the same sum over the rows}}")
    upd = [f"w_{{{j}}}: {s.w[j]:.4g} - {s.lr:.4g}\\cdot{_num(s.grad[j])} = {s.w_next[j]:.4g}" for j in range(d)]
    lines = [",\\quad ".join(upd[i:i + 2]) for i in range(0, d, 2)]
    out.append("w \\leftarrow w - \\eta\\nabla L:\\quad \\begin{gathered}" + " \\\\ ".join(lines) + "\\end{gathered}")
    return out


@dataclass
class NotesComparison:
    theta_notes: np.ndarray  # float64[d] the loop-style gradientDescent's result
    J_notes: np.ndarray  # float64[steps] its J_history, flattened
    w: np.ndarray  # float64[d] the page's stepper, same start and rate
    losses: np.ndarray  # float64[steps] its loss after each step (nan after an overflow)
    lr: float  # the rate both used
    bound: float  # 2 / λ_max(XᵀX / n): the largest stable rate

    @property
    def max_difference(self) -> float:
        """max |θ_notes − w| (0 up to rounding; nan once both overflowed)."""
        return float(np.abs(self.theta_notes - self.w).max())

    @property
    def relative_difference(self) -> float:
        """max |θ_notes − w| / max |w|: rounding-level even when both runs diverge to huge values."""
        return self.max_difference / max(float(np.abs(self.w).max()), 1e-300)

    @property
    def diverged(self) -> bool:
        return bool(self.lr >= self.bound or not np.isfinite(self.losses).all())


def compare_with_notes(X: np.ndarray, y: np.ndarray, lr: float, steps: int) -> NotesComparison:
    """Run the loop-style gradientDescent and the vectorised stepper from θ = 0 with the same rate."""
    with np.errstate(all="ignore"):  # an unstable rate overflows on purpose
        theta, J = gradient_descent_notes(X, y, np.zeros(X.shape[1]), lr, steps)
        w, losses = run_gradient_descent(X, y, lr=lr, steps=steps)
    return NotesComparison(theta, J[:, 0], w, losses, lr, max_stable_lr(X))
