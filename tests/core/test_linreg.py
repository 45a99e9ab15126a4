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


# --- the project's solver against numpy.linalg.lstsq and scikit-learn -------------------------------

from sklearn.linear_model import LinearRegression  # noqa: E402

from core.learn.linreg.solve import matrix_with_condition  # noqa: E402


# scikit-learn's LinearRegression drops singular values below tol·σ_max (tol = 1e-6 by default: a
# silent regularisation past cond 1e6); with tol below 1/cond it is plain least squares.
SK_TOL = 1e-13


@pytest.mark.parametrize("cond", [1e0, 1e3, 1e6, 1e8, 1e10])
def test_fit_matches_lstsq_and_sklearn_up_to_cond_1e10(cond):
    """Exactly consistent y: the coefficients are identifiable to about ε·cond, and QR gets them."""
    X = matrix_with_condition(80, 6, cond, seed=1)
    w_true = np.array([1.0, -2.0, 0.5, 3.0, -1.0, 2.0])
    y = X @ w_true
    w = linreg.normal_equation(X, y)
    ref, *_ = np.linalg.lstsq(X, y, rcond=None)
    sk = LinearRegression(fit_intercept=False, tol=SK_TOL).fit(X, y).coef_
    tol = max(1e-12, 1e-15 * cond * 100)  # ε·cond with a margin
    np.testing.assert_allclose(w, ref, rtol=0, atol=tol * np.abs(ref).max())
    np.testing.assert_allclose(w, sk, rtol=0, atol=tol * np.abs(ref).max())
    np.testing.assert_allclose(w, w_true, rtol=0, atol=tol * 3)


@pytest.mark.parametrize("cond", [1e2, 1e6, 1e10])
def test_fit_matches_lstsq_and_sklearn_on_noisy_ill_conditioned_data(cond):
    """With noise the coefficients of an ill-conditioned X are not identifiable (they move by
    ε·cond²·|r|), so compare what is: the predictions and the residual norm."""
    rng = np.random.default_rng(2)
    X = matrix_with_condition(100, 5, cond, seed=2)
    y = X @ rng.normal(size=5) + 0.1 * rng.normal(size=100)
    w = linreg.normal_equation(X, y)
    ref, *_ = np.linalg.lstsq(X, y, rcond=None)
    sk = LinearRegression(fit_intercept=False, tol=SK_TOL).fit(X, y)
    np.testing.assert_allclose(X @ w, X @ ref, atol=1e-6 * np.linalg.norm(y))
    np.testing.assert_allclose(X @ w, sk.predict(X), atol=1e-6 * np.linalg.norm(y))
    # the residual norm is what least squares minimises: ours is lstsq's to 1e-9, or lower
    assert np.linalg.norm(X @ ref - y) * (1 - 1e-8) <= np.linalg.norm(X @ w - y) <= np.linalg.norm(X @ ref - y) * (1 + 1e-9)


def test_fit_with_intercept_matches_sklearn_on_generated_features():
    data = linreg.make_features(n=200, d=4, collinearity=0.9, noise=0.3, seed=3)
    w = linreg.normal_equation(data.X, data.y)
    sk = LinearRegression().fit(data.features, data.y)
    np.testing.assert_allclose(w[0], sk.intercept_, atol=1e-10)
    np.testing.assert_allclose(w[1:], sk.coef_, atol=1e-10)


def test_solving_the_normal_equations_drifts_where_qr_does_not():
    """The reason for the factorisation: cond(XᵀX) = cond(X)² wipes the digits out."""
    X = matrix_with_condition(60, 5, 1e7, seed=4)
    w_true = np.linspace(1, 2, 5)
    y = X @ w_true
    rel = lambda w: np.linalg.norm(w - w_true) / np.linalg.norm(w_true)  # noqa: E731
    assert rel(linreg.normal_equation(X, y)) < 1e-7
    assert rel(np.linalg.solve(X.T @ X, X.T @ y)) > 1e-5
    report = linreg.compare_solvers(X, y)
    assert report.cond_XtX == pytest.approx(report.cond_X**2, rel=0.1)


def test_collinear_columns_are_detected_and_get_the_minimum_norm_solution():
    data = linreg.make_features(n=50, d=3, collinearity=1.0, seed=5)
    X = data.X
    f = linreg.fit(X, data.y)
    assert f.collinear and f.rank == 3 and "minimum norm" in f.method
    np.testing.assert_allclose(f.w, np.linalg.pinv(X) @ data.y, atol=1e-9)
    report = linreg.compare_solvers(X, data.y)
    assert report.collinear and report.rank == 3 and report.cond_X == np.inf
    by = {r.method: r for r in report.results}
    assert by["pinv(X) · y"].norm == pytest.approx(by["lstsq (SVD)"].norm, rel=1e-9)
    assert data.notes  # the generator says so too
    assert np.linalg.norm(X @ report.flattest) < 1e-10  # the direction w can move along for free
    assert abs(f.w @ report.flattest) < 1e-9  # and the minimum-norm w has none of it
    full = linreg.fit(linreg.make_features(n=50, d=3, collinearity=0.99, seed=5).X, data.y)
    assert not full.collinear and full.method == "QR"


def test_condition_sweep_shows_the_square():
    rows = linreg.condition_sweep(conds=(1e0, 1e6), n=40, d=4)
    err = {(r["cond"], r["method"]): r["relative error"] for r in rows}
    assert err[(1e6, "solve(XᵀX, Xᵀy)")] > 100 * err[(1e6, "QR of X (KeyPoint's fit)")]


# --- gradient descent: the loop-style function against the vectorised stepper----------------------------

def test_notes_gradient_descent_equals_the_vectorised_stepper_on_user_data():
    df = linreg.read_csv(linreg.sample_csv())
    data = linreg.dataset_from_frame(df, "price_k", ["area_m2", "rooms", "age_years"]).standardised()
    X, y = data.X, data.y
    lr = 0.9 * linreg.max_stable_lr(X)
    theta, J = linreg.gradient_descent_notes(X, y, np.zeros(X.shape[1]), lr, 150)
    w, losses = linreg.run_gradient_descent(X, y, lr=lr, steps=150)
    assert J.shape == (150, 1)
    np.testing.assert_allclose(theta, w, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(J[:, 0], losses, rtol=1e-12)
    assert linreg.computeCost(X, y, theta) == pytest.approx(linreg.loss(X, y, theta))
    # and the textbook column-vector convention (y [m, 1], theta [d, 1]) gives the same numbers
    theta_col, J_col = linreg.gradient_descent_notes(X, y[:, None], np.zeros((X.shape[1], 1)), lr, 150)
    np.testing.assert_allclose(theta_col[:, 0], w, rtol=1e-12, atol=1e-12)


def test_one_step_written_out():
    d = linreg.make_data(n=12, seed=6)
    X = linreg.design_matrix(d.x)
    w = np.array([0.5, -1.0])
    s = linreg.one_step(X, d.y, w, lr=0.1)
    manual = np.array([sum(X[i, j] * (X[i] @ w - d.y[i]) for i in range(12)) / 12 for j in range(2)])
    np.testing.assert_allclose(s.grad, manual)
    steps = list(linreg.gradient_descent(X, d.y, lr=0.1, steps=1, w0=w))
    np.testing.assert_allclose(s.w_next, steps[1].w)


def test_stable_bound_is_sharp():
    d = linreg.make_data(n=40, seed=7)
    X = linreg.design_matrix(d.x)
    bound = linreg.max_stable_lr(X)
    _, below = linreg.run_gradient_descent(X, d.y, lr=0.99 * bound, steps=400)
    _, above = linreg.run_gradient_descent(X, d.y, lr=1.01 * bound, steps=400)
    assert below[-1] < below[0] and above[-1] > above[0]


def test_cost_measurement_is_quick_and_fits_the_models():
    from core.learn.linreg import cost

    cfg = cost.CostConfig(ns=(500, 1000), ds=(5, 20), n_fixed=500, d_fixed=5, steps=10, repeats=1)
    df = cost.fit_models(cost.measure(cfg))
    assert set(df["method"]) == {cost.NORMAL, cost.GD} and len(df) == 8
    assert (df["seconds"] > 0).all() and np.isfinite(df["model seconds"]).all()
    assert df.loc[df.method == cost.GD, "ops"].tolist()[0] == 2 * 500 * 5 * 10


@pytest.mark.parametrize("n, d", [(3, 6), (4, 5), (20, 4)])
def test_flattest_direction_is_a_null_vector_when_collinear(n, d):
    """Collinear columns, including fewer rows than columns: the reported direction v has Xv = 0
    and lies in scipy.linalg.null_space(X) (the reference); rank and σ agree with numpy."""
    import scipy.linalg

    X = np.random.default_rng(n * d).normal(size=(n, d))
    X[:, 1] = 2 * X[:, 0]  # an exact collinearity
    r = linreg.compare_solvers(X, np.ones(n))
    N = scipy.linalg.null_space(X)  # [d, d - rank]
    assert r.rank == np.linalg.matrix_rank(X) == d - N.shape[1] and r.collinear
    assert len(r.singular_values) == d and r.singular_values[-1] < 1e-12
    assert np.linalg.norm(X @ r.flattest) < 1e-12
    np.testing.assert_allclose(np.linalg.norm(N.T @ r.flattest), 1.0, atol=1e-10)  # inside the null space
