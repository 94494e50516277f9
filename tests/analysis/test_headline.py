"""Headline metrics: definitions (dk/refused out of the denominator), groups and intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import AnalysisError, Design, headline


@pytest.fixture
def answers():
    return pd.DataFrame(
        {
            "stratum": ["a"] * 6 + ["b"] * 6,
            "district": ["黄浦区", "徐汇区"] * 6,
            "domain": ["律师"] * 12,
            "channel": ["网络平台"] * 12,
            "w": [10.0] * 6 + [20.0] * 6,
            "sat_overall": [
                *("satisfied", "dk", "dissatisfied", "basically_satisfied", "refused", "satisfied"),
                *("dissatisfied", "satisfied", "satisfied", "dk", "basically_satisfied", "dissatisfied"),
            ],
            "aware_12348": ["yes", "no"] * 6,
            "first_choice": ["public_legal", "private_lawyer", "dk", "other"] * 3,
        }
    )


def test_satisfaction_rate_excludes_dk_and_refused_from_the_denominator(answers):
    table = headline(Design(answers, strata="stratum", weights="w"))
    row = table[(table["metric"] == "满意率") & (table["group"] == "overall")].iloc[0]
    # stratum a: 3 of 4 on-scale answers satisfied (weight 10); stratum b: 3 of 5 (weight 20)
    assert row["estimate"] == pytest.approx((10 * 3 + 20 * 3) / (10 * 4 + 20 * 5))
    assert row["excluded"] == 3
    assert row["n"] == 9


def test_satisfaction_rate_follows_the_declared_definition(answers):
    table = headline(Design(answers, strata="stratum", weights="w"), satisfied_codes=("satisfied",))
    row = table[(table["metric"] == "满意率") & (table["group"] == "overall")].iloc[0]
    assert row["estimate"] == pytest.approx((10 * 2 + 20 * 2) / (10 * 4 + 20 * 5))
    assert "satisfied" in row["definition"]


def test_awareness_and_first_choice_rates_use_their_codes(answers):
    table = headline(Design(answers, strata="stratum", weights="w")).set_index(["metric", "group"])
    assert table.loc[("知晓率", "overall"), "estimate"] == pytest.approx(0.5)
    first = table.loc[("首选率", "overall")]
    assert first["estimate"] == pytest.approx((10 * 2 + 20 * 1) / (10 * 5 + 20 * 4))
    assert first["excluded"] == 3


def test_every_metric_is_reported_overall_and_by_district_domain_and_channel(answers):
    table = headline(Design(answers, strata="stratum", weights="w"))
    assert set(table["group"]) == {"overall", "district", "domain", "channel"}
    assert set(table.loc[table["group"] == "district", "level"]) == {"黄浦区", "徐汇区"}
    assert (table["ci_low"] <= table["estimate"]).all() and (table["estimate"] <= table["ci_high"]).all()


def test_district_rows_are_domain_estimates_of_the_full_design(answers):
    design = Design(answers, strata="stratum", weights="w")
    table = headline(design)
    row = table[(table["metric"] == "知晓率") & (table["level"] == "黄浦区")].iloc[0]
    direct = design.by("district").proportion((answers["aware_12348"] == "yes").astype(float))
    assert row["se"] == pytest.approx(direct.loc["黄浦区", "se"])
    assert np.isfinite(row["se"])


def test_missing_questionnaire_item_is_named(answers):
    with pytest.raises(AnalysisError, match="'aware_12348'"):
        headline(Design(answers.drop(columns="aware_12348"), strata="stratum", weights="w"))
