"""The headline from an adjusted sample: event-level weights, sensitivity rows, jackknife intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import AnalysisError, Design
from analysis.headline import DK_AS_DISSATISFIED, TOP_BOX, replicate_headline
from analysis.respondents import adjusted_sample

ORDER = ("satisfied", "basically_satisfied", "dissatisfied")


@pytest.fixture
def cases():
    rng = np.random.default_rng(21)
    n = 240
    answers = rng.choice(
        ["satisfied", "basically_satisfied", "dissatisfied", "dk", "refused"],
        n,
        p=[0.5, 0.25, 0.15, 0.07, 0.03],
    )
    frame = pd.DataFrame(
        {
            "stratum": np.repeat(["A", "B", "C"], n // 3),
            "N_h": np.repeat([4000, 2500, 900], n // 3),
            "system_rating": rng.choice(ORDER, n, p=[0.75, 0.15, 0.10]),
            "district": rng.choice(["黄浦区", "徐汇区"], n),
            "domain": "律师",
            "channel": rng.choice(["网络平台", "热线平台"], n),
            "disposition": "1.1",
            "sat_overall": answers,
            "aware_12348": rng.choice(["yes", "no"], n),
            "first_choice": rng.choice(["public_legal", "other", "dk"], n),
        }
    )
    frame["design_weight"] = frame["N_h"] / (n // 3)
    return frame


def _row(table: pd.DataFrame, metric: str) -> pd.Series:
    return table[(table["metric"] == metric) & (table["group"] == "overall")].iloc[0]


def test_with_everyone_answering_and_no_calibration_the_estimate_is_the_design_weighted_rate(cases):
    table = replicate_headline(adjusted_sample(cases, rating_order=ORDER), by=())
    sat = cases["sat_overall"]
    on_scale = sat.isin(ORDER)
    w = cases["design_weight"]
    expected = (w * sat.isin(ORDER[:2])).sum() / (w * on_scale).sum()
    assert _row(table, "满意率")["estimate"] == pytest.approx(expected, rel=1e-12)


def test_the_jackknife_se_of_a_rate_is_close_to_linearisation_when_weights_are_design_weights(cases):
    table = replicate_headline(adjusted_sample(cases, rating_order=ORDER), by=())
    y = np.where(cases["sat_overall"].isin(ORDER), cases["sat_overall"].isin(ORDER[:2]).astype(float), np.nan)
    linear = Design(cases, strata="stratum", weights="design_weight", fpc="N_h").proportion(y)
    assert _row(table, "满意率")["se"] == pytest.approx(linear.se, rel=0.02)


def test_a_person_with_three_events_stands_for_three_events(cases):
    one = cases.assign(n_events=1)
    three = one.copy()
    three.loc[0, "n_events"] = 3
    three.loc[0, "sat_overall"] = "dissatisfied"
    one.loc[0, "sat_overall"] = "dissatisfied"
    w = cases["design_weight"].to_numpy().copy()
    w[0] *= 3
    sat = one["sat_overall"]
    expected = (w * sat.isin(ORDER[:2])).sum() / (w * sat.isin(ORDER)).sum()
    table = replicate_headline(adjusted_sample(three, rating_order=ORDER), by=())
    assert _row(table, "满意率")["estimate"] == pytest.approx(expected, rel=1e-12)


def test_dk_counted_as_dissatisfied_enters_the_denominator_and_refused_stays_out(cases):
    table = replicate_headline(adjusted_sample(cases, rating_order=ORDER), by=())
    sat, w = cases["sat_overall"], cases["design_weight"]
    expected = (w * sat.isin(ORDER[:2])).sum() / (w * sat.isin([*ORDER, "dk"])).sum()
    row = _row(table, DK_AS_DISSATISFIED)
    assert row["estimate"] == pytest.approx(expected, rel=1e-12)
    assert row["estimate"] < _row(table, "满意率")["estimate"]
    assert row["excluded"] == int((sat == "refused").sum())


def test_the_top_box_counts_only_the_best_level(cases):
    table = replicate_headline(adjusted_sample(cases, rating_order=ORDER), by=(), top_codes=("satisfied",))
    sat, w = cases["sat_overall"], cases["design_weight"]
    expected = (w * (sat == "satisfied")).sum() / (w * sat.isin(ORDER)).sum()
    assert _row(table, TOP_BOX)["estimate"] == pytest.approx(expected, rel=1e-12)


def test_sensitivity_rows_are_overall_only_and_metrics_have_every_group(cases):
    table = replicate_headline(adjusted_sample(cases, rating_order=ORDER), by=("district", "channel"))
    assert set(table.loc[table["metric"] == TOP_BOX, "group"]) == {"overall"}
    assert set(table.loc[table["metric"] == "满意率", "group"]) == {"overall", "district", "channel"}
    assert (table["ci_low"] <= table["estimate"]).all() and (table["estimate"] <= table["ci_high"]).all()


def test_calibration_moves_the_rate_toward_the_frame_mix_of_system_ratings(cases):
    cases = cases.assign(
        sat_overall=np.where(cases["system_rating"] == "dissatisfied", "dissatisfied", "satisfied")
    )
    share = {"satisfied": 0.5, "basically_satisfied": 0.2, "dissatisfied": 0.3}
    totals = {k: v * 7400 for k, v in share.items()}
    table = replicate_headline(adjusted_sample(cases, totals, rating_order=ORDER), by=())
    assert _row(table, "满意率")["estimate"] == pytest.approx(0.7, rel=1e-12)


def test_a_sampled_person_with_no_events_is_refused(cases):
    with pytest.raises(AnalysisError, match="'n_events' at row 4"):
        adjusted_sample(cases.assign(n_events=np.where(cases.index == 4, 0, 1)), rating_order=ORDER)
