"""Tests for analysis.estimators.count_models against statsmodels and planted truth.

The statsmodels references are fitted with Newton and a tight tolerance so that any mismatch is
ours, not an unconverged reference. Sample sizes are kept small (<= 12k rows) for speed; the
parameter-recovery test uses 60k rows but only our estimator.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import special
from statsmodels.discrete.discrete_model import NegativeBinomial
from statsmodels.discrete.discrete_model import Poisson as DiscretePoisson

from analysis.estimators import special_functions as sf
from analysis.estimators.count_models import (
    CountFit,
    SparseCategoryWarning,
    fit_nb2,
    fit_poisson,
)

COEF_ABS = 1e-5
SE_REL = 1e-4
ALPHA_REL = 1e-4


def simulate(
    n: int,
    seed: int,
    *,
    n_cont: int = 3,
    levels: tuple[int, ...] = (4, 3),
    alpha: float = 0.5,
    intercept: float = -4.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str], np.ndarray]:
    """NB2 counts with continuous covariates, dummy categories and a log-exposure offset."""
    rng = np.random.default_rng(seed)
    cols = [np.ones(n)]
    names = ["const"]
    beta = [intercept]
    for c in range(n_cont):
        cols.append(rng.normal(size=n))
        names.append(f"x{c}")
        beta.append(rng.uniform(-0.4, 0.4))
    for v, m in enumerate(levels):
        g = rng.integers(0, m, n)
        for lev in range(1, m):
            cols.append((g == lev).astype(float))
            names.append(f"cat{v}_{lev}")
            beta.append(rng.uniform(-0.6, 0.6))
    X = np.column_stack(cols)
    b = np.array(beta)
    offset = np.log(rng.uniform(20.0, 400.0, n))
    mu = np.exp(X @ b + offset)
    y = rng.poisson(rng.gamma(1.0 / alpha, alpha * mu)).astype(float)
    return X, y, offset, names, b


def sm_nb2(X: np.ndarray, y: np.ndarray, offset: np.ndarray | None, converge: bool = True):
    """Converged statsmodels NB2 reference with HC0 covariance."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = NegativeBinomial(y, X, offset=offset, loglike_method="nb2").fit(
            method="newton", maxiter=300 if converge else 40, tol=1e-12, disp=0, cov_type="HC0"
        )
    if converge:
        assert res.mle_retvals["converged"], "statsmodels reference did not converge"
    return res


def assert_matches_nb2(fit: CountFit, ref) -> None:
    k = len(fit.params)
    np.testing.assert_allclose(fit.params, ref.params[:k], rtol=0, atol=COEF_ABS)
    np.testing.assert_allclose(fit.std_errors, ref.bse[:k], rtol=SE_REL, atol=0)
    np.testing.assert_allclose(fit.cov, ref.cov_params()[:k, :k], rtol=1e-3, atol=1e-12)
    assert fit.alpha == pytest.approx(ref.params[-1], rel=ALPHA_REL)
    assert fit.alpha_std_error == pytest.approx(ref.bse[-1], rel=SE_REL)
    np.testing.assert_allclose(fit.p_values, ref.pvalues[:k], rtol=1e-3, atol=1e-12)
    assert fit.loglike == pytest.approx(ref.llf, rel=1e-10)
    assert fit.converged
    assert fit.nobs == len(ref.model.endog)


def fit_quietly(fn, *args, **kwargs) -> CountFit:
    with warnings.catch_warnings():
        warnings.simplefilter("error", SparseCategoryWarning)
        warnings.simplefilter("error", RuntimeWarning)
        return fn(*args, **kwargs)


# ------------------------------------------------------------------------------------------
# Exactness against statsmodels
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "seed", "n_cont", "levels", "alpha"),
    [
        (8_000, 11, 3, (4, 3), 0.5),  # continuous + two categoricals + offset
        (12_000, 12, 1, (6, 5), 1.5),  # heavier dispersion, more dummies
        (5_000, 13, 4, (), 0.1),  # continuous only, near-Poisson
    ],
)
def test_nb2_matches_statsmodels(n, seed, n_cont, levels, alpha) -> None:
    X, y, offset, names, _ = simulate(n, seed, n_cont=n_cont, levels=levels, alpha=alpha)
    fit = fit_quietly(fit_nb2, X, y, names, offset=offset)
    assert fit.names == tuple(names)
    assert fit.warnings == ()
    assert_matches_nb2(fit, sm_nb2(X, y, offset))


def test_nb2_non_integer_counts_match_statsmodels_quasi_likelihood() -> None:
    X, y, offset, names, _ = simulate(8_000, 21)
    y_frac = np.round(y * 0.731, 2)  # published-style fractional counts
    assert np.any(y_frac != np.round(y_frac))
    fit = fit_quietly(fit_nb2, X, y_frac, names, offset=offset)
    assert_matches_nb2(fit, sm_nb2(X, y_frac, offset))


def test_nb2_without_offset_matches_statsmodels() -> None:
    X, y, _, names, _ = simulate(6_000, 22, intercept=1.0)
    fit = fit_quietly(fit_nb2, X, y, names)
    assert_matches_nb2(fit, sm_nb2(X, y, None))


def test_nb2_sandwich_is_the_joint_beta_alpha_one() -> None:
    """The beta block must come from the (k+1) sandwich, not a beta-only sandwich."""
    X, y, offset, names, _ = simulate(6_000, 23, alpha=1.0)
    fit = fit_quietly(fit_nb2, X, y, names, offset=offset)
    ref = sm_nb2(X, y, offset)
    model = ref.model
    H = model.hessian(ref.params)
    S = model.score_obs(ref.params)
    Hi = np.linalg.inv(H)
    joint = (Hi @ S.T @ S @ Hi)[:-1, :-1]
    k = X.shape[1]
    Hb = np.linalg.inv(H[:k, :k])
    beta_only = Hb @ S[:, :k].T @ S[:, :k] @ Hb
    np.testing.assert_allclose(fit.cov, joint, rtol=1e-6, atol=1e-14)
    # ... and the distinction is real: the beta-only version differs detectably.
    assert np.max(np.abs(np.sqrt(np.diag(beta_only)) / fit.std_errors - 1)) > 1e-6


def test_poisson_matches_glm_and_discrete_poisson_hc0() -> None:
    X, y, offset, names, _ = simulate(10_000, 31, alpha=0.8)
    y_frac = np.round(y * 1.37, 1)
    for yy in (y, y_frac):
        fit = fit_quietly(fit_poisson, X, yy, names, offset=offset)
        glm = sm.GLM(yy, X, family=sm.families.Poisson(), offset=offset).fit(
            cov_type="HC0", tol=1e-13, maxiter=200
        )
        np.testing.assert_allclose(fit.params, glm.params, rtol=0, atol=COEF_ABS)
        np.testing.assert_allclose(fit.std_errors, glm.bse, rtol=SE_REL, atol=0)
        np.testing.assert_allclose(fit.p_values, glm.pvalues, rtol=1e-3, atol=1e-12)
        assert fit.loglike == pytest.approx(glm.llf, rel=1e-10)
        assert fit.alpha is None and fit.alpha_std_error is None
        assert fit.converged
        disc = DiscretePoisson(yy, X, offset=offset).fit(
            method="newton", tol=1e-12, maxiter=100, disp=0, cov_type="HC0"
        )
        np.testing.assert_allclose(fit.std_errors, disc.bse, rtol=SE_REL, atol=0)


# ------------------------------------------------------------------------------------------
# Sparse categories, separation and collinearity
# ------------------------------------------------------------------------------------------


def _with_rare_category(
    n: int, seed: int, rare_rows: int, zero_outcome: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    X, y, offset, names, _ = simulate(n, seed)
    rng = np.random.default_rng(seed + 1000)
    rare = np.zeros(n)
    rows = rng.choice(n, rare_rows, replace=False)
    rare[rows] = 1.0
    if zero_outcome:
        y = y.copy()
        y[rows] = 0.0
    else:
        y = y.copy()
        y[rows] = np.maximum(y[rows], 1.0)  # make the MLE exist
    return np.column_stack([X, rare]), y, offset, [*names, "region_rare"]


def test_near_empty_category_warns_names_column_and_still_matches_statsmodels() -> None:
    X, y, offset, names = _with_rare_category(8_000, 41, rare_rows=3, zero_outcome=False)
    with pytest.warns(SparseCategoryWarning, match="region_rare") as rec:
        fit = fit_nb2(X, y, names, offset=offset)
    assert len(rec) == 1
    assert len(fit.warnings) == 1 and "region_rare" in fit.warnings[0]
    assert "3 nonzero row" in fit.warnings[0]
    assert_matches_nb2(fit, sm_nb2(X, y, offset))
    with pytest.warns(SparseCategoryWarning, match="region_rare"):
        fit_poisson(X, y, names, offset=offset)


def test_zero_outcome_category_is_flagged_not_silent() -> None:
    X, y, offset, names = _with_rare_category(8_000, 42, rare_rows=12, zero_outcome=True)
    j = names.index("region_rare")
    mask = X[:, j] == 0
    keep = [i for i in range(len(names)) if i != j]
    kept_names = [names[i] for i in keep]
    for fn in (fit_nb2, fit_poisson):
        with pytest.warns(SparseCategoryWarning, match="region_rare") as rec:
            fit = fn(X, y, names, offset=offset)
        assert len(rec) == 1 and "y == 0" in str(rec[0].message)
        assert len(fit.warnings) == 1 and "region_rare" in fit.warnings[0]
        # The MLE is -inf: reported as such, with no SE that could look "significant".
        assert fit.params[j] == -np.inf
        assert np.isnan(fit.std_errors[j]) and np.isnan(fit.p_values[j])
        assert np.all(np.isnan(fit.cov[j])) and np.all(np.isnan(fit.cov[:, j]))
        # Everything else is the exact limit: the fit without the category's rows.
        base = fit_quietly(fn, X[mask][:, keep], y[mask], kept_names, offset[mask])
        np.testing.assert_allclose(fit.params[keep], base.params, rtol=0, atol=1e-9)
        np.testing.assert_allclose(fit.std_errors[keep], base.std_errors, rtol=1e-9)
        np.testing.assert_allclose(fit.cov[np.ix_(keep, keep)], base.cov, rtol=1e-9, atol=0)
        assert fit.loglike == pytest.approx(base.loglike, rel=1e-12)
        assert fit.nobs == len(y) and fit.converged
    # ... and it is the limit statsmodels walks towards (it cannot converge: the MLE is -inf).
    ref = sm_nb2(X, y, offset, converge=False)
    nb = fit_quietly(fit_nb2, X[mask][:, keep], y[mask], kept_names, offset[mask])
    assert ref.params[j] < -10
    np.testing.assert_allclose(ref.params[keep], nb.params, atol=1e-4)
    assert ref.llf <= nb.loglike + 1e-9
    # A warm start may carry -inf for the dropped column (e.g. from a previous fit).
    with pytest.warns(SparseCategoryWarning):
        warm = fit_nb2(X, y, names, offset=offset, start=fit.params, start_alpha=nb.alpha)
    assert warm.params[j] == -np.inf


def test_divergence_detected_for_non_dummy_separation() -> None:
    """Quasi-separation on a continuous column is caught by the exploding model-based SE."""
    X, y, offset, names, _ = simulate(5_000, 43, levels=())
    z = np.zeros(len(y))
    z[:20] = np.linspace(1.0, 2.0, 20)  # positive only on 20 rows, all with y == 0
    y = y.copy()
    y[:20] = 0.0
    Xz = np.column_stack([X, z])
    for fn in (fit_nb2, fit_poisson):
        with pytest.warns(SparseCategoryWarning, match="'z'") as rec:
            fit = fn(Xz, y, [*names, "z"], offset=offset)
        assert len(rec) == 1 and "not identified" in str(rec[0].message)
        assert fit.params[-1] < -10
        assert np.isnan(fit.std_errors[-1]) and np.isnan(fit.p_values[-1])
        assert np.all(np.isfinite(fit.std_errors[:-1]))


def test_clean_design_emits_no_warning() -> None:
    X, y, offset, names, _ = simulate(4_000, 44)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = fit_nb2(X, y, names, offset=offset)
        pfit = fit_poisson(X, y, names, offset=offset)
    assert fit.warnings == () and pfit.warnings == ()


def test_dummy_trap_raises_value_error_naming_columns() -> None:
    X, y, offset, names, _ = simulate(3_000, 51, n_cont=2, levels=(3,))
    base_level = 1.0 - X[:, names.index("cat0_1")] - X[:, names.index("cat0_2")]
    Xbad = np.column_stack([X, base_level])
    bad_names = [*names, "cat0_0"]
    for fn in (fit_nb2, fit_poisson):
        with pytest.raises(ValueError, match="collinear") as exc:
            fn(Xbad, y, bad_names, offset=offset)
        msg = str(exc.value)
        for col in ("const", "cat0_0", "cat0_1", "cat0_2"):
            assert col in msg
        assert "x0" not in msg and "x1" not in msg


def test_duplicate_and_scaled_columns_raise() -> None:
    X, y, offset, names, _ = simulate(3_000, 52, n_cont=2, levels=())
    Xbad = np.column_stack([X, 2.5 * X[:, 1]])
    with pytest.raises(ValueError, match=r"x0.*x0_scaled|x0_scaled.*x0"):
        fit_nb2(Xbad, y, [*names, "x0_scaled"], offset=offset)
    with pytest.raises(ValueError, match="all-zero.*empty"):
        fit_poisson(np.column_stack([X, np.zeros(len(y))]), y, [*names, "empty"])


def test_input_validation() -> None:
    X, y, offset, names, _ = simulate(500, 53, levels=())
    with pytest.raises(ValueError, match="non-negative"):
        fit_nb2(X, -y, names)
    with pytest.raises(ValueError, match="names"):
        fit_nb2(X, y, names[:-1])
    with pytest.raises(ValueError, match="non-finite"):
        fit_poisson(X, y, names, offset=np.where(np.arange(len(y)) == 3, -np.inf, offset))
    Xn = X.copy()
    Xn[7, 1] = np.nan
    with pytest.raises(ValueError, match="non-finite"):
        fit_nb2(Xn, y, names)


# ------------------------------------------------------------------------------------------
# Statistical behaviour, warm starts, helpers
# ------------------------------------------------------------------------------------------


def test_planted_coefficients_recovered_within_three_se() -> None:
    X, y, offset, names, beta = simulate(60_000, 61, n_cont=4, levels=(5, 3), alpha=0.7)
    fit = fit_quietly(fit_nb2, X, y, names, offset=offset)
    z = (fit.params - beta) / fit.std_errors
    assert np.all(np.abs(z) < 3), dict(zip(names, np.round(z, 2), strict=True))
    assert abs(fit.alpha - 0.7) < 3 * fit.alpha_std_error
    # PPML is consistent for the same mean parameters (less efficient under NB2).
    pfit = fit_quietly(fit_poisson, X, y, names, offset=offset)
    assert np.all(np.abs(pfit.params - beta) < 3 * pfit.std_errors)
    assert np.all(pfit.std_errors >= 0.9 * fit.std_errors)


def test_warm_start_reaches_same_optimum_faster() -> None:
    X, y, offset, names, _ = simulate(8_000, 71, alpha=0.9)
    cold = fit_quietly(fit_nb2, X, y, names, offset=offset)
    warm = fit_quietly(
        fit_nb2, X, y, names, offset=offset, start=cold.params, start_alpha=cold.alpha
    )
    assert warm.iterations < cold.iterations
    np.testing.assert_allclose(warm.params, cold.params, atol=1e-8)
    np.testing.assert_allclose(warm.std_errors, cold.std_errors, rtol=1e-6)
    # Nested use: start a bigger model from a smaller one padded with zeros.
    small = fit_quietly(fit_nb2, X[:, :-2], y, names[:-2], offset=offset)
    nested = fit_quietly(
        fit_nb2,
        X,
        y,
        names,
        offset=offset,
        start=np.append(small.params, [0.0, 0.0]),
        start_alpha=small.alpha,
    )
    np.testing.assert_allclose(nested.params, cold.params, atol=1e-6)
    with pytest.raises(ValueError, match="start"):
        fit_nb2(X, y, names, offset=offset, start=small.params)


def test_non_convergence_is_reported() -> None:
    X, y, offset, names, _ = simulate(3_000, 72)
    with pytest.warns(RuntimeWarning, match="did not converge"):
        fit = fit_nb2(X, y, names, offset=offset, max_iter=1)
    assert not fit.converged
    assert any("did not converge" in m for m in fit.warnings)


def test_no_overdispersion_returns_poisson_boundary_fit() -> None:
    """Poisson data: statsmodels' NB2 returns NaN; ours reports alpha = 0 and the Poisson MLE."""
    rng = np.random.default_rng(73)
    n = 6_000
    X = np.column_stack([np.ones(n), rng.normal(size=n), rng.integers(0, 2, n)])
    y = rng.poisson(np.exp(X @ np.array([1.5, 0.3, -0.2]))).astype(float)
    names = ["const", "x", "d"]
    with pytest.warns(RuntimeWarning, match="boundary alpha = 0"):
        fit = fit_nb2(X, y, names)
    pois = fit_quietly(fit_poisson, X, y, names)
    assert fit.alpha == 0.0 and np.isnan(fit.alpha_std_error)
    assert fit.converged
    # Both stop within sqrt(tol) SEs of the same optimum, from different starting points.
    np.testing.assert_allclose(fit.params, pois.params, atol=1e-8)
    np.testing.assert_allclose(fit.std_errors, pois.std_errors, rtol=1e-6)
    assert fit.loglike == pytest.approx(pois.loglike, rel=1e-12)


@pytest.mark.parametrize("a1", [1e3, 4.2e4, 1e7, 1e12])
def test_special_function_differences_are_accurate_near_poisson_limit(a1: float) -> None:
    """Asymptotic branches vs exact finite sums (integer y), where direct formulas fail."""
    ys = np.array([0.0, 1.0, 2.0, 7.0, 40.0, 900.0])
    exact0 = [np.sum(np.log1p(np.arange(m) / a1)) for m in ys.astype(int)]
    exact1 = [np.sum(1.0 / (a1 + np.arange(m))) for m in ys.astype(int)]
    exact2 = [-np.sum(1.0 / (a1 + np.arange(m)) ** 2) for m in ys.astype(int)]
    np.testing.assert_allclose(sf.lgamma_diff(ys, a1), exact0, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(sf.digamma_diff(ys, a1), exact1, rtol=1e-13, atol=0)
    np.testing.assert_allclose(sf.trigamma_diff(ys, a1), exact2, rtol=1e-13, atol=0)


def test_fast_trigamma_matches_scipy() -> None:
    x = np.concatenate([np.logspace(-6, 9, 4000), np.linspace(0.01, 30, 4000)])
    np.testing.assert_allclose(sf.trigamma(x), special.polygamma(1, x), rtol=5e-15)


def test_as_dict_round_trip() -> None:
    X, y, offset, names, _ = simulate(2_000, 81, levels=())
    fit = fit_quietly(fit_poisson, X, y, names, offset=offset)
    d = fit.as_dict()
    assert list(d) == names
    assert d["x0"] == (fit.params[1], fit.std_errors[1], fit.p_values[1])


# ------------------------------------------------------------------------------------------
# Cluster-robust covariance
# ------------------------------------------------------------------------------------------


def _clustered(n: int, seed: int, n_send: int = 40, n_recv: int = 30):
    """NB2 counts with sending and receiving cluster effects and a cluster-level regressor."""
    X, y, offset, names, beta = simulate(n, seed, n_cont=2, levels=(3,), alpha=0.4)
    rng = np.random.default_rng(seed + 1000)
    send = rng.integers(0, n_send, n)
    recv = rng.integers(0, n_recv, n)
    la_level = rng.normal(size=n_send)[send]
    X = np.column_stack([X, la_level])
    names = [*names, "la_level"]
    shift = rng.normal(0, 0.3, n_send)[send] + rng.normal(0, 0.3, n_recv)[recv]
    y = rng.poisson(rng.gamma(1 / 0.4, 0.4 * np.exp(X[:, :-1] @ beta + offset + shift)))
    return X, y.astype(float), offset, names, send, recv


def _sm_cluster_at(model, params: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """statsmodels' own one-way cluster sandwich (default correction) evaluated at `params`."""
    from statsmodels.stats import sandwich_covariance as sw

    jac = model.score_obs(params)
    hessian_inv = np.linalg.inv(model.hessian(params))
    return sw.cov_cluster((jac, hessian_inv), groups)


def test_one_way_clustered_nb2_equals_statsmodels() -> None:
    X, y, offset, names, send, _ = _clustered(6_000, 91)
    fit = fit_quietly(fit_nb2, X, y, names, offset=offset, clusters=[send])
    model = NegativeBinomial(y, X, offset=offset, loglike_method="nb2")
    # statsmodels' own cluster fit (cov_type='cluster', use_correction default); fitting first
    # also leaves the model in its untransformed-alpha state for score_obs/hessian below.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = model.fit(
            method="newton",
            maxiter=300,
            tol=1e-12,
            disp=0,
            cov_type="cluster",
            cov_kwds={"groups": send},
        )
    theta = np.append(fit.params, fit.alpha)
    reference = _sm_cluster_at(model, theta, send)
    k = len(names)
    np.testing.assert_allclose(fit.cov_clustered, reference[:k, :k], rtol=1e-8, atol=0)
    assert fit.alpha_std_error_clustered == pytest.approx(np.sqrt(reference[k, k]), rel=1e-8)
    np.testing.assert_allclose(fit.std_errors_clustered, res.bse[:k], rtol=1e-5)
    np.testing.assert_allclose(fit.p_values_clustered, res.pvalues[:k], rtol=1e-4, atol=1e-12)
    # HC0 stays HC0, and the LA-level regressor's clustered SE is far larger.
    assert_matches_nb2(fit, sm_nb2(X, y, offset))
    j = names.index("la_level")
    assert fit.std_errors_clustered[j] > 2 * fit.std_errors[j]


def test_one_way_clustered_poisson_equals_statsmodels_glm() -> None:
    X, y, offset, names, send, _ = _clustered(6_000, 92)
    fit = fit_quietly(fit_poisson, X, y, names, offset=offset, clusters=[send])
    model = sm.GLM(y, X, family=sm.families.Poisson(), offset=offset)
    reference = _sm_cluster_at(model, fit.params, send)
    np.testing.assert_allclose(fit.cov_clustered, reference, rtol=1e-8, atol=0)
    res = model.fit(cov_type="cluster", cov_kwds={"groups": send}, tol=1e-12)
    np.testing.assert_allclose(fit.std_errors_clustered, res.bse, rtol=1e-6)


def _two_way_reference(scores: np.ndarray, bread: np.ndarray, a, b) -> np.ndarray:
    """CGM two-way by brute force: dense scores, explicit loops over clusters."""

    def one_way(ids: list) -> np.ndarray:
        labels = sorted(set(ids))
        meat = np.zeros((scores.shape[1], scores.shape[1]))
        for label in labels:
            rows = [i for i, v in enumerate(ids) if v == label]
            s = scores[rows].sum(axis=0)
            meat += np.outer(s, s)
        n, p = scores.shape
        g = len(labels)
        return g / (g - 1) * (n - 1) / (n - p) * bread @ meat @ bread

    cov = one_way(list(a)) + one_way(list(b)) - one_way(list(zip(a, b, strict=True)))
    evals, evecs = np.linalg.eigh((cov + cov.T) / 2)
    return evecs @ np.diag(np.clip(evals, 0, None)) @ evecs.T


@pytest.mark.parametrize("estimator", ["nb2", "poisson"])
def test_two_way_clustered_equals_independent_implementation(estimator: str) -> None:
    X, y, offset, names, send, recv = _clustered(3_000, 93, n_send=25, n_recv=20)
    send_ids = np.array([f"S{s}" for s in send])  # string ids, as LA codes are
    if estimator == "nb2":
        fit = fit_quietly(fit_nb2, X, y, names, offset=offset, clusters=[send_ids, recv])
        model = sm_nb2(X, y, offset).model  # fitted: score_obs/hessian in alpha, not log alpha
        theta = np.append(fit.params, fit.alpha)
    else:
        fit = fit_quietly(fit_poisson, X, y, names, offset=offset, clusters=[send_ids, recv])
        model = sm.GLM(y, X, family=sm.families.Poisson(), offset=offset)
        theta = fit.params
    reference = _two_way_reference(
        model.score_obs(theta), np.linalg.inv(model.hessian(theta)), send_ids, recv
    )
    k = len(names)
    np.testing.assert_allclose(fit.cov_clustered, reference[:k, :k], rtol=1e-10, atol=1e-14)


def test_two_way_fix_clips_negative_eigenvalues() -> None:
    from analysis.estimators.sandwich import clip_psd

    v = np.array([[1.0, 2.0], [2.0, 1.0]])  # eigenvalues 3 and -1
    fixed = clip_psd(v)
    np.testing.assert_allclose(np.linalg.eigvalsh(fixed), [0.0, 3.0], atol=1e-12)
    np.testing.assert_allclose(fixed, [[1.5, 1.5], [1.5, 1.5]], atol=1e-12)
    psd = np.array([[2.0, 0.5], [0.5, 1.0]])
    assert clip_psd(psd) is psd


def test_clusters_input_is_checked() -> None:
    X, y, offset, names, send, recv = _clustered(1_000, 94)
    with pytest.raises(ValueError, match="cluster ids have 10 rows"):
        fit_nb2(X, y, names, offset=offset, clusters=[send[:10]])
    with pytest.raises(ValueError, match="one or two cluster dimensions"):
        fit_poisson(X, y, names, offset=offset, clusters=[send, recv, send])
    with pytest.raises(ValueError, match="at least two clusters"):
        fit_poisson(X, y, names, offset=offset, clusters=[np.zeros(len(y))])


@pytest.mark.slow
def test_two_way_clustered_intervals_have_nominal_coverage_with_la_effects() -> None:
    """200 small twins with sending and receiving LA effects: two-way clustered 95% intervals
    for the sending-type effects cover 90-98% of the time (SEs off by 1.5x either way would
    give about 81% or 99.7%); HC0 intervals fall far short."""
    from benchmarks.bench_coverage import coverage

    result = coverage(reps=200, n_las=60, years=1, seed=5)
    assert 0.90 <= result["two-way clustered"] <= 0.98, result
    assert result["HC0"] < 0.7, result
