"""Hot/cold-spot descriptive rates are on the study's hot/cold sample, 2017-2018 moves."""

from __future__ import annotations

import pandas as pd

from analysis.flows.descriptives import study_years_only


def _rates(typology: str) -> pd.DataFrame:
    rows = []
    for period, moves, population in (
        ("2016", 50.0, 1000.0),
        ("2017", 30.0, 1000.0),
        ("2018", 10.0, 1500.0),
        ("all years", 90.0, 3500.0),
    ):
        rows.append(
            {
                "typology": typology,
                "period": period,
                "sending_type": "Cold spot",
                "receiving_type": "Hot spot",
                "sex": "persons",
                "age_band": "all ages",
                "moves": moves,
                "sending_population": population,
                "rate": moves / population,
            }
        )
    return pd.DataFrame(rows)


def test_hot_cold_rates_pool_2017_2018_only_and_other_typologies_stay() -> None:
    rates = pd.concat([_rates("smi_2017"), _rates("ons_supergroup")], ignore_index=True)
    out = study_years_only(rates)
    smi = out[out["typology"] == "smi_2017"].set_index("period")
    assert sorted(smi.index) == ["2017", "2018", "all years"]
    assert smi.loc["all years", "rate"] == (30.0 + 10.0) / (1000.0 + 1500.0)
    assert smi.loc["all years", "moves"] == 40.0
    other = out[out["typology"] == "ons_supergroup"].reset_index(drop=True)
    pd.testing.assert_frame_equal(other, _rates("ons_supergroup"))


def test_no_hot_cold_rates_without_2017_2018_moves() -> None:
    rates = _rates("smi_2017")
    out = study_years_only(rates[rates["period"] == "2016"])
    assert out.empty
