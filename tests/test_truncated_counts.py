"""Zero-truncated NB2 and Poisson: log-likelihood equal to an independent implementation
(scipy pmfs with the truncation term), analytic score and Hessian equal to finite differences,
the same MLE as statsmodels' truncated models, and planted values recovered on positive-only
rows where the plain NB2 is pulled towards zero."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import stats
from statsmodels.discrete.truncated_model import (
    TruncatedLFNegativeBinomialP,
    TruncatedLFPoisson,
)

from analysis.estimators.count_models import fit_nb2
from analysis.estimators.truncated_counts import (
    fit_ztnb2,
    fit_ztpoisson,
    ztnb2_derivatives,
    ztpoisson_derivatives,
)

NAMES = ["const", "x", "log_distance", "d"]
BETA = np.array([2.0, 0.3, -0.9, 0.4])


def positive_rows(n: int, seed: int, alpha: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """NB2 (or Poisson when alpha == 0) counts with many zeros; only the positive rows kept."""
    rng = np.random.default_rng(seed)
    X = np.column_stack(
        [np.ones(n), rng.normal(size=n), np.log(rng.uniform(2, 200, n)), rng.integers(0, 2, n)]
    )
    offset = np.log(rng.uniform(1.0, 8.0, n))
    mu = np.exp(X @ BETA + offset)
    y = rng.poisson(mu * rng.gamma(1 / alpha, alpha, n)) if alpha > 0 else rng.poisson(mu)
    keep = y > 0
    return X[keep], y[keep].astype(float), offset[keep]


def reference_ztnb2_loglike(X, y, beta, alpha, offset) -> float:
    mu = np.exp(X @ beta + offset)
    n, p = 1.0 / alpha, 1.0 / (1.0 + alpha * mu)
    return float(np.sum(stats.nbinom.logpmf(y, n, p) - np.log1p(-stats.nbinom.pmf(0, n, p))))


def reference_ztp_loglike(X, y, beta, offset) -> float:
    mu = np.exp(X @ beta + offset)
    return float(np.sum(stats.poisson.logpmf(y, mu) - np.log1p(-np.exp(-mu))))


def test_ztnb2_loglike_equals_scipy_with_truncation_term() -> None:
    X, y, offset = positive_rows(4_000, 1, 0.6)
    for beta, alpha in ((BETA, 0.6), (BETA + 0.1, 1.7), (BETA - 0.05, 0.02)):
        ours, _, _ = ztnb2_derivatives(X, y, beta, alpha, offset)
        assert ours == pytest.approx(reference_ztnb2_loglike(X, y, beta, alpha, offset), rel=1e-10)
    fit = fit_ztnb2(X, y, NAMES, offset=offset)
    reference = reference_ztnb2_loglike(X, y, fit.params, fit.alpha, offset)
    assert fit.loglike == pytest.approx(reference, rel=1e-10, abs=1e-8)


def test_ztpoisson_loglike_equals_scipy_with_truncation_term() -> None:
    X, y, offset = positive_rows(4_000, 2, 0.0)
    ours, _, _ = ztpoisson_derivatives(X, y, BETA + 0.05, offset)
    assert ours == pytest.approx(reference_ztp_loglike(X, y, BETA + 0.05, offset), rel=1e-10)
    fit = fit_ztpoisson(X, y, NAMES, offset=offset)
    assert fit.loglike == pytest.approx(reference_ztp_loglike(X, y, fit.params, offset), rel=1e-10)


def _central(f, x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    out = []
    for j in range(len(x)):
        e = np.zeros_like(x)
        e[j] = h
        out.append((f(x + e) - f(x - e)) / (2 * h))
    return np.array(out)


def test_ztnb2_score_and_hessian_equal_finite_differences() -> None:
    X, y, offset = positive_rows(3_000, 3, 0.8)
    theta = np.append(BETA + 0.07, 0.65)

    def ll(t):
        return ztnb2_derivatives(X, y, t[:-1], t[-1], offset)[0]

    def score(t):
        return ztnb2_derivatives(X, y, t[:-1], t[-1], offset)[1]

    _, grad, hess = ztnb2_derivatives(X, y, theta[:-1], theta[-1], offset)
    np.testing.assert_allclose(grad, _central(ll, theta), rtol=1e-6, atol=1e-5)
    np.testing.assert_allclose(hess, _central(score, theta).T, rtol=1e-6, atol=1e-4)


def test_ztpoisson_score_and_hessian_equal_finite_differences() -> None:
    X, y, offset = positive_rows(3_000, 4, 0.0)
    beta = BETA + 0.03
    _, grad, hess = ztpoisson_derivatives(X, y, beta, offset)
    np.testing.assert_allclose(
        grad,
        _central(lambda b: ztpoisson_derivatives(X, y, b, offset)[0], beta),
        rtol=1e-6,
        atol=1e-5,
    )
    np.testing.assert_allclose(
        hess,
        _central(lambda b: ztpoisson_derivatives(X, y, b, offset)[1], beta).T,
        rtol=1e-6,
        atol=1e-4,
    )


def test_same_mle_as_statsmodels_truncated_models() -> None:
    X, y, offset = positive_rows(3_000, 5, 0.5)
    fit = fit_ztnb2(X, y, NAMES, offset=offset)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = fit_nb2(X, y, NAMES, offset=offset)  # statsmodels' own start diverges here
        ref = TruncatedLFNegativeBinomialP(y, X, offset=offset, p=2).fit(
            start_params=np.append(plain.params, plain.alpha),
            method="bfgs",
            maxiter=5000,
            gtol=1e-9,
            disp=0,
        )
    np.testing.assert_allclose(fit.params, ref.params[:-1], atol=1e-6)
    assert fit.alpha == pytest.approx(ref.params[-1], rel=1e-6)
    assert fit.loglike == pytest.approx(ref.llf, rel=1e-9)
    Xp, yp, offp = positive_rows(3_000, 6, 0.0)
    pfit = fit_ztpoisson(Xp, yp, NAMES, offset=offp)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pref = TruncatedLFPoisson(yp, Xp, offset=offp).fit(method="newton", disp=0, tol=1e-12)
    np.testing.assert_allclose(pfit.params, pref.params, atol=1e-6)
    np.testing.assert_allclose(pfit.std_errors, np.sqrt(np.diag(pfit.cov)), rtol=1e-12)


def test_truncated_models_recover_planted_values_where_plain_nb2_does_not() -> None:
    X, y, offset = positive_rows(40_000, 7, 0.5)
    zt = fit_ztnb2(X, y, NAMES, offset=offset)
    z = (zt.params - BETA) / zt.std_errors
    assert np.all(np.abs(z) < 3), z
    assert abs(zt.alpha - 0.5) < 3 * zt.alpha_std_error
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = fit_nb2(X, y, NAMES, offset=offset)
    j = NAMES.index("log_distance")
    assert abs(plain.params[j] - BETA[j]) > 5 * plain.std_errors[j]
    assert abs(plain.params[j]) < abs(BETA[j])  # pulled towards zero
    Xp, yp, offp = positive_rows(40_000, 8, 0.0)
    ztp = fit_ztpoisson(Xp, yp, NAMES, offset=offp)
    assert np.all(np.abs((ztp.params - BETA) / ztp.std_errors) < 3)


def test_truncated_fit_rejects_zeros_and_clusters_like_the_plain_one() -> None:
    X, y, offset = positive_rows(2_000, 9, 0.5)
    bad = y.copy()
    bad[5] = 0.0
    with pytest.raises(ValueError, match="row 5 .* has y == 0"):
        fit_ztnb2(X, bad, NAMES, offset=offset)
    rng = np.random.default_rng(9)
    send = rng.integers(0, 30, len(y))
    fit = fit_ztnb2(X, y, NAMES, offset=offset, clusters=[send])
    assert fit.std_errors_clustered is not None and np.all(np.isfinite(fit.std_errors_clustered))
    assert fit.alpha_std_error_clustered is not None and fit.alpha_std_error_clustered > 0
