"""Fieldwork fixtures: a study in fieldwork with cases, built straight with the ORM.

The rows are made directly (Study, Frame, FrameRecord, SampleDesign, Case) so these tests do not
depend on the sampling library; `make_study` is also what the benchmark and the process tests use.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import insert, select

from survey_app.security.fieldcrypto import person_keys
from survey_app.services import auth
from survey_app.services.frames import row_key, study_cipher
from survey_app.storage import Database
from survey_app.storage.models import Case, Frame, FrameRecord, SampleDesign, Study, User

#: A Wednesday, 10:00 in Shanghai (02:00 UTC): inside the default calling hours.
WEDNESDAY_10_SHANGHAI = dt.datetime(2026, 3, 4, 2, 0)

DOMAINS = ("公证", "律师", "人民调解")
RATINGS = ("satisfied", "basically_satisfied", "dissatisfied")


def make_study(
    db: Database,
    *,
    cases: int = 10,
    strata: tuple[str, ...] = ("公证", "律师"),
    reserve: int = 0,
    settings: dict[str, Any] | None = None,
    name: str = "callback-2026",
    state: str = "fieldwork",
) -> int:
    """A study in `state` with `cases` released cases (round-robin over `strata`) and `reserve` more
    in replicate 1; returns the study id. Personal data is synthetic and predictable."""
    total = cases + reserve
    with db.session() as session:
        study = Study(
            name=name,
            title="Test callback",
            state=state,
            scale="justice3",
            satisfied_codes=["satisfied", "basically_satisfied"],
            settings={
                "calling_hours": [9, 20],
                "max_attempts": 5,
                "min_gap_minutes": 120,
                **(settings or {}),
            },
        )
        session.add(study)
        session.flush()
        frame = Frame(
            study_id=study.id,
            filename="frame.csv",
            source_sha256="0" * 64,
            frame_sha256="0" * 64,
            row_count=total,
        )
        session.add(frame)
        session.flush()
        cipher = study_cipher(session, study, create=True)  # names and numbers are stored sealed
        session.execute(
            insert(FrameRecord),
            [
                {
                    "frame_id": frame.id,
                    "record_id": f"R{i:06d}",
                    "event_type": "服务",
                    "domain": strata[i % len(strata)],
                    "channel": "实体平台",
                    "district": "黄浦区",
                    "district_code": "310101",
                    "organisation_id": "ORG0001",
                    "organisation": "黄浦区公证处",
                    "staff_id": "ORG0001-S01",
                    "service_date": dt.date(2026, 2, 1),
                    "system_rating": RATINGS[i % 3],
                    "name_sealed": cipher.seal("recipient_name", "张三丰", row_key(frame.id, f"R{i:06d}")),
                    "phone_sealed": cipher.seal("phone", f"138{i:08d}", row_key(frame.id, f"R{i:06d}")),
                    "person_key": person_keys([f"138{i:08d}"])[0],
                }
                for i in range(total)
            ],
        )
        records = session.scalars(
            select(FrameRecord.id).where(FrameRecord.frame_id == frame.id).order_by(FrameRecord.record_id)
        ).all()
        design = SampleDesign(
            study_id=study.id, frame_id=frame.id, params={"strata": ["domain"]}, allocation={}, seed=1
        )
        session.add(design)
        session.flush()
        session.execute(
            insert(Case),
            [
                {
                    "study_id": study.id,
                    "design_id": design.id,
                    "frame_record_id": record_pk,
                    "stratum": strata[i % len(strata)],
                    "replicate": 0 if i < cases else 1,
                    "selection_order": i + 1,
                    "inclusion_prob": 0.5,
                    "design_weight": 2.0,
                    "state": "pending" if i < cases else "reserve",
                    "attempts": 0,
                    "priority": 0,
                }
                for i, record_pk in enumerate(records)
            ],
        )
        return study.id


def add_surveyors(db: Database, count: int, start: int = 2) -> list[User]:
    """`count` more surveyors, named surveyor2, surveyor3, …"""
    made = []
    with db.session() as session:
        for number in range(start, start + count):
            made.append(
                auth.create_user(
                    session,
                    None,
                    f"surveyor{number}",
                    "password-surveyor",
                    "surveyor",
                    surveyor_no=f"{number:03d}",
                )
            )
    return made


@pytest.fixture(autouse=True)
def _cheap_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2's production cost is ~0.5 s a hash; these tests make many users and never log in."""
    from argon2 import PasswordHasher

    from survey_app.security import passwords

    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))


@pytest.fixture
def study_factory(db: Database) -> Callable[..., int]:
    return lambda **kwargs: make_study(db, **kwargs)


@pytest.fixture
def study_id(db: Database) -> int:
    return make_study(db)


def add_interview(
    db: Database,
    case_id: int,
    surveyor: User,
    answers: dict[str, Any],
    *,
    minutes: float = 8.0,
    status: str = "complete",
    code: str = "1.1",
) -> int:
    """A finished interview with `answers`, stored directly (as `interviews.import_interview` would
    leave it) and its case finalised; returns the interview id."""
    from survey_app.services.interviews import answer_digest
    from survey_app.storage.models import Answer, CallAttempt, Interview, QuestionnaireVersion

    with db.session() as session:
        version = session.scalar(select(QuestionnaireVersion).where(QuestionnaireVersion.name == "test"))
        if version is None:
            version = QuestionnaireVersion(
                name="test", version=1, definition={}, sha256="0" * 64, frozen=True
            )
            session.add(version)
            session.flush()
        case = session.get(Case, case_id)
        started = WEDNESDAY_10_SHANGHAI
        interview = Interview(
            case_id=case_id,
            questionnaire_version_id=version.id,
            surveyor_id=surveyor.id,
            started_at=started,
            ended_at=started + dt.timedelta(minutes=minutes),
            status=status,
        )
        session.add(interview)
        session.flush()
        for item, value in answers.items():
            session.add(
                Answer(
                    interview_id=interview.id,
                    item=item,
                    value=value,
                    questionnaire_version_id=version.id,
                    surveyor_id=surveyor.id,
                    digest=answer_digest(interview.id, item, value, version.id),
                )
            )
        case.attempts += 1
        session.add(
            CallAttempt(
                case_id=case_id,
                surveyor_id=surveyor.id,
                attempt_no=case.attempts,
                started_at=started,
                disposition=code,
            )
        )
        case.state, case.final_disposition, case.held_by = "finalised", code, None
        return interview.id


def satisfaction(overall: str, aspects: str | tuple[str, ...] = "basically_satisfied") -> dict[str, str]:
    """Answers to the seven satisfaction items: `aspects` for the six aspects, `overall` for sat_overall."""
    aspect_items = (
        "sat_attitude",
        "sat_efficiency",
        "sat_professional",
        "sat_result",
        "sat_environment",
        "sat_integrity",
    )
    values = (aspects,) * 6 if isinstance(aspects, str) else aspects
    return {**dict(zip(aspect_items, values, strict=True)), "sat_overall": overall}


def case_ids(db: Database, study_id: int) -> list[int]:
    with db.session() as session:
        return list(
            session.scalars(select(Case.id).where(Case.study_id == study_id).order_by(Case.selection_order))
        )
