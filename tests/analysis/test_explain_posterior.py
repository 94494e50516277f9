"""A unit judged by the posterior is explained by the posterior's figures alone.

The `compare_units` row of a posterior verdict still carries the empirical null's inflation estimate,
its interval and p-values (after a phase 2 those pool both phases and are anti-conservative for the
units phase 2 chose). `explain_unit` must not print them beside the posterior's probability of
inflation, inflation with its 95% interval, mechanism and Bayes factors — in zh and in en — and
must word an empirical-null verdict as before. Every flag says which evidence drives it with its Bayes
factor and strength, the minimum detectable inflation and what a flag does not prove; a flag that rests on
who rated, not on the rate gap (the demo's ORG0219 kind: inflation +0.0), is worded as that.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from analysis.verdicts import SIGN_LABELS, STRENGTH, _p, _points, bayes_strength, explain_unit, who_rated_flag
from tests.analysis.verdict_sim import SCENARIOS, simulate, verdicts

#: Any p-value, as explain_unit prints one ("p = 0.071", "p < 0.001", "该项 p = …").
P_VALUE = re.compile(r"\bp [=<] ")


@pytest.fixture(scope="module")
def study():
    return simulate(SCENARIOS["inflate_+20"], seed=2)


@pytest.fixture(scope="module")
def posterior(study):
    return verdicts(study, method="posterior")


def first(table, status):
    rows = table[table["status"] == status]
    assert len(rows), f"the simulated study has a unit with status {status}"
    return rows.iloc[0]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_posterior_flag_quotes_no_p_value_and_no_empirical_null_estimate(posterior, lang):
    row = first(posterior, "flagged")
    text = " ".join(explain_unit(row, lang))
    assert not P_VALUE.search(text)
    assert f"{_points(row['inflation'])} " not in text  # the empirical null's estimate of the inflation
    assert ("95% 区间" if lang == "zh" else "95% interval") not in text


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("zh", ("95% 后验区间", "最符合的方式", "贝叶斯因子", "虚高的概率", "不是违规的证明")),
        (
            "en",
            (
                "95% posterior interval",
                "mechanism that fits best",
                "Bayes factor",
                "of inflation",
                "not proof",
            ),
        ),
    ],
)
def test_a_posterior_flag_gives_the_posteriors_figures_and_what_it_does_not_prove(posterior, lang, words):
    row = first(posterior, "flagged")
    text = " ".join(explain_unit(row, lang))
    assert all(word in text for word in words)
    for column in ("posterior_inflation", "posterior_inflation_low", "posterior_inflation_high"):
        assert _points(row[column]) in text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_unit_the_posterior_does_not_flag_gets_its_probability_and_no_estimate_that_would_clear_it(
    posterior, lang
):
    row = first(posterior, "no_evidence")
    text = " ".join(explain_unit(row, lang))
    assert not P_VALUE.search(text)
    assert ("95% 后验区间" if lang == "zh" else "95% posterior interval") not in text
    assert _points(row["posterior_inflation"]) not in text
    said = {
        "zh": ("虚高的概率约", "未被标记不等于没有虚高", "最小可检出虚高"),
        "en": (
            "Probability of inflation about",
            "not flagged is not cleared",
            "minimum detectable inflation",
        ),
    }
    assert all(words in text for words in said[lang])
    assert ("不是违规的证明" if lang == "zh" else "not proof") not in text


def test_an_insufficient_unit_under_the_posterior_quotes_no_p_value():
    small = verdicts(simulate(SCENARIOS["honest_small_units"], seed=2), method="posterior")
    row = first(small, "insufficient_evidence")
    for lang in ("zh", "en"):
        text = " ".join(explain_unit(row, lang))
        assert not P_VALUE.search(text)
    assert "既不标记" in " ".join(explain_unit(row, "zh"))


def test_the_empirical_null_still_quotes_its_estimate_and_p_values():
    # seed 3: the empirical null flags units there (at ~16 respondents it finds 0.1 of +20-point units)
    row = first(verdicts(simulate(SCENARIOS["inflate_+20"], seed=3)), "flagged")
    text = " ".join(explain_unit(row, "en"))
    assert f"estimated inflation is {_points(row['inflation'])} points" in text
    assert f"p {_p(row['p_value'])}" in text and f"adjusted p {_p(row['evidence_p_adjusted'])}" in text


@pytest.mark.parametrize(("lang", "open_above"), [("zh", "或更高"), ("en", "or more")])
def test_a_capped_interval_is_worded_as_open_above(posterior, lang, open_above):
    """An interval that reaches the largest inflation the model allows does not say the inflation stops
    there; one below it does not say "or more"."""
    row = first(posterior, "flagged")
    capped = " ".join(explain_unit(row.where(row.index != "posterior_inflation_capped", True), lang))
    uncapped = " ".join(explain_unit(row.where(row.index != "posterior_inflation_capped", False), lang))
    assert open_above in capped
    assert open_above not in uncapped


def test_compare_units_hands_the_capped_flag_to_the_explanation(posterior):
    assert "posterior_inflation_capped" in posterior.columns
    tested = posterior[posterior["lfdr"].notna()]
    assert tested["posterior_inflation_capped"].isin([True, False]).all()


def proxy_row(**changes) -> dict:
    """A unit like the demo's ORG0219: staff rate nearly all its events themselves, so its published rate
    is near 100% either way; flagged because respondents say someone else rated, not for its rate gap."""
    row = {
        "verdict_method": "posterior",
        "status": "flagged",
        "flagged": True,
        "lfdr": 0.004,
        "prob_inflated": 0.996,
        "posterior_inflation": 0.0,
        "posterior_inflation_low": 0.0,
        "posterior_inflation_high": 0.003,
        "posterior_inflation_capped": False,
        "posterior_mechanism": "proxy_share 0.50",
        "driver": "rated_by_other",
        "bf_level": float("nan"),
        "bf_rate_gap": 0.05,
        "bf_rated_by_other": 6.0,
        "bf_not_rated": 0.2,
        "bf_staff_asked": 0.0,
        "bf_service_denied": -0.1,
        "system_rate": 1.0,
        "third_party": 0.92,
        "respondents": 12,
        "frame_records": 40,
        "interviews": 12,
        "rated_by_other": 7,
        "min_detectable": 0.31,
    }
    return {**row, **changes}


#: What a flag on who rated says, and what it must not say (the rate gap is not its evidence).
WHO_RATED_WORDS = {
    "zh": ("标记为疑似非本人评价", "主要依据是“谁作的评价”，而非满意率差距", "满意率差距本身不构成证据", "抬高小不等于没有问题"),
    "en": (
        "Flagged for ratings that may not be the clients' own",
        "The evidence is mainly who rated, not the rate gap",
        "the rate gap by itself is no evidence",
        "a small rise does not clear the unit",
    ),
}  # fmt: skip
INFLATION_WORDS = {"zh": ("标记为疑似虚高", "估计虚高 +0.0"), "en": ("Flagged as possibly inflated", "Estimated inflation +0.0")}  # fmt: skip


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_flag_on_who_rated_is_worded_as_that_not_as_an_inflation_of_zero(lang):
    assert who_rated_flag(proxy_row())
    text = " ".join(explain_unit(proxy_row(), lang))
    assert all(words in text for words in WHO_RATED_WORDS[lang])
    assert not any(words in text for words in INFLATION_WORDS[lang])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_flag_whose_rate_gap_is_itself_evidence_is_worded_as_an_inflation(lang):
    row = proxy_row(bf_rate_gap=4.0, posterior_inflation=0.15, posterior_inflation_high=0.2)
    assert not who_rated_flag(row)
    text = " ".join(explain_unit(row, lang))
    assert INFLATION_WORDS[lang][0] in text and WHO_RATED_WORDS[lang][1] not in text


@pytest.mark.parametrize(
    ("lang", "said"),
    [("zh", "满意率差距也指向虚高，但证据较弱（贝叶斯因子约 3.3，中等）"),
     ("en", "the rate gap points the same way, more weakly (Bayes factor about 3.3, moderate)")],
)  # fmt: skip
def test_a_flag_on_who_rated_with_a_small_rise_says_the_weaker_rate_gap_points_the_same_way(lang, said):
    """The full demo's ORG0149 kind: driven by "someone else rated", the rate gap moderate evidence too,
    but the rise it implies +1.3 points: still a flag on who rated, and the gap is not called none."""
    row = proxy_row(bf_rate_gap=1.19, posterior_inflation=0.013, posterior_inflation_high=0.015)
    assert who_rated_flag(row)
    text = " ".join(explain_unit(row, lang))
    assert WHO_RATED_WORDS[lang][1] in text and said in text
    assert WHO_RATED_WORDS[lang][2] not in text


def test_a_larger_rise_from_proxy_ratings_is_not_called_small():
    text = " ".join(explain_unit(proxy_row(posterior_inflation=0.09, posterior_inflation_high=0.12), "en"))
    assert WHO_RATED_WORDS["en"][1] in text and "+9.0 points" in text
    assert "little, because" not in text


def test_the_summary_line_of_a_flag_on_who_rated_names_who_rated_first():
    from survey_app.services.analysis_service import posterior_summary

    line = posterior_summary(pd.Series(proxy_row()))
    assert "flagged mainly on who rated, not the rate gap" in line and ", inflation +0.0" not in line


#: For every flag, in each language: its evidence with the Bayes factor, the strength in words, the
#: minimum detectable inflation, and what a flag does not prove.
EVERY_FLAG = {
    "zh": ("贝叶斯因子约", "最小可检出虚高", "不是违规的证明"),
    "en": ("Bayes factor about", "minimum detectable inflation", "not proof of misconduct"),
}


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("kind", ["rate_gap", "who_rated"])
def test_every_flag_says_its_evidence_how_strong_the_minimum_detectable_inflation_and_what_it_does_not_prove(
    posterior, kind, lang
):
    row = first(posterior, "flagged") if kind == "rate_gap" else pd.Series(proxy_row())
    text = " ".join(explain_unit(row, lang))
    assert all(words in text for words in EVERY_FLAG[lang])
    driver = str(row["driver"])
    strength = STRENGTH[bayes_strength(row[f"bf_{driver}"])][lang]
    assert f"{SIGN_LABELS[driver][lang]}{'（' if lang == 'zh' else ' ('}" in text and strength in text
    mdi = float(row["min_detectable"])
    assert (f"{100 * mdi:.0f} " if mdi < float("inf") else "50 ") in text


MDI_WORDS = {
    "zh": ("仅凭满意率差距", "最小可检出虚高约为 31 个百分点", "以 80% 的把握检出"),
    "en": ("From the rate gap alone", "minimum detectable inflation in this unit's sample is about 31 points", "80%"),
}  # fmt: skip
NO_MDI_WORDS = {
    "zh": ("最小可检出虚高超过 50 个百分点", "只有他人代评、本人未评价等迹象能揭示虚高"),
    "en": ("minimum detectable inflation in this unit's sample is above 50 points", "only signs"),
}  # fmt: skip


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_minimum_detectable_inflation_is_the_verdicts_own_from_the_rate_gap_alone(lang):
    text = " ".join(explain_unit(pd.Series(proxy_row()), lang))
    assert all(words in text for words in MDI_WORDS[lang])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_sample_that_cannot_show_even_50_points_from_the_rate_gap_says_so(lang):
    text = " ".join(explain_unit(pd.Series(proxy_row(min_detectable=float("inf"))), lang))
    assert all(words in text for words in NO_MDI_WORDS[lang])


def test_a_posterior_verdict_carries_its_own_minimum_detectable_inflation_and_the_plans_beside_it(posterior):
    judged = posterior[posterior["status"].isin(["flagged", "no_evidence"])]
    assert judged["min_detectable"].notna().all() and judged["rate_min_detectable"].notna().all()
    assert (judged["min_detectable"] != judged["rate_min_detectable"]).any()
    unjudged = posterior[posterior["status"].isin(["insufficient_evidence", "not_surveyed"])]
    assert unjudged["min_detectable"].isna().all()


@pytest.mark.parametrize(
    ("lang", "said"), [("zh", "（贝叶斯因子约 2.2，弱）"), ("en", " (Bayes factor about 2.2, weak)")]
)
def test_a_flag_names_its_driver_even_when_that_evidence_alone_is_weak(lang, said):
    row = proxy_row(driver="staff_asked", bf_staff_asked=0.8, bf_rated_by_other=0.5, bf_rate_gap=0.6)
    text = " ".join(explain_unit(row, lang))
    assert SIGN_LABELS["staff_asked"][lang] + said in text


def test_in_a_simulated_study_with_proxy_rating_its_proxy_flags_are_worded_for_who_rated():
    table = verdicts(simulate(SCENARIOS["proxy_30%"], seed=2), method="posterior")
    on_who = [row for _, row in table[table["status"] == "flagged"].iterrows() if who_rated_flag(row)]
    assert on_who, "the proxy-rating study has a flag that rests on who rated"
    for row in on_who:
        assert WHO_RATED_WORDS["zh"][1] in " ".join(explain_unit(row, "zh"))
