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
import pandas as pd
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
    """Integer codes 0..G-1 for any cluster labels (strings, ints), and G (hash-based: fast)."""
    values = np.asarray(ids).reshape(-1)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if (codes < 0).any():
        raise ValueError("cluster ids contain missing values")
    return codes, len(uniques)


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


def _group_sums(scores: Scores, groupings: Sequence[tuple[np.ndarray, int]]) -> list[np.ndarray]:
    """Per-cluster score sums for each grouping, in one pass over the rows (sparse indicator
    products on row blocks, so the n x p score matrix is never held whole)."""
    n = scores.X.shape[0]
    for codes, _ in groupings:
        if codes.shape[0] != n:
            raise ValueError(f"cluster ids have {codes.shape[0]} rows but X has {n}")
    sums = [np.zeros((g, scores.n_params)) for _, g in groupings]
    for s, block in _score_blocks(scores):
        m = block.shape[0]
        columns = np.arange(m)
        for total, (codes, g) in zip(sums, groupings, strict=True):
            indicator = sparse.csr_matrix((np.ones(m), (codes[s : s + m], columns)), shape=(g, m))
            total += indicator @ block
    return sums


def one_way_meat(scores: Scores, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """``sum_g s_g s_g'`` with ``s_g`` the sum of the scores of cluster g."""
    sums = _group_sums(scores, [(codes, n_groups)])[0]
    return sums.T @ sums


def _corrected(bread: np.ndarray, sums: np.ndarray, n: int, p: int) -> np.ndarray:
    """One-way CRV1 covariance from the cluster score sums, statsmodels' correction."""
    g = sums.shape[0]
    if g < 2:
        raise ValueError("clustered covariance needs at least two clusters")
    correction = g / (g - 1.0) * (n - 1.0) / (n - p)
    cov = correction * (bread @ (sums.T @ sums) @ bread)
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
    if len(clusters) not in (1, 2):
        raise ValueError(f"one or two cluster dimensions are supported, got {len(clusters)}")
    groupings = [cluster_codes(c) for c in clusters]
    if len(groupings) == 2:
        (a, _), (b, n_b) = groupings
        groupings.append(cluster_codes(a.astype(np.int64) * n_b + b))  # the intersection
    n, p = scores.X.shape[0], scores.n_params
    covs = [_corrected(bread, sums, n, p) for sums in _group_sums(scores, groupings)]
    if len(covs) == 1:
        return covs[0]
    return clip_psd(covs[0] + covs[1] - covs[2])
