"""The empirical-Bayes posterior unit model (`analysis.unit_posterior`), piece by piece."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from analysis import unit_posterior as up
from analysis.errors import AnalysisError
from tests.analysis.verdict_sim import SCENARIOS, simulate


@pytest.fixture(scope="module")
def plus20():
    study = simulate(SCENARIOS["inflate_+20"], 0)
    return study, up.posterior(study.frame, study.interviews, census_level=True)


def test_evidence_counts_each_interview_in_its_cell_of_system_rating_answer_and_who_rated():
    frame = pd.DataFrame(
        {
            "organisation_id": ["A", "A", "A", "B"],
            "domain": ["d", "d", "d", "d"],
            "system_rating": ["satisfied", "satisfied", "dissatisfied", "satisfied"],
        }
    )
    interviews = pd.DataFrame(
        {
            "organisation_id": ["A", "A", "A"],
            "system_rating": ["satisfied", "satisfied", "dissatisfied"],
            "sat_overall": ["dissatisfied", "satisfied", "dk"],
            "who_rated": ["other", "self", "not_rated"],
            "staff_asked_rating": ["yes", "no", "no"],
            "received_service": ["yes", "yes", "no"],
        }
    )
    table = up.unit_evidence(frame, interviews)
    a = table.loc["A"]
    assert (a["N"], a["S"], a["interviews"], a["respondents"]) == (3, 2, 3, 2)
    assert a["s1_not_other"] == 1 and a["s1_sat_self"] == 1 and a["s0_not_rated"] == 1 and a["s0_none"] == 1
    assert a[up.CELL_COLUMNS].sum() == 3
    assert (a["staff_asked"], a["service_denied"]) == (1, 1)
    assert table.loc["B", "interviews"] == 0


def test_interviews_of_a_unit_missing_from_the_frame_are_refused_in_one_sentence():
    frame = pd.DataFrame({"organisation_id": ["A"], "system_rating": ["satisfied"]})
    interviews = pd.DataFrame(
        {"organisation_id": ["Z"], "system_rating": ["satisfied"], "sat_overall": ["satisfied"]}
    )
    with pytest.raises(AnalysisError, match="'Z' has interviews but no frame records"):
        up.unit_evidence(frame, interviews)


def test_sun_cai_flags_the_most_units_whose_mean_lfdr_stays_within_q_and_never_an_insufficient_one():
    lfdr = pd.Series([0.9, 0.01, 0.2, 0.05, np.nan], index=list("abcde"))
    assert list(up.sun_cai(lfdr, 0.10)) == [False, True, True, True, False]


def test_with_the_floor_a_unit_more_likely_honest_than_not_is_never_flagged_beside_near_certain_ones():
    # nine near-certain units let a tenth at lfdr 0.6 into Sun & Cai's set (mean 0.069 ≤ 0.10)
    lfdr = pd.Series([0.01] * 9 + [0.6], index=[f"u{i}" for i in range(10)])
    assert up.sun_cai(lfdr, 0.10).all()
    floored = up.sun_cai(lfdr, 0.10, max_lfdr=up.LFDR_FLOOR)
    assert floored.iloc[:9].all() and not floored.iloc[9]


def test_the_posterior_verdict_flags_only_units_more_likely_inflating_than_honest(plus20):
    _, table = plus20
    assert table.attrs["max_lfdr"] == up.LFDR_FLOOR == 0.5
    assert (table.loc[table["flagged"], "lfdr"] <= up.LFDR_FLOOR).all()


def test_em_recovers_the_share_of_a_clearly_separated_inflating_component():
    rng = np.random.default_rng(1)
    bad = rng.random(400) < 0.2
    # log likelihoods: each unit 6 nats more likely under its own component than under the other
    L = np.column_stack([np.where(bad, -6.0, 0.0), np.where(bad, 0.0, -6.0)])
    weights, _ = up._em_weights(L)
    assert abs(weights[1] - bad.mean()) < 0.02


def test_the_conservative_pi0_is_never_below_the_estimate_and_is_one_when_nothing_points_to_inflation():
    rng = np.random.default_rng(2)
    honest = np.column_stack([np.zeros(60), rng.normal(-1.0, 0.3, 60)])
    w, _ = up._em_weights(honest)
    assert up._conservative_pi0(honest, w, 0.9)[0] == 1.0
    mixed = honest.copy()
    mixed[:8, 1] = 5.0
    w, _ = up._em_weights(mixed)
    assert w[0] <= up._conservative_pi0(mixed, w, 0.9)[0] < 1.0


def test_with_no_unit_of_enough_evidence_the_fit_takes_every_unit_as_honest_without_nan_weights():
    study = simulate(SCENARIOS["honest_small_units"], 0)
    table = up.unit_evidence(study.frame, study.interviews)
    with warnings.catch_warnings():  # the empty EM once averaged an empty slice into NaN weights
        warnings.simplefilter("error", RuntimeWarning)
        result = up.fit(table, min_respondents=10_000)
    assert not result.eligible.any()
    assert np.isfinite(result.weights).all() and result.weights[0] == 1.0
    assert result.lfdr().isna().all()


def test_the_honest_laws_are_fitted_near_the_simulated_ones(plus20):
    study, _ = plus20
    fitted = up.fit(up.unit_evidence(study.frame, study.interviews), census_level=True)
    # simulated: unit rates Beta around 85% with concentration 40; "someone else rated" answered by ~2%
    assert all(abs(m - 0.85) < 0.05 for m in fitted.honest.rate_mean.values())
    assert 15 < fitted.honest.rate_conc < 120
    assert all(0.005 < shares[2] < 0.04 for shares in fitted.honest.who.values())


def test_flagged_units_are_mostly_the_inflating_ones_and_their_inflation_is_estimated_near_20_points(plus20):
    study, table = plus20
    flagged = table.index[table["flagged"]]
    # half or more of this study's 8 (model 2 found 6, model 3 finds 4: model 2's who_rated shape of 0.33
    # here was a law so skewed that one "someone else rated" answer counted against honesty; over seeds
    # 0–6 the two models find 41 and 39 of the 66 planted with the level, as many as each other in 1–6)
    assert len(set(flagged) & study.inflated) >= 0.5 * len(study.inflated)
    assert not set(flagged) - study.inflated
    planted = table.loc[list(set(flagged) & study.inflated)]
    assert 0.12 <= planted["inflation"].mean() <= 0.28
    assert (planted["inflation_low"] <= planted["inflation_high"]).all()
    covered = (planted["inflation_low"] <= 0.20 + 1e-9) & (planted["inflation_high"] >= 0.20 - 1e-9)
    assert covered.mean() >= 0.7


def test_the_inflation_estimate_lies_within_its_own_interval_for_every_unit(plus20):
    # the posterior over inflation is discrete (the components' sizes): its mean could fall outside the
    # equal-tailed interval (the demo's "+1.6 (95% CI +1.5 to +1.5)"), its median cannot
    _, table = plus20
    rated = table.dropna(subset=["lfdr"])
    assert len(rated) > 40
    assert (
        (rated["inflation_low"] <= rated["inflation"]) & (rated["inflation"] <= rated["inflation_high"])
    ).all()


def test_an_interval_that_reaches_the_largest_inflation_the_components_allow_is_open_ended(monkeypatch):
    # with sizes only up to 10 points, a unit inflating by 20 has its interval reach the top size's cell:
    # the data do not bound it below the model's largest, so its upper end is that largest, "or more"
    monkeypatch.setattr(up, "DELTAS", (0.05, 0.10))
    study = simulate(SCENARIOS["inflate_+20"], 0)
    table = up.posterior(study.frame, study.interviews, census_level=True)
    rated = table.dropna(subset=["lfdr"])
    capped = rated["inflation_capped"]
    assert capped.any() and not capped.all()
    # the largest any component allows each unit: 10 points, or proxy rating of half its events
    evidence = up.unit_evidence(study.frame, study.interviews).loc[rated.index]
    low, high = up._inflation_cells(up.components(), evidence)
    top = np.argmax(high, axis=1)
    largest = pd.Series(high.max(axis=1), index=rated.index)
    top_cell = pd.Series(low[np.arange(len(top)), top], index=rated.index)
    assert (rated.loc[capped, "inflation_high"] == largest[capped]).all()
    assert (rated.loc[~capped, "inflation_high"] < top_cell[~capped]).all()
    assert not table.loc[table["lfdr"].isna(), "inflation_capped"].any()


def test_the_inflation_sizes_reach_the_largest_the_demo_plants_in_steps_of_at_most_five_points():
    # the demo plants 18–45 points; a grid that stopped at 30 could only say "30 or more"
    assert max(up.DELTAS) >= 0.45
    assert np.diff((0.0, *up.DELTAS)).max() <= 0.05 + 1e-12


def test_each_size_stands_for_the_stretch_halfway_to_its_neighbours_and_none_beyond_the_largest():
    low, high = up._cell_edges((0.05, 0.10, 0.20))
    np.testing.assert_allclose(low, [0.025, 0.075, 0.15])
    np.testing.assert_allclose(high, [0.075, 0.15, 0.20])


def test_quantiles_of_the_inflation_posterior_are_read_off_a_continuous_law_with_a_point_at_zero():
    # half the mass honest (0), half spread evenly over 10–20 points
    mass, low, high = np.array([0.5, 0.5]), np.array([0.0, 0.10]), np.array([0.0, 0.20])
    np.testing.assert_allclose(
        up._mixture_quantiles(mass, low, high, (0.25, 0.5, 0.75, 0.975)), [0, 0, 0.15, 0.195]
    )
    # all of it in one cell: the interval is the middle 95% of that cell, not one point
    np.testing.assert_allclose(
        up._mixture_quantiles(
            np.array([0.0, 1.0]), np.array([0.0, 0.275]), np.array([0.0, 0.30]), (0.025, 0.5, 0.975)
        ),
        [0.275625, 0.2875, 0.299375],
    )


def test_proxy_rating_near_100_percent_may_have_turned_no_rating_at_all_and_its_rise_law_says_so():
    # 98 of 100 ratings satisfied, staff rating 30% of the events: of the two still not satisfied and
    # the few turned, none turned with probability 0.7³ (negative binomial in the turned count)
    mass, low, high = up._proxy_rise_pieces([(0.3, 0.3)], np.array([1.0]), satisfied=98, rated=100)
    np.testing.assert_array_equal(low, high)  # whole ratings: points of the law, 1/100 apart
    assert mass[low == 0].sum() == pytest.approx(0.7**3, abs=1e-9)
    assert (mass * low).sum() == pytest.approx(3 * 0.3 / 0.7 / 100, rel=1e-6)  # (m + 1) φ / (1 − φ) / N


def test_the_rise_law_of_a_large_census_is_merged_into_few_stretches_that_keep_its_mass():
    mass, low, high = up._proxy_rise_pieces([(0.25, 0.4)], np.array([0.6]), satisfied=12_000, rated=20_000)
    assert len(mass) <= up.RISE_PIECES
    assert mass.sum() == pytest.approx(0.6, abs=1e-9)
    assert (low <= high).all() and (high[:-1] < low[1:]).all()  # in order, never overlapping


def test_the_rise_law_keeps_its_mass_where_few_ratings_are_satisfied():
    # 10 of 1,000 satisfied: proxy rating of half the events would have turned ~990, more than the 10
    # there are, so the whole law sits at the counts allowed
    mass, low, high = up._proxy_rise_pieces([(0.4, 0.5)], np.array([0.3]), satisfied=10, rated=1000)
    assert mass.sum() == pytest.approx(0.3, abs=1e-12)
    assert high.max() <= 10 / 1000 and mass[low == 10 / 1000].sum() > 0.29


def test_a_proxy_rating_unit_near_100_percent_whose_staff_turned_no_rating_gets_an_interval_from_zero():
    # seed 2's U017 (published 97.8% of 93, every one true): flagged on "someone else rated"; while
    # the interval read expected rises (φ (1 − p) > 0) its lower end was 0.2 points and missed the truth
    study = simulate(SCENARIOS["proxy_30%_near_100"], 2)
    published = study.frame[study.frame["organisation_id"] == "U017"]["system_rating"].eq("satisfied").mean()
    assert "U017" in study.inflated and published == pytest.approx(study.truth.loc["U017", "true_rate"])
    table = up.posterior(study.frame, study.interviews)
    assert table.loc["U017", "flagged"]
    assert table.loc["U017", "inflation_low"] == 0.0 < table.loc["U017", "inflation_high"]


def test_components_whose_records_answer_who_rated_as_honest_ones_integrate_apart_to_the_same_likelihood(
    plus20, monkeypatch
):
    study, _ = plus20
    evidence = up.unit_evidence(study.frame, study.interviews)
    fitted = up.fit(evidence, census_level=False)
    surveyed = evidence[evidence["interviews"] > 0]
    apart, _ = up._unit_loglik(fitted.honest, fitted.components, surveyed, False)
    monkeypatch.setattr(up, "SEPARABLE", ())
    joint, _ = up._unit_loglik(fitted.honest, fitted.components, surveyed, False)
    np.testing.assert_allclose(apart, joint, rtol=0, atol=1e-9)


def test_each_domains_likelihood_is_the_same_bit_for_bit_alone_or_after_others_in_the_reused_buffers(plus20):
    # `_unit_loglik` writes every component's grid and cells into buffers it reuses from domain to
    # domain (sized for the largest): nothing of one domain or component may leak into the next
    study, _ = plus20
    evidence = up.unit_evidence(study.frame, study.interviews)
    fitted = up.fit(evidence, census_level=False)
    surveyed = evidence[evidence["interviews"] > 0]
    assert surveyed["domain"].nunique() > 1
    for census_level, groups in ((False, None), (True, up._group_matrix("answer"))):
        together, _ = up._unit_loglik(fitted.honest, fitted.components, surveyed, census_level, groups)
        for domain in surveyed["domain"].unique():
            mine = (surveyed["domain"] == domain).to_numpy()
            alone, _ = up._unit_loglik(fitted.honest, fitted.components, surveyed[mine], census_level, groups)
            np.testing.assert_array_equal(alone, together[mine])


def test_selective_proxy_rating_that_intercepts_no_satisfied_event_is_proxy_rating(plus20):
    # the two shares of events staff rate, φ_s of the satisfied and φ_u of the unsatisfied: `proxy` is
    # the edge φ_s = 0 of `proxy_selective`'s plane, the same likelihood for every unit
    study, _ = plus20
    evidence = up.unit_evidence(study.frame, study.interviews)
    fitted = up.fit(evidence, census_level=False)
    surveyed = evidence[evidence["interviews"] > 0]
    comps = [up.Component("proxy", 0.20), up.Component("proxy_selective", 0.20, share=0.0)]
    L, _ = up._unit_loglik(fitted.honest, comps, surveyed, False)
    np.testing.assert_allclose(L[:, 1], L[:, 0], rtol=0, atol=1e-9)


def test_every_flag_names_the_evidence_that_drives_it(plus20):
    _, table = plus20
    flagged = table[table["flagged"]]
    assert flagged["driver"].isin(up.EVIDENCE).all()
    best = flagged[[f"bf_{e}" for e in up.EVIDENCE]].to_numpy().max(axis=1)
    assert (best > 0).all()


def test_units_with_too_little_evidence_are_neither_flagged_nor_cleared():
    study = simulate(SCENARIOS["honest_small_units"], 0)
    table = up.posterior(study.frame, study.interviews)
    small = table.index[study.frame.groupby("organisation_id").size().reindex(table.index) <= 10]
    assert len(small) > 0
    assert table.loc[small, "lfdr"].isna().all()
    assert (table.loc[small, "status"] == "insufficient_evidence").all()
    assert not table.loc[small, "flagged"].any()


def test_an_honest_unit_with_a_genuinely_high_rate_and_callbacks_that_agree_is_not_flagged_on_its_level():
    # an honest unit of an 85% domain publishes 98% of 300 ratings; its 30 respondents all rated themselves and
    # say satisfied — the level alone points to inflation, the callbacks say it is real
    study = simulate(SCENARIOS["inflate_+20"], 0)
    unit = sorted(set(study.truth.index) - study.inflated)[0]
    frame = study.frame[study.frame["organisation_id"] != unit]
    records = pd.DataFrame(
        {
            "record_id": [f"X{i:04d}" for i in range(300)],
            "organisation_id": unit,
            "domain": study.frame.loc[study.frame["organisation_id"] == unit, "domain"].iloc[0],
            "system_rating": ["satisfied"] * 294 + ["dissatisfied"] * 6,
        }
    )
    answers = records.iloc[:30].assign(
        sat_overall="satisfied",
        who_rated="self",
        received_service="yes",
        identity="yes",
        staff_asked_rating="no",
    )
    interviews = pd.concat([study.interviews[study.interviews["organisation_id"] != unit], answers])
    table = up.posterior(pd.concat([frame, records]), interviews, census_level=True)
    assert table.at[unit, "bf_level"] > 0  # the level is evidence …
    assert not table.at[unit, "flagged"]  # … but the callbacks decide
    assert table.at[unit, "lfdr"] > 0.5


def test_screening_lfdr_gives_each_unit_its_posterior_probability_of_being_honest(plus20):
    study, table = plus20
    # the level counts, and π0 is raised at 90% (not the verdicts' 97.5%): steering costs interviews only
    lfdr = up.screening_lfdr(study.interviews, study.frame)
    expected = up.posterior(study.frame, study.interviews, census_level=True, pi0_level=0.9)["lfdr"]
    assert lfdr.index.equals(table.index)
    pd.testing.assert_series_equal(lfdr, expected, check_names=False)
    assert lfdr.dropna().between(0, 1).all()


@pytest.fixture(scope="module")
def compared():
    from tests.analysis.verdict_sim import verdicts

    study = simulate(SCENARIOS["inflate_+20"], 0)
    return study, verdicts(study, method="posterior", census_level=True)


def test_compare_units_can_take_its_verdict_from_the_posterior_model(compared, plus20):
    _, table = compared
    _, posterior = plus20
    assert (table["verdict_method"] == "posterior").all()
    pd.testing.assert_series_equal(table["flagged"], posterior["flagged"], check_names=False)
    pd.testing.assert_series_equal(table["posterior_inflation"], posterior["inflation"], check_names=False)
    assert {"p_value", "evidence_p_value", "bf_rate_gap", "posterior_mechanism"} <= set(table.columns)


def test_an_unknown_verdict_method_is_refused_in_one_sentence():
    from analysis import compare_units

    study = simulate(SCENARIOS["honest"], 0)
    with pytest.raises(AnalysisError, match="method='bayes': use 'empirical_null' or 'posterior'"):
        compare_units(study.frame, study.design, interviews=study.interviews, method="bayes")


def test_leaving_out_the_empirical_nulls_tests_is_refused_where_they_are_the_verdict():
    from analysis import compare_units

    study = simulate(SCENARIOS["honest"], 0)
    with pytest.raises(AnalysisError, match="empirical_null=False leaves out the very verdict"):
        compare_units(study.frame, study.design, interviews=study.interviews, empirical_null=False)


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("zh", ("后验概率", "贝叶斯因子", "不是违规的证明")),
        ("en", ("posterior probability", "Bayes factor", "not proof")),
    ],
)
def test_a_posterior_flag_is_explained_by_its_probability_its_evidence_and_what_it_does_not_prove(
    compared, lang, words
):
    from analysis import explain_unit

    _, table = compared
    row = table[table["flagged"]].iloc[0]
    text = " ".join(explain_unit(row, lang))
    assert all(word in text for word in words), text


def test_a_questionnaire_without_the_integrity_items_still_gets_verdicts_from_the_rates():
    study = simulate(SCENARIOS["inflate_+20"], 1)
    interviews = study.interviews[["organisation_id", "system_rating", "sat_overall"]]
    table = up.posterior(study.frame, interviews)
    assert table["lfdr"].notna().sum() > 50
    assert (table[["bf_rated_by_other", "bf_not_rated", "bf_staff_asked"]].fillna(0).abs() < 1e-6).all().all()


def _small_domain(
    units: int, respondents: int, dissatisfied: dict[str, int]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Frame records and interviews of a small domain (仲裁) whose respondents on records rated satisfied
    all answer satisfied, except `dissatisfied[unit]` of them in the units named."""
    frames, answers = [], []
    for j in range(units):
        unit = f"A{j:02d}"
        records = pd.DataFrame(
            {
                "record_id": [f"{unit}-{i:03d}" for i in range(60)],
                "organisation_id": unit,
                "domain": "仲裁",
                "system_rating": ["satisfied"] * 58 + ["dissatisfied"] * 2,
            }
        )
        said = records.iloc[:respondents].assign(
            sat_overall="satisfied",
            who_rated="self",
            received_service="yes",
            identity="yes",
            staff_asked_rating="no",
        )
        said.iloc[: dissatisfied.get(unit, 0), said.columns.get_loc("sat_overall")] = "dissatisfied"
        frames.append(records)
        answers.append(said)
    return pd.concat(frames), pd.concat(answers)


def test_a_domain_whose_other_answers_are_all_satisfied_does_not_make_a_few_dissatisfied_ones_certain():
    """15 offices of a domain, 12 respondents each, every answer satisfied but 3 in one office: the
    domain's honest gap was fitted with that office weighted out (it looked inflating) and sat at the
    bound, e ≈ 0.0001, so its lfdr went to 0.0 and it was flagged (fails without the pseudo-observations
    in `_fit_beta_binomial`). The domain's mean is now pulled toward the overall gap by `DOMAIN_PRIOR`
    answers, and 3 of 12 in a small domain is no certainty."""
    study = simulate(SCENARIOS["honest"], seed=0)
    frame, answers = _small_domain(15, 12, {"A01": 3})
    table = up.posterior(pd.concat([study.frame, frame]), pd.concat([study.interviews, answers]))
    assert not table.at["A01", "flagged"]
    assert table.at["A01", "lfdr"] > 0.5
    assert table.at["A01", "status"] == "no_evidence"


def test_the_lfdr_without_answers_reads_who_rated_and_the_signs_and_not_the_callback_answers():
    study = simulate(SCENARIOS["proxy_30%"], 1)
    table, fitted = up.posterior_fit(study.frame, study.interviews)
    before = up._lfdr_without_answers(table, fitted)
    # every answer on a record rated satisfied moved to 满意, who rated kept: only the answers differ
    moved = table.copy()
    for who in up.WHO:
        cells = [f"s1_{x}_{who}" for x in up.ANSWERS]
        moved[cells[0]] = table[cells].sum(axis=1)
        moved[cells[1:]] = 0
    after = up._lfdr_without_answers(moved, fitted)
    np.testing.assert_allclose(after, before, rtol=0, atol=1e-12)

    def lfdr(evidence):  # with the answers, under the same fit
        likelihood, _ = up._unit_loglik(fitted.honest, fitted.components, evidence, fitted.census_level)
        return up._posterior(likelihood, fitted.weights)[:, 0]

    assert np.abs(lfdr(moved) - lfdr(table)).max() > 0.1


def test_the_lfdr_with_every_answer_kept_is_the_lfdr():
    study = simulate(SCENARIOS["proxy_30%"], 1)
    table, fitted = up.posterior_fit(study.frame, study.interviews)
    kept = up._lfdr_without_answers(table, fitted, up.Kept(whole=table))
    np.testing.assert_allclose(kept, up._posterior(fitted.log_lik, fitted.weights)[:, 0], rtol=0, atol=1e-9)


def test_the_lfdr_without_answers_reads_the_answers_kept_and_not_those_set_aside():
    study = simulate(SCENARIOS["proxy_30%"], 1)
    interviews = study.interviews.assign(surveyor=np.where(np.arange(len(study.interviews)) % 3, "A", "B"))
    table, fitted = up.posterior_fit(study.frame, interviews)
    kept = up.Kept(
        whole=up.unit_evidence(study.frame, interviews[interviews["surveyor"] == "A"]),
        who=up.unit_evidence(study.frame, interviews[interviews["surveyor"] == "B"]),
    )
    before = up._lfdr_without_answers(table, fitted, kept)
    # B's answers all turned to 满意: the answers set aside, and nothing else
    turned = interviews["sat_overall"].where(interviews["surveyor"] == "A", "satisfied")
    moved, _ = up.posterior_fit(study.frame, interviews.assign(sat_overall=turned))
    np.testing.assert_allclose(up._lfdr_without_answers(moved, fitted, kept), before, rtol=0, atol=1e-12)
    # A's: the answers kept
    turned = interviews["sat_overall"].where(interviews["surveyor"] == "B", "satisfied")
    again = interviews.assign(sat_overall=turned)
    again_kept = up.Kept(
        whole=up.unit_evidence(study.frame, again[again["surveyor"] == "A"]),
        who=up.unit_evidence(study.frame, again[again["surveyor"] == "B"]),
    )
    moved = up.unit_evidence(study.frame, again)
    assert np.abs(up._lfdr_without_answers(moved, fitted, again_kept) - before).max() > 0.1


def test_the_lfdr_without_some_who_rated_answers_reads_their_answers_and_not_who_rated():
    study = simulate(SCENARIOS["proxy_30%"], 1)
    interviews = study.interviews.assign(surveyor=np.where(np.arange(len(study.interviews)) % 3, "A", "B"))
    table, fitted = up.posterior_fit(study.frame, interviews)

    def kept_of(data):
        return up.Kept(
            whole=up.unit_evidence(study.frame, data[data["surveyor"] == "A"]),
            answer=up.unit_evidence(study.frame, data[data["surveyor"] == "B"]),
        )

    before = up._lfdr_without_answers(table, fitted, kept_of(interviews))
    # B's who-rated answers all turned to "self": the evidence set aside, and nothing else
    led = interviews.assign(who_rated=interviews["who_rated"].where(interviews["surveyor"] == "A", "self"))
    after = up._lfdr_without_answers(up.unit_evidence(study.frame, led), fitted, kept_of(led))
    np.testing.assert_allclose(after, before, rtol=0, atol=1e-12)
    assert np.abs(up._lfdr_without_answers(table, fitted) - before).max() > 0.1  # B's answers count


def test_a_table_without_what_a_held_unit_would_read_has_every_other_column_the_same_bits(plus20):
    """`posterior(without_answers=False)`, what `compare_units` asks for when it holds no unit for its
    surveyors: the columns a held unit's verdict reads are there, empty; the rest are the same bits."""
    study, table = plus20
    slim = up.posterior(study.frame, study.interviews, census_level=True, without_answers=False)
    assert list(slim.columns) == list(table.columns)
    unread = [
        c
        for c in table.columns
        if c.endswith(("_without_answers", "_kept"))
        and c.startswith(("lfdr", "inflation", "mechanism", "bf_"))
    ]
    assert len(unread) == 9
    assert slim[unread].drop(columns="inflation_capped_without_answers").isna().all().all()
    assert table["lfdr_without_answers"].notna().any() and not slim["inflation_capped_without_answers"].any()
    pd.testing.assert_frame_equal(slim.drop(columns=unread), table.drop(columns=unread), check_exact=True)


def test_a_unit_flagged_on_its_answers_alone_is_near_honest_without_them(plus20):
    _, table = plus20
    rate_driven = table["flagged"] & (table["driver"] == "rate_gap")
    assert rate_driven.any()
    assert (table.loc[rate_driven, "lfdr_without_answers"] > table.loc[rate_driven, "lfdr"]).all()
    assert (table.loc[rate_driven, "lfdr_without_answers"] > 0.5).mean() > 0.5
