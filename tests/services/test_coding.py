"""Coding open comments in a stored study: masked texts, suggestions, two blind passes, kappa,
adjudication and the final codes the findings use."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from sqlalchemy import select

from survey_app.services import coding
from survey_app.services.auth import create_user
from survey_app.services.errors import InvalidState, PermissionDenied
from survey_app.storage.models import AuditEntry, Case, Study
from survey_app.storage.models_coding import CodingSample, CommentCode
from tests.fieldwork.conftest import add_interview, make_study

pytestmark = pytest.mark.db

COMMENTS = (
    "张三丰反映：排队等了两个小时，电话13812345678。",
    "工作人员态度不好，爱理不理。",
    "律师很专业，讲解详细，谢谢。",
    "收费不透明，还要额外交钱。",
    "希望多宣传12348热线。",
)


@pytest.fixture
def study(db, users):
    study_id = make_study(db, cases=8)
    with db.session() as session:
        case_ids = session.scalars(select(Case.id).where(Case.study_id == study_id).order_by(Case.id)).all()
    interviews = [
        add_interview(db, case_id, users["surveyor"], {"sat_overall": "satisfied", "comment": text})
        for case_id, text in zip(case_ids, COMMENTS, strict=False)
    ]
    add_interview(db, case_ids[5], users["surveyor"], {"unsatisfied_reason": "other", "comment": "  "})
    add_interview(db, case_ids[6], users["surveyor"], {"unsatisfied_reason": "窗口太少，只开了一个"})
    with db.session() as session:
        second = create_user(session, None, "researcher2", "password-researcher2", "researcher")
    return study_id, interviews, second


def _in(db, fn, *args, **kwargs):
    with db.session() as session:
        study = session.get(Study, args[1])
        return fn(session, args[0], study, *args[2:], **kwargs)


def test_comments_are_shown_scrubbed_of_the_respondents_name_and_number(db, users, study):
    study_id, interviews, _ = study
    shown = _in(db, coding.comments, users["researcher"], study_id)
    first = next(c for c in shown if c.interview_id == interviews[0])
    assert first.text == "〔姓名〕反映：排队等了两个小时，电话〔电话〕。"


def test_free_text_reasons_are_coded_and_choice_codes_and_blanks_are_not(db, users, study):
    study_id, interviews, _ = study
    shown = _in(db, coding.comments, users["researcher"], study_id)
    assert [(c.question, c.text) for c in shown if c.interview_id not in interviews] == [
        ("unsatisfied_reason", "窗口太少，只开了一个")
    ]


def test_a_surveyor_cannot_read_the_comments(db, users, study):
    with pytest.raises(PermissionDenied):
        _in(db, coding.comments, users["surveyor"], study[0])


def test_suggestions_come_from_the_studys_codebook(db, study):
    with db.session() as session:
        found = coding.suggestions(session, session.get(Study, study[0]), "工作人员态度不好，爱理不理。")
    assert [s.code for s in found] == ["attitude.poor"]


def test_a_coding_stores_the_codebook_version_and_which_suggestions_were_accepted(db, users, study):
    study_id, interviews, _ = study
    _in(db, coding.save_coding, users["researcher"], study_id, interviews[0], "comment",
        ["waiting.slow", "process.complex"], suggested=["waiting.slow"])  # fmt: skip
    with db.session() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "coding.saved")).one()
        accepted = session.scalars(select(CommentCode.code).where(CommentCode.suggested)).all()
    assert json.loads(entry.details)["accepted_suggestions"] == ["waiting.slow"] and accepted == [
        "waiting.slow"
    ]
    assert _in(db, coding.coding_of, users["researcher"], study_id, interviews[0], "comment") == {
        "waiting.slow", "process.complex"
    }  # fmt: skip


def test_an_unknown_code_is_refused_in_one_sentence(db, users, study):
    with pytest.raises(
        InvalidState, match="'nonsense' is not an assignable code of codebook legal-services v1"
    ):
        _in(db, coding.save_coding, users["researcher"], study[0], study[1][0], "comment", ["nonsense"])


def test_the_double_coding_sample_records_its_seed_and_redraws_identically(db, users, study):
    study_id = study[0]
    first = _in(db, coding.draw_double_sample, users["researcher"], study_id, seed=7, share=0.5).members
    again = _in(db, coding.draw_double_sample, users["researcher"], study_id, seed=7, share=0.5).members
    with db.session() as session:
        seeds = session.scalars(select(CodingSample.seed)).all()
    assert first == again and len(first) == 3 and seeds == [7, 7]


def _double_code(db, users, study):
    study_id, _, second = study
    sample = _in(db, coding.draw_double_sample, users["researcher"], study_id, seed=3, share=1.0)
    keys = [tuple(m) for m in sample.members]
    for interview_id, question in keys:
        _in(db, coding.save_coding, users["researcher"], study_id, interview_id, question, ["waiting.slow"])
    for n, (interview_id, question) in enumerate(keys):
        codes = ["waiting.slow"] if n % 2 == 0 else ["fees.high"]
        _in(db, coding.save_coding, second, study_id, interview_id, question, codes)
    return keys


def test_the_second_coder_is_offered_the_sample_and_never_the_first_coders_codes(db, users, study):
    study_id, interviews, second = study
    _in(db, coding.draw_double_sample, users["researcher"], study_id, seed=3, share=1.0)
    _in(db, coding.save_coding, users["researcher"], study_id, interviews[1], "comment", ["attitude.poor"])
    offered = _in(db, coding.queue, second, study_id, "second")
    assert [c.interview_id for c in offered] == [interviews[1]]
    assert _in(db, coding.coding_of, second, study_id, interviews[1], "comment") is None
    assert _in(db, coding.queue, users["researcher"], study_id, "second") == []


def test_a_comment_outside_the_sample_cannot_be_coded_by_a_second_coder(db, users, study):
    study_id, interviews, second = study
    _in(db, coding.save_coding, users["researcher"], study_id, interviews[1], "comment", ["attitude.poor"])
    with pytest.raises(InvalidState, match="already coded and not"):
        _in(db, coding.save_coding, second, study_id, interviews[1], "comment", ["attitude.good"])


def test_kappa_per_code_is_computed_over_the_double_coded_comments(db, users, study):
    keys = _double_code(db, users, study)
    table = _in(db, coding.kappa_table, users["reviewer"], study[0]).set_index("code")
    assert table.loc["waiting.slow", "n"] == len(keys)
    assert table.loc["waiting.slow", "both"] == (len(keys) + 1) // 2
    assert table.loc["fees.high", "second_only"] == len(keys) // 2


def test_adjudication_settles_a_disagreement_in_the_final_codes(db, users, study):
    keys = _double_code(db, users, study)
    study_id = study[0]
    disputed = _in(db, coding.disagreements, users["researcher"], study_id)
    assert len(disputed) == 2 * (len(keys) // 2)  # each odd comment: waiting.slow vs fees.high
    row = disputed.iloc[0]
    _in(db, coding.adjudicate, users["researcher"], study_id, int(row.interview_id), row.question,
        "fees.high", True, "the second coder is right")  # fmt: skip
    with db.session() as session:
        final = coding.final_codes(session, session.get(Study, study_id))
    settled = final[(int(row.interview_id), row.question)]
    assert "fees.high" in settled and "waiting.slow" in settled  # unsettled: the first coder's decision
    assert _in(db, coding.progress, users["researcher"], study_id)["open_disagreements"] == len(disputed) - 1


def test_adjudicating_where_the_coders_agree_is_refused(db, users, study):
    keys = _double_code(db, users, study)
    interview_id, question = keys[0]
    with pytest.raises(InvalidState, match="do not disagree"):
        _in(
            db, coding.adjudicate, users["researcher"], study[0], interview_id, question, "waiting.slow", True
        )


def test_respondents_carry_the_union_of_their_comments_codes():
    respondents = pd.DataFrame({"interview_id": [1, 2, None]})
    final = {(1, "comment"): frozenset({"a"}), (1, "unsatisfied_reason"): frozenset({"b"})}
    assert coding.respondent_codes(respondents, final) == [frozenset({"a", "b"}), None, None]
