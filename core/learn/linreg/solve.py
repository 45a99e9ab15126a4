"""Solving least squares well: min_w ||Xw − y||².

The notes' answer is w = (XᵀX)⁻¹Xᵀy, where the gradient Xᵀ(Xw − y) is zero. Written that way it
squares the condition number: cond(XᵀX) = cond(X)², so with cond(X) = 1e8 the normal equations hold
1e16 ≈ 1/ε and no digit of w survives in float64. A factorisation of X itself avoids the square:
with X = QR (Q orthonormal columns, R upper-triangular), XᵀX w = Xᵀy becomes RᵀR w = RᵀQᵀy, i.e.
R w = Qᵀy, a triangular solve whose sensitivity is cond(R) = cond(X).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.linalg

EPS = np.finfo(np.float64).eps


def _rank_tol(X: np.ndarray) -> float:
    """The relative tolerance numpy.linalg.matrix_rank uses: max(n, d)·ε."""
    return max(X.shape) * EPS


@dataclass
class Fit:
    w: np.ndarray  # float64[d] the coefficients
    rank: int  # numerical rank of X
    method: str  # "QR" (full rank) or "minimum norm (lstsq)" (rank-deficient X)

    @property
    def collinear(self) -> bool:
        return self.rank < len(self.w)


def fit(X: np.ndarray, y: np.ndarray) -> Fit:
    """The project's solver. Householder QR of [X | y] (R only: Q is never formed): its top-left
    block is X's R and its last column above the diagonal is Qᵀy, so R w = Qᵀy is one triangular
    solve. X's singular values are R's (a d × d SVD, cheap), which gives the rank; when X is
    rank-deficient (collinear columns: XᵀX singular) there are infinitely many minimisers and we
    return the minimum-norm one (lstsq, SVD)."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n, d = X.shape
    if n < d:  # fewer rows than unknowns: never full column rank
        w, _, rank, _ = np.linalg.lstsq(X, y, rcond=None)
        return Fit(w, int(rank), "minimum norm (lstsq)")
    Xy = np.empty((n, d + 1), order="F")  # LAPACK's column-major layout: no copy inside qr
    Xy[:, :d], Xy[:, d] = X, y
    R = scipy.linalg.qr(Xy, mode="r", overwrite_a=True, check_finite=False)[0]  # [d + 1, d + 1]
    s = scipy.linalg.svdvals(R[:d, :d], check_finite=False)  # = X's singular values
    rank = int((s > _rank_tol(X) * s[0]).sum()) if s.size and s[0] > 0 else 0
    if rank < d:
        w, *_ = np.linalg.lstsq(X, y, rcond=None)
        return Fit(w, rank, "minimum norm (lstsq)")
    w = scipy.linalg.solve_triangular(R[:d, :d], R[:d, d], check_finite=False)  # [d]
    return Fit(w, rank, "QR")


def normal_equation(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The w where XᵀX·w = Xᵀy (the gradient is zero), computed without forming XᵀX or an inverse:
    QR of X turns it into R·w = Qᵀy (see fit). Minimum-norm w when the columns are collinear."""
    return fit(X, y).w


@dataclass
class MethodResult:
    method: str  # how w was computed
    w: np.ndarray | None  # float64[d], or None if the method refused (singular matrix)
    residual: float  # ||Xw − y||, nan if refused
    norm: float  # ||w||, nan if refused
    error: str = ""  # why the method refused, if it did


@dataclass
class SolverReport:
    cond_X: float  # σ_max / σ_min of X (inf when rank-deficient)
    cond_XtX: float  # the same for XᵀX: cond(X)² in exact arithmetic
    rank: int  # numerical rank of X
    d: int  # number of columns (unknowns)
    singular_values: np.ndarray  # float64[d] of X, largest first
    results: list[MethodResult]  # one per method, same order as METHODS
    flattest: np.ndarray  # float64[d] unit right singular vector of the smallest σ: X·v ≈ 0 (a null vector) when collinear

    @property
    def collinear(self) -> bool:
        return self.rank < self.d

    def table(self, names: list[str] | None = None) -> pd.DataFrame:
        """One row per method: its coefficients, ||Xw − y||, ||w|| and how far w is from lstsq's."""
        names = names or [f"w{j}" for j in range(self.d)]
        ref = next(r.w for r in self.results if r.method.startswith("lstsq"))
        rows = []
        for r in self.results:
            row = {"method": r.method}
            row.update({n: (r.w[j] if r.w is not None else np.nan) for j, n in enumerate(names)})
            row["‖Xw − y‖"] = r.residual
            row["‖w‖"] = r.norm
            row["max |w − w_lstsq|"] = float(np.abs(r.w - ref).max()) if r.w is not None else np.nan
            row["note"] = r.error
            rows.append(row)
        return pd.DataFrame(rows)


def _solve_normal(X, y):
    return np.linalg.solve(X.T @ X, X.T @ y)


def _inverse_normal(X, y):
    return np.linalg.inv(X.T @ X) @ (X.T @ y)


def _lstsq(X, y):
    return np.linalg.lstsq(X, y, rcond=None)[0]


def _pinv(X, y):
    return np.linalg.pinv(X) @ y


METHODS = {
    "solve(XᵀX, Xᵀy)": _solve_normal,
    "inv(XᵀX) · Xᵀy": _inverse_normal,
    "QR of X (KeyPoint's fit)": normal_equation,
    "lstsq (SVD)": _lstsq,
    "pinv(X) · y": _pinv,
}


def compare_solvers(X: np.ndarray, y: np.ndarray) -> SolverReport:
    """Every method in METHODS on the same (X, y), with the condition numbers behind their differences."""
    X = np.asarray(X, dtype=np.float64)
    n, d = X.shape
    # With fewer rows than columns the thin SVD has only n right singular vectors, none of them in
    # the null space: take the full V (cheap, n is small) and count the d − n missing σ as zeros.
    _, s, Vt = np.linalg.svd(X, full_matrices=n < d)  # s [min(n, d)], Vt [d, d]
    s = np.concatenate([s, np.zeros(d - len(s))])  # [d]
    rank = int((s > _rank_tol(X) * s[0]).sum()) if s[0] > 0 else 0
    cond = float(s[0] / s[-1]) if rank == X.shape[1] else float("inf")
    cond_XtX = float(np.linalg.cond(X.T @ X)) if rank == X.shape[1] else float("inf")
    results = []
    for name, method in METHODS.items():
        try:
            with np.errstate(all="ignore"):
                w = method(X, y)
            if not np.isfinite(w).all():
                raise np.linalg.LinAlgError("the result is not finite")
            results.append(MethodResult(name, w, float(np.linalg.norm(X @ w - y)), float(np.linalg.norm(w))))
        except np.linalg.LinAlgError as e:
            results.append(MethodResult(name, None, float("nan"), float("nan"), str(e)))
    return SolverReport(cond, cond_XtX, rank, X.shape[1], s, results, Vt[-1])


def matrix_with_condition(n: int, d: int, cond: float, seed: int = 0) -> np.ndarray:
    """A random X [n, d] whose singular values run geometrically from 1 down to 1/cond."""
    rng = np.random.default_rng(seed)
    U, _ = np.linalg.qr(rng.normal(size=(n, d)))  # [n, d]
    V, _ = np.linalg.qr(rng.normal(size=(d, d)))  # [d, d]
    s = np.logspace(0, -np.log10(cond), d)
    return (U * s) @ V.T


def condition_sweep(conds=(1e0, 1e2, 1e4, 1e6, 1e8, 1e10, 1e12), n: int = 60, d: int = 5,
                    seed: int = 0) -> list[dict]:
    """For X of each condition number and an exactly consistent y = X w_true, the relative error
    ||w − w_true|| / ||w_true|| of each method: the normal equations grow like ε·cond², a
    factorisation of X like ε·cond."""
    rows = []
    w_true = np.linspace(1.0, 2.0, d)
    for c in conds:
        X = matrix_with_condition(n, d, c, seed)
        y = X @ w_true
        for name, method in METHODS.items():
            try:
                with np.errstate(all="ignore"):
                    w = method(X, y)
                err = float(np.linalg.norm(w - w_true) / np.linalg.norm(w_true))
            except np.linalg.LinAlgError:
                err = float("nan")
            rows.append({"cond": float(c), "method": name, "relative error": err if np.isfinite(err) else np.nan})
    return rows
