"""Least squares as a projection: the fit Xw is the point of the column space of X nearest to y.

Onto a line (one vector a):   x̂ = aᵀb / aᵀa,  p = a·x̂,  e = b − p ⟂ a,  P = a aᵀ / aᵀa.
Onto a plane (columns of A):  AᵀA x̂ = Aᵀb,  p = A x̂,  e = b − p ⟂ both columns,  P = A(AᵀA)⁻¹Aᵀ.
P is symmetric (Pᵀ = P) and idempotent (P² = P: projecting twice changes nothing).

Computed, P is formed as Q Qᵀ from an orthonormal basis Q of the span (A = QR): the same matrix in
exact arithmetic, but A(AᵀA)⁻¹Aᵀ squares A's condition number, and for two nearly parallel
vectors it loses P² = P (max |P² − P| ≈ 1e-5 at cond(A) = 1e6, 3e-2 at 1e8), while Q Qᵀ keeps it
to rounding (1e-16).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Projection:
    A: np.ndarray  # float64[m, k] the spanning vectors as columns (k = 1: a line)
    b: np.ndarray  # float64[m] the vector projected
    x_hat: np.ndarray  # float64[k] the coefficients: p = A x̂
    p: np.ndarray  # float64[m] the projection of b
    e: np.ndarray  # float64[m] the error b − p
    P: np.ndarray  # float64[m, m] the projection matrix

    @property
    def symmetry_error(self) -> float:
        """max |Pᵀ − P| (0 up to rounding)."""
        return float(np.abs(self.P.T - self.P).max())

    @property
    def idempotence_error(self) -> float:
        """max |P² − P| (0 up to rounding)."""
        return float(np.abs(self.P @ self.P - self.P).max())

    @property
    def orthogonality(self) -> np.ndarray:
        """Aᵀe: [k] zeros up to rounding (e is perpendicular to every column)."""
        return self.A.T @ self.e


def orthonormal_basis(A: np.ndarray) -> np.ndarray:
    """Q [m, k] with orthonormal columns spanning the columns of A [m, k] (Householder QR);
    a ValueError when the columns span fewer than k dimensions."""
    A = np.asarray(A, dtype=np.float64).reshape(len(A), -1)
    if np.linalg.matrix_rank(A) < A.shape[1]:
        what = "a is the zero vector" if A.shape[1] == 1 else "the vectors are parallel (or zero): they span less than a plane"
        raise ValueError(f"{what}, so there is no unique projection")
    return np.linalg.qr(A)[0]


def projection_matrix(A: np.ndarray) -> np.ndarray:
    """P = A(AᵀA)⁻¹Aᵀ, formed as Q Qᵀ from an orthonormal basis Q of the span (never (AᵀA)⁻¹,
    which squares the conditioning). A [m, k] -> P [m, m]."""
    Q = orthonormal_basis(A)  # [m, k]
    return Q @ Q.T


def project(A: np.ndarray, b: np.ndarray) -> Projection:
    """Project b onto the column space of A ([m] for a line, [m, k] for k vectors)."""
    A = np.asarray(A, dtype=np.float64)
    A = A[:, None] if A.ndim == 1 else A  # [m, k]
    b = np.asarray(b, dtype=np.float64)
    Q = orthonormal_basis(A)  # [m, k]; raises on a degenerate A
    p = Q @ (Q.T @ b)  # [m] the nearest point of the span
    x_hat = np.linalg.lstsq(A, b, rcond=None)[0]  # [k] solves AᵀA x̂ = Aᵀb without forming AᵀA
    return Projection(A, b, x_hat, p, b - p, Q @ Q.T)


def project_onto_line(a: np.ndarray, b: np.ndarray) -> Projection:
    """p = a (aᵀb)/(aᵀa), written out as the notes do (the same as project(a, b))."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    aa = float(a @ a)
    if aa == 0.0:
        raise ValueError("a is the zero vector, so there is no line to project onto")
    x_hat = float(a @ b) / aa
    p = a * x_hat
    return Projection(a[:, None], b, np.array([x_hat]), p, b - p, np.outer(a, a) / aa)
