"""Two waves compared group by group (`analysis.waves`): the change's interval, its p-value, the marks
and what became of the flagged units."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import confint_proportions_2indep

from analysis import AnalysisError
from analysis.intervals import proportion_interval
from analysis.waves import change_p_values, compare_waves, follow_up_units


def _simple(x: int, n: int, level: str = "(all)", group: str = "overall", metric: str = "满意率") -> dict:
    """A simple random sample's row: binomial se, a design df so large that t is the normal quantile."""
    p = x / n
    return {
        "metric": metric,
        "group": group,
        "level": level,
        "estimate": p,
        "se": np.sqrt(p * (1 - p) / n),
        "n": n,
        "df": 1e15,
        "definition": "satisfied + basically_satisfied",
    }


def _table(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2"), [(56, 70, 48, 80), (9, 10, 3, 10), (6, 7, 2, 7), (5, 56, 1, 29)]
)
def test_with_wilson_intervals_the_change_interval_is_newcombes_method_10_as_statsmodels_computes_it(
    x1, n1, x2, n2
):
    result = compare_waves(_table(_simple(x2, n2)), _table(_simple(x1, n1)), ci="wilson").iloc[0]
    low, high = confint_proportions_2indep(x1, n1, x2, n2, method="newcomb", compare="diff")
    assert result["change_low"] == pytest.approx(low, abs=1e-9)
    assert result["change_high"] == pytest.approx(high, abs=1e-9)


def test_newcombes_published_examples_are_reproduced_to_his_four_decimals():
    # Newcombe (1998), Statistics in Medicine 17:873, Table II, method 10: 56/70 − 48/80 and 9/10 − 3/10
    first = compare_waves(_table(_simple(48, 80)), _table(_simple(56, 70)), ci="wilson").iloc[0]
    second = compare_waves(_table(_simple(3, 10)), _table(_simple(9, 10)), ci="wilson").iloc[0]
    assert (round(first["change_low"], 4), round(first["change_high"], 4)) == (0.0524, 0.3339)
    assert (round(second["change_low"], 4), round(second["change_high"], 4)) == (0.1705, 0.8090)


def test_the_p_value_is_the_level_at_which_the_interval_just_reaches_zero():
    earlier, later = _table(_simple(150, 200)), _table(_simple(170, 200))
    p = change_p_values(earlier, later)[0]
    assert 0.001 < p < 0.05
    _, e_high = proportion_interval(0.75, earlier["se"], 1e15, 200, "logit", 1 - p)
    l_low, _ = proportion_interval(0.85, later["se"], 1e15, 200, "logit", 1 - p)
    low = 0.10 - np.sqrt((0.85 - l_low[0]) ** 2 + (e_high[0] - 0.75) ** 2)
    assert low == pytest.approx(0.0, abs=1e-9)


def test_a_group_all_satisfied_in_both_waves_gets_an_interval_around_no_change_and_no_mark():
    row = compare_waves(_table(_simple(20, 20)), _table(_simple(20, 20))).iloc[0]
    assert row["change"] == 0
    assert row["change_low"] < -0.1 and row["change_high"] > 0.1  # each side's exact interval, not a point
    assert row["verdict"] == "no_clear_change"


def test_a_lone_overall_row_is_marked_exactly_when_its_95_percent_interval_excludes_zero():
    for later_x in range(150, 200, 3):
        row = compare_waves(_table(_simple(150, 200)), _table(_simple(later_x, 200))).iloc[0]
        excludes = row["change_low"] > 0 or row["change_high"] < 0
        assert (row["verdict"] == "rose") == excludes


def test_marks_among_districts_are_held_to_the_false_discovery_rate_of_their_family():
    # one district's p-value alone would pass 0.05, but not Benjamini–Hochberg's threshold among 16
    earlier = _table(*(_simple(150, 200, level=f"D{d}", group="district") for d in range(16)))
    later = _table(*(_simple(150 + 22 * (d == 0), 200, level=f"D{d}", group="district") for d in range(16)))
    result = compare_waves(earlier, later).set_index("level")
    assert result.at["D0", "p_value"] < 0.05
    assert result.at["D0", "q_value"] > 0.05
    assert (result["verdict"] == "no_clear_change").all()


def test_a_group_in_one_wave_only_or_defined_otherwise_is_not_compared():
    redefined = _simple(150, 200, level="(all)") | {"definition": "satisfied only"}
    result = compare_waves(
        _table(_simple(150, 200), _simple(10, 20, level="A", group="district")),
        _table(redefined, _simple(10, 20, level="B", group="district")),
    ).set_index("level")
    assert result.at["A", "verdict"] == "only_earlier"
    assert result.at["B", "verdict"] == "only_later"
    assert result.at["(all)", "verdict"] == "redefined"
    assert result["p_value"].isna().all()
    assert result[["change", "change_low", "change_high"]].loc["(all)"].isna().all()


def test_two_waves_with_no_group_in_common_compare_nothing_and_say_where_each_was():
    result = compare_waves(
        _table(_simple(10, 20, level="A", group="district")),
        _table(_simple(10, 20, level="B", group="district")),
    )
    assert result.set_index("level")["verdict"].to_dict() == {"A": "only_earlier", "B": "only_later"}


def test_a_wave_without_a_design_interval_for_a_group_is_insufficient():
    lonely = _simple(3, 4, level="A", group="district") | {"df": 0.0}
    result = compare_waves(_table(_simple(10, 20, level="A", group="district")), _table(lonely)).iloc[0]
    assert result["verdict"] == "insufficient"
    assert np.isnan(result["p_value"])


def test_the_gap_change_is_the_published_change_less_the_callback_change_its_interval_turned_round():
    systems = [
        pd.DataFrame({"group": ["overall"], "level": ["(all)"], "system_rate": [rate]})
        for rate in (0.95, 0.97)
    ]
    row = compare_waves(
        _table(_simple(160, 200)),
        _table(_simple(150, 200)),
        earlier_system=systems[0],
        later_system=systems[1],
    ).iloc[0]
    assert row["gap_change"] == pytest.approx(0.02 - (-0.05))
    assert row["gap_change_low"] == pytest.approx(0.02 - row["change_high"])
    assert row["gap_change_high"] == pytest.approx(0.02 - row["change_low"])


def test_a_headline_table_without_its_standard_errors_is_refused_by_name():
    with pytest.raises(AnalysisError, match="earlier wave's headline table lacks the column 'se'"):
        compare_waves(_table(_simple(1, 2)).drop(columns="se"), _table(_simple(1, 2)))


def _units(**statuses: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": [f"机构{unit}" for unit in statuses],
            "domain": "公证",
            "status": list(statuses.values()),
            "inflation": 0.1,
        },
        index=pd.Index(list(statuses), name="organisation_id"),
    )


def test_each_unit_flagged_in_either_wave_is_followed_up_and_no_other():
    earlier = _units(A="flagged", B="flagged", C="flagged", D="no_evidence", E="no_evidence")
    later = _units(A="flagged", B="no_evidence", C="insufficient_evidence", D="flagged", E="no_evidence")
    outcome = follow_up_units(earlier, later).set_index("unit")["outcome"].to_dict()
    assert outcome == {
        "A": "still_flagged",
        "B": "no_longer_flagged",
        "C": "not_judged_later",
        "D": "newly_flagged",
    }


def test_a_flagged_unit_absent_from_the_later_wave_is_not_judged_later():
    table = follow_up_units(_units(A="flagged"), _units(B="no_evidence"))
    assert table.iloc[0][["later_status", "outcome"]].tolist() == ["absent", "not_judged_later"]
