"""Two-phase adaptive sampling: the rule, the allocation, the seeded draw and exactly unbiased weights.

Unbiasedness is checked by enumerating every phase-1 and phase-2 sample of a small stratum, so the
expectation is exact (no simulation error): the Rao–Blackwell weights hit the population totals to
1e-12, and the naive pooled weights miss them.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sampling.errors import DesignError
from sampling.screening import top_thresholds
from sampling.two_phase import (
    PhaseTwoRule,
    draw_phase_two,
    equal_allocation,
    evidence_table,
    phase_two_allocation,
    planned_need,
    pooled_weights,
    rao_blackwell_weights,
    score_split_pair_shares,
    score_split_shares,
    split_pair_shares,
    split_shares,
)

# ten people of one unit: outcome category and some other answer (e.g. 知晓 12348) to estimate
OUTCOMES = ["satisfied"] * 4 + ["unsatisfied"] * 2 + ["none"] * 2
OTHER = np.array([1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0])
N, M, K = 8, 3, 2
FIRST_SAMPLES = len(list(itertools.combinations(range(N), M)))


def low_satisfied(x: np.ndarray, r: np.ndarray, evidence: pd.DataFrame) -> np.ndarray:
    """A toy rule: expand when at most one of the phase-1 cases was satisfied."""
    return np.asarray(x) <= 1


def enumerate_estimates(weighting) -> tuple[float, float, float]:
    """Exact expectation of Σ w·satisfied and Σ w·other over every phase-1 and phase-2 sample."""
    evidence = pd.DataFrame({"N_h": [N], "system_rate": [0.9]}, index=["u"])
    total_probability = expected_sat = expected_other = 0.0
    for first in itertools.combinations(range(N), M):
        x = sum(OUTCOMES[i] == "satisfied" for i in first)
        p_first = 1 / FIRST_SAMPLES
        rest = [i for i in range(N) if i not in first]
        seconds = list(itertools.combinations(rest, K)) if low_satisfied(x, 0, evidence) else [()]
        for second in seconds:
            chosen = list(first) + list(second)
            cases = pd.DataFrame(
                {
                    "stratum": "u",
                    "phase": [1] * M + [2] * len(second),
                    "outcome": [OUTCOMES[i] for i in chosen],
                }
            )
            allocation = pd.Series({"u": len(second)})
            w = weighting(cases, evidence, allocation).to_numpy()
            p = p_first / len(seconds)
            sat = np.array([OUTCOMES[i] == "satisfied" for i in chosen], dtype=float)
            expected_sat += p * (w * sat).sum()
            expected_other += p * (w * OTHER[chosen]).sum()
            total_probability += p
    return total_probability, expected_sat, expected_other


def test_rao_blackwell_weights_estimate_every_total_without_bias_exactly():
    total, sat, other = enumerate_estimates(
        lambda cases, evidence, allocation: rao_blackwell_weights(cases, evidence, allocation, low_satisfied)
    )
    assert total == pytest.approx(1.0, abs=1e-12)
    assert sat == pytest.approx(4.0, abs=1e-12)
    assert other == pytest.approx(OTHER.sum(), abs=1e-12)


def test_pooling_both_phases_with_pi_equal_to_m_plus_k_over_n_is_biased_upwards():
    _, sat, _ = enumerate_estimates(lambda cases, evidence, allocation: pooled_weights(cases, evidence))
    assert sat > 4.0 + 0.05


def test_rao_blackwell_weights_of_an_expanded_stratum_sum_to_its_population():
    evidence = pd.DataFrame({"N_h": [N], "system_rate": [0.9]}, index=["u"])
    cases = pd.DataFrame(
        {
            "stratum": "u",
            "phase": [1, 1, 1, 2, 2],
            "outcome": [OUTCOMES[i] for i in (0, 4, 6, 1, 7)],
        }
    )
    weights = rao_blackwell_weights(cases, evidence, pd.Series({"u": 2}), low_satisfied)
    assert weights.sum() == pytest.approx(N, abs=1e-12)


def test_a_stratum_without_phase_two_keeps_its_phase_one_weight():
    evidence = pd.DataFrame({"N_h": [N], "system_rate": [0.9]}, index=["u"])
    cases = pd.DataFrame({"stratum": "u", "phase": 1, "outcome": ["satisfied"] * M})
    weights = rao_blackwell_weights(cases, evidence, pd.Series({"u": 0}), low_satisfied)
    assert (weights == N / M).all()


def rule_evidence(system_rate: float = 0.95) -> pd.DataFrame:
    return pd.DataFrame({"system_rate": [system_rate]}, index=["u"])


def test_the_rule_clears_a_unit_whose_callbacks_rule_out_the_inflation():
    rule = PhaseTwoRule(inflation=0.10, level=0.20)
    # 12 of 12 satisfied: P(X ≥ 12 | 12, 0.85) = 0.85¹² = 0.142 ≤ 0.20
    assert not rule.selected(np.array([12]), np.array([12]), rule_evidence())[0]


def test_the_rule_sends_suspicious_and_inconclusive_units_to_phase_two():
    rule = PhaseTwoRule(inflation=0.10, level=0.20)
    evidence = rule_evidence()
    assert rule.selected(np.array([7]), np.array([12]), evidence)[0]  # suspicious
    assert rule.selected(np.array([4]), np.array([4]), evidence)[0]  # inconclusive: 0.85⁴ = 0.52
    assert rule.selected(np.array([0]), np.array([0]), evidence)[0]  # nobody answered yet


def test_evidence_counts_satisfied_and_answered_per_stratum():
    cases = pd.DataFrame(
        {"stratum": ["a", "a", "a", "b"], "outcome": ["satisfied", "unsatisfied", "none", "satisfied"]}
    )
    sizes = pd.Series({"a": 50, "b": 40})
    table = evidence_table(cases, pd.Series({"a": 0.9, "b": 0.95}), sizes, pd.Series({"a": 4, "b": 2}))
    assert table.loc["a", ["m", "x", "r", "M_h"]].tolist() == [3, 1, 2, 4]


def test_an_unknown_outcome_is_named():
    cases = pd.DataFrame({"stratum": ["a"], "outcome": ["maybe"]})
    with pytest.raises(DesignError, match="unknown case outcome"):
        evidence_table(cases, pd.Series({"a": 0.9}), pd.Series({"a": 5}), pd.Series({"a": 1}))


def allocation_evidence() -> pd.DataFrame:
    return pd.DataFrame(
        {"N_h": [300, 300, 100], "M_h": [20, 20, 20], "m": [16, 16, 16], "system_rate": [0.9, 0.95, 0.9]},
        index=["a", "b", "c"],
    )


def test_the_need_comes_from_the_design_and_never_exceeds_the_records_left():
    evidence = allocation_evidence()
    need = planned_need(evidence, PhaseTwoRule(response_rate=0.6), ["a", "b", "c"])
    assert need["c"] == 80  # a census of c's remaining records still falls short
    assert 0 < need["b"] < need["a"] <= 280


def test_the_budget_goes_to_selected_units_in_proportion_to_need():
    evidence = allocation_evidence()
    selected = pd.Series({"a": True, "b": False, "c": True})
    need = pd.Series({"a": 200, "b": 100, "c": 50})
    k = phase_two_allocation(evidence, selected, need, 100)
    assert k.to_dict() == {"a": 80, "b": 0, "c": 20}


def test_a_budget_larger_than_the_needs_fills_the_selected_units_records():
    evidence = allocation_evidence()
    selected = pd.Series({"a": True, "b": False, "c": True})
    k = phase_two_allocation(evidence, selected, pd.Series({"a": 10, "b": 0, "c": 10}), 100)
    assert int(k.sum()) == 100 and k["b"] == 0 and k["a"] >= 10 and k["c"] >= 10


def test_equal_parts_split_the_budget_evenly_whatever_the_units_need():
    evidence = allocation_evidence()
    selected = pd.Series({"a": True, "b": True, "c": False})
    k = phase_two_allocation(evidence, selected, pd.Series({"a": 200, "b": 10, "c": 50}), 101, "equal")
    assert k.to_dict() == {"a": 51, "b": 50, "c": 0}  # the odd case goes to the first in stratum order


def test_equal_parts_give_a_nearly_exhausted_unit_its_records_and_the_rest_to_the_others():
    evidence = allocation_evidence()  # c has 80 records left, a and b 280 each
    k = equal_allocation(evidence, pd.Index(["a", "b", "c"]), 300)
    assert k.to_dict() == {"a": 110, "b": 110, "c": 80}
    assert int(equal_allocation(evidence, pd.Index(["a", "c"]), 10_000).sum()) == 280 + 80


def test_a_rule_stored_without_an_allocation_shares_in_proportion_to_need():
    stored = PhaseTwoRule(response_rate=0.6).model_dump(mode="json")
    del stored["allocation"]
    assert PhaseTwoRule.model_validate(stored).allocation == "need"


def test_the_phase_two_draw_takes_only_records_not_drawn_in_phase_one_and_repeats_with_its_seed():
    drawn = {"u": np.array([True, False] * 10)}
    members = {"u": np.arange(20)}
    first = draw_phase_two(members, drawn, pd.Series({"u": 5}), seed=99)
    again = draw_phase_two(members, drawn, pd.Series({"u": 5}), seed=99)
    other = draw_phase_two(members, drawn, pd.Series({"u": 5}), seed=100)
    assert (first["u"] % 2 == 1).all() and len(set(first["u"])) == 5
    assert np.array_equal(first["u"], again["u"]) and not np.array_equal(first["u"], other["u"])


def test_asking_phase_two_for_more_records_than_are_left_is_refused_by_stratum():
    with pytest.raises(DesignError, match="stratum 'u': phase 2 asks for 3 cases but only 2"):
        draw_phase_two(
            {"u": np.arange(4)}, {"u": np.array([True, True, False, False])}, pd.Series({"u": 3}), 1
        )


def test_a_per_unit_honest_rate_moves_what_counts_as_cleared():
    rule = PhaseTwoRule(inflation=0.10, level=0.20)
    # 11 of 12 at system rate 0.95: P(X ≥ 11 | 12, 0.85) = 0.44, not cleared; with an honest callback
    # rate of 0.80 (a −15-point mode effect) the inflated rate is 0.70 and P(X ≥ 11 | 12, 0.70) = 0.085
    evidence = pd.DataFrame({"system_rate": [0.95, 0.95], "honest_rate": [np.nan, 0.80]}, index=["a", "b"])
    decided = rule.selected(np.array([11, 11]), np.array([12, 12]), evidence)
    assert decided[0] == (stats.binom.sf(10, 12, 0.85) > 0.20)
    assert decided[1] == (stats.binom.sf(10, 12, 0.70) > 0.20)
    assert decided[0] and not decided[1]


# --- the evidence rule: any number of categories, a score on all of phase 1's evidence -----------------


def brute_force_shares(categories: np.ndarray, m: int, selects) -> tuple[np.ndarray, float]:
    """P(a case of each category is in phase 1 | selects) and P(selects), over every m-subset."""
    n = len(categories)
    hits, inside = 0, np.zeros(n)
    for subset in itertools.combinations(range(n), m):
        vector = np.bincount(categories[list(subset)], minlength=categories.max() + 1)
        if selects(vector[None, :])[0]:
            hits += 1
            inside[list(subset)] += 1
    subsets = len(list(itertools.combinations(range(n), m)))
    if hits == 0:
        return np.full(categories.max() + 1, np.nan), 0.0
    share = np.array([inside[categories == c].mean() / hits for c in range(categories.max() + 1)])
    return share, hits / subsets


def test_the_split_enumeration_is_exact_for_any_rule_on_five_categories():
    categories = np.array([0, 0, 0, 1, 1, 2, 3, 3, 4])
    counts = np.bincount(categories)

    def uneven(v: np.ndarray) -> np.ndarray:  # not a score: a product and a maximum
        return (v[:, 1] * v[:, 3] >= 1) | (v.max(axis=1) >= 3)

    share, total = split_shares(counts, 4, uneven)
    expected_share, expected_total = brute_force_shares(categories, 4, uneven)
    assert total == pytest.approx(expected_total, abs=1e-12)
    assert share == pytest.approx(expected_share, abs=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_the_score_programme_equals_every_subset_counted_one_by_one(seed):
    rng = np.random.default_rng(seed)
    categories = rng.integers(0, 6, 11)
    categories = np.unique(categories, return_inverse=True)[1]
    scores = rng.integers(-7, 12, categories.max() + 1)
    threshold = int(rng.integers(-5, 15))

    def scored(v: np.ndarray) -> np.ndarray:
        return v @ scores >= threshold

    share, total = score_split_shares(np.bincount(categories), scores, 5, threshold)
    expected_share, expected_total = brute_force_shares(categories, 5, scored)
    assert total == pytest.approx(expected_total, abs=1e-12)
    if expected_total > 0:
        assert share == pytest.approx(expected_share, abs=1e-12)
    ceiling = threshold + 6

    def banded(v: np.ndarray) -> np.ndarray:
        return (v @ scores >= threshold) & (v @ scores < ceiling)

    share, total = score_split_shares(np.bincount(categories), scores, 5, threshold, ceiling)
    expected_share, expected_total = brute_force_shares(categories, 5, banded)
    assert total == pytest.approx(expected_total, abs=1e-12)
    if expected_total > 0:
        assert share == pytest.approx(expected_share, abs=1e-12)


def brute_force_pair_shares(categories: np.ndarray, m: int, selects) -> np.ndarray:
    """P(two given cases of categories c and d are both in phase 1 | selects), every m-subset counted:
    the mean over the pairs of distinct cases of those categories."""
    n, k = len(categories), categories.max() + 1
    hits, together = 0, np.zeros((n, n))
    for subset in itertools.combinations(range(n), m):
        vector = np.bincount(categories[list(subset)], minlength=k)
        if selects(vector[None, :])[0]:
            hits += 1
            together[np.ix_(list(subset), list(subset))] += 1
    out = np.full((k, k), np.nan)
    for c in range(k):
        for d in range(k):
            cells = together[np.ix_(categories == c, categories == d)]
            if c == d:
                cells = cells[~np.eye(len(cells), dtype=bool)]
            if cells.size and hits:
                out[c, d] = cells.mean() / hits
    return out


def test_the_pairs_of_the_split_enumeration_are_exact_for_any_rule():
    categories = np.array([0, 0, 0, 1, 1, 2, 3, 3, 4])

    def uneven(v: np.ndarray) -> np.ndarray:
        return (v[:, 1] * v[:, 3] >= 1) | (v.max(axis=1) >= 3)

    pair = split_pair_shares(np.bincount(categories), 4, uneven)
    expected = brute_force_pair_shares(categories, 4, uneven)
    assert np.array_equal(np.isnan(pair), np.isnan(expected))  # category 2 and 4 hold one case each
    assert pair == pytest.approx(expected, abs=1e-12, nan_ok=True)


@pytest.mark.parametrize("seed", range(4))
def test_the_pairs_of_the_score_programme_equal_every_subset_counted(seed):
    rng = np.random.default_rng(seed)
    categories = np.unique(rng.integers(0, 5, 10), return_inverse=True)[1]
    scores = rng.integers(-7, 12, categories.max() + 1)
    threshold, ceiling = int(rng.integers(-5, 15)), None if seed % 2 else int(rng.integers(10, 30))

    def scored(v: np.ndarray) -> np.ndarray:
        s = v @ scores
        return (s >= threshold) & (True if ceiling is None else s < ceiling)

    pair = score_split_pair_shares(np.bincount(categories), scores, 4, threshold, ceiling)
    expected = brute_force_pair_shares(categories, 4, scored)
    assert pair == pytest.approx(expected, abs=1e-12, nan_ok=True)


# two small units; each case: its category (system rating / answer / sign / staff asked)
UNIT_CASES = {
    "a": ["S/sat/-/-", "S/unsat/other/asked", "S/unsat/-/-", "s/unsat/-/-", "S/dk/not_rated/-", "S/none/-/-"],
    "b": ["S/sat/-/-", "S/sat/-/asked", "S/unsat/-/-", "s/sat/-/-", "S/sat/absent/-"],
}
UNIT_M = {"a": 3, "b": 2}


def unit_evidence() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "N_h": [6, 5],
            "M_h": [3, 2],
            "m": [3, 2],
            "system_rate": [0.9, 0.8],
            "domain": ["律师", "公证"],
        },
        index=["a", "b"],
    )


def enumerate_two_units(rule: PhaseTwoRule) -> dict[str, tuple[float, float]]:
    """Exact E[Σ w·satisfied] and E[Σ w·(case number)] per unit over every phase-1 draw of both units
    and every phase-2 draw of the selected one, with the rule, allocation and weights of the library
    (each computed once per distinct multiset of categories: the draws only differ in which cases)."""
    from functools import cache

    from sampling.screening import category_counts

    evidence = unit_evidence()

    @cache
    def decide(labels_a: tuple[str, ...], labels_b: tuple[str, ...]) -> tuple[pd.Series, pd.Series]:
        phase1 = pd.DataFrame(
            {"stratum": ["a"] * len(labels_a) + ["b"] * len(labels_b), "category": labels_a + labels_b}
        )
        decision = rule.decide(evidence, category_counts(phase1, evidence.index), ["a", "b"])
        k = phase_two_allocation(evidence, decision["selected"], pd.Series({"a": 2, "b": 2}), 2)
        return decision["threshold"], k

    @cache
    def weights(unit: str, first: tuple[str, ...], second: tuple[str, ...], threshold: int, k: int) -> dict:
        labels = first + second
        cases = pd.DataFrame(
            {
                "stratum": unit,
                "phase": [1] * len(first) + [2] * len(second),
                "category": labels,
                "outcome": ["satisfied" if "/sat/" in c else "none" for c in labels],
            }
        )
        ev = evidence.assign(threshold=threshold)
        w = rao_blackwell_weights(cases, ev, pd.Series({unit: k}), rule)
        return dict(zip(labels, w, strict=True))  # equal categories, equal weights

    value = {u: np.arange(1.0, len(c) + 1) for u, c in UNIT_CASES.items()}
    expected = {u: [0.0, 0.0] for u in UNIT_CASES}
    firsts = {u: list(itertools.combinations(range(len(c)), UNIT_M[u])) for u, c in UNIT_CASES.items()}
    for first_a, first_b in itertools.product(firsts["a"], firsts["b"]):
        first = {"a": first_a, "b": first_b}
        p_first = 1 / (len(firsts["a"]) * len(firsts["b"]))
        labels = {u: tuple(sorted(UNIT_CASES[u][i] for i in first[u])) for u in first}
        thresholds, k = decide(labels["a"], labels["b"])
        for u in first:
            rest = [i for i in range(len(UNIT_CASES[u])) if i not in first[u]]
            seconds = list(itertools.combinations(rest, int(k[u])))
            for second in seconds:
                chosen = list(first[u]) + list(second)
                later = tuple(sorted(UNIT_CASES[u][i] for i in second))
                w = weights(u, labels[u], later, int(thresholds[u]), int(k[u]))
                p = p_first / len(seconds)
                expected[u][0] += p * sum(w[UNIT_CASES[u][i]] for i in chosen if "/sat/" in UNIT_CASES[u][i])
                expected[u][1] += p * sum(w[UNIT_CASES[u][i]] * value[u][i] for i in chosen)
    return {u: (e[0], e[1]) for u, e in expected.items()}


@pytest.mark.parametrize(
    "options",
    [
        {"select": "top", "top": 1},
        {"select": "threshold", "threshold": 0.5},
        {"select": "top", "top": 1, "ceiling": 1.5},
    ],
    ids=["the most suspicious unit", "a fixed threshold", "the most suspicious undecided unit"],
)
def test_the_evidence_rule_weights_estimate_every_total_without_bias_exactly(options):
    rule = PhaseTwoRule(kind="evidence", **options)
    expected = enumerate_two_units(rule)
    for unit, cases in UNIT_CASES.items():
        satisfied = sum("/sat/" in c for c in cases)
        assert expected[unit][0] == pytest.approx(satisfied, abs=1e-12)
        assert expected[unit][1] == pytest.approx(len(cases) * (len(cases) + 1) / 2, abs=1e-12)


def test_the_evidence_rule_expands_a_unit_in_some_draws_and_not_in_others():
    """The exactness test above is not vacuous: the rule's decision varies with the phase-1 draw."""
    from sampling.screening import category_counts

    rule = PhaseTwoRule(kind="evidence", select="top", top=1)
    decisions = set()
    for first in itertools.combinations(range(len(UNIT_CASES["a"])), 3):
        phase1 = pd.DataFrame(
            [{"stratum": "a", "category": UNIT_CASES["a"][i]} for i in first]
            + [{"stratum": "b", "category": UNIT_CASES["b"][i]} for i in (0, 1)]
        )
        decision = rule.decide(unit_evidence(), category_counts(phase1, unit_evidence().index), ["a", "b"])
        decisions.add(tuple(decision["selected"]))
    assert decisions == {(True, False), (False, True)}


def test_a_unit_is_among_the_top_j_exactly_when_its_score_reaches_a_threshold_set_by_the_others():
    scores = pd.Series({"a": 5, "b": 3, "c": 3, "d": 7, "e": 3}, dtype="int64")
    candidates = pd.Series(True, index=scores.index)
    for unit in scores.index:
        thresholds = []
        for own in range(0, 10):
            trial = scores.copy()
            trial[unit] = own
            ranked = sorted(trial.index, key=lambda k: (-trial[k], k))[:3]
            thresholds.append(top_thresholds(trial, candidates, 3)[unit])
            assert (unit in ranked) == (own >= top_thresholds(trial, candidates, 3)[unit])
        assert len(set(thresholds)) == 1  # the threshold does not move with the unit's own score


def test_a_discordant_answer_with_a_sign_and_staff_asking_weighs_towards_inflation():
    scores = PhaseTwoRule(kind="evidence").category_scores(pd.Series({"system_rate": 0.9, "domain": "律师"}))
    assert scores["S/unsat/other/asked"] > scores["S/unsat/-/-"] > 0 > scores["S/sat/-/-"]
    assert scores["S/none/-/-"] == 0 and scores["s/none/-/-"] == 0


def test_a_published_rate_honest_units_of_its_domain_rarely_reach_raises_the_score_before_any_callback():
    from sampling.screening import EvidenceConstants, level_offset

    constants = EvidenceConstants(level_prior={"律师": (0.85, 40.0)})
    assert level_offset(constants, "律师", 0.97, 0.10) > 0 > level_offset(constants, "律师", 0.80, 0.10)
    assert level_offset(constants, "公证", 0.97, 0.10) == 0  # no law for that domain: no level evidence


def test_a_rule_stored_before_the_evidence_rule_still_reads_as_the_rate_rule():
    stored = {"inflation": 0.1, "level": 0.2, "honest_gap": 0.0, "q": 0.1, "power": 0.8, "response_rate": 0.6}
    assert PhaseTwoRule.model_validate(stored).kind == "rate"


def test_a_rule_stored_before_proxied_records_screens_as_it_did_when_drawn():
    # a design drawn before `proxied_share` existed must re-derive its selection, so it reads as 0
    stored = PhaseTwoRule(kind="evidence", response_rate=0.6).model_dump(mode="json")
    del stored["constants"]["proxied_share"]
    assert PhaseTwoRule.stored(stored).constants.proxied_share == 0.0
    fresh = PhaseTwoRule(kind="evidence", response_rate=0.6).model_dump(mode="json")
    assert PhaseTwoRule.stored(fresh).constants.proxied_share == fresh["constants"]["proxied_share"] > 0


def test_the_published_level_is_no_evidence_in_a_domain_that_leaves_no_room_for_the_inflation_sought():
    # at 95–98% an inflating unit must start lower to rise by 10 points and lands at a typical rate
    from sampling.screening import level_prior

    rng = np.random.default_rng(1)
    rates = pd.Series(np.concatenate([rng.beta(85, 15, 20), rng.beta(96, 4, 20)]))
    domains = pd.Series(["律师"] * 20 + ["公证"] * 20)
    assert set(level_prior(rates, domains)) == {"律师", "公证"}
    assert set(level_prior(rates, domains, inflation=0.10)) == {"律师"}
