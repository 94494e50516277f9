"""How far a unit's answers lean on surveyors who record differently (`analysis.surveyor_bias`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.surveyor_bias import HOLD, WHO_HOLD, surveyor_shifts, unit_surveyor_bias, unit_who_bias


def answers(rows: list[tuple[str, str, str, str, int, int]]) -> pd.DataFrame:
    """(unit, domain, system rating, surveyor, satisfied, not satisfied) → one row per answer."""
    out = [
        {"unit": unit, "domain": domain, "system_rating": rating, "surveyor": who, "sat_overall": answer}
        for unit, domain, rating, who, yes, no in rows
        for answer in ["satisfied"] * yes + ["dissatisfied"] * no
    ]
    return pd.DataFrame(out)


def bias_of(data: pd.DataFrame) -> pd.DataFrame:
    return unit_surveyor_bias(data, "unit", "surveyor", data["domain"])


def block_design(s0_satisfied: int) -> pd.DataFrame:
    """Eight units of one domain, two called by S0 alone and six by S1–S3 alone; every unit has 40
    answers on records rated satisfied (36 satisfied on the phone) and 10 on records rated not (4)."""
    rows = []
    for u in range(8):
        who = "S0" if u < 2 else f"S{1 + u % 3}"
        yes = s0_satisfied if who == "S0" else 36
        rows += [
            (f"U{u}", "律师", "satisfied", who, yes, 40 - yes),
            (f"U{u}", "律师", "dissatisfied", who, 4, 6),
        ]
    return answers(rows)


def test_a_surveyor_who_records_fewer_satisfied_on_like_records_has_that_shift():
    data = block_design(28)
    cells = data["domain"] + "|" + data["system_rating"]
    table = surveyor_shifts(data["surveyor"], cells, (data["sat_overall"] == "satisfied").to_numpy(float))
    # S0: 28 + 4 of 50 on the phone; peers on the same mix 36 + 4 of 50
    assert table.loc["S0", "share"] == pytest.approx(32 / 100 * 2)
    assert table.loc["S0", "peer_share"] == pytest.approx(40 / 50)
    assert table.loc["S0", "shift"] == pytest.approx(32 / 50 - 40 / 50)
    assert table.loc["S0", "p"] < 0.01


def test_a_surveyor_like_their_peers_has_no_shift():
    table = bias_of(block_design(36))
    assert (table["surveyor_bias"] == 0).all()


def test_a_unit_called_by_one_deviant_surveyor_carries_the_whole_shift():
    table = bias_of(block_design(28))
    assert table.loc["U0", "surveyor_bias"] == pytest.approx(-0.16)
    assert table.loc["U0", "surveyor_main"] == "S0"
    assert table.loc["U0", "surveyor_main_share"] == 1.0
    assert table.loc["U0", "surveyor_bias"] <= -HOLD


def test_the_peers_of_a_deviant_surveyor_lean_the_other_way_by_less():
    table = bias_of(block_design(28))
    # each of S1–S3 is compared with peers that include S0: a small shift the other way, not significant
    assert table.loc["U2", "surveyor_bias"] == 0
    assert table.loc["U2", "surveyor_main_shift"] == 0


def test_a_unit_shared_by_many_surveyors_carries_only_the_deviants_share():
    rng = np.random.default_rng(3)
    rows = []
    for u in range(20):
        for who in ("S0", "S1", "S2", "S3", "S4"):
            yes = 14 if who == "S0" else 18
            rows += [(f"U{u}", "公证", "satisfied", who, yes, 20 - yes)]
            rows += [(f"U{u}", "公证", "dissatisfied", who, int(rng.integers(2, 5)), 5)]
    table = bias_of(answers(rows))
    assert table["surveyor_main_share"].max() < 0.25
    assert table["surveyor_bias"].abs().max() < HOLD


def test_a_surveyor_whose_low_answers_come_from_one_unit_of_four_has_no_shift():
    rows = []
    for u in range(12):
        who = "S0" if u < 4 else f"S{1 + u % 3}"
        yes = 16 if u == 0 else 36  # U0 alone answers 20 points lower on records rated satisfied
        rows += [
            (f"U{u}", "律师", "satisfied", who, yes, 40 - yes),
            (f"U{u}", "律师", "dissatisfied", who, 4, 6),
        ]
    data = answers(rows)
    cells = data["domain"] + "|" + data["system_rating"]
    overall = surveyor_shifts(data["surveyor"], cells, (data["sat_overall"] == "satisfied").to_numpy(float))
    assert overall.loc["S0", "p"] < 0.05 and overall.loc["S0", "shift"] < 0
    # S0 differs from peers over their four units, but not once U0 is left out: inflation in one unit,
    # not a way of recording, so no unit is judged without its answers
    assert (bias_of(data)["surveyor_bias"] == 0).all()


def test_a_surveyor_low_in_every_unit_keeps_the_shift_with_the_lowest_units_left_out():
    rows = []
    for u in range(12):
        who = "S0" if u < 4 else f"S{1 + u % 3}"
        yes = 29 + (u == 0) if who == "S0" else 36
        rows += [
            (f"U{u}", "律师", "satisfied", who, yes, 40 - yes),
            (f"U{u}", "律师", "dissatisfied", who, 4, 6),
        ]
    table = bias_of(answers(rows))
    assert (table.loc[["U0", "U1", "U2", "U3"], "surveyor_bias"] <= -HOLD).all()
    assert (table.loc[["U4", "U5"], "surveyor_bias"] == 0).all()


def test_a_surveyor_alone_on_a_domain_has_nothing_to_be_compared_with():
    rows = [
        ("U0", "仲裁", "satisfied", "S0", 20, 20),
        ("U1", "仲裁", "satisfied", "S0", 22, 18),
        ("U2", "律师", "satisfied", "S1", 38, 2),
        ("U3", "律师", "satisfied", "S2", 37, 3),
    ]
    table = bias_of(answers(rows))
    # S0's low answers are the domain's own: its honest gap carries them, not a surveyor shift
    assert table.loc["U0", "surveyor_bias"] == 0


def test_web_answers_count_in_the_share_without_a_shift():
    data = block_design(28)
    web = answers([("U0", "律师", "satisfied", "S0", 50, 0)]).assign(surveyor=None)
    table = bias_of(pd.concat([data, web], ignore_index=True))
    assert table.loc["U0", "surveyor_main_share"] == pytest.approx(50 / 100)
    assert table.loc["U0", "surveyor_bias"] == pytest.approx(table.loc["U1", "surveyor_bias"] / 2)


def who_design(s0_not_self: int) -> pd.DataFrame:
    """Eight units of one domain, two interviewed by S0 alone and six by S1–S3 alone; 50 interviews a
    unit, 3 of which say someone else rated and 2 that nobody did, but S0's `s0_not_self` of 50."""
    rows = []
    for u in range(8):
        who = "S0" if u < 2 else f"S{1 + u % 3}"
        other = s0_not_self if who == "S0" else 5
        said = (
            ["other"] * (other * 3 // 5) + ["not_rated"] * (other - other * 3 // 5) + ["self"] * (45 - other)
        )
        said += ["dk"] * 5
        rows += [
            {"unit": f"U{u}", "domain": "律师", "system_rating": "satisfied", "surveyor": who, "who_rated": w}
            for w in said
        ]
    return pd.DataFrame(rows)


def test_a_surveyor_who_hears_someone_else_rated_more_often_leans_their_units_who_rated_answers():
    data = who_design(12)
    table = unit_who_bias(data, "unit", "surveyor", data["domain"])
    assert table.attrs["aside"] == ("S0",)
    # S0: 12 of 50 against peers' 5 of 50
    assert table.loc["U0", "who_bias"] == pytest.approx(7 / 50)
    assert table.loc["U0", "who_main"] == "S0" and table.loc["U0", "who_bias"] >= WHO_HOLD
    assert table.loc["U2", "who_bias"] == 0


def test_surveyors_who_hear_alike_lean_no_units_who_rated_answers():
    data = who_design(5)
    table = unit_who_bias(data, "unit", "surveyor", data["domain"])
    assert table.attrs["aside"] == () and (table["who_bias"] == 0).all()


def who_block(said_not_self: list[int]) -> pd.DataFrame:
    """One answer to who rated per row, 50 a unit on records rated satisfied: of unit U<i>'s,
    `said_not_self[i]` say someone else rated, the rest themselves. U0–U3 are S0's, then four each
    for S1, S2 and S3."""
    rows = []
    for u, other in enumerate(said_not_self):
        who = f"S{u // 4}"
        rows += [
            {"unit": f"U{u}", "domain": "律师", "system_rating": "satisfied", "surveyor": who, "who_rated": w}
            for w in ["other"] * other + ["self"] * (50 - other)
        ]
    return pd.DataFrame(rows)


#: Each peer's four units: three where 5 of 50 say someone else rated, one that takes ratings for its
#: clients (30 of 50).
PEERS_WITH_PROXY_UNITS = [5, 5, 5, 30] * 3


def test_a_leading_surveyor_keeps_the_shift_where_the_peers_units_take_ratings_too():
    """S0 hears "someone else" 14 points more often than honest units show in three of their four
    units; the fourth takes ratings, as one of each peer's four does. Without that fourth unit, S0's
    24% against all of the peers' answers (22.5%) is no shift; against the peers without their own
    such units (10%), it is. Stop 36 compared with all of the peers' answers and kept S0's."""
    data = who_block([12, 12, 12, 35, *PEERS_WITH_PROXY_UNITS])
    table = unit_who_bias(data, "unit", "surveyor", data["domain"])
    assert table.attrs["aside"] == ("S0",)
    assert (table.loc[["U0", "U1", "U2", "U3"], "who_bias"] >= WHO_HOLD).all()
    assert (table.loc[["U4", "U7"], "who_bias"] == 0).all()


def test_a_surveyor_whose_one_unit_of_four_takes_ratings_has_no_shift_on_who_rated():
    """Peers trimmed too, the rule still tells one unit that takes ratings from a way of asking."""
    data = who_block([5, 6, 5, 35, *[5] * 12])
    overall = surveyor_shifts(
        data["surveyor"], data["domain"], (data["who_rated"] == "other").to_numpy(float)
    )
    assert overall.loc["S0", "p"] < 0.05
    table = unit_who_bias(data, "unit", "surveyor", data["domain"])
    assert table.attrs["aside"] == () and (table["who_bias"] == 0).all()
