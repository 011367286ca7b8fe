"""Fast NB2 and Poisson pseudo-ML (PPML) count regressions with an exposure offset.

Why this module exists: ``statsmodels`` ``NegativeBinomial`` needs ~15 s per fit on the full
migration flow table (550k rows x 21 columns), and the analysis fits many nested models. The
estimators here reproduce statsmodels' point estimates, log-likelihood and HC0 sandwich
covariance to numerical precision while running one to two orders of magnitude faster, because

* every per-row quantity is a vectorised numpy expression and every k x k matrix is built with
  BLAS (``Xw.T @ Xw`` with row chunks to bound memory), never a Python loop over rows or
  columns;
* the dispersion alpha is a scalar, so the special functions of ``y + 1/alpha`` (digamma,
  trigamma, gammaln) enter the likelihood, score and Hessian only through sums over rows and are
  evaluated once per *distinct* value of ``y`` (published counts repeat heavily);
* Newton-Raphson on ``(beta, log alpha)`` with the analytic Hessian converges quadratically
  from Poisson starting values in a handful of iterations.

Conventions shared with statsmodels (checked in ``tests/test_count_models.py``):

* NB2: ``Var(y) = mu + alpha * mu**2``, ``mu = exp(X @ beta + offset)``. The log-likelihood
  is statsmodels' expression with ``gammaln`` of continuous ``y``, so non-integer published
  counts are handled as a quasi-likelihood.
* Robust covariance (``cov_type='HC0'`` in statsmodels): ``H^-1 (S'S) H^-1`` where ``S`` is
  the n x (k+1) matrix of per-observation scores and ``H`` the observed Hessian of the *joint*
  log-likelihood in ``(beta, alpha)``, alpha on its natural scale (not log alpha), with no
  small-sample factor. The beta block of that joint sandwich is not the beta-only sandwich,
  because the observed cross-derivative between beta and alpha is not zero in finite samples.
* PPML: the textbook Poisson pseudo-ML with Eicker-Huber-White (HC0) errors, identical to
  ``statsmodels.api.GLM(y, X, family=Poisson(), offset=offset).fit(cov_type='HC0')``:
  bread ``(X' diag(mu) X)^-1``, meat ``X' diag((y - mu)**2) X``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats
from scipy.linalg import solve_triangular

from analysis.estimators.entry import fit_entry
from analysis.estimators.sandwich import Scores, clustered_cov
from analysis.estimators.special_functions import (
    YTerms,
    digamma_diff,
    lgamma_diff,
    trigamma_diff,
)

__all__ = ["CountFit", "SparseCategoryWarning", "fit_nb2", "fit_poisson"]

#: A 0/1 column with fewer nonzero rows than this is reported as a near-empty category.
MIN_CATEGORY_ROWS = 5
#: Rows per block when forming ``X' W X``; bounds the temporary to ~CHUNK_ROWS * k doubles.
CHUNK_ROWS = 8_192
#: Eigenvalue (of the column-normalised Gram matrix) below which columns count as collinear.
COLLINEARITY_TOL = 1e-11
#: Model-based SE, in log points per "typical change" of the column (1 for 0/1 columns, 2 SD
#: otherwise), beyond which a coefficient is treated as unidentified / diverging.
DIVERGENT_SE = 50.0
#: |coefficient| of a 0/1 column beyond which it is heading to +-inf (rate ratio e^25 ~ 7e10).
DIVERGENT_DUMMY_COEF = 25.0
#: Largest linear predictor passed to exp(); stops overflow on wild trial steps.
_ETA_MAX = 700.0
#: alpha is kept within [exp(-_LOG_ALPHA_BOUND), exp(_LOG_ALPHA_BOUND)].
_LOG_ALPHA_BOUND = 30.0
#: The Poisson start for NB2 only needs to be rough: 2 Newton steps from the OLS start minimise
#: total passes over X (measured at 550k x 21).
_POISSON_START_TOL = 1.0
_POISSON_START_ITER = 2
#: When the previous Newton decrement is below this, the next iteration is probably the last,
#: so the sandwich meat is accumulated in the same pass over X.
_MEAT_HINT = 1e-3
#: Below this alpha, NB2 is treated as at its Poisson boundary (see fit_nb2).
_ALPHA_FLOOR = 1e-6


class SparseCategoryWarning(UserWarning):
    """A regressor is (nearly) unidentified: too few rows, zero outcome, or a diverging MLE."""


@dataclass(frozen=True)
class CountFit:
    """Result of a count regression; arrays follow the column order of ``X``."""

    names: tuple[str, ...]
    params: np.ndarray
    std_errors: np.ndarray
    p_values: np.ndarray
    cov: np.ndarray
    alpha: float | None
    alpha_std_error: float | None
    nobs: int
    loglike: float
    converged: bool
    iterations: int
    warnings: tuple[str, ...]
    #: Cluster-robust covariance (one-way or two-way CGM, see analysis.estimators.sandwich)
    #: when the fit was given ``clusters``; None otherwise. NaN where ``cov`` is NaN.
    cov_clustered: np.ndarray | None = None
    std_errors_clustered: np.ndarray | None = None
    p_values_clustered: np.ndarray | None = None
    alpha_std_error_clustered: float | None = None

    def as_dict(self) -> dict[str, tuple[float, float, float]]:
        """Map name -> (coef, robust SE, p-value), handy for tabulating nested models."""
        return {
            n: (float(b), float(s), float(p))
            for n, b, s, p in zip(
                self.names, self.params, self.std_errors, self.p_values, strict=True
            )
        }


# --------------------------------------------------------------------------------------------
# Linear-algebra helpers
# --------------------------------------------------------------------------------------------


def _pass(
    X: np.ndarray, weights: Sequence[np.ndarray], vecs: Sequence[np.ndarray]
) -> tuple[list[np.ndarray], np.ndarray]:
    """One pass over X: ``X' diag(w) X`` for each ``w >= 0`` and ``X' v`` for each ``v``.

    The machine is memory-bandwidth bound, so all products needed at a point are formed while
    a row block of X is in cache; ``xs.T @ xs`` lets numpy call BLAS syrk. Temporaries are
    bounded by CHUNK_ROWS x k doubles whatever the number of rows.
    """
    n, k = X.shape
    grams = [np.zeros((k, k)) for _ in weights]
    roots = [np.sqrt(w) for w in weights]
    xv = np.zeros((k, len(vecs)))
    V = np.column_stack(vecs) if vecs else None
    for s in range(0, n, CHUNK_ROWS):
        xc = X[s : s + CHUNK_ROWS]
        for g, r in zip(grams, roots, strict=True):
            xs = xc * r[s : s + CHUNK_ROWS, None]
            g += xs.T @ xs
        if V is not None:
            xv += xc.T @ V[s : s + CHUNK_ROWS]
    return grams, xv


def _solve_psd(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Solve ``A x = b`` for symmetric positive (semi)definite ``A`` after Jacobi scaling.

    Scaling by ``sqrt(diag(A))`` keeps the solve accurate when one coefficient is drifting to
    infinity and its curvature is many orders of magnitude below the others. If ``A`` is not
    positive definite (far from the optimum, the alpha block can be), Levenberg damping keeps
    the step an ascent direction.
    """
    d = np.sqrt(np.abs(np.diag(A)))
    d[d == 0] = 1.0
    As = A / d[:, None] / d[None, :]
    lam = 0.0
    while True:
        try:
            c = np.linalg.cholesky(As + lam * np.eye(len(As)) if lam else As)
            break
        except np.linalg.LinAlgError:
            lam = 1e-6 if lam == 0.0 else lam * 10.0
            if lam > 1e12:
                raise
    z = solve_triangular(c, b / d, lower=True)
    return solve_triangular(c.T, z, lower=False) / d


def _inv_sym(A: np.ndarray) -> np.ndarray:
    """Inverse of a symmetric (possibly indefinite) matrix with Jacobi scaling."""
    d = np.sqrt(np.abs(np.diag(A)))
    d[d == 0] = 1.0
    inv = np.linalg.inv(A / d[:, None] / d[None, :])
    inv = inv / d[:, None] / d[None, :]
    return (inv + inv.T) / 2.0


# --------------------------------------------------------------------------------------------
# Input validation and design diagnostics
# --------------------------------------------------------------------------------------------


def _prepare(
    X: np.ndarray, y: np.ndarray, names: Sequence[str], offset: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...], np.ndarray]:
    """Coerce inputs to float64 and fail early on shapes, NaNs and negative counts."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D, got shape {X.shape}")
    n, k = X.shape
    names_t = tuple(str(s) for s in names)
    if len(names_t) != k:
        raise ValueError(f"{len(names_t)} names given for {k} columns of X")
    if len(set(names_t)) != k:
        raise ValueError("regressor names must be unique")
    if y.shape[0] != n:
        raise ValueError(f"y has {y.shape[0]} rows but X has {n}")
    if n <= k:
        raise ValueError(f"need more rows ({n}) than columns ({k})")
    if offset is None:
        off = np.zeros(n)
    else:
        off = np.asarray(offset, dtype=np.float64).reshape(-1)
        if off.shape[0] != n:
            raise ValueError(f"offset has {off.shape[0]} rows but X has {n}")
        if not np.all(np.isfinite(off)):
            raise ValueError("offset contains non-finite values (zero exposure?)")
    if not np.all(np.isfinite(y)):
        raise ValueError("y contains non-finite values")
    if np.any(y < 0):
        raise ValueError("y must be non-negative")
    if not y.any():
        raise ValueError("y is zero everywhere; no count model can be fitted")
    return X, y, names_t, off


@dataclass
class _Design:
    """What one pass over X tells us before fitting (see :func:`_summarise_design`)."""

    dummies: np.ndarray  # bool mask of 0/1 columns
    scale: np.ndarray  # 1 for 0/1 columns, 2 SD for others, 0 for constant columns
    sparse: dict[str, str]  # column name -> problem, found before fitting
    ols_start: np.ndarray  # OLS of log((y + mean y) / 2) - offset on X
    gram: np.ndarray  # X'X
    empty: np.ndarray  # indices of 0/1 columns whose rows all have y == 0


def _summarise_design(
    X: np.ndarray, y: np.ndarray, off: np.ndarray, names: tuple[str, ...]
) -> _Design:
    """Check collinearity, find 0/1 columns and sparse categories, and get a start; one pass.

    A column is 0/1 iff ``sum((x^2 - x)^2) == 0``: every term is >= 0 and exactly 0 only at
    0 and 1, so the test is exact in floating point and needs no (slow) column min/max.
    """
    n, k = X.shape
    gram = np.zeros((k, k))
    nonbinary = np.zeros(k)
    z = np.log((y + y.mean()) / 2.0) - off
    V = np.column_stack([np.ones(n), y, z])
    xv = np.zeros((k, 3))
    ones = np.ones(min(n, CHUNK_ROWS))
    for s in range(0, n, CHUNK_ROWS):
        xc = X[s : s + CHUNK_ROWS]
        gram += xc.T @ xc
        xv += xc.T @ V[s : s + CHUNK_ROWS]
        t = xc * xc
        t -= xc
        t *= t
        nonbinary += ones[: len(xc)] @ t
    if not (np.all(np.isfinite(gram)) and np.all(np.isfinite(xv[:, :2]))):
        raise ValueError("X contains non-finite (or overflowing) values")
    _check_collinear(gram, names)
    colsum, ytot = xv[:, 0], xv[:, 1]
    sumsq = np.diag(gram)
    dummies = (nonbinary == 0) & (colsum > 0) & (colsum < n)
    sparse = _sparse_category_messages(names, dummies, colsum, ytot)
    mean = colsum / n
    sd = np.sqrt(np.maximum(sumsq / n - mean**2, 0.0))
    constant = sd <= 1e-12 * np.maximum(np.abs(mean), 1e-300)
    # A constant column (the intercept) is never separated; its SE only reflects how far the
    # other regressors sit from zero, so it gets scale 0 and is exempt from divergence checks.
    scale = np.where(dummies, 1.0, np.where(constant, 0.0, 2.0 * sd))
    ols = _solve_psd(gram, xv[:, 2])
    empty = np.flatnonzero(dummies & (ytot == 0))
    return _Design(dummies, scale, sparse, ols, gram, empty)


@dataclass
class _Problem:
    """The estimable part of the model after removing zero-outcome categories."""

    X: np.ndarray
    y: np.ndarray
    off: np.ndarray
    keep: np.ndarray  # indices of the original columns that are estimated
    names: tuple[str, ...]
    dummies: np.ndarray
    scale: np.ndarray
    ols_start: np.ndarray
    rows: np.ndarray | None = None  # bool mask of the rows kept, None when all are


def _drop_empty_categories(
    X: np.ndarray, y: np.ndarray, off: np.ndarray, names: tuple[str, ...], design: _Design
) -> _Problem:
    """Remove 0/1 columns whose rows all have y == 0, together with those rows.

    Why: the MLE of such a coefficient is -inf, and as it goes there the rows' fitted means go
    to 0 and their log-likelihood terms (NB2 and Poisson alike) to exactly 0. The supremum of the
    likelihood - and the limit of every other coefficient - is therefore the fit without those
    rows and columns. Fitting that directly is exact, and avoids ~25 Newton iterations spent
    walking the coefficient towards -inf.
    """
    k = X.shape[1]
    if design.empty.size == 0:
        return _Problem(
            X, y, off, np.arange(k), names, design.dummies, design.scale, design.ols_start
        )
    keep = np.setdiff1d(np.arange(k), design.empty)
    rows = np.zeros(X.shape[0], dtype=bool)
    for j in design.empty:
        rows |= X[:, j] != 0
    Xd = X[rows]
    gram = (design.gram - Xd.T @ Xd)[np.ix_(keep, keep)]
    kept_names = tuple(names[j] for j in keep)
    try:
        _check_collinear(gram, kept_names)
    except ValueError as err:
        dropped = ", ".join(names[j] for j in design.empty)
        raise ValueError(
            f"after removing the rows of zero-outcome column(s) {dropped}: {err}"
        ) from err
    sub = ~rows
    return _Problem(
        X[np.ix_(sub, keep)],
        y[sub],
        off[sub],
        keep,
        kept_names,
        design.dummies[keep],
        design.scale[keep],
        design.ols_start[keep],
        sub,
    )


def _check_collinear(gram: np.ndarray, names: tuple[str, ...]) -> None:
    """Raise ValueError naming perfectly collinear (or all-zero) columns.

    Uses the eigenvectors of ``X'X`` normalised to unit diagonal: each (numerically) zero
    eigenvalue is an exact linear dependence, and its eigenvector's loadings name the columns.
    """
    diag = np.diag(gram).copy()
    zero = [names[j] for j in np.flatnonzero(diag <= 0)]
    if zero:
        raise ValueError(f"all-zero column(s) in X: {', '.join(zero)}")
    d = np.sqrt(diag)
    corr = gram / d[:, None] / d[None, :]
    evals, evecs = np.linalg.eigh(corr)
    small = evals < COLLINEARITY_TOL * max(1.0, float(evals[-1]))
    if not np.any(small):
        return
    involved: list[str] = []
    for v in evecs[:, small].T:
        for j in np.flatnonzero(np.abs(v) > 1e-3):
            if names[j] not in involved:
                involved.append(names[j])
    raise ValueError(
        f"X is rank deficient ({int(small.sum())} exact linear dependence(s)); "
        f"perfectly collinear columns: {', '.join(involved)}"
    )


def _sparse_category_messages(
    names: tuple[str, ...], dummies: np.ndarray, counts: np.ndarray, totals: np.ndarray
) -> dict[str, str]:
    """Flag 0/1 columns with < MIN_CATEGORY_ROWS rows, or with zero outcome total.

    A zero outcome total means the MLE of that coefficient is -inf: any finite estimate would be
    an artefact of where the optimiser stopped, so such columns are handled by
    :func:`_drop_empty_categories` instead.
    """
    msgs: dict[str, str] = {}
    for j in np.flatnonzero(dummies):
        c, t = int(counts[j]), totals[j]
        if t == 0:
            msgs[names[j]] = (
                f"column '{names[j]}': its {c} nonzero row(s) all have y == 0, so the MLE of "
                "its coefficient is -inf; reported as -inf with NaN SE, and the other "
                "coefficients are fitted without those rows"
            )
        elif c < MIN_CATEGORY_ROWS:
            msgs[names[j]] = (
                f"column '{names[j]}': near-empty category with only {c} nonzero row(s) "
                f"(< {MIN_CATEGORY_ROWS}); its coefficient is barely identified"
            )
    return msgs


def _divergence_messages(
    prob: _Problem, skip: dict[str, str], params: np.ndarray, model_se: np.ndarray
) -> dict[str, str]:
    """Flag coefficients whose model-based SE has exploded or that are heading to +-inf.

    Catches what the pre-fit checks cannot, e.g. quasi-separation on a continuous column.
    """
    msgs: dict[str, str] = {}
    for j, name in enumerate(prob.names):
        if name in skip:
            continue
        se_range = model_se[j] * prob.scale[j]
        if not np.isfinite(se_range) or se_range > DIVERGENT_SE:
            msgs[name] = (
                f"column '{name}': coefficient {params[j]:.3g} has a model-based SE of "
                f"{model_se[j]:.3g}; it is not identified (separation or near-empty category), "
                "so its SE is reported as NaN"
            )
        elif prob.dummies[j] and abs(params[j]) > DIVERGENT_DUMMY_COEF:
            msgs[name] = (
                f"column '{name}': coefficient {params[j]:.3g} is diverging to "
                f"{'+' if params[j] > 0 else '-'}inf (separation or near-empty category), so its "
                "SE is reported as NaN"
            )
    return msgs


def _check_start(start: np.ndarray | None, k: int, keep: np.ndarray) -> np.ndarray | None:
    """Validate a warm start for all k columns and return its estimable part."""
    if start is None:
        return None
    b = np.asarray(start, dtype=np.float64).reshape(-1)
    if b.shape[0] != k:
        raise ValueError(f"start has {b.shape[0]} values for {k} columns")
    b = b[keep].copy()  # entries of dropped (zero-outcome) columns, e.g. -inf, are ignored
    if not np.all(np.isfinite(b)):
        raise ValueError("start contains non-finite values")
    return b


def _linpred(X: np.ndarray, beta: np.ndarray, off: np.ndarray) -> np.ndarray:
    """``X beta + offset`` capped so that exp() cannot overflow on a wild trial step."""
    eta = X @ beta
    eta += off
    return np.minimum(eta, _ETA_MAX, out=eta)


# --------------------------------------------------------------------------------------------
# NB2
# --------------------------------------------------------------------------------------------


def _nb2_loglike(eta: np.ndarray, y: np.ndarray, yt: YTerms, alpha: float) -> float:
    """Sum of statsmodels' NB2 log-likelihood terms (continuous y allowed).

    ``gammaln(y + a1) - gammaln(y + 1) - gammaln(a1) + a1 log(a1 / (a1 + mu))
    + y log(mu / (a1 + mu))`` with ``a1 = 1/alpha`` is regrouped as
    ``[gammaln(y + a1) - gammaln(a1) - y log a1] - gammaln(y + 1) + y (eta - log1p(alpha mu))
    - a1 log1p(alpha mu)``: the same value, without cancellation as alpha -> 0.
    """
    a1 = 1.0 / alpha
    l1p = np.log1p(alpha * np.exp(eta))
    core = float(y @ (eta - l1p)) - a1 * float(l1p.sum())
    return yt.total(lgamma_diff(yt.values, a1)) - yt.sum_gammaln_y1 + core


@dataclass
class _NB2Point:
    """Log-likelihood and derivatives of NB2 at one (beta, alpha)."""

    loglike: float
    grad_beta: np.ndarray
    hess_bb: np.ndarray  # d2 ll / d beta d beta'
    grad_alpha: float  # d ll / d alpha
    hess_ba: np.ndarray  # d2 ll / d beta d alpha
    hess_aa: float  # d2 ll / d alpha^2
    meat: np.ndarray | None  # sum of outer products of per-row scores in (beta, alpha)

    def newton_system(self, alpha: float) -> tuple[np.ndarray, np.ndarray]:
        """Gradient and Hessian in (beta, log alpha), the scale Newton steps are taken on."""
        k = len(self.grad_beta)
        grad = np.append(self.grad_beta, alpha * self.grad_alpha)
        hess = np.empty((k + 1, k + 1))
        hess[:k, :k] = self.hess_bb
        hess[:k, k] = hess[k, :k] = alpha * self.hess_ba
        hess[k, k] = alpha**2 * self.hess_aa + alpha * self.grad_alpha
        return grad, hess

    def hessian_alpha(self) -> np.ndarray:
        """Observed Hessian in (beta, alpha): the bread statsmodels inverts."""
        k = len(self.grad_beta)
        hess = np.empty((k + 1, k + 1))
        hess[:k, :k] = self.hess_bb
        hess[:k, k] = hess[k, :k] = self.hess_ba
        hess[k, k] = self.hess_aa
        return hess


def _nb2_point(
    X: np.ndarray, y: np.ndarray, eta: np.ndarray, yt: YTerms, alpha: float, meat: bool
) -> _NB2Point:
    """Log-likelihood, analytic gradient and observed Hessian (and optionally the meat)."""
    a1 = 1.0 / alpha
    mu = np.exp(eta)
    amu = alpha * mu
    l1p = np.log1p(amu)
    inv = 1.0 / (1.0 + amu)
    resid = y - mu
    r_beta = resid * inv  # d ll_i / d eta_i
    w_ba = r_beta * mu * inv  # -d2 ll_i / d eta_i d alpha
    w_bb = mu * inv  # -d2 ll_i / d eta_i^2 = mu (1 + alpha y) / (1 + alpha mu)^2
    sum_mu_inv = float(w_bb.sum())
    w_bb *= (1.0 + alpha * y) * inv
    sum_l1p = float(l1p.sum())
    sum_r = float(r_beta.sum())
    dpsi = digamma_diff(yt.values, a1)
    sum_dpsi = yt.total(dpsi)
    sum_dtri = yt.total(trigamma_diff(yt.values, a1))
    g_a = alpha**-2 * (sum_l1p - sum_dpsi) + sum_r / alpha
    # d/d alpha of  alpha^-2 [log1p(alpha mu) - dpsi(y)] + (y - mu) / (alpha (1 + alpha mu)),
    # using (y - mu)(1 + 2 alpha mu) / (1 + alpha mu)^2 = r_beta (1 + alpha mu + alpha mu) inv
    h_aa = (
        -2.0 * alpha**-3 * (sum_l1p - sum_dpsi)
        + alpha**-2 * sum_mu_inv
        + alpha**-4 * sum_dtri
        - (sum_r + alpha * float(w_ba.sum())) / alpha**2
    )
    weights = [w_bb]
    vecs = [r_beta, w_ba]
    s_alpha = None
    if meat:
        s_alpha = alpha**-2 * (l1p - yt.rows(dpsi)) + r_beta / alpha
        weights.append(r_beta**2)
        vecs.append(r_beta * s_alpha)
    grams, xv = _pass(X, weights, vecs)
    core = float(y @ (eta - l1p)) - a1 * sum_l1p
    ll = yt.total(lgamma_diff(yt.values, a1)) - yt.sum_gammaln_y1 + core
    meat_m = None
    if meat:
        assert s_alpha is not None
        k = X.shape[1]
        meat_m = np.empty((k + 1, k + 1))
        meat_m[:k, :k] = grams[1]
        meat_m[:k, k] = meat_m[k, :k] = xv[:, 2]
        meat_m[k, k] = float(s_alpha @ s_alpha)
    return _NB2Point(ll, xv[:, 0], -grams[0], g_a, -xv[:, 1], h_aa, meat_m)


def _poisson_rows(y: np.ndarray, eta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Poisson log-likelihood (without -sum gammaln(y + 1)), d ll/d eta and -d2 ll/d eta2."""
    mu = np.exp(eta)
    return float(y @ eta - mu.sum()), y - mu, mu


#: Per-row terms of a likelihood in eta alone: (log-likelihood, score, -Hessian >= 0).
RowTerms = Callable[[np.ndarray, np.ndarray], tuple[float, np.ndarray, np.ndarray]]


def _poisson_newton(
    X: np.ndarray,
    y: np.ndarray,
    off: np.ndarray,
    beta: np.ndarray,
    tol: float,
    max_iter: int,
    final_meat: bool,
    rows: RowTerms = _poisson_rows,
) -> tuple[np.ndarray, np.ndarray, bool, int, list[np.ndarray]]:
    """Poisson MLE by Newton (= IRLS) with step halving.

    Returns beta, eta, converged, iterations and, when ``final_meat``, the grams
    ``[X' mu X, X' (y - mu)^2 X]`` at the returned beta (bread and meat of the sandwich).
    ``rows`` swaps in another likelihood concave in eta (e.g. the zero-truncated Poisson):
    the grams are then ``X' w X`` and ``X' g^2 X`` of its score g and curvature w.
    """
    eta = _linpred(X, beta, off)
    ll, score, weight = rows(y, eta)
    converged = False
    it = 0
    grams: list[np.ndarray] = []
    prev_decrement = np.inf
    for it in range(1, max_iter + 1):  # noqa: B007 - iteration count is returned
        want_meat = final_meat and prev_decrement < _MEAT_HINT
        grams, xv = _pass(X, [weight, score**2] if want_meat else [weight], [score])
        step = _solve_psd(grams[0], xv[:, 0])
        decrement = float(xv[:, 0] @ step)
        if 0 <= decrement < tol:
            converged = True
            break
        t = 1.0
        while t >= 1e-10:
            cand = beta + t * step
            eta_c = _linpred(X, cand, off)
            ll_c, score_c, weight_c = rows(y, eta_c)
            if np.isfinite(ll_c) and ll_c >= ll - 1e-13 * abs(ll):
                break
            t *= 0.5
        if t < 1e-10:
            converged = decrement < max(tol, 1e-6)
            break
        beta, eta, ll, score, weight = cand, eta_c, ll_c, score_c, weight_c
        prev_decrement = decrement
        grams = []
    if final_meat and len(grams) < 2:
        grams, _ = _pass(X, [weight, score**2], [])
    return beta, eta, converged, it, grams


def _alpha_moments(y: np.ndarray, mu: np.ndarray, df: int) -> float:
    """statsmodels' method-of-moments NB2 alpha from Poisson fitted values, floored at 0.05."""
    a = float((((y - mu) ** 2 / mu - 1.0) / mu).sum() / max(df, 1))
    return min(max(a, 0.05), 1e6) if np.isfinite(a) else 1.0


def _check_clusters(clusters: Sequence[np.ndarray], n: int) -> tuple[np.ndarray, ...]:
    """One or two arrays of cluster ids, one id per row of X."""
    out = tuple(np.asarray(c).reshape(-1) for c in clusters)
    if len(out) > 2:
        raise ValueError(f"one or two cluster dimensions are supported, got {len(out)}")
    for c in out:
        if c.shape[0] != n:
            raise ValueError(f"cluster ids have {c.shape[0]} rows but X has {n}")
    return out


def _estimation_rows(clusters: tuple[np.ndarray, ...], prob: _Problem) -> tuple[np.ndarray, ...]:
    """Cluster ids of the rows the model is estimated on (zero-outcome categories removed)."""
    return clusters if prob.rows is None else tuple(c[prob.rows] for c in clusters)


def _sandwich(bread: np.ndarray, meat: np.ndarray) -> np.ndarray:
    cov = bread @ meat @ bread
    return (cov + cov.T) / 2.0


def _nb2_start(
    prob: _Problem, k_all: int, start: np.ndarray | None, start_alpha: float | None
) -> tuple[np.ndarray, np.ndarray, float]:
    """Starting (beta, eta, alpha): the caller's warm start, else Poisson steps and moments."""
    X, y, off = prob.X, prob.y, prob.off
    beta = _check_start(start, k_all, prob.keep)
    if beta is None:
        beta, eta, _, _, _ = _poisson_newton(
            X, y, off, prob.ols_start, _POISSON_START_TOL, _POISSON_START_ITER, False
        )
    else:
        eta = _linpred(X, beta, off)
    if start_alpha is None:
        alpha = _alpha_moments(y, np.exp(eta), len(y) - X.shape[1])
    else:
        if not (np.isfinite(start_alpha) and start_alpha > 0):
            raise ValueError("start_alpha must be a positive number")
        alpha = float(start_alpha)
    return beta, eta, alpha


@dataclass
class _NB2Newton:
    """Where the NB2 Newton loop stopped, and why."""

    theta: np.ndarray  # (beta, log alpha)
    eta: np.ndarray
    point: _NB2Point | None  # derivatives at theta when already computed
    converged: bool
    stuck: bool
    at_boundary: bool
    iterations: int


def _nb2_newton(
    prob: _Problem,
    yt: YTerms,
    beta: np.ndarray,
    eta: np.ndarray,
    alpha: float,
    tol: float,
    max_iter: int,
    point_fn: Callable[..., _NB2Point] | None = None,
    loglike_fn: Callable[..., float] | None = None,
) -> _NB2Newton:
    """Newton-Raphson with step halving on (beta, log alpha), stopping on the decrement.

    ``point_fn``/``loglike_fn`` (same signatures as ``_nb2_point``/``_nb2_loglike``) swap in
    another likelihood in (beta, alpha), e.g. the zero-truncated NB2.
    """
    point_fn = point_fn or _nb2_point
    loglike_fn = loglike_fn or _nb2_loglike
    X, y, off = prob.X, prob.y, prob.off
    k = X.shape[1]
    theta = np.append(beta, np.log(alpha))
    ll = loglike_fn(eta, y, yt, alpha)
    converged = at_boundary = stuck = False
    iterations = 0
    point: _NB2Point | None = None
    prev_decrement = np.inf
    log_floor = np.log(_ALPHA_FLOOR)
    for iterations in range(1, max_iter + 1):  # noqa: B007 - iteration count is reported
        alpha = float(np.exp(theta[k]))
        # Near the optimum the next point is probably the last: get the meat in the same pass.
        point = point_fn(X, y, eta, yt, alpha, meat=prev_decrement < _MEAT_HINT)
        grad, hess = point.newton_system(alpha)
        step = _solve_psd(-hess, grad)
        decrement = float(grad @ step)
        if 0 <= decrement < tol:
            converged = True
            break
        t = 1.0
        accepted = False
        while t >= 1e-10:
            cand = theta + t * step
            cand[k] = np.clip(cand[k], log_floor - 2.0, _LOG_ALPHA_BOUND)
            eta_c = _linpred(X, cand[:k], off)
            ll_c = loglike_fn(eta_c, y, yt, float(np.exp(cand[k])))
            if np.isfinite(ll_c) and ll_c >= ll - 1e-13 * abs(ll):
                accepted = True
                break
            t *= 0.5
        if not accepted:
            # No ascent along the Newton direction: at the optimum up to rounding, or stuck.
            converged = decrement < max(tol, 1e-6)
            stuck = not converged
            break
        theta, eta, ll = cand, eta_c, ll_c
        prev_decrement = decrement
        point = None
        if theta[k] < log_floor:
            at_boundary = True
            break
    return _NB2Newton(theta, eta, point, converged, stuck, at_boundary, iterations)


def _nb2_scores(X: np.ndarray, y: np.ndarray, eta: np.ndarray, yt: YTerms, alpha: float) -> Scores:
    """Per-row NB2 scores in (beta, alpha): ``x_i (y - mu)/(1 + alpha mu)`` and the alpha one."""
    mu = np.exp(eta)
    l1p = np.log1p(alpha * mu)
    r_beta = (y - mu) / (1.0 + alpha * mu)
    s_alpha = alpha**-2 * (l1p - yt.rows(digamma_diff(yt.values, 1.0 / alpha))) + r_beta / alpha
    return Scores(X, r_beta, s_alpha[:, None])


@fit_entry("NB2")
def fit_nb2(
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
    """Fit NB2 (``Var = mu + alpha mu^2``) by Newton on (beta, log alpha); HC0 sandwich SEs.

    Matches ``statsmodels.discrete.discrete_model.NegativeBinomial(y, X, offset=offset,
    loglike_method='nb2').fit(cov_type='HC0')`` once both are converged.

    ``X`` must already contain the intercept. ``start``/``start_alpha`` warm-start the fit
    (e.g. from a nested model); otherwise a few Poisson Newton steps and the method-of-moments
    alpha give the start, as in statsmodels. Convergence: the Newton decrement
    ``g' (-H)^-1 g`` (the squared distance to the optimum in standard-error units, hence free
    of the scale of the data and of n) must fall below ``tol``, so every estimate is within
    ``sqrt(tol)`` standard errors of the optimum (usually far closer: Newton is quadratic). The
    returned estimate, log-likelihood and sandwich are all evaluated at that same point.

    ``clusters``: one array of cluster ids per row (one-way, e.g. sending LA) or two (two-way
    CGM, e.g. sending and receiving LA); the cluster-robust covariance of the joint (beta,
    alpha) score is then returned in ``cov_clustered`` (see analysis.estimators.sandwich),
    while ``cov``/``std_errors`` stay HC0.

    Problems are never silent (each emits a warning *and* is listed in ``CountFit.warnings``):

    * perfectly collinear or all-zero columns raise ``ValueError`` naming them;
    * a 0/1 column with fewer than ``MIN_CATEGORY_ROWS`` rows: ``SparseCategoryWarning``; the
      estimate is kept (the MLE exists) but is barely identified;
    * a 0/1 column whose rows all have ``y == 0`` (MLE is -inf): ``SparseCategoryWarning``;
      it is reported as ``-inf`` with NaN SE/p-value/covariance, and the other coefficients are
      the exact limit (the fit without those rows, see ``_drop_empty_categories``);
    * a coefficient whose model-based SE explodes or a 0/1 coefficient beyond +-25 (e.g.
      separation on a continuous column): ``SparseCategoryWarning``; the estimate where Newton
      stopped is kept but its SE, p-value and covariance row are NaN, so it cannot be mistaken
      for a precise estimate (its sandwich SE would be deceptively small);
    * non-convergence: ``RuntimeWarning``;
    * no over-dispersion (alpha heading below ``_ALPHA_FLOOR``; statsmodels returns NaN there):
      ``RuntimeWarning``, and the result is the Poisson MLE - the NB2 MLE on the boundary
      alpha = 0 - with PPML sandwich SEs, ``alpha == 0.0`` and ``alpha_std_error`` NaN.

    The fit is still returned in all warning cases because the other coefficients are valid and
    nested-model code wants them; callers should check ``warnings`` and ``converged``.
    """
    X0, y0, names_t, off0 = _prepare(X, y, names, offset)
    n, k_all = X0.shape
    groups = _check_clusters(clusters, n)
    design = _summarise_design(X0, y0, off0, names_t)
    prob = _drop_empty_categories(X0, y0, off0, names_t, design)
    groups = _estimation_rows(groups, prob)
    X, y, off = prob.X, prob.y, prob.off
    k = X.shape[1]
    yt = YTerms(y)

    beta, eta, alpha = _nb2_start(prob, k_all, start, start_alpha)
    res = _nb2_newton(prob, yt, beta, eta, alpha, tol, max_iter)
    converged, iterations = res.converged, res.iterations
    other: list[str] = []
    cov_cl: np.ndarray | None = None
    alpha_se_cl: float | None = None
    if res.at_boundary:
        # No over-dispersion: the likelihood keeps rising as alpha -> 0, i.e. the NB2 MLE is
        # the Poisson MLE at the boundary alpha = 0, where the NB2 sandwich is not defined.
        beta, eta, converged, extra, (bread_inv, meat) = _poisson_newton(
            X, y, off, res.theta[:k], tol, max_iter, True
        )
        iterations += extra
        bread = _inv_sym(bread_inv)
        cov = _sandwich(bread, meat)
        if groups:
            cov_cl = clustered_cov(bread, Scores(X, y - np.exp(eta)), groups)
            alpha_se_cl = float("nan")
        model_se = np.sqrt(np.abs(np.diag(bread)))
        loglike = float(y @ eta - np.exp(eta).sum()) - yt.sum_gammaln_y1
        alpha, alpha_se = 0.0, float("nan")
        other.append(
            f"NB2 alpha fell below {_ALPHA_FLOOR:g} (no over-dispersion): the NB2 MLE is the "
            "Poisson MLE at the boundary alpha = 0; returned that fit with PPML (HC0) standard "
            "errors, alpha = 0 and alpha_std_error = NaN"
        )
    else:
        beta, alpha, eta = res.theta[:k], float(np.exp(res.theta[k])), res.eta
        point = res.point
        if point is None or point.meat is None:
            point = _nb2_point(X, y, eta, yt, alpha, meat=True)
        assert point.meat is not None
        # statsmodels' HC0 (cov_white_simple): inv(H) @ S'S @ inv(H), H and S in (beta, alpha)
        bread = _inv_sym(point.hessian_alpha())
        cov_full = _sandwich(bread, point.meat)
        cov = cov_full[:k, :k]
        alpha_se = float(np.sqrt(max(cov_full[k, k], 0.0)))
        if groups:
            cov_cl_full = clustered_cov(bread, _nb2_scores(X, y, eta, yt, alpha), groups)
            cov_cl = cov_cl_full[:k, :k]
            alpha_se_cl = float(np.sqrt(max(cov_cl_full[k, k], 0.0)))
        model_se = np.sqrt(np.abs(np.diag(bread)))[:k]
        loglike = point.loglike
    diverging = _divergence_messages(prob, design.sparse, beta, model_se)
    if not converged:
        why = "no ascent along the Newton direction" if res.stuck else "max_iter reached"
        other.append(f"NB2 did not converge after {iterations} iterations ({why})")
    return _finish(
        names_t,
        prob.keep,
        beta,
        cov,
        alpha,
        alpha_se,
        n,
        loglike,
        converged,
        iterations,
        design.sparse,
        diverging,
        other,
        cov_cl,
        alpha_se_cl,
    )


# --------------------------------------------------------------------------------------------
# Poisson PPML
# --------------------------------------------------------------------------------------------


@fit_entry("PPML")
def fit_poisson(
    X: np.ndarray,
    y: np.ndarray,
    names: Sequence[str],
    offset: np.ndarray | None = None,
    start: np.ndarray | None = None,
    tol: float = 1e-10,
    max_iter: int = 100,
    clusters: Sequence[np.ndarray] = (),
) -> CountFit:
    """Poisson pseudo-ML (PPML) with Eicker-Huber-White (HC0) standard errors.

    Reference: ``statsmodels.api.GLM(y, X, family=Poisson(), offset=offset).fit(
    cov_type='HC0')`` - bread ``(X' diag(mu) X)^-1``, meat ``X' diag((y - mu)^2) X``, no
    small-sample factor; identical to discrete ``Poisson`` with HC0 for the canonical log link.
    PPML only assumes ``E[y|X] = exp(X beta + offset)``, so it is consistent for fractional
    counts and any over-dispersion, and the sandwich keeps the SEs valid. Convergence, warnings,
    zero-outcome categories, ``clusters`` and ``ValueError`` on collinearity behave as in
    :func:`fit_nb2`.
    """
    X0, y0, names_t, off0 = _prepare(X, y, names, offset)
    n, k_all = X0.shape
    groups = _check_clusters(clusters, n)
    design = _summarise_design(X0, y0, off0, names_t)
    prob = _drop_empty_categories(X0, y0, off0, names_t, design)
    groups = _estimation_rows(groups, prob)
    beta0 = _check_start(start, k_all, prob.keep)
    return _fit_eta_model(
        "Poisson",
        _poisson_rows,
        prob,
        names_t,
        design.sparse,
        prob.ols_start if beta0 is None else beta0,
        groups,
        tol,
        max_iter,
    )


def _fit_eta_model(
    what: str,
    rows: RowTerms,
    prob: _Problem,
    names: tuple[str, ...],
    sparse: dict[str, str],
    beta0: np.ndarray,
    groups: tuple[np.ndarray, ...],
    tol: float,
    max_iter: int,
) -> CountFit:
    """Fit a likelihood concave in eta (Poisson, zero-truncated Poisson) by Newton; HC0 and,
    with ``groups``, clustered sandwiches; warnings as in :func:`fit_nb2`."""
    beta, eta, converged, iterations, (hess, meat) = _poisson_newton(
        prob.X, prob.y, prob.off, beta0, tol, max_iter, True, rows=rows
    )
    ll, score, _ = rows(prob.y, eta)
    bread = _inv_sym(hess)
    cov_cl = clustered_cov(bread, Scores(prob.X, score), groups) if groups else None
    model_se = np.sqrt(np.abs(np.diag(bread)))
    diverging = _divergence_messages(prob, sparse, beta, model_se)
    other = [] if converged else [f"{what} did not converge after {iterations} iterations"]
    return _finish(
        names,
        prob.keep,
        beta,
        _sandwich(bread, meat),
        None,
        None,
        len(prob.y) if prob.rows is None else len(prob.rows),
        ll - YTerms(prob.y).sum_gammaln_y1,
        converged,
        iterations,
        sparse,
        diverging,
        other,
        cov_cl,
    )


def _finish(
    names: tuple[str, ...],
    keep: np.ndarray,
    beta: np.ndarray,
    cov: np.ndarray,
    alpha: float | None,
    alpha_se: float | None,
    nobs: int,
    loglike: float,
    converged: bool,
    iterations: int,
    sparse: dict[str, str],
    diverging: dict[str, str],
    other: list[str],
    cov_clustered: np.ndarray | None = None,
    alpha_se_clustered: float | None = None,
) -> CountFit:
    """Assemble the full-length result, blank out unidentified coefficients, and warn.

    Dropped zero-outcome columns get ``-inf``; they and diverging coefficients get NaN SE,
    p-value and covariance row/column (clustered ones too). One warning per problem.
    """
    k = len(names)
    params = np.full(k, -np.inf)
    params[keep] = beta
    blank = [names.index(name) for name in diverging]

    def expand(c: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        full = np.full((k, k), np.nan)
        full[np.ix_(keep, keep)] = c
        full[blank, :] = np.nan
        full[:, blank] = np.nan
        se = np.sqrt(np.clip(np.diag(full), 0.0, None))
        with np.errstate(divide="ignore", invalid="ignore"):
            p = 2.0 * stats.norm.sf(np.abs(params / se))
        return full, se, p

    full_cov, se, p = expand(cov)
    cl_cov = cl_se = cl_p = None
    if cov_clustered is not None:
        cl_cov, cl_se, cl_p = expand(cov_clustered)
    problems = {**sparse, **diverging}
    for m in problems.values():
        warnings.warn(m, SparseCategoryWarning, stacklevel=3)
    for m in other:
        warnings.warn(m, RuntimeWarning, stacklevel=3)
    return CountFit(
        names=names,
        params=params,
        std_errors=se,
        p_values=p,
        cov=full_cov,
        alpha=alpha,
        alpha_std_error=alpha_se,
        nobs=nobs,
        loglike=loglike,
        converged=converged,
        iterations=iterations,
        warnings=(*problems.values(), *other),
        cov_clustered=cl_cov,
        std_errors_clustered=cl_se,
        p_values_clustered=cl_p,
        alpha_std_error_clustered=alpha_se_clustered,
    )
