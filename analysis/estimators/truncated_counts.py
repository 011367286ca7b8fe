"""Zero-truncated NB2 and zero-truncated Poisson regressions for positive-only counts.

Why: published flow tables have no zero rows, so the study fits NB2 to the pairs with moves
only. Conditioning on ``y > 0`` without saying so pulls every coefficient towards zero (the
pairs that happen to be published at low predicted flow are the lucky, large draws). The
zero-truncated likelihood conditions on ``y > 0`` explicitly::

    log f(y | y > 0) = log f(y) - log(1 - P(y = 0)),
    NB2:     P(0) = (1 + alpha mu)^(-1/alpha)
    Poisson: P(0) = exp(-mu)

so the study's own sample gives estimates free of the truncation bias. Same machinery and
conventions as :mod:`analysis.estimators.count_models`: Newton on (beta, log alpha) with
analytic score and observed Hessian, HC0 sandwich in (beta, alpha), optional one- or two-way
clustered covariance (:mod:`analysis.estimators.sandwich`), ``CountFit`` results, and
non-integer counts as a quasi-likelihood (gammaln of continuous y).

Derivatives of the truncation term ``T = -log(1 - e^q)`` with ``q = log P(0)`` use
``T_x = m q_x`` and ``T_xy = m (1 + m) q_x q_y + m q_xy`` where ``m = P0 / (1 - P0)``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from analysis.estimators.count_models import (
    _ALPHA_FLOOR,
    CountFit,
    _check_clusters,
    _divergence_messages,
    _drop_empty_categories,
    _estimation_rows,
    _finish,
    _fit_eta_model,
    _inv_sym,
    _linpred,
    _nb2_newton,
    _NB2Point,
    _prepare,
    _Problem,
    _sandwich,
    _summarise_design,
    fit_nb2,
)
from analysis.estimators.entry import fit_entry
from analysis.estimators.sandwich import Scores, clustered_cov, hc0_meat
from analysis.estimators.special_functions import (
    YTerms,
    digamma_diff,
    lgamma_diff,
    trigamma_diff,
)

__all__ = ["fit_ztnb2", "fit_ztpoisson", "ztnb2_derivatives", "ztpoisson_derivatives"]


def _signed_gram(X: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``X' diag(w) X`` for weights of any sign (the truncated Hessians are not one-signed)."""
    out = np.zeros((X.shape[1], X.shape[1]))
    for s in range(0, X.shape[0], 8_192):
        xc = X[s : s + 8_192]
        out += (xc * w[s : s + 8_192, None]).T @ xc
    return out


def _odds_of_zero(log_p0: np.ndarray) -> np.ndarray:
    """``m = P0 / (1 - P0) = 1 / expm1(-log P0)``, accurate for P0 near 0 and near 1."""
    with np.errstate(over="ignore"):  # P0 -> 0: expm1 -> inf, m -> 0 exactly as it should
        return 1.0 / np.expm1(-log_p0)


# --------------------------------------------------------------------------------------------
# Zero-truncated NB2
# --------------------------------------------------------------------------------------------


def _ztnb2_rows(y: np.ndarray, eta: np.ndarray, yt: YTerms, alpha: float) -> tuple[np.ndarray, ...]:
    """Per-row score and Hessian terms in (eta, alpha) of the zero-truncated NB2."""
    a1 = 1.0 / alpha
    mu = np.exp(eta)
    amu = alpha * mu
    inv = 1.0 / (1.0 + amu)
    l1p = np.log1p(amu)
    r = (y - mu) * inv
    dpsi = yt.rows(digamma_diff(yt.values, a1))
    dtri = yt.rows(trigamma_diff(yt.values, a1))
    # untruncated NB2 (as in count_models._nb2_point, per row)
    g_e = r
    h_ee = -mu * (1.0 + alpha * y) * inv * inv
    g_a = alpha**-2 * (l1p - dpsi) + r / alpha
    h_ea = -r * mu * inv
    h_aa = (
        -2.0 * alpha**-3 * (l1p - dpsi)
        + alpha**-2 * mu * inv
        + alpha**-4 * dtri
        - (r + alpha * r * mu * inv) / alpha**2
    )
    # truncation term T = -log(1 - P0), q = log P0 = -a1 log1p(alpha mu)
    m = _odds_of_zero(-a1 * l1p)
    mm = m * (1.0 + m)
    q_e = -mu * inv
    q_a = l1p / alpha**2 - mu * inv / alpha
    q_ee = -mu * inv * inv
    q_ea = (mu * inv) ** 2
    q_aa = 2.0 * mu * inv / alpha**2 - 2.0 * l1p / alpha**3 + mu * mu * inv * inv / alpha
    g_e = g_e + m * q_e
    g_a = g_a + m * q_a
    h_ee = h_ee + mm * q_e * q_e + m * q_ee
    h_ea = h_ea + mm * q_e * q_a + m * q_ea
    h_aa = h_aa + mm * q_a * q_a + m * q_aa
    return g_e, g_a, h_ee, h_ea, h_aa


def _ztnb2_loglike(eta: np.ndarray, y: np.ndarray, yt: YTerms, alpha: float) -> float:
    a1 = 1.0 / alpha
    l1p = np.log1p(alpha * np.exp(eta))
    core = float(y @ (eta - l1p)) - a1 * float(l1p.sum())
    untruncated = yt.total(lgamma_diff(yt.values, a1)) - yt.sum_gammaln_y1 + core
    return untruncated - float(np.log(-np.expm1(-a1 * l1p)).sum())


def _ztnb2_point(
    X: np.ndarray, y: np.ndarray, eta: np.ndarray, yt: YTerms, alpha: float, meat: bool
) -> _NB2Point:
    g_e, g_a, h_ee, h_ea, h_aa = _ztnb2_rows(y, eta, yt, alpha)
    meat_m = hc0_meat(Scores(X, g_e, g_a[:, None])) if meat else None
    return _NB2Point(
        _ztnb2_loglike(eta, y, yt, alpha),
        X.T @ g_e,
        _signed_gram(X, h_ee),
        float(g_a.sum()),
        X.T @ h_ea,
        float(h_aa.sum()),
        meat_m,
    )


def ztnb2_derivatives(
    X: np.ndarray, y: np.ndarray, beta: np.ndarray, alpha: float, offset: np.ndarray | None = None
) -> tuple[float, np.ndarray, np.ndarray]:
    """Log-likelihood, score and observed Hessian in (beta, alpha) of the zero-truncated NB2."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    eta = X @ beta + (0.0 if offset is None else offset)
    point = _ztnb2_point(X, y, eta, YTerms(y), alpha, meat=False)
    return point.loglike, np.append(point.grad_beta, point.grad_alpha), point.hessian_alpha()


# --------------------------------------------------------------------------------------------
# Zero-truncated Poisson
# --------------------------------------------------------------------------------------------


def _ztp_rows(y: np.ndarray, eta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Log-likelihood (without -sum gammaln(y + 1)), per-row score and minus the Hessian in eta.

    The truncated Poisson is an exponential family in eta, so minus the Hessian is the
    variance of y given y > 0: never negative (clipped at 0 against rounding as mu -> 0).
    """
    mu = np.exp(eta)
    m = _odds_of_zero(-mu)
    ll = float(y @ eta - mu.sum() - np.log(-np.expm1(-mu)).sum())
    return ll, y - mu - m * mu, np.maximum(mu + m * mu - m * (1.0 + m) * mu * mu, 0.0)


def ztpoisson_derivatives(
    X: np.ndarray, y: np.ndarray, beta: np.ndarray, offset: np.ndarray | None = None
) -> tuple[float, np.ndarray, np.ndarray]:
    """Log-likelihood, score and observed Hessian in beta of the zero-truncated Poisson."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    eta = X @ beta + (0.0 if offset is None else offset)
    ll, g, w = _ztp_rows(y, eta)
    return ll - YTerms(y).sum_gammaln_y1, X.T @ g, -_signed_gram(X, w)


# --------------------------------------------------------------------------------------------
# Fits
# --------------------------------------------------------------------------------------------


def _positive_problem(
    X: np.ndarray,
    y: np.ndarray,
    names: Sequence[str],
    offset: np.ndarray | None,
    clusters: Sequence[np.ndarray],
) -> tuple[_Problem, tuple[str, ...], dict[str, str], int, tuple[np.ndarray, ...]]:
    X0, y0, names_t, off0 = _prepare(X, y, names, offset)
    zeros = np.flatnonzero(y0 <= 0)
    if zeros.size:
        raise ValueError(
            f"a zero-truncated model needs y > 0 on every row; row {int(zeros[0])} "
            f"(and {zeros.size - 1} other(s)) has y == 0"
        )
    groups = _check_clusters(clusters, len(y0))
    design = _summarise_design(X0, y0, off0, names_t)
    prob = _drop_empty_categories(X0, y0, off0, names_t, design)
    return prob, names_t, design.sparse, len(y0), _estimation_rows(groups, prob)


@fit_entry("ZTPoisson")
def fit_ztpoisson(
    X: np.ndarray,
    y: np.ndarray,
    names: Sequence[str],
    offset: np.ndarray | None = None,
    start: np.ndarray | None = None,
    tol: float = 1e-10,
    max_iter: int = 100,
    clusters: Sequence[np.ndarray] = (),
) -> CountFit:
    """Zero-truncated Poisson MLE on rows with ``y > 0``; HC0 sandwich (and clustered) SEs."""
    prob, names_t, sparse, n, groups = _positive_problem(X, y, names, offset, clusters)
    beta0 = prob.ols_start if start is None else np.asarray(start, dtype=float)[prob.keep]
    return _fit_eta_model(
        "zero-truncated Poisson", _ztp_rows, prob, names_t, sparse, beta0, groups, tol, max_iter
    )


@fit_entry("ZTNB2")
def fit_ztnb2(
    X: np.ndarray,
    y: np.ndarray,
    names: Sequence[str],
    offset: np.ndarray | None = None,
    start: np.ndarray | None = None,
    start_alpha: float | None = None,
    tol: float = 1e-10,
    max_iter: int = 100,
    clusters: Sequence[np.ndarray] = (),
) -> CountFit:
    """Zero-truncated NB2 MLE on rows with ``y > 0``; HC0 sandwich (and clustered) SEs.

    Starts from the plain NB2 fit of the same rows unless given a start. If alpha heads to its
    zero boundary the zero-truncated NB2 MLE is the truncated Poisson MLE: that fit is returned
    with ``alpha == 0`` (as :func:`analysis.estimators.count_models.fit_nb2` does).
    """
    prob, names_t, sparse, n, groups = _positive_problem(X, y, names, offset, clusters)
    X_, y_, off = prob.X, prob.y, prob.off
    k = X_.shape[1]
    if start is None or start_alpha is None or not start_alpha > 0:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            plain = fit_nb2(X_, y_, prob.names, offset=off, tol=1e-6)
        beta0 = plain.params if start is None else np.asarray(start, dtype=float)[prob.keep]
        alpha0 = plain.alpha if plain.alpha and plain.alpha > 0 else 0.1
    else:
        beta0, alpha0 = np.asarray(start, dtype=float)[prob.keep], float(start_alpha)
    yt = YTerms(y_)
    res = _nb2_newton(
        prob,
        yt,
        beta0,
        _linpred(X_, beta0, off),
        alpha0,
        tol,
        max_iter,
        point_fn=_ztnb2_point,
        loglike_fn=_ztnb2_loglike,
    )
    if res.at_boundary:
        fit = fit_ztpoisson(X, y, names, offset, res.theta[:k], tol, max_iter, clusters)
        note = (
            f"zero-truncated NB2 alpha fell below {_ALPHA_FLOOR:g}: returned the truncated "
            "Poisson fit with alpha = 0"
        )
        warnings.warn(note, RuntimeWarning, stacklevel=2)
        return replace(
            fit,
            alpha=0.0,
            alpha_std_error=float("nan"),
            alpha_std_error_clustered=float("nan") if groups else None,
            warnings=(*fit.warnings, note),
        )
    beta, alpha, eta = res.theta[:k], float(np.exp(res.theta[k])), res.eta
    point = res.point
    if point is None or point.meat is None:
        point = _ztnb2_point(X_, y_, eta, yt, alpha, meat=True)
    assert point.meat is not None
    bread = _inv_sym(point.hessian_alpha())
    cov_full = _sandwich(bread, point.meat)
    cov_cl = alpha_se_cl = None
    if groups:
        g_e, g_a, *_ = _ztnb2_rows(y_, eta, yt, alpha)
        cov_cl_full = clustered_cov(bread, Scores(X_, g_e, g_a[:, None]), groups)
        cov_cl = cov_cl_full[:k, :k]
        alpha_se_cl = float(np.sqrt(max(cov_cl_full[k, k], 0.0)))
    model_se = np.sqrt(np.abs(np.diag(bread)))[:k]
    diverging = _divergence_messages(prob, sparse, beta, model_se)
    other = []
    if not res.converged:
        other.append(f"zero-truncated NB2 did not converge after {res.iterations} iterations")
    return _finish(
        names_t,
        prob.keep,
        beta,
        cov_full[:k, :k],
        alpha,
        float(np.sqrt(max(cov_full[k, k], 0.0))),
        n,
        point.loglike,
        res.converged,
        res.iterations,
        sparse,
        diverging,
        other,
        cov_cl,
        alpha_se_cl,
    )
