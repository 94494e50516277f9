"""The rate test of expanded units allowing for a fade phase 1 measured (`phase_two_test.fade_adjusted`):
phase 2 calls the units it expanded weeks later, about services just as old, and where memory of a good
service fades their answers are lower for that alone. Moved by the fade, the honest gap keeps honest
units at the nominal rate; without it, they are accused."""

import numpy as np
import pandas as pd
import pytest

from analysis.phase_two_test import DomainFade, Fade, expanded_unit_p_values, fade_adjusted, fade_allowance
from tests.analysis.expanded_units_sim import UNITS, honest_units

GAP, LATER_WEEKS, PER_WEEK = 0.4, 4.0, -0.025  # phase 2 four weeks on loses a tenth of its satisfied share


def _faded_honest_units(seed: int, per_week: float = PER_WEEK) -> pd.DataFrame:
    """Honest units (log odds ratio GAP at phase 1's delay) whose phase 2, LATER_WEEKS later, answers
    satisfied less often by ``per_week`` for every week later."""
    return honest_units(seed, GAP, 0.0, shift=per_week * LATER_WEEKS, later_weeks=LATER_WEEKS)


def _rejected(p: pd.Series) -> float:
    return float((p <= 0.05).mean())


NOMINAL = 0.05 + 2 * np.sqrt(0.05 * 0.95 / UNITS)  # Monte Carlo SE 0.0034


def test_a_fade_phase_two_alone_bears_makes_the_plain_test_accuse_honest_units():
    assert _rejected(expanded_unit_p_values(_faded_honest_units(11))) > 2 * NOMINAL


@pytest.mark.parametrize("half_width", [0.0, 0.01], ids=["fade known", "fade measured"])
def test_allowing_for_the_measured_fade_keeps_honest_units_at_the_nominal_rate(half_width):
    fade = Fade(PER_WEEK, PER_WEEK - half_width, PER_WEEK + half_width, 2000)
    assert _rejected(expanded_unit_p_values(fade_adjusted(_faded_honest_units(11), fade))) <= NOMINAL


def _two_domains(seed: int) -> pd.DataFrame:
    """Honest units in two domains: 人民调解's fade twice the study's, 公证's none."""
    return pd.concat(
        [
            _faded_honest_units(seed, 2 * PER_WEEK).assign(domain="人民调解"),
            _faded_honest_units(seed + 1, 0.0).assign(domain="公证"),
        ],
        ignore_index=True,
    )


def test_where_domains_fade_differently_each_unit_is_allowed_its_own_domain_s_fade():
    """The study's slope, the mean of the two, under-allows for the domain that fades most."""
    units = _two_domains(14)
    fading = units["domain"] == "人民调解"
    study = Fade(PER_WEEK, PER_WEEK - 0.01, PER_WEEK + 0.01, 4000)
    assert _rejected(expanded_unit_p_values(fade_adjusted(units, study))[fading]) > 2 * NOMINAL
    own = {"人民调解": DomainFade(2 * PER_WEEK, 0.005, 2000), "公证": DomainFade(0.0, 0.005, 2000)}
    by_domain = Fade(PER_WEEK, PER_WEEK - 0.01, PER_WEEK + 0.01, 4000, own, between=0.035)
    p = expanded_unit_p_values(fade_adjusted(units, by_domain))
    assert _rejected(p[fading]) <= NOMINAL and _rejected(p[~fading]) <= NOMINAL


def test_a_unit_of_a_domain_without_its_own_fade_gets_the_study_s_widened_by_the_domains_spread():
    units = _faded_honest_units(15).head(50).assign(domain="仲裁")
    own = {"公证": DomainFade(0.0, 0.005, 2000)}
    alike = fade_adjusted(units, Fade(PER_WEEK, PER_WEEK - 0.01, PER_WEEK + 0.01, 4000, own, between=0.0))
    apart = fade_adjusted(units, Fade(PER_WEEK, PER_WEEK - 0.01, PER_WEEK + 0.01, 4000, own, between=0.02))
    plain = fade_adjusted(
        units.drop(columns="domain"), Fade(PER_WEEK, PER_WEEK - 0.01, PER_WEEK + 0.01, 4000)
    )
    late = units["late_weeks"] > 0
    assert np.allclose(alike["gap"], plain["gap"]) and np.allclose(apart["gap"], plain["gap"])
    assert np.allclose(alike["spread"], plain["spread"])
    assert (apart.loc[late, "spread"] > alike.loc[late, "spread"]).all()


def test_the_fade_it_allows_for_is_not_a_licence_for_inflation():
    units = _faded_honest_units(12).assign(x=lambda t: (t["x"] - 0.2 * t["n"]).clip(lower=0).round())
    fade = Fade(PER_WEEK, PER_WEEK - 0.01, PER_WEEK + 0.01, 2000)
    expanded = units["expanded"]
    assert _rejected(expanded_unit_p_values(fade_adjusted(units, fade))[expanded]) > 0.5  # 20 points below


def test_the_measured_fade_s_uncertainty_widens_the_spread_and_no_fade_moves_nothing():
    units = _faded_honest_units(13).head(50)
    known = fade_adjusted(units, Fade(PER_WEEK, PER_WEEK, PER_WEEK, 2000))
    unsure = fade_adjusted(units, Fade(PER_WEEK, PER_WEEK - 0.02, PER_WEEK + 0.02, 2000))
    late = units["late_weeks"] > 0
    assert (known.loc[late, "gap"] > GAP).all() and np.allclose(known.loc[~late, "gap"], GAP)
    assert (unsure.loc[late, "spread"] > known.loc[late, "spread"]).all()
    assert fade_adjusted(units, None) is units
    without_timing = units.drop(columns="late_weeks")
    assert fade_adjusted(without_timing, Fade(PER_WEEK, PER_WEEK, PER_WEEK, 2000)) is without_timing


def test_the_simulated_steady_fade_costs_phase_two_a_tenth_more_than_phase_one_at_two_and_a_half_points_a_week():
    from tests.analysis.verdict_sim import callback_days, fades_by_days

    ids = pd.Series([f"R{i:07d}" for i in range(40_000)])
    phase = np.repeat([1, 2], 20_000)
    days = callback_days(ids, phase)
    assert days[phase == 1].min() == 0 and days[phase == 1].max() == 27 and days[phase == 2].min() == 28
    gone = fades_by_days(ids, days, 0.025)
    assert gone[phase == 2].mean() - gone[phase == 1].mean() == pytest.approx(0.10, abs=0.01)


def test_the_simulated_fade_can_differ_by_domain_and_level_off_without_changing_a_draw():
    from tests.analysis.verdict_sim import DOMAINS, callback_days, domain_fades, fades_by_days

    ids = pd.Series([f"R{i:07d}" for i in range(40_000)])
    called = pd.DataFrame({"record_id": ids, "phase": np.repeat([1, 2], 20_000), "domain": DOMAINS[2]})
    days = callback_days(ids, called["phase"])
    steady = fades_by_days(ids, days, 0.025)
    doubled = fades_by_days(ids, days, domain_fades(called, 0.025, (0.0, 0.0, 2.0, 0.0)))
    assert (doubled >= steady).all() and doubled.mean() == pytest.approx(2 * steady.mean(), rel=0.02)
    assert not fades_by_days(ids, days, domain_fades(called, 0.025, (2.0, 2.0, 0.0, 2.0))).any()
    capped = fades_by_days(ids, days, 0.025, cap_weeks=4.0)
    assert (capped <= steady).all() and (capped == steady)[called["phase"] == 1].all()
    assert capped[called["phase"] == 2].mean() == pytest.approx(0.10, abs=0.01)  # four weeks' worth


def test_the_allowance_is_the_fade_times_how_many_weeks_later_the_answers_came_on_average():
    units = pd.DataFrame({"n": [36, 12, 0], "late_weeks": [96.0, -6.0, 0.0]}, index=["late", "early", "none"])
    allowance = fade_allowance(units, Fade(PER_WEEK, PER_WEEK - 0.01, PER_WEEK + 0.01, 2000))
    assert allowance["late"] == pytest.approx(-0.025 * 96 / 36)  # 2.67 weeks later: 6.7 points lower
    assert allowance["early"] == pytest.approx(+0.025 * 0.5)
    assert np.isnan(allowance["none"])
    assert fade_allowance(units, None).isna().all()
    own = {"人民调解": DomainFade(2 * PER_WEEK, 0.005, 2000)}
    by_domain = Fade(PER_WEEK, PER_WEEK - 0.01, PER_WEEK + 0.01, 2000, own)
    in_domains = fade_allowance(units.assign(domain=["人民调解", "公证", "公证"]), by_domain)
    assert in_domains["late"] == pytest.approx(2 * allowance["late"])  # its own domain's fade
    assert in_domains["early"] == pytest.approx(allowance["early"])  # 公证 has none of its own: the study's
