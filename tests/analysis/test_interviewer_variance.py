"""The interviewers' variance component of a callback estimate (`analysis.interviewer_variance`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.interviewer_variance import (
    add_interviewer_variance,
    composition_cells,
    interviewer_component,
    interviewer_variance,
)
from tests.analysis.rsupport import RSCRIPT, run_r


def test_sigma_b_squared_is_the_anova_estimate_between_minus_within_over_the_group_size():
    # balanced: three interviewers, four answers each; means 1, 0.5, 0.25
    values = np.array([1, 1, 1, 1, 1, 1, 0, 0, 1, 0, 0, 0], float)
    who = pd.Series(["a"] * 4 + ["b"] * 4 + ["c"] * 4)
    means = np.array([1.0, 0.5, 0.25])
    between = 4 * ((means - values.mean()) ** 2).sum() / 2
    within = (0 + 4 * 0.25 + 3 * 0.0625 + 0.5625) / 9
    component = interviewer_component(values, who)
    assert component.sigma2 == pytest.approx((between - within) / 4)
    assert component.rho == pytest.approx(component.sigma2 / (component.sigma2 + within))
    assert (component.interviewers, component.df) == (3, 2)


def test_interviewers_more_alike_than_chance_give_no_component_rather_than_a_negative_one():
    values = np.array([1, 0, 1, 0, 1, 0], float)
    assert interviewer_component(values, pd.Series(list("aabbcc"))).sigma2 == 0.0


def test_web_answers_and_answers_that_do_not_count_are_left_out_of_the_estimate():
    values = np.array([1, 1, 0, 0, 1, np.nan], float)
    who = pd.Series(["a", "a", "b", "b", None, "b"])
    assert interviewer_component(values, who).interviewers == 2
    assert interviewer_component(values, who).sigma2 == interviewer_component(values[:4], who[:4]).sigma2


def test_a_surveyor_who_happened_to_call_the_dissatisfied_is_not_read_as_asking_differently():
    # the answer is the system rating; a calls mostly the citizens rated satisfied, b mostly the others
    rating = np.array(["s"] * 8 + ["d"] * 2 + ["s"] * 2 + ["d"] * 8)
    who = pd.Series(["a"] * 10 + ["b"] * 10)
    values = (rating == "s").astype(float)
    assert interviewer_component(values, who).sigma2 > 0
    assert interviewer_component(values, who, pd.Series(rating)).sigma2 == 0.0


def test_with_one_cell_the_estimate_is_the_one_way_anova_of_unequal_groups():
    values = np.array([1, 1, 1, 1, 1, 0, 1, 0, 1, 0, 0, 0, 0, 1], float)
    who = pd.Series(list("aaaaabbbbccccc"))
    n, means = np.array([5, 4, 5]), np.array([1.0, 0.5, 0.2])
    between = (n * (means - values.mean()) ** 2).sum() / 2
    within = (0 + 4 * 0.25 + 5 * 0.16) / 11
    n0 = (14 - (n**2).sum() / 14) / 2
    assert interviewer_component(values, who, pd.Series(["x"] * 14)).sigma2 == pytest.approx(
        (between - within) / n0
    )


def test_a_surveyors_own_shift_survives_the_composition_being_taken_out():
    rng = np.random.default_rng(9)
    rating = rng.choice(["s", "b", "d"], 3000, p=[0.5, 0.3, 0.2])
    who = rng.integers(0, 6, 3000)
    shift = np.array([0.0, 0.15, -0.15, 0.1, -0.1, 0.0])[who]
    base = np.select([rating == "s", rating == "b"], [0.8, 0.6], 0.3)
    values = (rng.random(3000) < base + shift).astype(float)
    component = interviewer_component(values, pd.Series(who), pd.Series(rating))
    assert component.sigma2 == pytest.approx(np.var([0.0, 0.15, -0.15, 0.1, -0.1, 0.0], ddof=1), rel=0.5)


def test_the_composition_is_the_system_rating_a_missing_one_its_own_label():
    frame = pd.DataFrame({"stratum": ["A", "B", "A", "A"], "system_rating": ["s", "s", "d", None]})
    cells = composition_cells(frame)
    assert cells.nunique() == 3 and cells[0] == cells[1]
    assert composition_cells(frame, ("stratum", "system_rating")).nunique() == 4
    assert composition_cells(frame, ()) is None


def test_a_surveyor_given_a_district_of_their_own_is_still_compared_with_peers():
    """Nested in a stratum a surveyor has no peer within it; taken out by the rating alone, their
    shift is still seen (and a district that differs is read as theirs: wider, the safe side)."""
    rng = np.random.default_rng(5)
    district = np.repeat(["A", "B", "C", "D"], 300)
    who = pd.Series(np.repeat(["a", "b", "c", "d"], 300))
    rating = rng.choice(["s", "d"], 1200, p=[0.8, 0.2])
    shift = np.repeat([0.1, -0.1, 0.05, -0.05], 300)
    values = (rng.random(1200) < np.where(rating == "s", 0.8, 0.3) + shift).astype(float)
    frame = pd.DataFrame({"stratum": district, "system_rating": rating})
    assert interviewer_component(values, who, composition_cells(frame)).sigma2 > 0.003
    by_district = composition_cells(frame, ("stratum", "system_rating"))
    assert interviewer_component(values, who, by_district).sigma2 == 0.0


def test_one_interviewer_has_no_component():
    assert interviewer_component(np.array([1.0, 0.0, 1.0]), pd.Series(["a"] * 3)).interviewers == 0


def test_the_added_variance_is_sigma_b_squared_times_the_sum_of_squared_weight_shares():
    component = interviewer_component(np.array([1, 1, 0, 0], float), pd.Series(list("aabb")))
    weights = np.array([1.0, 1.0, 2.0, 2.0, 4.0])  # the last answer came by web: no interviewer
    who = pd.Series(["a", "a", "b", "b", None])
    counted = np.ones((5, 1))
    shares = np.array([2, 4]) / 10
    added = interviewer_variance(component, counted, weights, who)
    assert added[0] == pytest.approx(component.sigma2 * (shares**2).sum())


def test_without_interviewers_nothing_is_added():
    out = add_interviewer_variance(np.array([0.02]), np.ones(3), np.ones((3, 1)), np.ones(3), None)
    assert (out.se[0], out.se_interviewer[0]) == (0.02, 0.0)


@pytest.fixture(scope="module")
def study():
    from tests.analysis.interviewer_sim import SEED, with_surveyors
    from tests.analysis.nonresponse_sim import draw_study, make_population

    population = make_population(SEED, events=6_000)
    cases, totals = draw_study(population, 5, "none", 600, "district")
    return with_surveyors(cases, 5, 5, 0.06), totals


def test_the_headline_se_is_the_jackknife_and_the_interviewer_parts_added_in_quadrature(study):
    from tests.analysis.interviewer_sim import overall

    row = overall(*study, interviewer="surveyor")
    assert row["se_interviewer"] > 0 and row["interviewers"] == 5
    assert row["se"] ** 2 == pytest.approx(row["se_sampling"] ** 2 + row["se_interviewer"] ** 2)


def test_the_jackknife_part_is_what_the_headline_printed_without_interviewers(study):
    from tests.analysis.interviewer_sim import overall

    with_them, without = overall(*study, interviewer="surveyor"), overall(*study, interviewer=None)
    assert with_them["se_sampling"] == without["se"] and with_them["estimate"] == without["estimate"]
    assert with_them["ci_low"] < without["ci_low"] and with_them["ci_high"] > without["ci_high"]


@pytest.mark.r
@pytest.mark.skipif(RSCRIPT is None, reason="Rscript is not installed")
def test_the_anova_estimate_uses_r_anova_mean_squares(tmp_path):
    rng = np.random.default_rng(3)
    who = rng.choice(["a", "b", "c", "d", "e"], 300, p=[0.3, 0.25, 0.2, 0.15, 0.1])
    shift = {"a": 0.0, "b": 0.05, "c": -0.04, "d": 0.08, "e": -0.02}
    values = (rng.random(300) < 0.8 + np.vectorize(shift.get)(who)).astype(float)
    data = pd.DataFrame({"y": values, "g": who})
    reference = run_r(
        data,
        "a <- anova(lm(y ~ factor(g), data = d))\n"
        "n <- table(d$g); N <- sum(n); n0 <- (N - sum(n^2) / N) / (length(n) - 1)\n"
        'emit("sigma2", max(0, (a[["Mean Sq"]][1] - a[["Mean Sq"]][2]) / n0))\n',
        tmp_path,
    )
    assert reference["sigma2"][0] > 0
    assert interviewer_component(values, pd.Series(who)).sigma2 == pytest.approx(
        reference["sigma2"][0], rel=1e-10
    )


@pytest.mark.r
@pytest.mark.skipif(RSCRIPT is None, reason="Rscript is not installed")
def test_the_estimate_net_of_composition_is_henderson_iii_from_r_sequential_anova(tmp_path):
    rng = np.random.default_rng(4)
    cell = rng.choice(["s", "b", "d"], 400, p=[0.5, 0.3, 0.2])
    who = np.where(cell == "d", rng.choice(list("abcde"), 400, p=[0.4, 0.3, 0.1, 0.1, 0.1]),
                   rng.choice(list("abcde"), 400))  # fmt: skip
    shift = {"a": 0.0, "b": 0.08, "c": -0.06, "d": 0.1, "e": -0.02}
    base = np.select([cell == "s", cell == "b"], [0.85, 0.6], 0.25)
    values = (rng.random(400) < base + np.vectorize(shift.get)(who)).astype(float)
    data = pd.DataFrame({"y": values, "g": who, "cell": cell})
    reference = run_r(
        data,
        "a <- anova(lm(y ~ factor(cell) + factor(g), data = d))\n"
        "nkc <- table(d$g, d$cell); tr <- nrow(d) - sum(sweep(nkc^2, 2, colSums(nkc), '/'))\n"
        'emit("sigma2", max(0, (a[["Sum Sq"]][2] - a[["Mean Sq"]][3] * a[["Df"]][2]) / tr))\n',
        tmp_path,
    )
    assert reference["sigma2"][0] > 0
    assert interviewer_component(values, pd.Series(who), pd.Series(cell)).sigma2 == pytest.approx(
        reference["sigma2"][0], rel=1e-10
    )


def test_surveyors_who_share_no_cell_give_no_estimate_rather_than_a_zero_one():
    values, who = np.array([1.0, 1.0, 0.0, 0.0]), pd.Series(list("aabb"))
    component = interviewer_component(values, who, pd.Series(list("ssdd")))
    assert component.sigma2 == 0.0 and np.isnan(component.rho) and component.interviewers == 2


def test_the_degrees_of_freedom_are_satterthwaites_for_the_sampling_and_the_interviewer_parts():
    values, who = np.array([1, 1, 1, 0, 0, 0, 1, 0, 0], float), pd.Series(list("aaabbbccc"))
    out = add_interviewer_variance(np.array([0.02]), values, np.ones((9, 1)), np.ones(9), who)
    sampling, added = 0.02**2, out.se_interviewer[0] ** 2
    assert out.component.df == 2 and added > 0
    assert out.df(np.array([40.0]))[0] == pytest.approx(
        (sampling + added) ** 2 / (sampling**2 / 40 + added**2 / 2)
    )


def test_where_nothing_is_added_the_design_degrees_of_freedom_stay():
    out = add_interviewer_variance(
        np.array([0.02]), np.array([1.0, 0, 1, 0]), np.ones((4, 1)), np.ones(4), pd.Series(list("aabb"))
    )
    assert out.se_interviewer[0] == 0 and out.df(np.array([40.0]))[0] == 40.0


def test_the_headline_interval_takes_the_combined_degrees_of_freedom(study):
    from tests.analysis.interviewer_sim import overall

    with_them, without = overall(*study, interviewer="surveyor"), overall(*study, interviewer=None)
    assert with_them["df"] < without["df"]
