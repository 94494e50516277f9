"""Referral and remediation: who is referred, what a referral carries, who sees it, closing it, the
re-callback and the report's totals (issue 14, measures 十二 and 十七)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from survey_app.services import auth, datasets, fieldwork, interviews, referrals
from survey_app.services.errors import InvalidState, NotFound, PermissionDenied
from survey_app.services.frames import open_personal
from survey_app.storage.models import AuditEntry, Case, Study, User, utcnow
from survey_app.storage.models_referrals import Referral
from tests.app.builders import build_fieldwork_study, full_answers

pytestmark = pytest.mark.db

PROBLEM = "窗口让我来回跑了三次，希望能一次办完。"
REFERRED = (1, 2, 5)  # below 满意 and agreeing; 4 is 基本满意 and says no; 0 and 3 are 满意


def _answers(number: int, consent: str) -> dict[str, object]:
    """full_answers (rotating 满意 / 基本满意 / 不满意) with the consent item where it is asked."""
    answers = full_answers(number)
    if answers["sat_overall"] != "satisfied":
        answers["referral_consent"] = consent
        if consent == "yes":
            answers["referral_problem"] = f"{PROBLEM}#{number}"
    return answers


@pytest.fixture
def study(db, tmp_path):
    """The builders' study with six interviews, numbered 0..5 (see REFERRED)."""
    built = build_fieldwork_study(db, tmp_path)
    with db.session() as session:
        surveyor = _user(session, "surveyor")
        study = session.get(Study, built.study_id)
        now = utcnow()
        for number in range(6):
            case = fieldwork.next_case(session, surveyor, study)
            interviews.import_interview(
                session,
                surveyor,
                case.id,
                _answers(number, "no" if number == 4 else "yes"),
                started_at=now - dt.timedelta(minutes=5),
                ended_at=now,
            )
    return built


def _user(session, name: str) -> User:
    return session.scalar(select(User).where(User.username == name))


def _office(session, organisation_id: str) -> User:
    """The responsible office (整改责任单位) of `organisation_id`, made on first use."""
    name = f"office-{organisation_id.lower()}"
    return _user(session, name) or auth.create_user(
        session, None, name, "a long office password 2026", "remediation", organisation_id=organisation_id
    )


def _create(db, when: dt.datetime | None = None) -> int:
    with db.session() as session:
        return referrals.create_referrals(
            session, _user(session, "supervisor"), session.scalar(select(Study)), now=when
        )


def _referrals(db) -> list[Referral]:
    with db.session() as session:
        rows = list(session.scalars(select(Referral).order_by(Referral.id)))
        session.expunge_all()
        return rows


def test_consenting_respondents_below_satisfied_are_referred_once(db, study):
    assert _create(db) == len(REFERRED)
    assert _create(db) == 0  # a second batch finds them made already
    assert sorted(r.problem for r in _referrals(db)) == [f"{PROBLEM}#{n}" for n in REFERRED]


def test_a_referral_has_no_rating_and_no_key_into_the_evaluation_data(db, study):
    columns = set(Referral.__table__.columns.keys())
    assert not columns & {"case_id", "interview_id", "record_id", "frame_record_id", "sat_overall", "rating"}
    _create(db)
    with db.session() as session:
        stored = json.dumps(
            [[str(getattr(r, c)) for c in columns] for r in session.scalars(select(Referral))],
            ensure_ascii=False,
        )
    assert not any(phone in stored for phone in study.phones)  # numbers only as ciphertext


def test_the_contact_revealed_is_the_referred_respondents_own(db, study):
    _create(db)
    with db.session() as session:
        study_row = session.scalar(select(Study))
        everyone = {open_personal(session, study_row, case.record) for case in session.scalars(select(Case))}
        supervisor = _user(session, "supervisor")
        revealed = {
            referrals.reveal_contact(session, supervisor, r.id) for r in session.scalars(select(Referral))
        }
    assert len(revealed) == len(REFERRED) and revealed <= everyone


def test_every_reveal_is_audited_under_the_referral_number(db, study):
    _create(db)
    referral = _referrals(db)[0]
    with db.session() as session:
        referrals.reveal_contact(session, _user(session, "supervisor"), referral.id)
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "referral.contact_revealed"))
        assert (entry.actor, entry.entity, entry.entity_id) == ("supervisor", "referral", referral.ref_no)


def test_a_responsible_office_sees_only_its_own_organisations_referrals(db, study):
    _create(db)
    made = _referrals(db)
    for organisation in {r.organisation_id for r in made}:
        with db.session() as session:
            office = _office(session, organisation)
            seen = referrals.list_referrals(session, office)
            assert sorted(v.id for v in seen) == [r.id for r in made if r.organisation_id == organisation]
            for other in (r for r in made if r.organisation_id != organisation):
                with pytest.raises(NotFound):
                    referrals.reveal_contact(session, office, other.id)


def test_lists_show_the_contact_masked(db, study):
    _create(db)
    with db.session() as session:
        views = referrals.list_referrals(session, _user(session, "supervisor"))
    assert len(views) == len(REFERRED)
    assert all("****" in v.phone and v.phone not in study.phones for v in views)


@pytest.mark.parametrize("role", ["researcher", "reviewer", "auditor"])
def test_evaluation_roles_have_no_access_to_referrals(db, study, role):
    _create(db)
    referral = _referrals(db)[0]
    with db.session() as session:
        actor = _user(session, role)
        with pytest.raises(PermissionDenied):
            referrals.list_referrals(session, actor)
        with pytest.raises(PermissionDenied):
            referrals.reveal_contact(session, actor, referral.id)


def test_a_remediation_user_needs_an_organisation(db):
    with db.session() as session, pytest.raises(InvalidState):
        auth.create_user(session, None, "office", "a long office password 2026", "remediation")


def test_closing_needs_the_action_taken_and_a_note(db, study):
    _create(db)
    referral = _referrals(db)[0]
    with db.session() as session:
        office = _office(session, referral.organisation_id)
        with pytest.raises(InvalidState):
            referrals.close_referral(session, office, referral.id, "已回电说明")
        with pytest.raises(InvalidState):
            referrals.close_referral(session, office, referral.id, " ", action="supplementary_service")
        closed = referrals.close_referral(
            session, office, referral.id, "已补充办理", action="supplementary_service"
        )
        assert (closed.status, closed.action, closed.closed_by) == (
            "closed",
            "supplementary_service",
            office.id,
        )


def test_recording_an_action_puts_the_referral_in_progress(db, study):
    _create(db)
    referral = _referrals(db)[0]
    with db.session() as session:
        office = _office(session, referral.organisation_id)
        done = referrals.record_action(
            session, office, referral.id, "continued_service", "已约定再次上门服务"
        )
        assert (done.status, done.action) == ("in_progress", "continued_service")
        with pytest.raises(InvalidState):
            referrals.record_action(session, office, referral.id, "apology", "道歉")


def test_the_re_callback_comes_after_closure_and_takes_a_scale_code(db, study):
    _create(db)
    referral = _referrals(db)[0]
    with db.session() as session:
        office, surveyor = _office(session, referral.organisation_id), _user(session, "surveyor")
        with pytest.raises(InvalidState):
            referrals.record_recallback(session, _user(session, "supervisor"), referral.id, "satisfied")
        referrals.close_referral(session, office, referral.id, "已办结", action="other")
        with pytest.raises(InvalidState):
            referrals.record_recallback(session, surveyor, referral.id, "very_good")
        called = referrals.record_recallback(session, surveyor, referral.id, "satisfied", "满意整改")
        assert (called.recallback_rating, called.recallback_by) == ("satisfied", surveyor.id)


def test_the_report_totals_count_only_what_happened_by_their_date(db, study):
    start = dt.datetime(2026, 11, 2, 1, 0)
    _create(db, start)
    first, second, _third = _referrals(db)  # closed on time, closed late, still open
    with db.session() as session:
        supervisor = _user(session, "supervisor")
        for referral, days, rating in ((first, 3, "satisfied"), (second, 20, "dissatisfied")):
            closed_at = start + dt.timedelta(days=days)
            office = _office(session, referral.organisation_id)
            referrals.close_referral(
                session, office, referral.id, "已办结", action="continued_service", now=closed_at
            )
            referrals.record_recallback(
                session, supervisor, referral.id, rating, now=closed_at + dt.timedelta(days=1)
            )
        study_row = session.scalar(select(Study))
        later = referrals.summary(session, study_row, as_of=start + dt.timedelta(days=30))
        earlier = referrals.summary(session, study_row, as_of=start + dt.timedelta(days=10))
    assert (later.referred, later.closed, later.closed_on_time, later.open_overdue) == (3, 2, 1, 1)
    assert (later.recalled, later.recall_rated, later.recall_satisfied) == (2, 2, 1)
    assert dict(later.by_action)["continued_service"] == 2
    assert (earlier.closed, earlier.recalled, earlier.open_overdue) == (1, 1, 0)


def test_the_analysis_dataset_carries_no_referral_item(db, study):
    with db.session() as session:
        data = datasets.analysis_dataset(session, session.scalar(select(Study)))
    assert "sat_overall" in data.columns
    assert not {"referral_consent", "referral_problem"} & set(data.columns)


def test_the_retention_purge_removes_the_referred_peoples_contact_and_words(db, study):
    from survey_app.services import retention

    _create(db)
    with db.session() as session:
        retention.purge_study(
            session, _user(session, "admin"), session.scalar(select(Study)), early_reason="test"
        )
    kept = _referrals(db)
    assert len(kept) == len(REFERRED)  # progress and totals stay
    assert all(r.name_sealed is None and r.phone_sealed is None and r.problem is None for r in kept)


def test_a_surveyor_sees_only_closed_referrals_the_ones_to_call_back(db, study):
    _create(db)
    first = _referrals(db)[0]
    with db.session() as session:
        surveyor = _user(session, "surveyor")
        assert referrals.list_referrals(session, surveyor) == []
        with pytest.raises(NotFound):
            referrals.reveal_contact(session, surveyor, first.id)
        referrals.close_referral(
            session, _office(session, first.organisation_id), first.id, "已办结", action="other"
        )
        assert [v.id for v in referrals.list_referrals(session, surveyor)] == [first.id]
