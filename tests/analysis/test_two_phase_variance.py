"""The headline's standard errors after a phase 2 by the Rao–Blackwell decomposition
(`analysis.two_phase_variance`): Var(phase 1) = Var(Rao–Blackwell) + E[Var(phase 1 | final sample)]."""

import itertools

import numpy as np
import pandas as pd
import pytest

from analysis.intervals import proportion_interval
from analysis.phase_effect import phase_effect
from analysis.two_phase_variance import KEY, decomposed_headline, headline_split_variances
from sampling.two_phase import phase_one_splits, rao_blackwell_weights

EVIDENCE = pd.DataFrame({"N_h": [30.0, 12.0]}, index=["a", "b"])
ALLOCATION = pd.Series({"a": 4, "b": 0})
# stratum a: 9 cases, phase 1 held 5 and the rule expanded it; stratum b: 4 phase-1 cases
ANSWERS = (
    ["satisfied"] * 5
    + ["dissatisfied"] * 4
    + ["satisfied", "satisfied", "dissatisfied", "basically_satisfied"]
)
AWARE = ["yes", "no", "yes", "yes", "no", "no", "yes", "no", "yes", "yes", "yes", "no", "no"]


def few_satisfied(x: np.ndarray, r: np.ndarray, evidence: pd.DataFrame) -> np.ndarray:
    return np.asarray(x) <= 3


def study(first: tuple[int, ...]) -> pd.DataFrame:
    """Both strata's cases, everyone answering, stratum a's phase 1 the cases numbered in ``first``."""
    phase = [1 if i in first else 2 for i in range(9)] + [1] * 4
    satisfied = {"satisfied", "basically_satisfied"}
    return pd.DataFrame(
        {
            "stratum": ["a"] * 9 + ["b"] * 4,
            "phase": phase,
            "outcome": ["satisfied" if a in satisfied else "unsatisfied" for a in ANSWERS],
            "sat_overall": ANSWERS,
            "aware_12348": AWARE,
            "first_choice": "public_legal",
            "district": ["浦东新区"] * 6 + ["黄浦区"] * 7,
        }
    )


def splits_of(cases: pd.DataFrame):
    weights = rao_blackwell_weights(cases, EVIDENCE, ALLOCATION, few_satisfied)
    return weights, phase_one_splits(cases, EVIDENCE, ALLOCATION, few_satisfied, pairs=True)


def variances(cases: pd.DataFrame) -> pd.Series:
    weights, splits = splits_of(cases)
    return headline_split_variances(
        cases, weights, EVIDENCE["N_h"], splits, ("satisfied", "basically_satisfied"), by=("district",)
    )


def phase_one_rate(cases: pd.DataFrame, column: str, yes: set[str]) -> float:
    first = cases[cases["phase"] == 1]
    weight = EVIDENCE["N_h"].reindex(first["stratum"]).to_numpy() / first.groupby("stratum")[
        "stratum"
    ].transform("size")
    return float((weight * first[column].isin(yes)).sum() / weight.sum())


def test_phase_one_s_rates_vary_about_the_rao_blackwell_ones_as_the_split_variance_says():
    # everyone answered, so each overall rate of phase 1 is linear in which cases phase 1 held
    satisfied = np.array([a in {"satisfied", "basically_satisfied"} for a in ANSWERS[:9]])
    allowed = [s for s in itertools.combinations(range(9), 5) if satisfied[list(s)].sum() <= 3]
    said = variances(study(allowed[0]))
    for first in allowed[1:4]:  # the variance is the final sample's: the same whichever split is at hand
        assert variances(study(first)).to_numpy() == pytest.approx(said.to_numpy(), rel=1e-12, nan_ok=True)
    for column, yes, metric in (
        ("sat_overall", {"satisfied", "basically_satisfied"}, "满意率"),
        ("aware_12348", {"yes"}, "知晓率"),
    ):
        rates = np.array([phase_one_rate(study(first), column, yes) for first in allowed])
        assert rates.var() == pytest.approx(said[(metric, "overall", "(all)")], rel=1e-12)


def test_the_satisfaction_row_s_variance_is_the_phase_agreement_test_s():
    cases = study((0, 1, 2, 5, 6)).assign(satisfied=lambda c: (c["outcome"] == "satisfied").astype(float))
    weights, splits = splits_of(cases)
    effect = phase_effect(cases, weights, EVIDENCE["N_h"], splits)
    assert variances(cases)[("满意率", "overall", "(all)")] == pytest.approx(effect.se**2, rel=1e-12)


def _rows(se: list[float], df: float = 40.0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "metric": ["满意率", "满意率", "知晓率"],
            "group": ["overall", "district", "overall"],
            "level": ["(all)", "浦东新区", "(all)"],
            "estimate": [0.80, 0.75, 0.60],
            "se": se,
            "ci_low": np.nan,
            "ci_high": np.nan,
            "n": [400, 150, 390],
            "df": df,
        }
    )


def test_the_headline_s_standard_error_is_phase_one_s_less_the_split_s_variance():
    headline, first = _rows([0.015, 0.03, 0.02], df=60.0), _rows([0.020, 0.035, 0.025], df=45.0)
    v = pd.Series(
        [0.0001, 0.0002],
        index=pd.MultiIndex.from_tuples(
            [("满意率", "overall", "(all)"), ("知晓率", "overall", "(all)")], names=KEY
        ),
    )
    out = decomposed_headline(headline, first, v)
    assert out["se"].tolist() == pytest.approx([np.sqrt(0.020**2 - 0.0001), 0.03, np.sqrt(0.025**2 - 0.0002)])
    assert out["df"].tolist() == [45.0, 60.0, 45.0]  # phase 1's design df where decomposed
    low, high = proportion_interval(0.80, np.sqrt(0.020**2 - 0.0001), 45.0, 400)
    assert (out.at[0, "ci_low"], out.at[0, "ci_high"]) == pytest.approx((low[0], high[0]), rel=1e-12)
    assert np.isnan(out.at[1, "ci_low"])  # no variance for the district row: its jackknife's stays
