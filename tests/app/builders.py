"""A small study in fieldwork, built through the services exactly as a researcher would build one.

Shared by the AppTest tests and the browser test: users (one per role, from the `users` fixture's
convention: user name = role, password = 'password-<role>'), a study whose calling hours cover the
whole day (so the tests do not depend on the clock), a 24-row frame written as a CSV with the
rating system's Chinese headers, a stratified sample of 8 cases, the built-in callback questionnaire
saved and frozen, and the study moved into fieldwork.

Built once per test session and database kind; later tests get a private copy of that build (database,
frame file, key files; see tests/app/study_copies.py). `build_fieldwork_study_afresh` always builds.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

import questionnaires
from survey_app.services import auth, frames, questionnaire_store, samples, studies
from survey_app.storage import Database
from survey_app.storage.models import ROLES, User
from tests.app import study_copies

HEADERS = [
    "记录编号",
    "事项类型",
    "业务领域",
    "评价渠道",
    "所属区",
    "区划代码",
    "机构编号",
    "机构名称",
    "工作人员编号",
    "服务日期",
    "评价时间",
    "评价结果",
    "服务对象姓名",
    "联系电话",
    "投诉未办结",
]
DISTRICTS = [("黄浦区", "310101"), ("徐汇区", "310104")]
DOMAINS = ["公证", "律师"]
RATINGS = ["满意", "基本满意", "不满意"]
SURNAMES = "王李张刘陈杨"
STUDY_NAME = "callback-test"
SAMPLE_SIZE = 8
BAD_PHONE = "19912345678901"


def password(role: str) -> str:
    return f"password-{role}"


@dataclass(frozen=True)
class BuiltStudy:
    study_id: int
    name: str
    frame_path: Path
    phones: tuple[str, ...]


def write_frame_csv(path: Path, rows: int = 24) -> list[str]:
    """A small export in the rating system's own Chinese headers; returns the phone numbers in it."""
    today = dt.date.today()
    phones = []
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for i in range(rows):
            district, code = DISTRICTS[i % 2]
            domain = DOMAINS[(i // 2) % 2]
            org = f"ORG{1 + i % 4:04d}"
            service_day = today - dt.timedelta(days=10 + i % 7)
            phone = f"1380013{i:04d}"
            phones.append(phone)
            writer.writerow(
                [
                    f"R{i:05d}",
                    "服务",
                    domain,
                    "实体平台",
                    district,
                    code,
                    org,
                    f"{district}{domain}服务机构{org[-1]}",
                    f"{org}-S{1 + i % 3:02d}",
                    service_day.isoformat(),
                    f"{service_day.isoformat()} 10:{i % 60:02d}:00",
                    RATINGS[i % 3],
                    f"{SURNAMES[i % 6]}小{'一二三四五六'[i % 6]}",
                    phone,
                    "否",
                ]
            )
        # one row the import must reject (an impossible phone number), so the report has something
        writer.writerow(
            [
                f"R{rows:05d}",
                "服务",
                "公证",
                "实体平台",
                "黄浦区",
                "310101",
                "ORG0001",
                "黄浦区公证服务机构1",
                "ORG0001-S01",
                (today - dt.timedelta(days=12)).isoformat(),
                "",
                "满意",
                "赵六",
                BAD_PHONE,
                "否",
            ]
        )
    return phones


def ensure_users(db: Database) -> dict[str, User]:
    """One user per role named after it (what the `users` fixture makes), created only if missing."""
    made = {}
    with db.session() as session:
        for number, role in enumerate(ROLES, start=1):
            user = session.scalar(select(User).where(User.username == role))
            if user is None:
                user = auth.create_user(
                    session,
                    None,
                    role,
                    password(role),
                    role,
                    surveyor_no=f"{number:03d}" if role == "surveyor" else None,
                    organisation_id="ORG0001" if role == "remediation" else None,
                )
            made[role] = user
    return made


def build_fieldwork_study(db: Database, folder: Path) -> BuiltStudy:
    """Users, a study, its frame (written into `folder`), sample and frozen questionnaire, in fieldwork:
    a copy of this session's first build when `db` is pristine and the key folder fits, else built."""
    return study_copies.copy_or_build(db, folder, lambda: build_fieldwork_study_afresh(db, folder))


def build_fieldwork_study_afresh(db: Database, folder: Path) -> BuiltStudy:
    """Users, a study, its frame, sample and frozen questionnaire, in fieldwork (see the module doc)."""
    return build_named_study(db, folder, STUDY_NAME, "回访测试", frame_name="评价导出.csv")


def build_named_study(
    db: Database,
    folder: Path,
    name: str,
    title: str,
    *,
    frame_name: str,
    seed: int = 20261126,
    n: int = SAMPLE_SIZE,
) -> BuiltStudy:
    """A study called `name` built as the test study is (its own frame file in `folder`, a draw of `n`
    by domain with `seed`, a frozen questionnaire), in fieldwork: a second study beside the first."""
    people = ensure_users(db)
    researcher = people["researcher"]
    frame_path = folder / frame_name
    phones = write_frame_csv(frame_path)
    with db.session() as session:
        study = studies.create_study(
            session,
            researcher,
            name,
            title,
            settings={"calling_hours": [0, 24], "min_gap_minutes": 0},
        )
        frames.import_frame(session, researcher, study, frame_path)
        samples.draw_sample(
            session,
            researcher,
            study,
            {"strata": ["domain"], "n": n, "method": "proportional", "seed": seed, "unit": "event"},
        )
        version = questionnaire_store.save_version(
            session, researcher, study, questionnaires.template("justice-callback")
        )
        questionnaire_store.freeze(session, researcher, version.id)
        studies.set_state(session, researcher, study, "fieldwork")
        return BuiltStudy(study.id, study.name, frame_path, tuple(phones))


SATISFACTION = ("satisfied", "basically_satisfied", "dissatisfied")
ASPECTS = (
    "sat_attitude",
    "sat_efficiency",
    "sat_professional",
    "sat_result",
    "sat_environment",
    "sat_integrity",
)


def full_answers(number: int) -> dict[str, object]:
    """A complete, valid set of answers to the justice-callback template; varied by `number`."""
    overall = SATISFACTION[number % 3]
    answers: dict[str, object] = {
        "identity": "yes",
        "received_service": "yes",
        "who_rated": "self",
        "staff_asked_rating": "no",
        **dict.fromkeys(ASPECTS, overall),
        "sat_overall": overall,
        "aware_12348": "yes" if number % 2 else "no",
        "aware_public_legal": "yes",
        "first_choice": "public_legal",
        "comment": None,
    }
    if overall == "dissatisfied":
        answers["unsatisfied_reason"] = "efficiency"
    return answers


def complete_interviews(
    db: Database, count: int, surveyor_name: str = "surveyor", study_name: str = STUDY_NAME
) -> list[int]:
    """Let the surveyor take `count` cases of `study_name` and store a complete interview for each;
    their case ids."""
    from survey_app.services import fieldwork, interviews
    from survey_app.services.studies import find_study

    done = []
    with db.session() as session:
        surveyor = session.scalar(select(User).where(User.username == surveyor_name))
        study = find_study(session, study_name)
        for number in range(count):
            case = fieldwork.next_case(session, surveyor, study)
            assert case is not None, "the test study ran out of cases"
            now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
            interviews.import_interview(
                session,
                surveyor,
                case.id,
                full_answers(number),
                started_at=now - dt.timedelta(minutes=4),
                ended_at=now,
            )
            done.append(case.id)
    return done
