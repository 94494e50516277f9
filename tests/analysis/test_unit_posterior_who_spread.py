"""How far honest units differ in "someone else rated / not rated" (the who_rated multiplier's shape κ_b,
`analysis.unit_posterior._fit_who`): a penalised marginal likelihood, stable where sixty small units
cannot show the spread, moved by the data where honest units really differ (model 3).

The tables here hold only who_rated answers (every record rated not satisfied, so no answer carries rate
evidence): 60 units of one domain whose honest multipliers b ~ Gamma(κ, 1/κ) are drawn from a seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import unit_posterior as up
from analysis.unit_model import Background, fit_background
from tests.analysis.verdict_sim import SCENARIOS, simulate

#: dk, not rated, someone else rated: the honest shares of the simulated units
SHARES = (0.07, 0.04, 0.02)
SIGNS = {
    "not_rated": Background({"d": SHARES[1]}, SHARES[1], 0.0),
    "rated_by_other": Background({"d": SHARES[2]}, SHARES[2], 0.0),
}


def who_table(seed: int, shape: float, units: int = 60, interviews: int = 16) -> pd.DataFrame:
    """`unit_evidence`'s cells of `units` honest units whose who_rated multiplier has shape `shape`."""
    rng = np.random.default_rng(seed)
    b = rng.gamma(shape, 1 / shape, units)
    dk, not_rated, other = SHARES
    probs = np.column_stack([1 - dk - (not_rated + other) * b, np.full(units, dk), not_rated * b, other * b])
    probs = np.clip(probs, 0.0, None)
    counts = np.array([rng.multinomial(interviews, p / p.sum()) for p in probs])
    table = pd.DataFrame(0, index=[f"U{i:03d}" for i in range(units)], columns=up.CELL_COLUMNS)
    table[[f"s0_{w}" for w in up.WHO]] = counts
    table["domain"] = "d"
    return table


def shape_of(table: pd.DataFrame) -> float:
    return up._fit_who(table, np.ones(len(table)), SIGNS)[1]


def test_where_sixty_small_units_cannot_show_the_spread_the_estimate_stays_near_its_prior(monkeypatch):
    # true κ = 16 (a CV of 0.25): one or two such answers a unit barely tell κ = 2 from κ = 200
    penalised = [shape_of(who_table(seed, 16.0)) for seed in range(8)]
    monkeypatch.setattr(up, "WHO_SHAPE_PRIOR", (up.WHO_SHAPE_PRIOR[0], 1e6))  # the prior made flat
    plain = [shape_of(who_table(seed, 16.0)) for seed in range(8)]
    # the plain likelihood runs from its cap to a fifth of the truth; the penalised one stays near it
    assert max(plain) == up.WHO_SHAPE_MAX and min(plain) < 4
    assert min(penalised) > 3 and max(penalised) < up.WHO_SHAPE_MAX
    assert np.std(np.log(penalised)) < 0.6 * np.std(np.log(plain))


def test_honest_units_that_really_differ_in_who_rated_pull_the_estimate_down_to_their_spread():
    # true κ = 1 (a CV of 1): the data outweigh the prior (median κ = 10), at 16 and at 60 interviews
    at_16 = [shape_of(who_table(seed, 1.0)) for seed in range(8)]
    at_60 = [shape_of(who_table(seed, 1.0, interviews=60)) for seed in range(8)]
    assert np.median(at_16) < 2.5 and np.median(at_60) < 1.5
    assert max(at_60) < 3


def test_units_whose_honest_weight_is_nil_do_not_widen_the_honest_spread():
    # a fifth of the units have staff rate for their clients (a third of "someone else rated"): weighted by
    # their probability of being honest (nil here, as the EM gives them) they leave the estimate alone
    honest = who_table(0, 16.0)
    proxy = who_table(1, 16.0, units=15)
    proxy["s0_other"] += 5
    proxy["s0_self"] -= 5
    proxy.index = [f"P{i:03d}" for i in range(15)]
    both = pd.concat([honest, proxy])
    weight = np.r_[np.ones(len(honest)), np.zeros(len(proxy))]
    alone = shape_of(honest)
    assert up._fit_who(both, weight, SIGNS)[1] == pytest.approx(alone, rel=1e-3)
    assert up._fit_who(both, np.ones(len(both)), SIGNS)[1] < alone  # unweighted they would


def _shape_model_2_allowed(study) -> float:
    """The cap model 2 put on κ_b from the truncated background of "someone else rated": μ/(ρ(1 − μ))."""
    table = up.unit_evidence(study.frame, study.interviews)
    surveyed = table[table["interviews"] > 0]
    counts = pd.Series(up._who_counts(surveyed)[:, up.WHO.index("other")], index=surveyed.index)
    other = fit_background(counts, surveyed["interviews"], surveyed["domain"], method="truncated")
    return other.overall / (other.rho * (1 - other.overall)) if other.rho > 1e-9 else np.inf


def test_on_a_study_where_the_truncated_background_capped_the_spread_the_estimate_stays_with_the_units():
    # seed 0 of the plain honest world: the truncated fit's ρ of "someone else rated" implied κ_b < 1
    # (model 2 used 0.35: an honest law far wider than the simulated one, whose κ is about 16)
    study = simulate(SCENARIOS["honest"], 0)
    assert _shape_model_2_allowed(study) < 1
    fitted = up.fit(up.unit_evidence(study.frame, study.interviews), census_level=False)
    assert 3 < fitted.honest.who_shape <= up.WHO_SHAPE_MAX
