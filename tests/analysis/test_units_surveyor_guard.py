"""Unit verdicts judged without the callback answers a surveyor who records differently gave them
(`analysis.units._surveyor_guard`, `analysis.surveyor_bias`).

The study: `verdict_sim`'s honest world at ~58 respondents a unit, five surveyors each calling a block
of 12 units (a supervisor handing out offices), S0 recording 15 points fewer satisfied; in `shared`,
each block's cases went to its surveyor with chance 0.6 and else to one of the others."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pandas as pd
import pytest

from analysis import Design, explain_unit
from analysis.surveyor_bias import HOLD, WHO_HOLD
from tests.analysis.interviewer_sim import with_surveyors
from tests.analysis.verdict_sim import SCENARIOS, simulate, verdicts

SEED = 3


def nested_study(world: str, deviant: float, block: float = 1.0, leading: float = 0.0):
    study = simulate(dataclasses.replace(SCENARIOS[world], sample_per_unit=128), SEED)
    interviews = with_surveyors(
        study.interviews, SEED, 5, 0.0, nested=True, deviant=deviant, block=block, leading=leading
    )
    design = Design(interviews, strata="organisation_id", weights="weight", lonely_psu="adjust")
    return dataclasses.replace(study, interviews=interviews, design=design)


@pytest.fixture(scope="module")
def deviant():
    study = nested_study("honest", -0.15)
    block = set(study.interviews.loc[study.interviews["surveyor"] == "S0", "organisation_id"])
    unguarded = verdicts(study, method="posterior", seed=SEED)
    guarded = verdicts(study, method="posterior", seed=SEED, interviewer="surveyor")
    return block, unguarded, guarded


def test_leaving_the_verdicts_own_mdi_out_changes_nothing_else(deviant):
    """`compare_units(detectable=False)`, what the simulation studies use: the same table, held units
    and all, but for the verdict's own MDI (of every unit, and of the answers a held unit kept)."""
    _, _, guarded = deviant
    without = verdicts(
        nested_study("honest", -0.15), method="posterior", seed=SEED, interviewer="surveyor", detectable=False
    )
    mdi = ["min_detectable", "min_detectable_kept"]
    assert guarded["surveyor_held"].any() and guarded["min_detectable_kept"].notna().any()
    assert without[mdi].isna().all().all()
    pd.testing.assert_frame_equal(without.drop(columns=mdi), guarded.drop(columns=mdi), check_exact=True)


def test_leaving_the_empirical_nulls_tests_out_changes_none_of_the_posteriors_columns(deviant):
    """`compare_units(empirical_null=False)`, what the simulation studies of the posterior use: the
    empirical null's p-values and inflation beside the verdict are gone, every other column the same,
    held units and all."""
    _, _, guarded = deviant
    slim = verdicts(
        nested_study("honest", -0.15),
        method="posterior",
        seed=SEED,
        interviewer="surveyor",
        empirical_null=False,
    )
    assert guarded["surveyor_held"].any()
    assert {"p_value", "evidence_p_value", "inflation"}.isdisjoint(slim.columns)
    assert slim["rate_min_detectable"].isna().all() and guarded["rate_min_detectable"].notna().any()
    same = slim.columns.drop("rate_min_detectable")
    pd.testing.assert_frame_equal(slim[same], guarded[same], check_exact=True)


def test_what_a_held_unit_would_read_is_worked_out_only_where_a_unit_is_held(deviant):
    """It is about a third of the posterior table's time, and read only for a held unit."""
    _, unguarded, guarded = deviant
    assert "surveyor_held" not in unguarded and unguarded["lfdr_without_answers"].isna().all()
    held = guarded["surveyor_held"]
    assert held.any() and guarded.loc[held, "lfdr_without_answers"].notna().all()


def test_without_the_guard_the_deviant_surveyors_honest_units_are_flagged(deviant):
    block, unguarded, _ = deviant
    assert unguarded.loc[sorted(block), "flagged"].sum() >= 2


def test_the_deviant_surveyors_units_are_held_neither_flagged_nor_cleared(deviant):
    block, _, guarded = deviant
    mine = guarded.loc[sorted(block)]
    assert mine["surveyor_held"].all()
    assert (mine["surveyor_bias"] <= -HOLD).all()
    assert (mine["surveyor_main"] == "S0").all()
    assert (mine["status"] == "insufficient_evidence").all()
    assert mine["min_detectable"].isna().all()  # judged nothing, like any undecided unit
    assert not guarded["flagged"].any()


def test_the_other_surveyors_units_keep_their_verdicts(deviant):
    block, unguarded, guarded = deviant
    others = guarded.index.difference(sorted(block))
    assert not guarded.loc[others, "surveyor_held"].any()
    assert (guarded.loc[others, "status"] == unguarded.loc[others, "status"]).all()


def test_a_held_unit_says_whose_answers_were_left_out_and_what_to_do(deviant):
    block, _, guarded = deviant
    row = guarded.loc[sorted(block)[0]]
    zh, en = " ".join(explain_unit(row, "zh")), " ".join(explain_unit(row, "en"))
    assert re.search(r"本单位 100% 的回访由访员 S0 完成，.*低 1[3-7] 个百分点", zh)
    assert "记录方式与他人一致的访员没有回访这些个案" in zh and "不计入本单位的判定" in zh
    assert "请安排另一位访员回访" in zh
    assert "no surveyor who records like their peers called these cases" in en
    assert re.search(r"S0 made 100% of this unit's callbacks and records 1[3-7] points fewer satisfied", en)
    assert "neither flagged nor cleared" in en
    assert "minimum detectable" not in en  # its rate gap decides nothing here


def test_surveyors_who_record_alike_leave_every_verdict_as_it_was():
    study = nested_study("inflate_+20", 0.0)
    unguarded = verdicts(study, method="posterior", seed=SEED)
    guarded = verdicts(study, method="posterior", seed=SEED, interviewer="surveyor")
    held = guarded["surveyor_held"]
    assert (guarded.loc[~held, "flagged"] == unguarded.loc[~held, "flagged"]).all()
    assert held.sum() <= 12


def test_the_empirical_null_holds_the_same_units_on_their_proxy_signs_alone(deviant):
    block, _, _ = deviant
    study = nested_study("honest", -0.15)
    guarded = verdicts(study, seed=SEED, interviewer="surveyor")
    mine = guarded.loc[sorted(block)]
    assert mine["surveyor_held"].all() and not mine["flagged"].any()
    held = mine[mine["status"] != "not_surveyed"]
    assert (held["evidence_p_value"] == held["integrity_p_value"]).all()
    assert "this verdict (the empirical null) reads none of its answers" in " ".join(
        explain_unit(held.iloc[0], "en")
    )


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_held_unit_flagged_on_who_rated_says_its_answers_were_left_out_and_quotes_no_rate_gap(lang):
    study = simulate(SCENARIOS["inflate_+20"], 2)
    table = verdicts(study, method="posterior")
    # flagged on who rated with the rate gap's moderate support (Bayes factor 4.8): U043
    row = table[table["flagged"] & (table["driver"] == "rated_by_other") & (table["bf_rate_gap"] > 1.2)]
    row = row.iloc[0].copy()
    row["surveyor_held"], row["answers_held"], row["surveyor_bias"] = True, True, -0.08
    row["surveyor_main"], row["surveyor_main_share"], row["surveyor_main_shift"] = "S3", 0.8, -0.1
    row["driver"] = "rated_by_other"
    text = " ".join(explain_unit(row, lang))
    if lang == "zh":
        assert "记录方式与他人一致的访员没有回访这些个案" in text and "标记只依据其余证据" in text
        assert "满意率差距未计入" in text and "最小可检出虚高" not in text
    else:
        assert "no surveyor who records like their peers called these cases" in text
        assert "The flag rests on the other evidence alone" in text
        assert "the rate gap is left out" in text and "minimum detectable" not in text


def test_a_held_unit_flagged_on_who_rated_gets_its_inflation_and_mechanism_without_its_answers():
    study = nested_study("proxy_30%", -0.15)
    guarded = verdicts(study, method="posterior", seed=SEED, interviewer="surveyor")
    held = guarded[guarded["surveyor_held"] & guarded["flagged"]]
    assert len(held), "S0's block holds a unit flagged on who rated"
    for name in ("inflation", "inflation_low", "inflation_high", "mechanism"):
        column = f"posterior_{name}"
        assert (held[column] == held[f"{column}_without_answers"]).all()
    assert (held["prob_inflated"] == 1 - held["lfdr_without_answers"]).all()


@pytest.fixture(scope="module")
def shared():
    study = nested_study("honest", -0.15, block=0.6)
    by_s0 = (study.interviews["surveyor"] == "S0").groupby(study.interviews["organisation_id"]).mean()
    return by_s0.index[by_s0 > 0.5], verdicts(study, method="posterior", seed=SEED, interviewer="surveyor")


def test_a_held_unit_keeps_the_answers_of_the_surveyors_who_record_like_their_peers(shared):
    block, guarded = shared
    mine = guarded.loc[block]
    assert mine["surveyor_held"].all()
    assert (mine["respondents_kept"] > 0).all() and (mine["respondents_kept"] < mine["respondents"]).all()
    assert (mine["lfdr"] == mine["lfdr_without_answers"]).all()
    assert (mine["bf_rate_gap"] == mine["bf_rate_gap_kept"]).all()
    assert (mine["min_detectable"] == mine["min_detectable_kept"]).all()


def test_a_held_unit_judged_on_enough_answers_kept_is_cleared_not_left_undecided(shared):
    block, guarded = shared
    mine = guarded.loc[block]
    assert (mine["respondents_kept"] >= 5).all()
    assert (mine["status"] == "no_evidence").all()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_cleared_held_unit_says_whose_answers_it_left_out_and_how_many_it_read(shared, lang):
    block, guarded = shared
    row = guarded.loc[block[0]]
    text = " ".join(explain_unit(row, lang))
    kept = int(row["respondents_kept"])
    if lang == "zh":
        assert f"只计入记录方式与他人一致的访员所得的 {kept} 个答案" in text
        assert f"计入的 {kept} 个答案下的最小可检出虚高" in text
        assert "既不标记，也不认定为没有问题" not in text
    else:
        assert f"which reads the {kept} answers of surveyors who record like their peers" in text
        assert f"minimum detectable inflation in the {kept} answers it reads" in text
        assert "neither flagged nor cleared" not in text


def test_the_empirical_null_tests_a_held_units_rate_gap_on_the_answers_kept():
    """Stop 36: it set every answer of such a unit aside and judged it on its signs alone."""
    study = nested_study("honest", -0.15, block=0.6)
    by_s0 = (study.interviews["surveyor"] == "S0").groupby(study.interviews["organisation_id"]).mean()
    guarded = verdicts(study, seed=SEED, interviewer="surveyor")
    mine = guarded.loc[by_s0.index[by_s0 > 0.5]]
    assert mine["answers_held"].all() and not guarded["flagged"].any()
    assert (mine["respondents_kept"] > 0).all() and (mine["respondents_kept"] < mine["respondents"]).all()
    assert mine["rate_p_value_kept"].notna().all() and (mine["rate_p_value_kept"] != mine["p_value"]).all()
    simes = np.minimum(2 * mine[["rate_p_value_kept", "integrity_p_value"]].min(axis=1), 1.0)
    simes = np.minimum(simes, mine[["rate_p_value_kept", "integrity_p_value"]].max(axis=1))
    np.testing.assert_allclose(mine["evidence_p_value"], simes, rtol=1e-12)
    assert (mine["status"] == "no_evidence").all()
    row = mine.iloc[0]
    text = " ".join(explain_unit(row, "en"))
    assert (
        f"which reads the {int(row['respondents_kept'])} answers of surveyors who record like their peers"
        in text
    )
    assert f"the verdict reads only the other {int(row['respondents_kept'])}, whose rate test gives p" in text
    assert f"With the {int(row['respondents_kept'])} answers it reads, the smallest inflation found" in text


def test_a_held_unit_with_too_few_answers_kept_is_neither_flagged_nor_cleared():
    study = nested_study("honest", -0.15, block=0.9)
    guarded = verdicts(study, method="posterior", seed=SEED, interviewer="surveyor", min_respondents=8)
    few = guarded[guarded["surveyor_held"] & (guarded["respondents_kept"] < 8)]
    assert len(few), "S0's block holds a unit with fewer than 8 answers by the others"
    assert (few["status"] == "insufficient_evidence").all()
    text = " ".join(explain_unit(few.iloc[0], "en"))
    assert f"Those {int(few.iloc[0]['respondents_kept'])} answers are too few to judge it" in text


@pytest.fixture(scope="module")
def leading():
    """S0 calls a block of honest units alone and turns one "self" answer to who rated in ten into
    "someone else rated"."""
    study = nested_study("honest", 0.0, leading=0.1)
    block = sorted(set(study.interviews.loc[study.interviews["surveyor"] == "S0", "organisation_id"]))
    unguarded = verdicts(study, method="posterior", seed=SEED)
    guarded = verdicts(study, method="posterior", seed=SEED, interviewer="surveyor")
    return block, unguarded, guarded


def test_without_the_guard_a_leading_surveyors_honest_units_are_flagged_on_who_rated(leading):
    block, unguarded, _ = leading
    flagged = unguarded.loc[block]
    assert flagged["flagged"].sum() >= 3
    assert set(flagged.loc[flagged["flagged"], "driver"]) <= {"rated_by_other", "not_rated"}


def test_a_leading_surveyors_units_are_judged_on_their_answers_without_that_who_rated(leading):
    block, _, guarded = leading
    mine = guarded.loc[block]
    assert mine["who_held"].all() and (mine["who_main"] == "S0").all()
    assert (mine["who_bias"] >= WHO_HOLD).all()
    assert (mine["respondents_kept"] == mine["respondents"]).all()  # S0 records answers like the others
    assert (mine["status"] == "no_evidence").all()
    assert not guarded["flagged"].any()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_leading_surveyors_unit_says_whose_who_rated_answers_were_left_out(leading, lang):
    block, _, guarded = leading
    row = guarded.loc[block[0]]
    text = " ".join(explain_unit(row, lang))
    if lang == "zh":
        assert re.search(
            r"本单位 \d+% 的访谈由访员 S0 完成，该访员.*听到“他人代评”或“本人未评价”的比例比其他访员高", text
        )
        assert "所得的“由谁评价”回答不计入本单位的判定" in text
    else:
        assert re.search(r"S0 took \d+% of this unit's interviews and hears \"someone else rated\"", text)
        assert "those surveyors' answers on who rated are left out of this unit's verdict" in text
    assert "neither flagged nor cleared" not in text


def simes(first, second):
    """Simes' combination of two p-values (`unit_model.combine`)."""
    pair = np.column_stack([first, second])
    return np.minimum(np.minimum(2 * pair.min(axis=1), pair.max(axis=1)), 1.0)


def test_the_empirical_null_judges_a_leading_surveyors_units_on_the_others_who_rated_answers():
    """Before: it set every who-rated answer of such a unit aside and judged it on its rate gap alone."""
    study = nested_study("honest", 0.0, block=0.6, leading=0.1)
    guarded = verdicts(study, seed=SEED, interviewer="surveyor")
    held = guarded[guarded["who_held"]]
    assert len(held) >= 8 and not guarded["flagged"].any()
    assert ((held["interviews_who_kept"] > 0) & (held["interviews_who_kept"] < held["interviews"])).all()
    assert (held["rated_by_other_kept"] <= held["rated_by_other"]).all()
    assert held["integrity_p_value_kept"].notna().all()
    np.testing.assert_allclose(
        held["evidence_p_value"], simes(held["p_value"], held["integrity_p_value_kept"]), rtol=1e-12
    )
    others = guarded[~guarded["who_held"]]
    assert (others["interviews_who_kept"] == others["interviews"]).all()
    row = held.iloc[0]
    text = " ".join(explain_unit(row, "en"))
    kept = int(row["interviews_who_kept"])
    assert f"which reads those of the other {kept} interviews." in text
    assert (
        f"the verdict reads only the other {kept} interviews' ({int(row['rated_by_other_kept'])} say" in text
    )
    assert "With this unit's sample, the smallest inflation found" in text  # its answers are all read


def test_the_empirical_null_reads_only_service_denied_where_nobody_else_asked_who_rated():
    study = nested_study("honest", 0.0, leading=0.1)
    guarded = verdicts(study, seed=SEED, interviewer="surveyor")
    alone = guarded[guarded["who_held"] & (guarded["interviews_who_kept"] == 0)]
    assert len(alone) >= 8 and not guarded["flagged"].any()
    assert (alone[["rated_by_other_kept", "not_rated_kept"]] == 0).all(axis=None)
    assert alone["integrity_p_value_kept"].notna().all()
    text = " ".join(explain_unit(alone.iloc[0], "zh"))
    assert "所得的“由谁评价”回答不计入本单位的判定；其余访员没有访问本单位。" in text
    assert "判定不计入其中任何一个，只计入未接受服务的回答，p" in text
    assert "能以 80% 把握检出的最小虚高" in text  # its satisfaction answers are read: the rate test's MDI


def test_the_empirical_null_finds_a_proxy_unit_a_leading_surveyor_shared_with_others():
    """Near 100%, S0 leads on a block whose cases went to others two times in five: the others' who-rated
    answers still show proxy units among S0's whose rate gap alone shows nothing."""
    study = nested_study("proxy_30%_near_100", 0.0, block=0.6, leading=0.1)
    guarded = verdicts(study, seed=SEED, interviewer="surveyor")
    proxy = guarded.index.isin(sorted(study.inflated))
    found = guarded[guarded["who_held"] & proxy & guarded["flagged"]]
    assert len(found) >= 1 and (found["p_value"] > 0.1).all()
    assert (found["integrity_p_value_kept"] < 0.01).all()
    assert not guarded.loc[~proxy, "flagged"].any()


@pytest.mark.parametrize("method", ["empirical_null", "posterior"])
def test_a_unit_cleared_where_nobody_else_asked_who_rated_says_proxy_rating_was_not_examined(method):
    """Its rate gap clears it, but its who-rated answers were all set aside: "not flagged" must not
    read as "nobody rated for its clients"."""
    study = nested_study("honest", 0.0, leading=0.1)
    guarded = verdicts(study, method=method, seed=SEED, interviewer="surveyor")
    alone = guarded[guarded["who_held"] & (guarded["interviews_who_kept"] == 0)]
    assert (alone["status"] == "no_evidence").all() and len(alone) >= 8
    assert "whether someone else rated for its clients was not examined" in " ".join(
        explain_unit(alone.iloc[0], "en")
    )
    assert "他人代评是否存在没有得到检验" in " ".join(explain_unit(alone.iloc[0], "zh"))


def test_a_unit_cleared_on_the_other_surveyors_who_rated_answers_does_not_say_so():
    study = nested_study("honest", 0.0, block=0.6, leading=0.1)
    guarded = verdicts(study, seed=SEED, interviewer="surveyor")
    held = guarded[guarded["who_held"] & (guarded["status"] == "no_evidence")]
    assert len(held) >= 8
    assert not any("was not examined" in " ".join(explain_unit(row, "en")) for _, row in held.iterrows())
