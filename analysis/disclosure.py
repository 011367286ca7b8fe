"""Statistical disclosure control for outputs from restricted (licensed) microdata.

Rule used for every table written outside the warehouse from strands B and C: a cell
resting on fewer than `min_cell` people is suppressed (shown as blank, value NaN), and every
count shown is rounded to the nearest `round_to`. Shares and estimates are suppressed with
the count they rest on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

MIN_CELL = 10
ROUND_TO = 5


@dataclass(frozen=True)
class DisclosureResult:
    frame: pd.DataFrame
    suppressed_cells: int


def round_counts(values: pd.Series, round_to: int = ROUND_TO) -> pd.Series:
    """Round counts to the nearest multiple of round_to (halves away from zero)."""
    numeric = pd.to_numeric(values, errors="coerce")
    return np.sign(numeric) * np.floor(np.abs(numeric) / round_to + 0.5) * round_to


def apply_disclosure_control(
    frame: pd.DataFrame,
    count_columns: Sequence[str],
    dependent_columns: Sequence[str] = (),
    min_cell: int = MIN_CELL,
    round_to: int = ROUND_TO,
) -> DisclosureResult:
    """Suppress rows resting on fewer than min_cell people, then round the counts.

    `count_columns` hold numbers of people; a row is unsafe when any of them is below
    `min_cell`. `dependent_columns` (shares, means, estimates computed from those people)
    are blanked on unsafe rows too.
    """
    out = frame.copy()
    counts = out[list(count_columns)].apply(pd.to_numeric, errors="coerce")
    unsafe = (counts < min_cell).any(axis=1)
    blanked = list(count_columns) + list(dependent_columns)
    suppressed = int(unsafe.sum() * len(blanked))
    for column in blanked:
        out[column] = out[column].astype("float64").where(~unsafe)
    for column in count_columns:
        out[column] = round_counts(out[column], round_to)
    return DisclosureResult(out, suppressed)
