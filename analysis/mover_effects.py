"""The effect of moving, shared by strand B (BHPS/UKHLS) and strand C (ONS LS).

Both strands estimate the mover effect within groups (mover x gender, ethnicity, degree,
parent class) and the difference between each group and a reference group, report only the
labelled terms of models 1-3, and blank any estimate resting on too few movers or stayers.
This module is the one implementation of those ideas; the strand packages keep only what is
theirs (samples, variables, labels, report table numbers, standard-error choices).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.estimators.binary_outcomes import (
    Estimate,
    IndexModelFit,
    Link,
    average_contrast,
    average_marginal_effects,
    difference_of_contrasts,
    pseudo_true_fit,
    set_treatment,
)
from analysis.outputs import AnalysisOutput, PublicationTable

TREATMENT = "mover"
PEOPLE = "Number of people"  # descriptives row whose value is the (rounded) count itself
NO_CONTRAST = "no movers and stayers to compare"


@dataclass(frozen=True)
class Characteristic:
    """A mover x characteristic specification: interaction columns and the groups compared."""

    name: str
    interactions: dict[str, str]  # interaction column -> characteristic column
    groups: dict[str, str]  # group label (study wording) -> 0/1 indicator column
    reference: str  # group label the others are compared with
    # group label -> row label of its difference (first group's effect minus the reference's)
    difference_labels: dict[str, str] = field(default_factory=dict)

    def compared_groups(self) -> list[str]:
        """Groups compared with the reference, in the order the study lists the differences."""
        rest = [g for g in self.groups if g != self.reference]
        return [g for g in self.difference_labels if g in rest] + [
            g for g in rest if g not in self.difference_labels
        ]

    def difference_label(self, group: str) -> str:
        return self.difference_labels.get(group, f"Difference: {group} minus {self.reference}")


@dataclass(frozen=True)
class GroupEffect:
    """One within-group mover effect, or one difference from the reference group."""

    term: str  # mover_in_<group column> or mover_difference_<group column>
    label: str  # the study's row label
    estimate: Estimate
    min_cell: int  # fewest movers or stayers the estimate rests on
    is_difference: bool


def binary_columns(X: pd.DataFrame, counts: Iterable[str] = ()) -> list[str]:
    """Non-constant 0/1 columns, whose marginal effect is a discrete change.

    `counts` are numeric columns (e.g. number of children) that may happen to hold only 0
    and 1 in a small sample but still want a derivative.
    """
    skip = {"const", *counts}
    return [
        c
        for c in X.columns
        if c not in skip and X[c].nunique() == 2 and set(np.unique(X[c])) <= {0.0, 1.0}
    ]


def indicator_columns(values: pd.Series, prefix: str, reference: object) -> pd.DataFrame:
    """Float indicators `<prefix><level>` for every level but `reference`, levels sorted."""
    levels = sorted(v for v in values.unique() if v != reference)
    return pd.DataFrame(
        {f"{prefix}{level}": (values == level).astype(float) for level in levels},
        index=values.index,
    )


def add_interactions(
    X: pd.DataFrame, characteristic: Characteristic, source: pd.DataFrame
) -> pd.DataFrame:
    """Append mover x characteristic columns computed from `source` (X itself or the sample)."""
    for inter, char in characteristic.interactions.items():
        X[inter] = source[TREATMENT] * source[char]
    return X


def min_cell(frame: pd.DataFrame, mask: np.ndarray) -> int:
    """Fewest people among the movers and the stayers an estimate rests on."""
    movers = int(frame.loc[mask, TREATMENT].sum())
    return min(movers, int(mask.sum()) - movers)


def everyone_min_cell(frame: pd.DataFrame) -> int:
    """`min_cell` of an estimate that rests on the whole sample."""
    return min_cell(frame, np.ones(len(frame), dtype=bool))


def estimate_row(
    analysis: str,
    report_table: int | None,
    model: str,
    term: str,
    label: str,
    est: Estimate,
    cell: int,
) -> dict[str, object]:
    """One tidy estimate (the results contract's columns plus `min_cell` for disclosure)."""
    return {
        "analysis": analysis,
        "report_table": report_table,
        "model": model,
        "term": term,
        "label": label,
        "estimate": est.estimate,
        "std_error": est.std_error,
        "p_value": est.p_value,
        "n_obs": est.n,
        "min_cell": cell,
    }


def labelled_effects(
    fit: IndexModelFit, X: pd.DataFrame, labels: Mapping[str, str], dummies: list[str]
) -> list[tuple[str, str, Estimate]]:
    """AMEs (discrete change for `dummies`) of the terms in `labels`, in design order.

    Region and year effects and any other unlabelled column are left out of the report.
    """
    effects = average_marginal_effects(fit, X, dummies)
    return [
        (r.term, labels[r.term], Estimate(r.estimate, r.std_error, r.p_value, fit.nobs))
        for r in effects[effects["term"].isin(labels)].itertuples(index=False)
    ]


def group_contrasts(
    fit: IndexModelFit, X: pd.DataFrame, frame: pd.DataFrame, characteristic: Characteristic
) -> list[GroupEffect]:
    """Mover effect in each group of a mover x characteristic fit, then each difference.

    Effects are average contrasts with the treatment and its interactions switched together
    (`set_treatment`); each difference is against the reference group with the
    one-degree-of-freedom Wald test from `difference_of_contrasts` (delta method on the
    fit's covariance). `frame` holds the rows of X with the group indicator columns.
    """
    treated = set_treatment(X, TREATMENT, 1.0, characteristic.interactions)
    control = set_treatment(X, TREATMENT, 0.0, characteristic.interactions)
    masks = {label: frame[col].to_numpy() == 1 for label, col in characteristic.groups.items()}
    effects = [
        GroupEffect(
            f"{TREATMENT}_in_{characteristic.groups[label]}",
            label,
            average_contrast(fit, treated, control, mask),
            min_cell(frame, mask),
            is_difference=False,
        )
        for label, mask in masks.items()
    ]
    reference = masks[characteristic.reference]
    for label in characteristic.compared_groups():
        mask = masks[label]
        effects.append(
            GroupEffect(
                f"{TREATMENT}_difference_{characteristic.groups[label]}",
                characteristic.difference_label(label),
                difference_of_contrasts(
                    fit, (treated, control, mask), (treated, control, reference)
                ),
                min(min_cell(frame, mask), min_cell(frame, reference)),
                is_difference=True,
            )
        )
    return effects


def fit_each(
    jobs: Iterable[tuple[str, Callable[[], pd.DataFrame]]],
) -> tuple[pd.DataFrame, list[str]]:
    """Run every (what, fit) job; a model that cannot be fitted is reported, not fatal.

    A failure is listed as "<what>: <error>" so the run report says which table lost what.
    """
    parts, skipped = [], []
    for what, job in jobs:
        try:
            parts.append(job())
        except ValueError as exc:
            skipped.append(f"{what}: {exc}")
    estimates = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    return estimates, skipped


def has_movers_and_stayers(frame: pd.DataFrame) -> bool:
    """Whether there is any contrast to estimate at all."""
    return not frame.empty and frame[TREATMENT].nunique() >= 2


def skip_all(output: AnalysisOutput, tables: Iterable[int], reason: str) -> AnalysisOutput:
    """Record that none of a strand's report tables could be produced, and why."""
    output.skipped += [f"table {t}: {reason}" for t in tables]
    return output


def planted_row(
    outcome_label: str, group: str, planted: float, estimated: pd.Series
) -> dict[str, object]:
    """A planted-vs-estimated row of the synthetic-twin check: the gap in standard errors."""
    gap = (estimated["estimate"] - planted) / estimated["std_error"]
    return {
        "Outcome": outcome_label,
        "Group": group,
        "Planted": planted,
        "Estimated": estimated["estimate"],
        "Standard error": estimated["std_error"],
        "Gap (SEs)": gap,
        "Within 3 SE": "yes" if abs(gap) <= 3 else "NO",
    }


def planted_table(frame: pd.DataFrame, key: str, title: str, note: str) -> PublicationTable | None:
    """The synthetic-twin check as a table (4 decimals); None when nothing could be compared."""
    if frame.empty:
        return None
    return PublicationTable(key=key, title=title, frame=frame.round(4), notes=(note,))


def study_estimands(
    link: Link, expected_y: np.ndarray, X: pd.DataFrame, frame: pd.DataFrame, char: Characteristic
) -> list[GroupEffect]:
    """What a group model estimates when E[y | x] is `expected_y`: its pseudo-true contrasts.

    The study's specification need not be the true model (one characteristic's interaction
    per regression, a distance term, region and year effects); fitting it to the expected
    outcomes gives the values it converges to on these rows, so the planted-effect check
    compares an estimate with what that very specification targets.
    """
    fit = pseudo_true_fit(link, expected_y, X)
    return group_contrasts(fit, X, frame, char)


def recovery_z(estimates: pd.DataFrame, estimands: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Estimands merged with the estimates on `keys`; z = (estimate - estimand) / SE."""
    gaps = estimands.merge(
        estimates[[*keys, "estimate", "std_error"]], on=keys, validate="one_to_one"
    )
    gaps["z"] = (gaps["estimate"] - gaps["estimand"]) / gaps["std_error"]
    return gaps
