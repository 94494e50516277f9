"""How phase 1's satisfied answers change with time since the service (`phase_two_test.fade_per_week`):
what the readers of the rate test of expanded units are told about fading memory, estimated within
units so that units served earlier and less satisfied do not pass for fading."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from analysis.phase_two_test import FADE_MIN_UNITS, fade_per_week


def _answers(seed: int, per_week: float, units: int = 60) -> pd.DataFrame:
    """Units of 3–24 answers on records rated satisfied, each unit's services spread over 12 weeks;
    the less satisfied a unit, the earlier its services (up to ~5 weeks earlier), and each week later
    after the service the share satisfied moves by `per_week`."""
    rng = np.random.default_rng(seed)
    rows = []
    for unit in range(units):
        base = rng.uniform(0.75, 0.97)
        days = rng.uniform(5, 90, rng.integers(3, 25)) + (0.97 - base) * 200
        satisfied = rng.random(days.size) < np.clip(base + per_week * days / 7, 0, 1)
        rows += [(f"U{unit:02d}", d, s) for d, s in zip(days, satisfied, strict=True)]
    return pd.DataFrame(rows, columns=["unit", "days", "satisfied"])


def test_a_fade_of_one_point_a_week_is_found_with_an_interval_that_holds_it():
    fade = fade_per_week(_answers(1, -0.01))
    assert fade.high < 0 and fade.low <= -0.01 <= fade.high
    assert fade.answers == len(_answers(1, -0.01))


def test_units_served_earlier_and_less_satisfied_do_not_pass_for_fading():
    # across units the less satisfied were called ~5 weeks longer after their services
    fade = fade_per_week(_answers(2, 0.0))
    assert fade.low <= 0 <= fade.high
    across = _answers(2, 0.0)
    late = across["days"] > across["days"].median()
    assert (
        across.loc[late, "satisfied"].mean() < across.loc[~late, "satisfied"].mean()
    )  # what a pooled look sees


def test_the_within_estimator_is_statsmodels_regression_with_one_intercept_a_unit():
    """The same slope to the last digits; its variance without the units' intercepts in the
    small-sample correction, (N − G − 1) / (N − 1) of the dummies' (units nested in clusters)."""
    answers = _answers(3, -0.01)
    data = answers.assign(y=answers["satisfied"].astype(float), weeks=answers["days"] / 7)
    groups = pd.factorize(data["unit"])[0]
    reference = smf.ols("y ~ weeks + C(unit)", data).fit(cov_type="cluster", cov_kwds={"groups": groups})
    fade = fade_per_week(answers)
    assert fade.per_week == pytest.approx(reference.params["weeks"], abs=1e-14)
    n, g = len(data), data["unit"].nunique()
    half = (fade.high - fade.low) / 2
    reference_half = (reference.conf_int().loc["weeks", 1] - reference.conf_int().loc["weeks", 0]) / 2
    assert half == pytest.approx(reference_half * np.sqrt((n - g - 1) / (n - 1)), rel=1e-10)


def _domain_answers(seed: int, fades: dict[str, float], units: int = 60) -> pd.DataFrame:
    """`_answers` of `units` units in each domain, fading by that domain's own rate a week."""
    return pd.concat(
        [
            _answers(seed + i, per_week, units).assign(domain=domain, unit=lambda t, d=domain: d + t["unit"])
            for i, (domain, per_week) in enumerate(fades.items())
        ],
        ignore_index=True,
    )


def test_each_domain_s_fade_is_measured_on_its_own_answers():
    answers = _domain_answers(4, {"人民调解": -0.03, "公证": 0.0})
    fade = fade_per_week(answers)
    mediation, notary = fade.by_domain["人民调解"], fade.by_domain["公证"]
    alone = fade_per_week(answers[answers["domain"] == "人民调解"].drop(columns="domain"))
    assert mediation.per_week == pytest.approx(alone.per_week, abs=1e-14)
    assert mediation.se == pytest.approx((alone.high - alone.low) / (2 * 1.959963984540054), rel=1e-12)
    assert mediation.answers == alone.answers
    assert abs(mediation.per_week + 0.03) < 3 * mediation.se and abs(notary.per_week) < 3 * notary.se
    assert mediation.per_week < fade.per_week < notary.per_week  # the study's slope lies between
    assert fade.between > 0.01  # the two domains' fades lie three points a week apart


def test_domains_that_fade_alike_are_measured_alike_and_without_domains_there_are_none():
    answers = _domain_answers(5, {"律师": -0.01, "公证": -0.01, "人民调解": -0.01})
    fade = fade_per_week(answers)
    assert set(fade.by_domain) == {"律师", "公证", "人民调解"}
    assert fade.between < 0.005
    assert fade_per_week(answers.drop(columns="domain")).by_domain == {}


def test_a_domain_of_too_few_units_gets_no_fade_of_its_own():
    answers = _domain_answers(6, {"律师": -0.01, "公证": 0.0})
    few = _answers(9, -0.05, units=FADE_MIN_UNITS - 1).assign(
        domain="仲裁", unit=lambda t: "仲裁" + t["unit"]
    )
    fade = fade_per_week(pd.concat([answers, few], ignore_index=True))
    assert set(fade.by_domain) == {"律师", "公证"}


@pytest.mark.parametrize(
    "answers",
    [
        pd.DataFrame({"unit": ["a"] * 10 + ["b"] * 10, "days": range(20), "satisfied": [True, False] * 10}),
        pd.DataFrame({"unit": ["a", "b"] * 20, "days": range(40), "satisfied": True}),
        pd.DataFrame(
            {"unit": [f"u{i}" for i in range(40)], "days": range(40), "satisfied": [True, False] * 20}
        ),
    ],
    ids=["too few answers", "all alike", "one answer a unit"],
)
def test_without_enough_to_compare_within_units_there_is_no_estimate(answers):
    assert fade_per_week(answers) is None


@pytest.mark.slow
def test_the_interval_covers_the_true_fade_about_95_percent_of_the_time():
    """200 studies a world, no fade and one point a week, within three Monte Carlo SEs of 0.95 (measured
    on 500: 0.944 and 0.948 ± 0.010, means +0.00 and −1.00 points a week, sd 0.35 and 0.44)."""
    for per_week in (0.0, -0.01):
        covered = [
            (f := fade_per_week(_answers(seed, per_week))).low <= per_week <= f.high for seed in range(200)
        ]
        assert 0.90 <= np.mean(covered) <= 0.99, (per_week, np.mean(covered))
