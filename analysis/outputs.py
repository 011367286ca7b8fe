"""What every analysis hands back to the pipeline: tidy results and publication tables.

Analyses never write files or tables themselves; the pipeline writes `estimates` and
`descriptives` into the warehouse's `results` schema and renders the tables, so every strand
follows one contract (SPEC, Contracts).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

ESTIMATE_COLUMNS: tuple[str, ...] = (
    "analysis",
    "report_table",
    "model",
    "term",
    "label",
    "estimate",
    "std_error",
    "p_value",
    "n_obs",
    "std_error_clustered",
    "p_value_clustered",
    "converged",
    "flag",
)
#: Estimate columns an analysis may leave out; they are then stored as null. Strand A fills
#: them: ``std_error_clustered``/``p_value_clustered`` two-way clustered by sending and
#: receiving LA (``std_error``/``p_value`` stay the study's HC0 ones), ``converged`` whether the
#: fit converged, ``flag`` why an estimate must not be read as one (null when it can), e.g.
#: ``not converged``, ``reference category empty``, ``category empty``, ``diverging``,
#: ``alpha at zero``.
OPTIONAL_ESTIMATE_COLUMNS: tuple[str, ...] = (
    "std_error_clustered",
    "p_value_clustered",
    "converged",
    "flag",
)
DESCRIPTIVE_COLUMNS: tuple[str, ...] = (
    "analysis",
    "report_table",
    "row_label",
    "column_label",
    "value",
    "n",
)


@dataclass(frozen=True)
class PublicationTable:
    """A table as a reader sees it: `frame` is already laid out (rows, columns, text cells)."""

    key: str  # file stem, e.g. "table_06_covariate_means"
    title: str
    frame: pd.DataFrame
    report_table: int | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Figure:
    """A PNG written by an analysis under the run's output directory."""

    key: str
    title: str
    path: str  # relative to the output directory


@dataclass
class AnalysisOutput:
    """Everything one analysis produced; empty frames are fine."""

    name: str
    estimates: pd.DataFrame = field(default_factory=lambda: empty_estimates())
    descriptives: pd.DataFrame = field(default_factory=lambda: empty_descriptives())
    tables: list[PublicationTable] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "table N: reason" for what could not run
    # Restricted-data outputs only: what disclosure control did (analysis.disclosure_release).
    disclosure_log: pd.DataFrame | None = None


def empty_estimates() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in ESTIMATE_COLUMNS})


def empty_descriptives() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in DESCRIPTIVE_COLUMNS})


def check_columns(frame: pd.DataFrame, expected: tuple[str, ...], what: str) -> pd.DataFrame:
    """Return the frame with exactly the contract's columns, or say which are missing.

    Optional estimate columns (OPTIONAL_ESTIMATE_COLUMNS) that are absent are added as null.
    """
    optional = [c for c in OPTIONAL_ESTIMATE_COLUMNS if c in expected and c not in frame.columns]
    if optional:
        frame = frame.assign(**{c: None for c in optional})
    missing = [c for c in expected if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} is missing the contract column(s) {missing}")
    return frame.loc[:, list(expected)]
