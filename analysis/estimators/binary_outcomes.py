"""Probit and linear-probability regressions with cluster-robust inference.

Both analysis strands (household panel, census-linked study) ask the same
question: what is the effect of moving on a binary outcome, overall and within
groups, and does it differ between groups?  In a probit with treatment x group
interactions no single coefficient answers that, so this module turns fitted
index models into average marginal effects and within-group treatment contrasts
with delta-method standard errors built from the fit's cluster-robust
covariance.  The same code handles the linear (identity-link) model so the two
specifications are reported on one footing.

Conventions
-----------
* ``X`` is a ``pandas.DataFrame`` that already contains a constant column named
  ``"const"`` (the caller adds it, so the column set is explicit).
* ``clusters`` holds one group label per row (e.g. local-authority codes); any
  hashable labels work, missing labels are rejected.
* ``F`` is the standard normal CDF for probit and the identity for linear, and
  ``f`` is its derivative.
* All p-values are two-sided from the standard normal distribution.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import special, stats
from statsmodels.tools.sm_exceptions import (
    ConvergenceWarning,
    HessianInversionWarning,
    PerfectSeparationError,
    PerfectSeparationWarning,
)

__all__ = [
    "Estimate",
    "IndexModelFit",
    "average_contrast",
    "average_marginal_effects",
    "difference_of_contrasts",
    "fit_linear",
    "fit_probit",
    "pseudo_true_fit",
    "set_treatment",
]

Link = Literal["probit", "identity"]

# Newton's method stops when no parameter moves by more than this.  Tighter than
# the statsmodels default (1e-8) so downstream contrasts are not limited by
# optimisation error; Newton converges quadratically, so it costs ~1 iteration.
_PROBIT_TOL = 1e-10
_PROBIT_MAXITER = 200
# |x'b| beyond this means Phi(-|x'b|) < 1e-299: a fit that puts observations
# there predicts them with certainty and is degenerate whatever Newton reports.
_INDEX_LIMIT = 37.0
_INV_SQRT_2PI = 1.0 / np.sqrt(2.0 * np.pi)


@dataclass(frozen=True)
class IndexModelFit:
    """A fitted single-index model ``P(y=1|x) = F(x'b)`` with its robust covariance.

    Kept separate from the statsmodels results object so that contrasts only
    depend on the parameter vector, its covariance and the link, which is all
    the delta method needs.
    """

    link: Link
    names: tuple[str, ...]
    params: np.ndarray
    cov: np.ndarray  # cluster-robust CRV1; unclustered: HC0 (probit) or HC1 (OLS)
    nobs: int
    n_clusters: int | None

    def std_errors(self) -> np.ndarray:
        """Standard errors of the coefficients, from the robust covariance."""
        return np.sqrt(np.clip(np.diag(self.cov), 0.0, None))


@dataclass(frozen=True)
class Estimate:
    """One scalar quantity with delta-method inference."""

    estimate: float
    std_error: float
    p_value: float  # two-sided, normal
    n: int  # observations the estimate averages over


# --------------------------------------------------------------------------- #
# Input checks
# --------------------------------------------------------------------------- #


def _as_outcome(y: np.ndarray | pd.Series, nobs: int) -> np.ndarray:
    """Coerce y to a finite float vector of the design's length."""
    arr = np.asarray(y, dtype=float)
    if arr.ndim != 1:
        arr = arr.reshape(-1) if arr.ndim == 2 and 1 in arr.shape else arr
    if arr.ndim != 1:
        raise ValueError(f"y must be one-dimensional, got shape {np.shape(y)}")
    if arr.shape[0] != nobs:
        raise ValueError(f"y has {arr.shape[0]} rows but X has {nobs}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"y has {int((~np.isfinite(arr)).sum())} missing or non-finite values")
    return arr


def _as_design(X: pd.DataFrame) -> np.ndarray:
    """Coerce X to a finite float matrix, with readable errors naming columns."""
    if not isinstance(X, pd.DataFrame):
        raise TypeError("X must be a pandas DataFrame (column names are part of the API)")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"X is empty (shape {X.shape})")
    names = [str(c) for c in X.columns]
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        raise ValueError(f"X has duplicated column names: {dupes}")
    non_numeric = [str(c) for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
    if non_numeric:
        raise ValueError(f"X has non-numeric columns: {non_numeric}")
    arr = X.to_numpy(dtype=float)
    bad = ~np.isfinite(arr)
    if bad.any():
        cols = [names[j] for j in np.flatnonzero(bad.any(axis=0))]
        raise ValueError(f"X has missing or non-finite values in columns: {cols}")
    return arr


def _cluster_codes(clusters: np.ndarray | pd.Series | None, nobs: int) -> np.ndarray | None:
    """Map arbitrary cluster labels to integer codes 0..G-1."""
    if clusters is None:
        return None
    labels = np.asarray(clusters)
    if labels.ndim != 1 or labels.shape[0] != nobs:
        raise ValueError(f"clusters must be one label per row ({nobs}), got shape {labels.shape}")
    codes, uniques = pd.factorize(labels, use_na_sentinel=True)
    if (codes < 0).any():
        raise ValueError(f"clusters has {int((codes < 0).sum())} missing labels")
    if len(uniques) < 2:
        raise ValueError("cluster-robust covariance needs at least 2 clusters")
    return codes.astype(np.int64)


def _check_full_rank(arr: np.ndarray, names: Sequence[str]) -> None:
    """Raise if the design is rank deficient, naming the collinear columns.

    Columns are scaled to unit length first so the rank tolerance does not depend
    on units; each null-space direction lists the columns that take part in it.
    """
    nobs, k = arr.shape
    if nobs <= k:
        raise ValueError(f"X has {nobs} rows but {k} columns: not enough observations")
    norms = np.linalg.norm(arr, axis=0)
    zero = [names[j] for j in np.flatnonzero(norms == 0.0)]
    if zero:
        raise ValueError(f"singular design: columns are identically zero: {zero}")
    scaled = arr / norms
    _, sing, vt = np.linalg.svd(scaled, full_matrices=False)
    tol = sing.max() * max(nobs, k) * np.finfo(float).eps
    null = vt[sing <= tol]
    if null.shape[0] == 0:
        return
    groups = []
    for vec in null:
        involved = [names[j] for j in np.flatnonzero(np.abs(vec) > 1e-6 * np.abs(vec).max())]
        groups.append(involved)
    described = "; ".join("{" + ", ".join(g) + "}" for g in groups)
    raise ValueError(
        f"singular design (rank {k - null.shape[0]} of {k}): linearly dependent columns {described}"
    )


def _check_binary_outcome(y: np.ndarray) -> None:
    """A probit needs a 0/1 outcome with both values present."""
    values = np.unique(y)
    if not np.all(np.isin(values, (0.0, 1.0))):
        raise ValueError(f"probit outcome must be 0/1, found values {values[:10].tolist()}")
    if values.size < 2:
        raise ValueError(f"probit outcome is constant (all {values[0]:g}): nothing to estimate")


def _check_single_column_separation(y: np.ndarray, arr: np.ndarray, names: Sequence[str]) -> None:
    """Detect (quasi-)complete separation by one regressor before Newton diverges.

    Covers the common case in this project: a dummy or interaction cell in which
    every observation has the same outcome (e.g. no treated women with a degree
    ever had y = 0). Separation by combinations of columns is caught after the
    fit, from non-convergence.
    """
    problems = []
    ones = y == 1.0
    for j, name in enumerate(names):
        col = arr[:, j]
        if np.ptp(col) == 0.0:
            continue
        x0, x1 = col[~ones], col[ones]
        if x0.max() <= x1.min():
            problems.append(
                f"{name} (every row with {name} > {x0.max():g} has y = 1)"
                if x0.max() < col.max()
                else f"{name} (every row with {name} < {x1.min():g} has y = 0)"
            )
        elif x1.max() <= x0.min():
            problems.append(
                f"{name} (every row with {name} > {x1.max():g} has y = 0)"
                if x1.max() < col.max()
                else f"{name} (every row with {name} < {x0.min():g} has y = 1)"
            )
    if problems:
        raise ValueError(
            "perfect prediction (quasi-complete separation), probit MLE does not exist: "
            + "; ".join(problems)
        )


def _suspect_columns(arr: np.ndarray, names: Sequence[str], inv_info: object) -> str:
    """Name the columns whose scaled inverse-information variance explodes.

    Under (quasi-)separation the log-likelihood is flat along the diverging
    direction, so those columns' non-robust variances blow up relative to the
    rest.  Used only to make error messages actionable.
    """
    try:
        var = np.abs(np.diag(np.asarray(inv_info, dtype=float)))
    except (TypeError, ValueError):
        return ""
    if var.shape != (arr.shape[1],) or not np.all(np.isfinite(var)):
        return ""
    scale = np.where(np.ptp(arr, axis=0) > 0, arr.std(axis=0), 1.0)
    sd = np.sqrt(var) * scale
    med = np.median(sd)
    if not np.isfinite(med) or med <= 0:
        return ""
    flagged = [names[j] for j in np.flatnonzero(sd > 50.0 * med)]
    return f"; columns likely involved: {flagged}" if flagged else ""


# --------------------------------------------------------------------------- #
# Fitting
# --------------------------------------------------------------------------- #


def _cov_options(codes: np.ndarray | None, unclustered: str) -> dict[str, object]:
    if codes is None:
        return {"cov_type": unclustered}
    return {"cov_type": "cluster", "cov_kwds": {"groups": codes}}


def fit_probit(y: np.ndarray, X: pd.DataFrame, clusters: np.ndarray | None = None) -> IndexModelFit:
    """Fit a probit by maximum likelihood with cluster-robust covariance.

    Wraps ``statsmodels.Probit(y, X).fit(method="newton", tol=1e-10)`` so results
    match the library everyone can check against.  Small-sample corrections are
    the statsmodels defaults:

    * with ``clusters``: CRV1 sandwich times ``G/(G-1) * (N-1)/(N-K)``;
    * without: HC0 (asked for by that name: statsmodels' ``"HC1"`` for discrete-choice
      models carries no ``N/(N-K)`` factor either, so it would be HC0 under a wrong label).

    Raises ``ValueError`` (naming columns where possible) for a non-binary or
    constant outcome, non-finite data, a singular design, perfect prediction /
    separation, or failure to converge: those fits have no usable MLE, and a
    silent warning would let meaningless effects into reports.
    """
    arr = _as_design(X)
    names = tuple(str(c) for c in X.columns)
    yy = _as_outcome(y, arr.shape[0])
    codes = _cluster_codes(clusters, arr.shape[0])
    _check_binary_outcome(yy)
    _check_full_rank(arr, names)
    _check_single_column_separation(yy, arr, names)

    model = sm.Probit(yy, arr)
    problem: str | None = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            res = model.fit(
                method="newton",
                tol=_PROBIT_TOL,
                maxiter=_PROBIT_MAXITER,
                disp=0,
                **_cov_options(codes, "HC0"),
            )
        except PerfectSeparationError as exc:
            raise ValueError(f"perfect prediction in probit: {exc}") from exc
        except np.linalg.LinAlgError as exc:
            raise ValueError(
                f"probit failed: singular Hessian (separation or collinearity): {exc}"
            ) from exc
    for w in caught:
        if issubclass(w.category, PerfectSeparationWarning):
            problem = "perfect prediction (complete separation) detected by statsmodels"
        elif issubclass(w.category, ConvergenceWarning):
            problem = problem or f"Newton did not converge in {_PROBIT_MAXITER} iterations"
        elif issubclass(w.category, HessianInversionWarning):
            problem = problem or f"Hessian could not be inverted ({w.message})"
        else:
            warnings.warn(w.message, w.category, stacklevel=2)

    params = np.asarray(res.params, dtype=float)
    if problem is None and not res.mle_retvals.get("converged", False):
        problem = f"Newton did not converge in {_PROBIT_MAXITER} iterations"
    index = arr @ params
    if problem is None and (not np.all(np.isfinite(params)) or np.abs(index).max() > _INDEX_LIMIT):
        problem = "fitted probabilities are numerically 0 or 1"
    if problem is not None:
        raise ValueError(
            f"probit failed, likely quasi-complete separation: {problem}"
            f"{_suspect_columns(arr, names, res.normalized_cov_params)}"
        )
    cov = np.asarray(res.cov_params(), dtype=float)
    if not np.all(np.isfinite(cov)):
        raise ValueError("probit covariance is not finite (singular information matrix)")
    return _make_fit("probit", names, params, cov, arr.shape[0], codes)


def fit_linear(y: np.ndarray, X: pd.DataFrame, clusters: np.ndarray | None = None) -> IndexModelFit:
    """Fit OLS (a linear probability model for 0/1 y) with cluster-robust covariance.

    Wraps ``statsmodels.OLS(y, X).fit(cov_type=...)``.  Small-sample corrections
    are the statsmodels defaults:

    * with ``clusters``: CRV1 sandwich times ``G/(G-1) * (N-1)/(N-K)``
      (as Stata's ``regress, vce(cluster)``);
    * without: HC1, i.e. HC0 times ``N/(N-K)``.

    ``y`` need not be binary.  A singular design raises ``ValueError`` naming the
    linearly dependent columns instead of statsmodels' silent pseudo-inverse.
    """
    arr = _as_design(X)
    names = tuple(str(c) for c in X.columns)
    yy = _as_outcome(y, arr.shape[0])
    codes = _cluster_codes(clusters, arr.shape[0])
    _check_full_rank(arr, names)
    res = sm.OLS(yy, arr).fit(**_cov_options(codes, "HC1"))
    params = np.asarray(res.params, dtype=float)
    cov = np.asarray(res.cov_params(), dtype=float)
    if not (np.all(np.isfinite(params)) and np.all(np.isfinite(cov))):
        raise ValueError("OLS produced non-finite estimates (check scaling of X)")
    return _make_fit("identity", names, params, cov, arr.shape[0], codes)


def pseudo_true_fit(link: Link, expected_y: np.ndarray, X: pd.DataFrame) -> IndexModelFit:
    """The probability limit of a probit or OLS fit of X when E[y | x] is ``expected_y``.

    A probit's score is linear in y, so the (quasi-)MLE with y replaced by its expectation
    solves the expected score equations: the parameters the estimator converges to given
    these rows, whatever the true model (the "pseudo-true" values of a misspecified fit).
    OLS likewise. Used to state what a specification estimates under a planted model; the
    covariance is zero (there is no sampling error to describe).
    """
    arr = _as_design(X)
    names = tuple(str(c) for c in X.columns)
    yy = _as_outcome(expected_y, arr.shape[0])
    _check_full_rank(arr, names)
    if link == "probit":
        if yy.min() <= 0.0 or yy.max() >= 1.0:
            raise ValueError("expected probit outcomes must lie strictly between 0 and 1")
        # The binomial GLM with a probit link has the probit's score and takes fractions.
        family = sm.families.Binomial(link=sm.families.links.Probit())
        res = sm.GLM(yy, arr, family=family).fit(tol=1e-12, maxiter=_PROBIT_MAXITER)
    else:
        res = sm.OLS(yy, arr).fit()
    params = np.asarray(res.params, dtype=float)
    zeros = np.zeros((params.size, params.size))
    return _make_fit(link, names, params, zeros, arr.shape[0], None)


def _make_fit(
    link: Link,
    names: tuple[str, ...],
    params: np.ndarray,
    cov: np.ndarray,
    nobs: int,
    codes: np.ndarray | None,
) -> IndexModelFit:
    """Freeze arrays so an IndexModelFit cannot be mutated after the fact."""
    params = params.copy()
    cov = cov.copy()
    params.setflags(write=False)
    cov.setflags(write=False)
    n_clusters = None if codes is None else int(codes.max()) + 1
    return IndexModelFit(link, names, params, cov, nobs, n_clusters)


# --------------------------------------------------------------------------- #
# Effects
# --------------------------------------------------------------------------- #


def _cdf(link: Link, index: np.ndarray) -> np.ndarray:
    return special.ndtr(index) if link == "probit" else index


def _pdf(link: Link, index: np.ndarray) -> np.ndarray:
    if link == "probit":
        return _INV_SQRT_2PI * np.exp(-0.5 * index * index)
    return np.ones_like(index)


def _pdf_slope(link: Link, index: np.ndarray) -> np.ndarray:
    """Derivative of the density f'(z): -z phi(z) for probit, 0 for identity."""
    if link == "probit":
        return -index * _pdf(link, index)
    return np.zeros_like(index)


def _aligned(fit: IndexModelFit, X: pd.DataFrame, label: str = "X") -> np.ndarray:
    """The design as a float matrix in the fit's column order.

    Insisting on the same column set guards against passing a design built for
    a different specification, which would otherwise produce plausible numbers.
    """
    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"{label} must be a pandas DataFrame")
    cols = [str(c) for c in X.columns]
    missing = [n for n in fit.names if n not in cols]
    extra = [c for c in cols if c not in fit.names]
    if missing or extra:
        raise ValueError(
            f"{label} columns do not match the fitted model: missing {missing}, extra {extra}"
        )
    renamed = X.set_axis(cols, axis=1)
    return _as_design(renamed.loc[:, list(fit.names)])


def _row_positions(rows: np.ndarray | None, nobs: int) -> np.ndarray:
    """Normalise a boolean mask or integer positions to sorted unique positions."""
    if rows is None:
        return np.arange(nobs)
    sel = np.asarray(rows)
    if sel.dtype == bool:
        if sel.shape != (nobs,):
            raise ValueError(f"boolean rows mask has shape {sel.shape}, expected ({nobs},)")
        pos = np.flatnonzero(sel)
    elif np.issubdtype(sel.dtype, np.integer):
        pos = np.unique(sel.reshape(-1))
        if pos.size and (pos[0] < 0 or pos[-1] >= nobs):
            raise ValueError(f"row positions out of range 0..{nobs - 1}")
    else:
        raise TypeError("rows must be a boolean mask or integer positions")
    if pos.size == 0:
        raise ValueError("rows selects no observations")
    return pos


def _contrast_and_gradient(
    link: Link, params: np.ndarray, x1: np.ndarray, x0: np.ndarray
) -> tuple[float, np.ndarray]:
    """mean F(x1 b) - F(x0 b) and its gradient mean f(x1 b) x1 - f(x0 b) x0."""
    i1, i0 = x1 @ params, x0 @ params
    value = float(np.mean(_cdf(link, i1) - _cdf(link, i0)))
    grad = (_pdf(link, i1) @ x1 - _pdf(link, i0) @ x0) / x1.shape[0]
    return value, grad


def _inference(value: float, grad: np.ndarray, cov: np.ndarray, n: int) -> Estimate:
    """Delta method: Var = g' V g, z-test against zero."""
    var = float(grad @ cov @ grad)
    se = float(np.sqrt(max(var, 0.0)))
    p = float(2.0 * stats.norm.sf(abs(value) / se)) if se > 0 else float("nan")
    return Estimate(estimate=value, std_error=se, p_value=p, n=n)


def average_marginal_effects(
    fit: IndexModelFit, X: pd.DataFrame, dummy_columns: Sequence[str]
) -> pd.DataFrame:
    """Average marginal effect of every non-constant column, with delta-method SEs.

    Derivative ``mean f(x'b) b_j`` for continuous columns and the discrete change
    ``mean F(x'b | x_j=1) - F(x'b | x_j=0)`` for ``dummy_columns`` (the same
    definitions as statsmodels ``get_margeff(at="overall", dummy=True)``), but with
    analytic Jacobians.  Each column is moved holding all other columns fixed, so
    for a treatment that also enters interaction terms this is NOT the treatment
    effect: use :func:`average_contrast` with :func:`set_treatment` for that.
    """
    arr = _aligned(fit, X)
    dummies = {str(d) for d in dummy_columns}
    unknown = sorted(dummies - set(fit.names))
    if unknown:
        raise ValueError(f"dummy_columns not in the model: {unknown}")
    b = fit.params
    index = arr @ b
    dens = _pdf(fit.link, index)
    mean_dens = float(dens.mean())
    dens_slope_x = (_pdf_slope(fit.link, index) @ arr) / arr.shape[0]
    out = []
    for j, name in enumerate(fit.names):
        col = arr[:, j]
        if np.ptp(col) == 0.0:
            continue
        if name in dummies:
            if not np.all((col == 0.0) | (col == 1.0)):
                raise ValueError(f"dummy column {name!r} has values other than 0/1")
            x1, x0 = arr.copy(), arr.copy()
            x1[:, j], x0[:, j] = 1.0, 0.0
            value, grad = _contrast_and_gradient(fit.link, b, x1, x0)
        else:
            value = mean_dens * float(b[j])
            grad = float(b[j]) * dens_slope_x
            grad[j] += mean_dens
        est = _inference(value, grad, fit.cov, arr.shape[0])
        out.append((name, est.estimate, est.std_error, est.p_value))
    return pd.DataFrame(out, columns=["term", "estimate", "std_error", "p_value"])


def _group_contrast(
    fit: IndexModelFit,
    X_treated: pd.DataFrame,
    X_control: pd.DataFrame,
    rows: np.ndarray | None,
) -> tuple[float, np.ndarray, np.ndarray]:
    x1 = _aligned(fit, X_treated, "X_treated")
    x0 = _aligned(fit, X_control, "X_control")
    if x1.shape[0] != x0.shape[0]:
        raise ValueError(
            f"X_treated has {x1.shape[0]} rows but X_control has {x0.shape[0]}: "
            "they must describe the same people"
        )
    pos = _row_positions(rows, x1.shape[0])
    value, grad = _contrast_and_gradient(fit.link, fit.params, x1[pos], x0[pos])
    return value, grad, pos


def average_contrast(
    fit: IndexModelFit,
    X_treated: pd.DataFrame,
    X_control: pd.DataFrame,
    rows: np.ndarray | None = None,
) -> Estimate:
    """Mean over ``rows`` of ``F(X_treated b) - F(X_control b)``, with a delta-method SE.

    With designs from :func:`set_treatment` this is the average treatment effect
    within the selected group (e.g. women), interactions included.  ``rows`` is a
    boolean mask or integer positions; ``None`` means all rows.  The SE treats the
    rows as fixed (variance from the coefficients only), as statsmodels' margins do.
    """
    value, grad, pos = _group_contrast(fit, X_treated, X_control, rows)
    return _inference(value, grad, fit.cov, int(pos.size))


def difference_of_contrasts(
    fit: IndexModelFit,
    first: tuple[pd.DataFrame, pd.DataFrame, np.ndarray],
    second: tuple[pd.DataFrame, pd.DataFrame, np.ndarray],
) -> Estimate:
    """Contrast in the first group minus contrast in the second, with the joint SE.

    Both contrasts come from the same coefficient vector, so they are correlated;
    the gradient of the difference carries that covariance and the p-value is the
    one-degree-of-freedom Wald test of equal effects.  ``n`` counts the distinct
    rows used by either group.
    """
    v1, g1, p1 = _group_contrast(fit, *first)
    v2, g2, p2 = _group_contrast(fit, *second)
    n = int(np.union1d(p1, p2).size)
    return _inference(v1 - v2, g1 - g2, fit.cov, n)


def set_treatment(
    X: pd.DataFrame, treatment: str, value: float, interactions: Mapping[str, str]
) -> pd.DataFrame:
    """Counterfactual design with the treatment set to ``value`` for everyone.

    ``interactions`` maps each interaction column to the characteristic it
    multiplies the treatment by; those columns are recomputed as
    ``value * characteristic`` so the counterfactual stays internally coherent.
    The input is checked to satisfy ``interaction == treatment * characteristic``
    first, so a wrong mapping fails loudly instead of giving a wrong effect.
    """
    if treatment not in X.columns:
        raise ValueError(f"treatment column {treatment!r} not in X")
    for inter, char in interactions.items():
        for col, role in ((inter, "interaction"), (char, "characteristic")):
            if col not in X.columns:
                raise ValueError(f"{role} column {col!r} not in X")
        if char == treatment or char in interactions or inter == treatment:
            raise ValueError(
                f"interaction {inter!r} -> {char!r}: characteristic must be a plain column, "
                "not the treatment or another interaction"
            )
        t = X[treatment].to_numpy(dtype=float)
        c = X[char].to_numpy(dtype=float)
        current = X[inter].to_numpy(dtype=float)
        expected = t * c
        tol = 1e-9 * max(1.0, float(np.nanmax(np.abs(expected))) if expected.size else 1.0)
        mismatch = ~np.isclose(current, expected, rtol=0.0, atol=tol, equal_nan=True)
        if mismatch.any():
            raise ValueError(
                f"column {inter!r} is not {treatment!r} * {char!r} in "
                f"{int(mismatch.sum())} rows: check the interactions mapping"
            )
    out = X.copy()
    out[treatment] = float(value)
    for inter, char in interactions.items():
        out[inter] = float(value) * X[char].to_numpy(dtype=float)
    return out
