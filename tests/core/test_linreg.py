import numpy as np
import pytest

from core.learn import linreg


@pytest.mark.parametrize("degree", [1, 3])
def test_normal_equation_matches_lstsq(degree):
    d = linreg.make_data(n=80, degree=degree, noise=0.3, seed=1)
    X = linreg.design_matrix(d.x, degree)
    w = linreg.normal_equation(X, d.y)
    ref, *_ = np.linalg.lstsq(X, d.y, rcond=None)
    np.testing.assert_allclose(w, ref, rtol=1e-9, atol=1e-10)
    assert np.abs(w - d.true_w).max() < 0.3  # and it finds the generating line


def test_gradient_descent_converges_to_the_normal_equation():
    d = linreg.make_data(n=60, seed=2)
    X = linreg.design_matrix(d.x)
    steps = list(linreg.gradient_descent(X, d.y, lr=0.3, steps=300))
    np.testing.assert_allclose(steps[-1].w, linreg.normal_equation(X, d.y), atol=1e-6)
    losses = [s.loss for s in steps]
    assert all(b <= a + 1e-12 for a, b in zip(losses, losses[1:]))  # a stable lr never goes up


def test_gradient_is_the_derivative_of_the_loss():
    d = linreg.make_data(n=30, seed=3)
    X = linreg.design_matrix(d.x)
    w = np.array([0.3, -0.7])
    s0, s1 = list(linreg.gradient_descent(X, d.y, lr=1e-3, steps=1, w0=w))
    grad = (w - s1.w) / 1e-3
    eps = 1e-6
    numeric = [(linreg.loss(X, d.y, w + eps * e) - linreg.loss(X, d.y, w - eps * e)) / (2 * eps) for e in np.eye(2)]
    np.testing.assert_allclose(grad, numeric, rtol=1e-5)


def test_learning_rate_above_the_bound_diverges():
    d = linreg.make_data(n=40, seed=4)
    X = linreg.design_matrix(d.x)
    bound = linreg.max_stable_lr(X)
    ok = list(linreg.gradient_descent(X, d.y, lr=0.9 * bound, steps=200))
    bad = list(linreg.gradient_descent(X, d.y, lr=1.1 * bound, steps=200))
    assert ok[-1].loss < ok[0].loss
    assert bad[-1].loss > bad[0].loss


def test_loss_surface_agrees_with_loss():
    d = linreg.make_data(n=20, seed=5)
    X = linreg.design_matrix(d.x)
    W0, W1, L = linreg.loss_surface(X, d.y, (-2, 2), (0, 4), n=7)
    i, j = 3, 5
    assert L[i, j] == pytest.approx(linreg.loss(X, d.y, np.array([W0[i, j], W1[i, j]])))
