"""Self-completion by link mixed with CATI: invitations into the outbox, the CATI queue waiting for
the web, the identity check and its throttle, answering through the same engine, resuming, and a link
that cannot be used again once the questionnaire is submitted."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from survey_app.services import fieldwork, sms, web_invites
from survey_app.services.errors import InvalidState
from survey_app.services.studies import find_study
from survey_app.storage.models import CallAttempt, Case, Interview, User, utcnow
from survey_app.storage.models_web import SmsMessage, WebInvitation, WebLink
from tests.app.builders import STUDY_NAME, build_fieldwork_study, ensure_users, full_answers

pytestmark = pytest.mark.db

LINK = re.compile(r"\?r=([A-Za-z0-9_-]+)")


@pytest.fixture
def outbox(tmp_path, monkeypatch):
    folder = tmp_path / "outbox"
    monkeypatch.setenv("HUIFANG_SMS_OUTBOX", str(folder))
    monkeypatch.delenv("HUIFANG_SMS_GATEWAY", raising=False)
    return folder


@pytest.fixture
def web_study(db, tmp_path, outbox):
    build_fieldwork_study(db, tmp_path)
    with db.session() as session:
        study = find_study(session, STUDY_NAME)
        study.settings = {**study.settings, "mode_design": "web_first", "web_days": 3}
    return db


def _user(session, name: str) -> User:
    return session.scalar(select(User).where(User.username == name))


def _invite(db, **kwargs) -> web_invites.SendSummary:
    with db.session() as session:
        return web_invites.invite(
            session, _user(session, "researcher"), find_study(session, STUDY_NAME), **kwargs
        )


def _tokens(outbox) -> list[tuple[str, str]]:
    """(number, token) of every message in the outbox."""
    return [(m["to"], LINK.search(m["text"]).group(1)) for m in sms.read_outbox(outbox)]


def _answer_until(db, token: str, stop_before: str | None = None) -> None:
    answers = full_answers(0)
    while True:
        with db.session() as session:
            _, engine = web_invites.open_web_interview(session, token)
            item = engine.current()
            if item is None or item.name == stop_before:
                return
            engine = web_invites.answer(
                session, token, None if item.type == "note" else answers.get(item.name)
            )
            if engine.complete:
                return


def _verified(db, number: str, token: str) -> None:
    with db.session() as session:
        assert web_invites.verify_identity(session, token, number[-4:])


def test_invite_writes_one_message_per_fresh_case_to_the_outbox_and_stores_only_token_hashes(
    web_study, outbox
):
    summary = _invite(web_study)
    messages = _tokens(outbox)
    assert summary.sent == len(messages) == 8
    assert summary.gateway == "outbox"
    with web_study.session() as session:
        stored = set(session.scalars(select(WebLink.token_sha256)))
        logged = list(session.execute(select(SmsMessage.status, SmsMessage.reference, SmsMessage.error)))
    assert stored == {web_invites.token_hash(token) for _, token in messages}
    assert not {token for _, token in messages} & stored
    assert all(len(token) >= 43 for _, token in messages)  # 32 random bytes = 256 bits
    assert {status for status, _, _ in logged} == {"sent"}


def test_inviting_again_invites_nobody_twice(web_study, outbox):
    _invite(web_study)
    assert _invite(web_study).sent == 0


def test_a_cati_only_study_refuses_to_invite(db, tmp_path, outbox):
    build_fieldwork_study(db, tmp_path)
    with pytest.raises(InvalidState, match="CATI only"):
        _invite(db)


def test_an_invited_case_enters_the_cati_queue_only_when_its_link_expires(web_study, outbox):
    _invite(web_study)
    now = utcnow()
    with web_study.session() as session:
        surveyor, study = _user(session, "surveyor"), find_study(session, STUDY_NAME)
        assert fieldwork.next_case(session, surveyor, study, now=now) is None
        assert fieldwork.my_queue(session, surveyor, study, now=now)["fresh"] == 0
        later = now + dt.timedelta(days=3, minutes=1)
        assert fieldwork.next_case(session, surveyor, study, now=later) is not None


def test_wrong_last_digits_are_refused_and_lock_the_invitation_after_five(web_study, outbox):
    _invite(web_study)
    number, token = _tokens(outbox)[0]
    wrong = "0000" if number[-4:] != "0000" else "1111"
    for _ in range(web_invites.CHECK_FREE):
        with web_study.session() as session:
            assert web_invites.verify_identity(session, token, wrong) is False
    with web_study.session() as session:
        assert web_invites.verify_identity(session, token, wrong) is False  # the sixth locks it
    with web_study.session() as session, pytest.raises(web_invites.IdentityLocked):
        web_invites.verify_identity(session, token, number[-4:])


def test_questions_wait_for_the_identity_check(web_study, outbox):
    _invite(web_study)
    _, token = _tokens(outbox)[0]
    with web_study.session() as session, pytest.raises(web_invites.LinkClosed):
        web_invites.open_web_interview(session, token)


def test_a_respondent_completes_by_link_and_the_case_is_final_with_a_web_interview(web_study, outbox):
    _invite(web_study)
    number, token = _tokens(outbox)[0]
    _verified(web_study, number, token)
    _answer_until(web_study, token)
    with web_study.session() as session:
        invitation = session.scalar(select(WebInvitation).where(WebInvitation.submitted_at.is_not(None)))
        case = session.get(Case, invitation.case_id)
        interview = session.scalar(select(Interview).where(Interview.case_id == case.id))
        attempt = session.scalar(select(CallAttempt).where(CallAttempt.case_id == case.id))
    assert (case.state, case.final_disposition) == ("finalised", "1.1")
    assert (interview.mode, interview.status) == ("web", "complete")
    assert (attempt.disposition, attempt.note) == ("1.1", "web")
    assert invitation.disposition == "1.1"


def test_a_submitted_link_cannot_be_used_again(web_study, outbox):
    _invite(web_study)
    number, token = _tokens(outbox)[0]
    _verified(web_study, number, token)
    _answer_until(web_study, token)
    with web_study.session() as session, pytest.raises(web_invites.LinkClosed) as closed:
        web_invites.open_link(session, token)
    assert closed.value.reason == "submitted"


def test_reopening_the_link_resumes_at_the_first_unanswered_item(web_study, outbox):
    _invite(web_study)
    number, token = _tokens(outbox)[0]
    _verified(web_study, number, token)
    _answer_until(web_study, token, stop_before="sat_overall")
    with web_study.session() as session:  # a new tab: a new session, the same stored answers
        _, engine = web_invites.open_web_interview(session, token)
    assert engine.current().name == "sat_overall"


def test_a_reminder_sends_a_fresh_link_and_the_first_one_still_works(web_study, outbox):
    _invite(web_study, limit=1)
    with web_study.session() as session:
        summary = web_invites.remind(session, _user(session, "researcher"), find_study(session, STUDY_NAME))
    (_, first), (_, second) = _tokens(outbox)
    assert summary.sent == 1 and first != second
    with web_study.session() as session:
        assert web_invites.open_link(session, first).id == web_invites.open_link(session, second).id


def test_an_expired_link_is_closed(web_study, outbox):
    _invite(web_study, limit=1)
    _, token = _tokens(outbox)[0]
    with web_study.session() as session, pytest.raises(web_invites.LinkClosed) as closed:
        web_invites.open_link(session, token, now=utcnow() + dt.timedelta(days=4))
    assert closed.value.reason == "expired"


class _Refusing:
    name = "http"

    def send(self, to: str, text: str) -> sms.SmsResult:
        return sms.SmsResult("rejected", error="HTTP 422 from the SMS gateway")


def test_a_number_the_gateway_refuses_is_undeliverable_and_goes_to_cati_at_once(web_study, outbox):
    summary = _invite(web_study, limit=1, gateway=_Refusing())
    with web_study.session() as session:
        outcomes = web_invites.web_outcomes(session, find_study(session, STUDY_NAME))
        surveyor, study = _user(session, "surveyor"), find_study(session, STUDY_NAME)
        assert fieldwork.next_case(session, surveyor, study) is not None
    assert summary.undeliverable == 1
    assert outcomes == {"3.30": 1}


def test_web_outcomes_follow_aapor_internet_codes_once_links_expire(web_study, outbox):
    _invite(web_study, limit=3)
    (n1, opened_only), (n2, partial), _ = _tokens(outbox)
    _verified(web_study, n1, opened_only)
    _verified(web_study, n2, partial)
    _answer_until(web_study, partial, stop_before="aware_12348")
    with web_study.session() as session:
        study = find_study(session, STUDY_NAME)
        running = web_invites.web_outcomes(session, study)
        expired = web_invites.web_outcomes(session, study, now=utcnow() + dt.timedelta(days=4))
    assert running == {"pending": 3}
    assert expired == {"2.1121": 1, "1.2": 1, "3.19": 1}
    assert web_invites.web_group_counts(expired)["UH"] == 1


def test_a_bad_mode_design_names_the_setting(db, tmp_path, outbox):
    ensure_users(db)
    build_fieldwork_study(db, tmp_path)
    with db.session() as session:
        study = find_study(session, STUDY_NAME)
        study.settings = {**study.settings, "mode_design": "web_only"}
        with pytest.raises(InvalidState, match="mode_design"):
            web_invites.mode_design(study)


def test_answers_posted_together_go_through_the_engine_and_submit_at_the_end(web_study, outbox):
    _invite(web_study, limit=1)
    number, token = _tokens(outbox)[0]
    _verified(web_study, number, token)
    with web_study.session() as session:
        engine = web_invites.answer_many(session, token, full_answers(0))
    assert engine.complete
    with web_study.session() as session, pytest.raises(web_invites.LinkClosed):
        web_invites.open_link(session, token)


def test_answers_to_items_the_questionnaire_did_not_ask_are_refused(web_study, outbox):
    _invite(web_study, limit=1)
    number, token = _tokens(outbox)[0]
    _verified(web_study, number, token)
    with web_study.session() as session, pytest.raises(InvalidState, match="did not ask"):
        web_invites.answer_many(session, token, {**full_answers(0), "unsatisfied_reason": "efficiency"})


def test_changing_an_earlier_answer_can_end_the_questionnaire_early_as_not_eligible(web_study, outbox):
    _invite(web_study, limit=1)
    number, token = _tokens(outbox)[0]
    _verified(web_study, number, token)
    _answer_until(web_study, token, stop_before="sat_overall")
    with web_study.session() as session:  # "I never received that service"
        engine = web_invites.answer(session, token, "no", item="received_service")
    assert "sat_attitude" not in engine.answers  # answers that became irrelevant are cleared
    _answer_until(web_study, token)  # only the closing note is left
    with web_study.session() as session:
        case = session.scalar(select(Case).where(Case.state == "finalised"))
    assert case.final_disposition == "4.11"


def test_after_a_purge_nobody_can_be_invited_and_open_links_close(web_study, outbox):
    from survey_app.security import fieldcrypto

    _invite(web_study, limit=1)
    _, token = _tokens(outbox)[0]
    with web_study.session() as session:
        study = find_study(session, STUDY_NAME)
        fieldcrypto.destroy_data_key(study.data_key_id)
        study.personal_data_purged_at = utcnow()
    with pytest.raises(InvalidState, match="purged"):
        _invite(web_study)
    with web_study.session() as session, pytest.raises(web_invites.LinkClosed):
        web_invites.open_link(session, token)


def test_a_closed_study_sends_no_reminders(web_study, outbox):
    _invite(web_study, limit=1)
    with web_study.session() as session:
        study = find_study(session, STUDY_NAME)
        study.state = "closed"
        with pytest.raises(InvalidState, match="not fieldwork"):
            web_invites.remind(session, _user(session, "researcher"), study)
    assert len(sms.read_outbox(outbox)) == 1
