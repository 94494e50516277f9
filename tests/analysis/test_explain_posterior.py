"""A unit judged by the posterior is explained by the posterior's figures alone.

The `compare_units` row of a posterior verdict still carries the empirical null's inflation estimate,
its interval and p-values (after a phase 2 those pool both phases and are anti-conservative for the
units phase 2 chose). `explain_unit` must not print them beside the posterior's probability of
inflation, inflation with its credible interval, mechanism and Bayes factors — in zh and in en — and
must word an empirical-null verdict as before.
"""

from __future__ import annotations

import re

import pytest

from analysis.verdicts import _p, _points, explain_unit
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
        ("zh", ("可信区间", "最符合的方式", "贝叶斯因子", "虚高的概率", "不是违规的证明")),
        (
            "en",
            ("credible interval", "mechanism that fits best", "Bayes factor", "of inflation", "not proof"),
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
def test_a_unit_the_posterior_does_not_flag_gets_its_credible_interval_not_a_p_value(posterior, lang):
    row = first(posterior, "no_evidence")
    text = " ".join(explain_unit(row, lang))
    assert not P_VALUE.search(text)
    assert ("95% 可信区间" if lang == "zh" else "95% credible interval") in text
    assert _points(row["posterior_inflation"]) in text
    assert ("不是违规的证明" if lang == "zh" else "not proof") not in text


def test_an_insufficient_unit_under_the_posterior_quotes_no_p_value():
    small = verdicts(simulate(SCENARIOS["honest_small_units"], seed=2), method="posterior")
    row = first(small, "insufficient_evidence")
    for lang in ("zh", "en"):
        text = " ".join(explain_unit(row, lang))
        assert not P_VALUE.search(text)
    assert "既不标记" in " ".join(explain_unit(row, "zh"))


def test_the_empirical_null_still_quotes_its_estimate_and_p_values(study):
    row = first(verdicts(study), "flagged")
    text = " ".join(explain_unit(row, "en"))
    assert f"estimated inflation is {_points(row['inflation'])} points" in text
    assert f"p {_p(row['p_value'])}" in text and f"adjusted p {_p(row['evidence_p_adjusted'])}" in text


@pytest.mark.parametrize(("lang", "open_above"), [("zh", "或更高"), ("en", "or more")])
def test_a_capped_credible_interval_is_worded_as_open_above(posterior, lang, open_above):
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
