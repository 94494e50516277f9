"""The one engine behind both checks that name a surveyor (`analysis.surveyor_checks`): each surveyor
against peers on comparable cases (CMH), one BH family, re-runs that only clear. The report's table
calls it through `surveyor_effects`, the supervisor's flags through `supervision.surveyor_tests`."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2

from analysis import surveyor_effects
from analysis.surveyor_checks import Measure, comparable_cells, not_self, peer_tests
from tests.analysis.rsupport import RSCRIPT, run_r
from tests.analysis.surveyor_sim import PLANTED, SURVEYORS


def interviews(counts: dict[tuple[str, str], tuple[int, int]]) -> pd.DataFrame:
    rows = [
        {"surveyor": surveyor, "stratum": stratum, "value": value}
        for (surveyor, stratum), (ones, zeros) in counts.items()
        for value in [1.0] * ones + [0.0] * zeros
    ]
    return pd.DataFrame(rows)


def one_measure(data: pd.DataFrame, q: float = 0.05, **options) -> pd.DataFrame:
    measures = {"m": Measure(data["value"].to_numpy(float))}
    return peer_tests(data["surveyor"], data["stratum"], measures, q=q, **options)["m"]


def hand_cmh(counts, surveyor):
    """CMH with the continuity correction, (|Σ (a − E a)| − ½)² / Σ Var a (Agresti, Categorical Data
    Analysis §6.3; R `mantelhaen.test`'s default)."""
    deviation = variance = 0.0
    for stratum in sorted({s for _, s in counts}):
        mine = counts[(surveyor, stratum)]
        peers = [v for (who, s), v in counts.items() if s == stratum and who != surveyor]
        a, n1 = mine[0], sum(mine)
        c, n2 = sum(p[0] for p in peers), sum(sum(p) for p in peers)
        m1, n = a + c, n1 + n2
        deviation += a - n1 * m1 / n
        variance += n1 * n2 * m1 * (n - m1) / (n**2 * (n - 1))
    return (abs(deviation) - 0.5) ** 2 / variance


def test_the_test_is_the_continuity_corrected_cmh_of_each_surveyor_against_everybody_else():
    table = one_measure(interviews(PLANTED), max_rounds=1)
    for surveyor in SURVEYORS:
        stat = hand_cmh(PLANTED, surveyor)
        assert (table.loc[surveyor, "cmh"], table.loc[surveyor, "p"]) == pytest.approx(
            (stat, chi2.sf(stat, 1)), rel=1e-12
        )


def test_a_surveyor_far_above_peers_is_flagged_with_the_peers_share_beside():
    table = one_measure(interviews(PLANTED))
    assert list(table.index[table["flagged"]]) == ["s1"]
    assert tuple(table.loc["s1", ["n", "share", "peer_share"]]) == (20, 19 / 20, 30 / 60)


def test_surveyors_like_their_peers_are_not_flagged():
    table = one_measure(interviews({(s, st): (6, 4) for s in SURVEYORS for st in ("X", "Y")}))
    assert not table["flagged"].any() and table["p"].to_numpy() == pytest.approx(1.0)


def test_the_peers_share_is_theirs_in_the_strata_the_surveyor_worked():
    counts = {("s1", "X"): (5, 5), ("s2", "X"): (5, 5), ("s2", "Z"): (0, 10)}
    table = one_measure(interviews(counts))
    assert table.loc["s1", "peer_share"] == 0.5  # not 5/20: s2's stratum Z is not s1's


def test_the_peers_share_is_what_they_recorded_on_cases_like_the_surveyors():
    """s1 worked mostly stratum X (90% there), the peers mostly Y, where shares are low: pooled, the
    peers' share would be 0.26; in s1's mix it is 0.9 × 0.8 + 0.1 × 0.2 = 0.74."""
    counts = {("s1", "X"): (7, 2), ("s1", "Y"): (0, 1), ("s2", "X"): (8, 2), ("s2", "Y"): (18, 72)}
    table = one_measure(interviews(counts))
    assert table.loc["s1", "peer_share"] == pytest.approx(0.9 * 0.8 + 0.1 * 0.2)


def test_where_no_peer_worked_a_surveyors_cell_it_counts_as_no_difference():
    """s1's ten interviews in Z have no peer to compare with: the peers' share takes s1's own there,
    so the gap printed is only the gap in X, the one the test weighs."""
    counts = {("s1", "X"): (9, 1), ("s1", "Z"): (2, 8), ("s2", "X"): (5, 5)}
    table = one_measure(interviews(counts))
    assert table.loc["s1", "share"] - table.loc["s1", "peer_share"] == pytest.approx((0.9 - 0.5) / 2)


def test_interviews_that_do_not_count_are_left_out_of_both_shares():
    data = interviews(PLANTED)
    data = pd.concat([data, data.assign(value=np.nan)], ignore_index=True)  # e.g. "don't know"
    table = one_measure(data)
    assert tuple(table.loc["s1", ["n", "share"]]) == (20, 19 / 20)


def test_an_above_only_measure_does_not_flag_a_surveyor_below_peers():
    low = {**PLANTED, ("s1", "X"): (0, 10), ("s1", "Y"): (1, 9)}
    data = interviews(low)
    both = peer_tests(data["surveyor"], data["stratum"], {"m": Measure(data["value"].to_numpy())}, q=0.05)
    above = peer_tests(
        data["surveyor"], data["stratum"], {"m": Measure(data["value"].to_numpy(), above_only=True)}, q=0.05
    )
    assert both["m"].loc["s1", "flagged"] and not above["m"]["flagged"].any()


def test_every_measure_of_every_surveyor_is_one_bh_family():
    data = interviews(PLANTED)
    values = data["value"].to_numpy(float)
    tests = peer_tests(
        data["surveyor"], data["stratum"], {"a": Measure(values), "b": Measure(1 - values)}, q=0.05
    )
    p = pd.concat([tests["a"]["p"], tests["b"]["p"]]).to_numpy()
    ranked = np.sort(p) * len(p) / np.arange(1, len(p) + 1)
    smallest = np.minimum.accumulate(ranked[::-1])[::-1][0]
    assert min(tests["a"]["p_adjusted"].min(), tests["b"]["p_adjusted"].min()) == pytest.approx(smallest)


def test_a_lone_surveyor_has_no_peer_share_no_p_value_and_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = one_measure(interviews({("s1", "X"): (3, 1)}))
    assert np.isnan(table.loc["s1", "peer_share"]) and np.isnan(table.loc["s1", "p"])
    assert not table.loc["s1", "flagged"]


def test_an_odds_ratio_without_discordant_pairs_is_infinite_and_raises_no_warning():
    # the surveyor always has value 1, the peers are mixed: b = 0 in both strata (statsmodels divides
    # by Σ b·c / n = 0)
    counts = {("s1", "X"): (2, 0), ("s2", "X"): (1, 2), ("s1", "Y"): (2, 0), ("s2", "Y"): (1, 2)}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = one_measure(interviews(counts), max_rounds=1)
    assert table.loc["s1", "odds_ratio"] == np.inf and 0 < table.loc["s1", "p"] < 1


def test_a_surveyor_who_records_more_satisfaction_than_peers_is_flagged_in_the_report_check():
    rng = np.random.default_rng(2)
    n = 1200
    data = pd.DataFrame(
        {"stratum": rng.choice(["a", "b", "c"], n), "surveyor_id": rng.choice(list("PQRSTU"), n)}
    )
    p = np.where(data["surveyor_id"] == "P", 0.97, 0.75)
    data["sat_overall"] = np.where(rng.random(n) < p, "satisfied", "dissatisfied")
    table = surveyor_effects(data)
    assert table.loc["P", "satisfied_flagged"] and table["satisfied_flagged"].sum() == 1


def test_a_surveyor_who_hears_someone_else_rated_more_often_is_flagged_on_who_rated_alone():
    """P's question leads: a third of P's respondents are recorded as saying someone else rated, 8%
    of everybody else's; their satisfaction answers are alike."""
    rng = np.random.default_rng(5)
    n = 1200
    data = pd.DataFrame(
        {"stratum": rng.choice(["a", "b", "c"], n), "surveyor_id": rng.choice(list("PQRSTU"), n)}
    )
    data["sat_overall"] = np.where(rng.random(n) < 0.85, "satisfied", "dissatisfied")
    p = np.where(data["surveyor_id"] == "P", 0.30, 0.08)
    data["who_rated"] = np.where(rng.random(n) < p, "other", "self")
    table = surveyor_effects(data, who="who_rated")
    flagged = table.columns[table.columns.str.endswith("_flagged")]
    assert table.loc["P", "who_rated_flagged"] and table[flagged].to_numpy().sum() == 1
    assert table.loc["P", "who_rated_rate"] > 0.2 > 0.1 > table.loc["P", "who_rated_peers"]


def test_without_the_who_rated_column_the_report_check_tests_the_satisfaction_rate_and_dont_know_only():
    data = pd.DataFrame({"stratum": ["a"] * 4, "surveyor_id": list("PPQQ"), "sat_overall": ["satisfied"] * 4})
    data["who_rated"] = ["other", "other", "self", "self"]
    table = surveyor_effects(data)
    assert table["who_rated_rate"].isna().all() and not table["who_rated_flagged"].any()


def test_not_self_reads_someone_else_and_nobody_as_one_and_leaves_unanswered_out():
    said = pd.Series(["self", "other", "not_rated", "dk", None])
    np.testing.assert_array_equal(not_self(said), [0.0, 1.0, 1.0, 0.0, np.nan])


def test_the_report_check_counts_dont_know_in_its_own_measure_and_not_in_the_satisfaction_rate():
    data = pd.DataFrame(
        {"stratum": ["a"] * 4, "surveyor_id": ["P"] * 4, "sat_overall": ["satisfied", "dk", "refused", None]}
    )
    table = surveyor_effects(data)
    assert (table.loc["P", "interviews"], table.loc["P", "satisfied_rate"]) == (4, 1.0)
    assert table.loc["P", "dk_refused_rate"] == pytest.approx(2 / 3)


@pytest.mark.r
@pytest.mark.skipif(RSCRIPT is None, reason="Rscript is not installed")
def test_statistics_p_values_and_bh_equal_r_mantelhaen_test_and_p_adjust(tmp_path):
    rng = np.random.default_rng(4)
    n = 400
    data = pd.DataFrame(
        {"surveyor": rng.choice(["s1", "s2", "s3", "s4", "s5"], n), "stratum": rng.integers(0, 6, n)}
    )
    data["value"] = (rng.random(n) < np.where(data["surveyor"] == "s1", 0.70, 0.85)).astype(float)
    table = one_measure(data, max_rounds=1)
    reference = run_r(
        data,
        "tests <- lapply(sort(unique(d$surveyor)), function(s) mantelhaen.test(\n"
        "  factor(d$surveyor == s, levels = c(TRUE, FALSE)), factor(d$value, levels = c(1, 0)),\n"
        "  factor(d$stratum)))\n"
        "p <- sapply(tests, function(t) t$p.value)\n"
        'emit("statistic", sapply(tests, function(t) t$statistic))\n'
        'emit("p", p)\nemit("bh", p.adjust(p, method = "BH"))\n'
        'emit("odds", sapply(tests, function(t) t$estimate))\n',
        tmp_path,
    )
    for ours, theirs in (("cmh", "statistic"), ("p", "p"), ("p_adjusted", "bh"), ("odds_ratio", "odds")):
        np.testing.assert_allclose(table[ours].to_numpy(), reference[theirs], rtol=1e-10)


def test_comparable_cases_are_the_same_stratum_and_the_same_side_of_three_call_attempts():
    strata = pd.Series(["X", "X", "X", "Y", None])
    cells = comparable_cells(strata, pd.Series([1, 2, 3, None, 1]))
    assert cells.tolist()[:4] == ["X|easy", "X|easy", "X|hard", "Y|unknown"] and pd.isna(cells.iloc[4])


def test_a_surveyor_given_the_hard_to_reach_cases_is_compared_with_peers_on_such_cases():
    """S1 takes most cases that needed three or more attempts, whose citizens are less satisfied;
    within each band S1 answers like everybody else. By stratum alone S1 looks less satisfied."""
    rows = []
    for surveyor, easy, hard in (("s1", (16, 4), (24, 36)), ("s2", (32, 8), (4, 6)), ("s3", (32, 8), (4, 6))):
        for attempts, (sat, unsat) in ((1, easy), (4, hard)):
            rows += [
                {"surveyor_id": surveyor, "stratum": "X", "attempts": attempts, "sat_overall": "satisfied"}
            ] * sat
            rows += [
                {"surveyor_id": surveyor, "stratum": "X", "attempts": attempts, "sat_overall": "dissatisfied"}
            ] * unsat
    data = pd.DataFrame(rows)
    by_stratum = surveyor_effects(data)
    by_cell = surveyor_effects(data, attempts="attempts")
    assert by_stratum.loc["s1", "satisfied_flagged"] and not by_cell["satisfied_flagged"].any()


def test_comparable_cases_also_share_the_system_rating_a_missing_one_its_own_label():
    strata = pd.Series(["X", "X", "X"])
    cells = comparable_cells(strata, pd.Series([1, 1, 1]), pd.Series(["satisfied", "dissatisfied", None]))
    assert cells.nunique() == 3 and cells[0] == "X|easy|satisfied"


def test_a_surveyor_given_the_complaints_is_compared_with_peers_on_records_rated_alike():
    """S1 takes most records the system rated dissatisfied (the senior surveyor who takes the
    complaints), whose citizens mostly say so again; within each rating S1 records like everybody
    else. By stratum and call effort alone S1 looks less satisfied."""
    rows = []
    for surveyor, rated_sat, rated_not in (
        ("s1", (18, 2), (6, 24)),
        ("s2", (36, 4), (1, 4)),
        ("s3", (36, 4), (1, 4)),
    ):
        for rating, (sat, unsat) in (("satisfied", rated_sat), ("dissatisfied", rated_not)):
            row = {"surveyor_id": surveyor, "stratum": "X", "attempts": 1, "system_rating": rating}
            rows += [{**row, "sat_overall": "satisfied"}] * sat + [
                {**row, "sat_overall": "dissatisfied"}
            ] * unsat
    data = pd.DataFrame(rows)
    by_effort = surveyor_effects(data, attempts="attempts")
    by_rating = surveyor_effects(data, attempts="attempts", rating="system_rating")
    assert by_effort.loc["s1", "satisfied_flagged"] and not by_rating["satisfied_flagged"].any()
