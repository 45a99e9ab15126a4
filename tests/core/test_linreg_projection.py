import numpy as np
import pytest

from core.learn import linreg


def test_projection_onto_a_line():
    a, b = np.array([2.0, 1.0]), np.array([1.0, 3.0])
    pr = linreg.project_onto_line(a, b)
    np.testing.assert_allclose(pr.p, a * (a @ b) / (a @ a))
    assert abs(pr.e @ a) < 1e-12  # e ⟂ a
    np.testing.assert_allclose(pr.p, linreg.project(a, b).p)
    np.testing.assert_allclose(pr.P, linreg.projection_matrix(a[:, None]))
    assert pr.symmetry_error < 1e-15 and pr.idempotence_error < 1e-15


def test_doubling_a_keeps_p_doubling_b_doubles_it():
    a, b = np.array([1.0, -0.5]), np.array([0.3, 2.0])
    p = linreg.project_onto_line(a, b).p
    np.testing.assert_allclose(linreg.project_onto_line(2 * a, b).p, p)
    np.testing.assert_allclose(linreg.project_onto_line(a, 2 * b).p, 2 * p)


def test_projection_onto_a_plane_is_the_least_squares_fit():
    rng = np.random.default_rng(0)
    A, b = rng.normal(size=(3, 2)), rng.normal(size=3)
    pr = linreg.project(A, b)
    ref, *_ = np.linalg.lstsq(A, b, rcond=None)
    np.testing.assert_allclose(pr.x_hat, ref)
    np.testing.assert_allclose(pr.P, pr.P.T, atol=1e-14)
    np.testing.assert_allclose(pr.P @ pr.P, pr.P, atol=1e-14)
    np.testing.assert_allclose(pr.orthogonality, 0, atol=1e-14)
    np.testing.assert_allclose(pr.P, A @ np.linalg.inv(A.T @ A) @ A.T, atol=1e-12)  # the formula itself
    assert np.trace(pr.P) == pytest.approx(2)  # rank 2: it keeps a plane


@pytest.mark.parametrize("A", [np.zeros(2), np.array([[1.0, 2.0], [2.0, 4.0], [0.0, 0.0]])])
def test_degenerate_spans_raise_a_clear_error(A):
    with pytest.raises(ValueError, match="zero|parallel"):
        linreg.project(A, np.ones(len(A)))
    if A.ndim == 1:
        with pytest.raises(ValueError, match="zero"):
            linreg.project_onto_line(A, np.ones(2))


@pytest.mark.parametrize("cond", [1e4, 1e8, 1e12])
def test_projection_stays_idempotent_on_ill_conditioned_spans(cond):
    """Two nearly parallel columns: P from an orthonormal basis is symmetric and idempotent to
    rounding and equals scipy.linalg.orth's projector (the reference); (AᵀA)⁻¹ lost P² = P."""
    import scipy.linalg

    from core.learn.linreg.solve import matrix_with_condition

    A = matrix_with_condition(9, 2, cond, seed=1)
    P = linreg.projection_matrix(A)
    U = scipy.linalg.orth(A)
    np.testing.assert_allclose(P, U @ U.T, atol=1e-12)
    b = np.arange(9.0)
    pr = linreg.project(A, b)
    assert pr.idempotence_error < 1e-14 and pr.symmetry_error < 1e-14
    np.testing.assert_allclose(pr.p, U @ U.T @ b, atol=1e-10)
    assert np.abs(pr.orthogonality).max() < 1e-10
    np.testing.assert_allclose(pr.x_hat, np.linalg.lstsq(A, b, rcond=None)[0])
    if cond >= 1e8:
        old = A @ np.linalg.solve(A.T @ A, A.T)  # the textbook formula, for contrast
        assert np.abs(old @ old - old).max() > 1e3 * pr.idempotence_error
