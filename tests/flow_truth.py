"""The synthetic flows' data-generating model, from truth.json only (never from a table under
test): its design on a sample frame, the planted values, and the drawn LA effects as an offset."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.flows.specifications import MODEL_BLOCKS, SAMPLES, Sample, type_term


def planted_sample(truth: dict) -> Sample:
    return next(s for s in SAMPLES if s.typology == truth["typology"])


def generating_design(frame: pd.DataFrame, truth: dict) -> tuple[np.ndarray, list, np.ndarray]:
    """The data-generating regressors and their planted values, all from truth.json."""
    sample = planted_sample(truth)
    columns, names, planted = [np.ones(len(frame))], ["const"], [np.nan]
    for end in ("sending", "receiving"):
        effects = truth[f"{end}_type_effects"]
        for category in sample.categories[1:]:
            columns.append((frame[f"{end}_type"] == category).to_numpy(float))
            names.append(type_term(end, category))
            planted.append(effects[category] - effects[truth["reference_category"]])
    first = min(truth["year_effects"])
    for year, effect in sorted(truth["year_effects"].items())[1:]:
        columns.append((frame["year"] == int(year)).to_numpy(float))
        names.append(f"year[{year}]")
        planted.append(effect - truth["year_effects"][first])
    columns.append((frame["sending_country"] == "Wales").to_numpy(float))
    names.append("sending_wales")
    planted.append(truth["sending_country_effects"]["Wales"])
    coefficient = {"shares_border": "shared_border"}
    for block in MODEL_BLOCKS[4]:
        for column in block:
            columns.append(frame[column].to_numpy(float))
            names.append(column)
            planted.append(truth["coefficients"][coefficient.get(column, column)])
    return np.column_stack(columns), names, np.array(planted)


def la_offset(frame: pd.DataFrame, truth: dict) -> np.ndarray:
    effects = truth["la_effects"]
    sending = frame["sending_la_code"].map(lambda c: effects[c]["sending"])
    receiving = frame["receiving_la_code"].map(lambda c: effects[c]["receiving"])
    return frame["log_exposure"].to_numpy() + sending.to_numpy() + receiving.to_numpy()
