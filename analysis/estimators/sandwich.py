"""Cluster-robust sandwich covariances for the count estimators (one-way and two-way).

Why: every regressor of interest in strand A (the area-type dummies, the covariates) varies by
LA only, so pair-years of one sending (or receiving) LA share an LA effect and are not
independent; heteroskedasticity-robust (HC0) errors then understate the uncertainty several
times over. Clustering by sending LA (one-way) or by sending and receiving LA (two-way,
Cameron, Gelbach and Miller 2011) keeps the intervals honest.

Conventions (statsmodels' ``cov_type='cluster'`` with its default ``use_correction=True``,
checked in ``tests/test_count_models.py``):

* one-way: ``c * B (sum_g s_g s_g') B`` with ``B`` the inverse observed Hessian, ``s_g`` the
  sum of the per-row scores of cluster ``g`` and ``c = G/(G-1) * (N-1)/(N-K)`` (``K`` counts
  every estimated parameter, alpha included for NB2);
* two-way: ``V_send + V_recv - V_pair``, each one-way term with its own correction (as
  statsmodels' ``cov_cluster_2groups``), ``V_pair`` clustered on the intersection (the LA
  pair, across years). The difference need not be positive semi-definite; negative eigenvalues
  are then clipped to zero (the fix CGM suggest), which only ever widens the intervals.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

__all__ = ["Scores", "clip_psd", "cluster_codes", "clustered_cov", "hc0_meat", "one_way_meat"]

#: Rows per block when summing scores by cluster; bounds the n x k temporary.
CHUNK_ROWS = 65_536


@dataclass(frozen=True)
class Scores:
    """Per-row scores without an n x p copy: row i's score is ``[X_i * w_i, extra_i]``.

    ``extra`` holds score columns that are not a multiple of a row of X (the NB2 alpha score).
    """

    X: np.ndarray
    w: np.ndarray
    extra: np.ndarray | None = None

    @property
    def n_params(self) -> int:
        return self.X.shape[1] + (0 if self.extra is None else self.extra.shape[1])


def cluster_codes(ids: np.ndarray) -> tuple[np.ndarray, int]:
    """Integer codes 0..G-1 for any cluster labels (strings, ints), and G."""
    values = np.asarray(ids)
    if values.dtype.kind == "f" and not np.all(np.isfinite(values)):
        raise ValueError("cluster ids contain missing (NaN) values")
    if values.dtype == object and any(v is None for v in values):
        raise ValueError("cluster ids contain missing (None) values")
    uniques, codes = np.unique(values, return_inverse=True)
    return codes.reshape(-1), len(uniques)


def intersection_codes(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, int]:
    """Codes of the (a, b) cells: the intersection clustering of two-way CGM."""
    codes_a, _ = cluster_codes(a)
    codes_b, n_b = cluster_codes(b)
    return cluster_codes(codes_a.astype(np.int64) * n_b + codes_b)


def _score_blocks(scores: Scores) -> Iterator[tuple[int, np.ndarray]]:
    """(first row, rows x p block of scores) over row blocks of CHUNK_ROWS."""
    for s in range(0, scores.X.shape[0], CHUNK_ROWS):
        block = scores.X[s : s + CHUNK_ROWS] * scores.w[s : s + CHUNK_ROWS, None]
        if scores.extra is not None:
            block = np.column_stack([block, scores.extra[s : s + CHUNK_ROWS]])
        yield s, block


def hc0_meat(scores: Scores) -> np.ndarray:
    """``sum_i s_i s_i'``: the heteroskedasticity-robust (HC0) meat."""
    meat = np.zeros((scores.n_params, scores.n_params))
    for _, block in _score_blocks(scores):
        meat += block.T @ block
    return meat


def one_way_meat(scores: Scores, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """``sum_g s_g s_g'``: per-cluster score sums (sparse indicator products, in row blocks)."""
    n = scores.X.shape[0]
    if codes.shape[0] != n:
        raise ValueError(f"cluster ids have {codes.shape[0]} rows but X has {n}")
    sums = np.zeros((n_groups, scores.n_params))
    for s, block in _score_blocks(scores):
        m = block.shape[0]
        indicator = sparse.csr_matrix(
            (np.ones(m), (codes[s : s + m], np.arange(m))), shape=(n_groups, m)
        )
        sums += indicator @ block
    return sums.T @ sums


def _one_way(bread: np.ndarray, scores: Scores, codes: np.ndarray, n_groups: int) -> np.ndarray:
    if n_groups < 2:
        raise ValueError("clustered covariance needs at least two clusters")
    n, p = scores.X.shape[0], scores.n_params
    correction = n_groups / (n_groups - 1.0) * (n - 1.0) / (n - p)
    cov = correction * (bread @ one_way_meat(scores, codes, n_groups) @ bread)
    return (cov + cov.T) / 2.0


def clip_psd(cov: np.ndarray) -> np.ndarray:
    """The nearest PSD matrix by clipping negative eigenvalues to zero (unchanged if PSD)."""
    evals, evecs = np.linalg.eigh(cov)
    if evals.min() >= 0:
        return cov
    fixed = (evecs * np.clip(evals, 0.0, None)) @ evecs.T
    return (fixed + fixed.T) / 2.0


def clustered_cov(bread: np.ndarray, scores: Scores, clusters: Sequence[np.ndarray]) -> np.ndarray:
    """One-way (one id array) or two-way CGM (two arrays) cluster-robust covariance.

    ``bread`` is the inverse of the observed Hessian at the estimate, over the same parameters
    (and order) as the score columns.
    """
    if len(clusters) == 1:
        return _one_way(bread, scores, *cluster_codes(clusters[0]))
    if len(clusters) != 2:
        raise ValueError(f"one or two cluster dimensions are supported, got {len(clusters)}")
    first, second = clusters
    cov = (
        _one_way(bread, scores, *cluster_codes(first))
        + _one_way(bread, scores, *cluster_codes(second))
        - _one_way(bread, scores, *intersection_codes(first, second))
    )
    return clip_psd((cov + cov.T) / 2.0)
