"""draw, release, exclusions, the person unit, designs and verify_draw."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sampling
from sampling import Exclusions, SampleDesign, draw, draw_design, release, verify_draw
from sampling.errors import DesignError, DrawError

from .conftest import AS_OF, good_rows, write_csv


def event_frame(rows: int = 600, seed: int = 0, phones: int | None = None) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "record_id": [f"E{i:05d}" for i in range(rows)],
            "domain": rng.choice(["律师", "公证", "仲裁"], rows),
            "district": rng.choice(["黄浦区", "静安区"], rows),
            "phone": [f"139{x:08d}" for x in rng.integers(0, phones or rows * 100, rows)],
            "system_rating": rng.choice(
                ["satisfied", "basically_satisfied", "dissatisfied"], rows, p=[0.7, 0.2, 0.1]
            ),
            "complaint_open": rng.random(rows) < 0.05,
        }
    )


STRATA = ["domain", "district"]


def half(frame: pd.DataFrame) -> pd.Series:
    sizes = frame.groupby(STRATA).size()
    return sizes // 2


@st.composite
def frames_and_allocations(draw_):
    rows = draw_(st.integers(1, 300))
    frame = event_frame(rows, seed=draw_(st.integers(0, 10_000)))
    sizes = frame.groupby(STRATA).size()
    allocation = pd.Series([draw_(st.integers(0, int(n))) for n in sizes], index=sizes.index)
    return frame, allocation


@settings(max_examples=60, deadline=None)
@given(case=frames_and_allocations(), seed=st.integers(0, 2**64 - 1))
def test_each_stratum_gets_exactly_its_allocation_of_distinct_units(case, seed):
    frame, allocation = case
    sample = draw(frame, STRATA, allocation, seed, unit="event")
    counts = sample.cases.groupby("stratum").size()
    expected = {f"{a}|{b}": n for (a, b), n in allocation.items() if n > 0}
    assert counts.to_dict() == expected
    assert sample.cases["record_id"].is_unique
    assert set(sample.cases["record_id"]) <= set(frame["record_id"])


@settings(max_examples=60, deadline=None)
@given(case=frames_and_allocations(), seed=st.integers(0, 2**64 - 1))
def test_inclusion_probabilities_times_N_h_sum_to_n_h_and_weights_to_N_h(case, seed):
    frame, allocation = case
    sample = draw(frame, STRATA, allocation, seed, unit="event")
    for stratum, group in sample.cases.groupby("stratum"):
        N_h, n_h = sample.strata.loc[stratum, "N_h"], sample.strata.loc[stratum, "n_h"]
        # every one of the N_h units has π = n_h / N_h, so Σ over the stratum is n_h
        assert group["inclusion_prob"].iloc[0] * N_h == pytest.approx(n_h)
        assert group["design_weight"].sum() == pytest.approx(N_h)
        assert ((group["inclusion_prob"] > 0) & (group["inclusion_prob"] <= 1)).all()


@settings(max_examples=30, deadline=None)
@given(case=frames_and_allocations(), seed=st.integers(0, 2**64 - 1))
def test_the_same_seed_gives_the_same_sample(case, seed):
    frame, allocation = case
    first = draw(frame, STRATA, allocation, seed, unit="event")
    second = draw(frame.copy(), STRATA, allocation.copy(), seed, unit="event")
    pd.testing.assert_frame_equal(first.cases, second.cases)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**64 - 2))
def test_a_different_seed_gives_a_different_sample(seed):
    frame = event_frame(600)
    first = draw(frame, STRATA, half(frame), seed, unit="event")
    second = draw(frame, STRATA, half(frame), seed + 1, unit="event")
    assert set(first.cases["record_id"]) != set(second.cases["record_id"])


def test_every_units_inclusion_rate_over_many_seeds_is_close_to_n_h_over_N_h():
    frame = event_frame(90, seed=3)
    allocation = frame.groupby(STRATA).size() // 3
    seeds = 800
    counts = pd.Series(0, index=frame["record_id"])
    for seed in range(seeds):
        counts[draw(frame, STRATA, allocation, seed, unit="event").cases["record_id"]] += 1
    pi = frame.set_index("record_id").join(
        (allocation / frame.groupby(STRATA).size()).rename("pi"), on=STRATA
    )["pi"]
    rate = counts / seeds
    se = np.sqrt(pi * (1 - pi) / seeds)
    # every unit within 4.5 binomial standard errors (Bonferroni over 90 units at ~1e-3 overall)
    assert ((rate - pi).abs() <= 4.5 * se + 1e-12).all()


def test_a_stratum_sample_does_not_depend_on_other_strata():
    frame = event_frame(600)
    allocation = half(frame)
    other = allocation.copy()
    other[("公证", "黄浦区")] = 1
    a = draw(frame, STRATA, allocation, 9, unit="event").cases
    b = draw(frame, STRATA, other, 9, unit="event").cases
    pick = a["stratum"] == "律师|静安区"
    assert a.loc[pick, "record_id"].tolist() == b.loc[b["stratum"] == "律师|静安区", "record_id"].tolist()


def test_allocation_may_be_keyed_by_stratum_keys():
    frame = event_frame()
    by_values = draw(frame, STRATA, half(frame), 5, unit="event")
    by_keys = draw(frame, STRATA, {f"{a}|{b}": n for (a, b), n in half(frame).items()}, 5, unit="event")
    pd.testing.assert_frame_equal(by_values.cases, by_keys.cases)


def test_a_stratum_missing_from_the_allocation_is_an_error_naming_it():
    frame = event_frame()
    with pytest.raises(DrawError, match="no n_h for 1 stratum"):
        draw(frame, STRATA, half(frame).iloc[1:], 1, unit="event")


def test_more_cases_than_units_in_a_stratum_is_an_error_naming_it():
    frame = event_frame()
    allocation = half(frame)
    allocation.iloc[0] = 10_000
    with pytest.raises(DrawError, match=r"stratum '仲裁\|静安区': n_h = 10000 but only"):
        draw(frame, STRATA, allocation, 1, unit="event")


def test_a_seed_outside_64_bits_is_refused():
    frame = event_frame()
    with pytest.raises(DesignError, match="seed"):
        draw(frame, STRATA, half(frame), 2**64, unit="event")


def test_reserve_replicates_follow_the_main_sample_in_the_same_random_order():
    frame = event_frame()
    allocation = half(frame) // 4
    plain = draw(frame, STRATA, allocation + allocation // 2 + 2, 11, unit="event")
    reserved = draw(frame, STRATA, allocation, 11, unit="event", reserve=0.5, reserve_replicates=2)
    for stratum, group in reserved.cases.groupby("stratum"):
        longer = plain.cases[plain.cases["stratum"] == stratum]["record_id"].tolist()
        assert group["record_id"].tolist() == longer[: len(group)]
        n_h = reserved.strata.loc[stratum, "n_h"]
        assert (group["replicate"].iloc[:n_h] == 0).all() and set(group["replicate"].iloc[n_h:]) <= {1, 2}


def test_reserve_cases_have_no_weight_until_released():
    frame = event_frame()
    sample = draw(frame, STRATA, half(frame) // 4, 11, unit="event", reserve=0.5, reserve_replicates=2)
    reserve = sample.cases[sample.cases["replicate"] > 0]
    assert not reserve["released"].any() and reserve["design_weight"].isna().all()


def test_releasing_a_replicate_recomputes_probabilities_over_the_released_cases():
    frame = event_frame()
    sample = draw(frame, STRATA, half(frame) // 4, 11, unit="event", reserve=0.5, reserve_replicates=2)
    released = release(sample, 1)
    for stratum, row in released.strata.iterrows():
        group = released.released[released.released["stratum"] == stratum]
        assert len(group) == row["n_h"] + row["reserve_1"] == row["released"]
        assert group["inclusion_prob"].iloc[0] == pytest.approx(len(group) / row["N_h"])
        assert group["design_weight"].sum() == pytest.approx(row["N_h"])


def test_release_can_be_limited_to_some_strata_and_never_takes_cases_back():
    frame = event_frame()
    sample = draw(frame, STRATA, half(frame) // 4, 11, unit="event", reserve=0.5, reserve_replicates=2)
    one = release(sample, 2, strata=["律师|黄浦区"])
    assert one.strata.loc["律师|黄浦区", "released_replicates"] == 2
    assert one.strata.drop("律师|黄浦区")["released_replicates"].eq(0).all()
    assert release(one, 1).strata.loc["律师|黄浦区", "released_replicates"] == 2


def test_release_of_an_unknown_stratum_is_refused():
    frame = event_frame()
    sample = draw(frame, STRATA, half(frame) // 4, 11, unit="event", reserve=0.5)
    with pytest.raises(DrawError, match="no such stratum"):
        release(sample, 1, strata=["法考|黄浦区"])


def test_exclusions_are_counted_and_listed_with_their_reason():
    frame = event_frame(phones=200)
    dnc = [frame["phone"].iloc[0]]
    recent = pd.DataFrame({"phone": [frame["phone"].iloc[1]], "last_called": ["2024-06-20"]})
    exclude = Exclusions(do_not_call=dnc, recent_calls=recent, within_days=30, as_of=AS_OF)
    sample = draw(frame, STRATA, {k: 1 for k in half(frame).index}, 3, unit="event", exclude=exclude)
    excluded = sample.excluded.set_index("record_id")["reason"]
    assert (excluded[frame.loc[frame["phone"] == dnc[0], "record_id"]] == "do_not_call").all()
    assert (
        excluded[frame.loc[frame["phone"] == frame["phone"].iloc[1], "record_id"]] == "called_recently"
    ).all()
    flagged = frame.loc[
        frame["complaint_open"] & ~frame["phone"].isin([dnc[0], frame["phone"].iloc[1]]), "record_id"
    ]
    assert (excluded[flagged] == "rule:complaint_open").all()
    assert sample.exclusion_counts.sum() == len(sample.excluded)
    assert not set(sample.cases["record_id"]) & set(sample.excluded["record_id"])
    assert sample.strata["N_h"].sum() + len(sample.excluded) == len(frame)


def test_a_call_outside_the_window_does_not_exclude():
    frame = event_frame()
    recent = pd.DataFrame({"phone": [frame["phone"].iloc[0]], "last_called": ["2024-01-01"]})
    exclude = Exclusions(recent_calls=recent, within_days=30, as_of=AS_OF, rules=())
    assert "called_recently" not in set(exclude.reasons(frame).dropna())


def test_a_do_not_call_number_matches_however_it_is_written():
    frame = event_frame()
    phone = frame["phone"].iloc[0]
    exclude = Exclusions(do_not_call=[f"+86 {phone[:3]}-{phone[3:7]}-{phone[7:]}"], rules=())
    assert exclude.reasons(frame).iloc[0] == "do_not_call"


def test_the_person_unit_gives_one_case_per_phone_with_its_events_attached():
    frame = event_frame(600, phones=150)
    design = SampleDesign(strata=STRATA, seed=4, unit="person")
    sizes = sampling.unit_sizes(frame, design)
    sample = draw(frame, STRATA, sizes // 2, 4, unit="person")
    assert sample.cases["phone"].is_unique
    assert sizes.sum() == frame["phone"].nunique()
    events = sample.events.groupby("case_record_id").size()
    assert (events.reindex(sample.cases["record_id"]).to_numpy() == sample.cases["n_events"].to_numpy()).all()


def test_a_design_records_everything_to_redraw_and_survives_json():
    frame = event_frame()
    design = SampleDesign(strata=STRATA, seed=99, n=60, method="neyman", minimum=3, reserve=0.2)
    sample = draw_design(frame, design, Exclusions(as_of=AS_OF))
    restored = SampleDesign.from_json(sample.design.to_json())
    assert restored == sample.design
    assert sum(restored.allocation.values()) == 60 and min(restored.allocation.values()) >= 3
    assert verify_draw(frame, restored, sample, Exclusions(as_of=AS_OF)).identical


def test_a_design_with_a_target_margin_draws_the_planned_size():
    frame = event_frame(2000)
    design = SampleDesign(strata=STRATA, seed=1, unit="event", margin=0.1, response_rate=0.5, exclusions={})
    sample = draw_design(frame, design)
    N = sampling.unit_sizes(frame, design).sum()
    assert len(sample.cases) == sampling.sample_size(0.1, population=int(N), response_rate=0.5)


def test_verify_draw_shows_the_first_difference_of_a_tampered_sample():
    frame = event_frame()
    sample = draw(frame, STRATA, half(frame) // 4, 8, unit="event")
    stored = sample.cases.copy()
    stored.loc[3, "record_id"] = "E99999"
    result = verify_draw(frame, sample.design, stored)
    assert not result.identical
    first = result.differences.iloc[0]
    assert (first["stratum"], first["selection_order"], first["stored"]) == (
        stored.loc[3, "stratum"],
        4,
        "E99999",
    )
    assert "different: first at stratum" in result.message


def test_verify_draw_notices_a_changed_frame(tmp_path):
    rows = good_rows(30)
    frame = sampling.load_frame(write_csv(tmp_path / "a.csv", rows), as_of=AS_OF)
    sample = draw(frame, ["domain"], {"律师": 3, "公证": 3}, 5)
    rows[0]["recipient_name"] = "改"
    changed = sampling.load_frame(write_csv(tmp_path / "b.csv", rows), as_of=AS_OF)
    result = verify_draw(changed, sample.design, sample)
    assert result.frame_matches is False and "fingerprint differs" in result.message
    assert verify_draw(frame, sample.design, sample).frame_matches is True


def test_a_loaded_frame_draws_by_person_by_default_and_records_its_fingerprint(tmp_path):
    frame = sampling.load_frame(write_csv(tmp_path / "f.csv", good_rows(30)), as_of=dt.date(2024, 6, 30))
    sample = draw(frame, ["domain"], {"律师": 2, "公证": 2}, 5)
    assert sample.design.unit == "person" and sample.design.frame_sha256 == frame.frame_sha256
    assert len(sample.fingerprint()) == 64


def test_a_person_sample_refuses_rows_without_a_phone_number():
    frame = event_frame(50)
    frame.loc[7, "phone"] = None
    with pytest.raises(DrawError, match=r"1 row\(s\) have no phone number \(first: record E00007\)"):
        draw(frame, STRATA, {k: 0 for k in half(frame).index}, 1, unit="person")
