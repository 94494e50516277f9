"""Supervision: live progress and AAPOR rates, reassigning, reserve releases, quality flags, re-contacts.

Progress counts every released case by its disposition so far: the final one once the case is
closed, otherwise what `dispositions.final_of` makes of its attempts until now (3.11 if none), so the
rates are "as if fieldwork stopped now". By surveyor, attempts and contacts count where each attempt
was made, and a case's outcome counts for the surveyor of its last attempt.

Quality flags follow the interviewer-falsification indicators of the AAPOR/ASA task force (2020):
interviews shorter than a threshold, and surveyors unlike their peers on comparable cases (the same
stratum, system rating and call effort) beyond chance — in the share answering 满意 on the headline
item, or straight-lining more often — by the engine the report's surveyor check uses too
(`analysis.surveyor_checks`: Cochran–Mantel–Haenszel per surveyor, one Benjamini–Hochberg family,
re-runs that only clear). Flagged interviews feed a seeded re-contact verification sub-sample,
recorded in the audit log with its seed so anyone can re-draw it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from analysis import aapor_rates
from analysis.surveyor_checks import Measure, comparable_cells, not_self, peer_tests
from survey_app.security import audit
from survey_app.security.masking import mask_name, mask_phone
from survey_app.services import dispositions, samples
from survey_app.services.auth import active_surveyors, require
from survey_app.services.errors import InvalidState, NotFound
from survey_app.storage.models import (
    Answer,
    AuditEntry,
    CallAttempt,
    Case,
    FrameRecord,
    Interview,
    Study,
    User,
)

#: Who may watch fieldwork (read-only for the auditor).
WATCHERS = ("supervisor", "researcher", "auditor", "admin")
#: Who may steer it.
STEERERS = ("supervisor", "admin")

SAT_ITEMS: tuple[str, ...] = (
    "sat_attitude",
    "sat_efficiency",
    "sat_professional",
    "sat_result",
    "sat_environment",
    "sat_integrity",
    "sat_overall",
)
SPECIAL_ANSWERS = frozenset({"dk", "refused"})
WHO_RATED = "who_rated"
#: Flags on a surveyor (not on one interview): every interview of theirs counts as flagged.
SURVEYOR_FLAGS = ("surveyor_effect", "who_rated_effect")
NOT_CALLED = "—"
RATE_NAMES: tuple[str, ...] = (
    *(f"RR{i}" for i in range(1, 7)),
    *(f"COOP{i}" for i in range(1, 5)),
    *(f"REF{i}" for i in range(1, 4)),
    *(f"CON{i}" for i in range(1, 4)),
)
DEFAULT_MIN_INTERVIEW_MINUTES = 3.0


# ---------------------------------------------------------------- progress


def _case_outcomes(session: Session, study: Study) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Released cases with their disposition so far and last surveyor; and every attempt."""
    cases = pd.DataFrame(
        session.execute(
            select(Case.id, Case.stratum, Case.replicate, Case.state, Case.final_disposition).where(
                Case.study_id == study.id, Case.state != "reserve"
            )
        ).all(),
        columns=["case_id", "stratum", "replicate", "state", "final_disposition"],
    )
    attempts = pd.DataFrame(
        session.execute(
            select(CallAttempt.case_id, CallAttempt.attempt_no, CallAttempt.disposition, User.username)
            .join(Case, Case.id == CallAttempt.case_id)
            .join(User, User.id == CallAttempt.surveyor_id)
            .where(Case.study_id == study.id)
            .order_by(CallAttempt.case_id, CallAttempt.attempt_no)
        ).all(),
        columns=["case_id", "attempt_no", "disposition", "surveyor"],
    )
    attempts["contact"] = [dispositions.get(c).contact for c in attempts["disposition"]]
    codes = attempts.groupby("case_id")["disposition"].agg(list)
    last_surveyor = attempts.groupby("case_id")["surveyor"].last()
    cases["code"] = [
        final if isinstance(final, str) else dispositions.final_of(codes.get(case_id, []))
        for case_id, final in zip(cases["case_id"], cases["final_disposition"], strict=True)
    ]
    cases["group"] = [dispositions.get(c).group for c in cases["code"]]
    cases["surveyor"] = [last_surveyor.get(case_id, NOT_CALLED) for case_id in cases["case_id"]]
    attempts = attempts.merge(cases[["case_id", "stratum", "replicate"]], on="case_id", how="left")
    return cases, attempts


def _summary(cases: pd.DataFrame, attempts: pd.DataFrame) -> dict[str, Any]:
    groups = cases["group"].value_counts().reindex(dispositions.GROUPS, fill_value=0)
    rates = aapor_rates({g: int(n) for g, n in groups.items()})
    return {
        "cases": len(cases),
        "attempted": int((cases["code"] != dispositions.NOT_ATTEMPTED.code).sum()),
        "finalised": int((cases["state"] == "finalised").sum()),
        "attempts": len(attempts),
        "contacts": int(attempts["contact"].sum()),
        "completes": int(groups["I"]),
        "partials": int(groups["P"]),
        "refusals": int(groups["R"]),
        "findings": int(cases["code"].isin(dispositions.FINDINGS).sum()),
        **{g: int(n) for g, n in groups.items()},
        **{name: rates[name] for name in RATE_NAMES},
        "e": rates["e"],
    }


def progress(session: Session, actor: User, study: Study, by: str = "stratum") -> pd.DataFrame:
    """Progress per stratum, replicate or surveyor, with AAPOR rates; the last row, "(all)", totals."""
    require(actor, *WATCHERS)
    if by not in ("stratum", "replicate", "surveyor"):
        raise InvalidState(f"Progress can be shown by stratum, replicate or surveyor, not {by!r}.")
    cases, attempts = _case_outcomes(session, study)
    rows = []
    keys = sorted(set(cases[by]) | set(attempts[by]), key=str)
    for key in keys:
        rows.append({by: key, **_summary(cases[cases[by] == key], attempts[attempts[by] == key])})
    rows.append({by: "(all)", **_summary(cases, attempts)})
    return pd.DataFrame(rows)


def masked_people(session: Session, study: Study) -> pd.DataFrame:
    """case_id, record_id and the masked name and number of every case (empty once purged)."""
    from survey_app.security.fieldcrypto import KeyUnavailable
    from survey_app.services.frames import row_key, study_cipher

    rows = session.execute(
        select(
            Case.id,
            FrameRecord.frame_id,
            FrameRecord.record_id,
            FrameRecord.name_sealed,
            FrameRecord.phone_sealed,
        )
        .join(FrameRecord, FrameRecord.id == Case.frame_record_id)
        .where(Case.study_id == study.id)
    ).all()
    try:
        cipher = study_cipher(session, study)
    except KeyUnavailable:  # purged: nothing left to mask
        cipher = None
    names, phones = [], []
    for _, frame_id, record_id, name, phone in rows:
        key = row_key(frame_id, record_id)
        names.append(mask_name(cipher.open("recipient_name", name, key)) if cipher else "")
        phones.append(mask_phone(cipher.open("phone", phone, key)) if cipher else "")
    return pd.DataFrame(
        {"case_id": [r[0] for r in rows], "record_id": [r[2] for r in rows], "name": names, "phone": phones}
    )


def case_table(session: Session, actor: User, study: Study) -> pd.DataFrame:
    """The released cases with outcome, masked name and number: what may leave the app as a file.

    Surveyors (and reviewers, who must not see personal data) cannot export at all.
    """
    require(actor, *WATCHERS)
    cases, _ = _case_outcomes(session, study)
    people = masked_people(session, study)
    table = cases.merge(people, on="case_id", how="left")
    audit.record(
        session, actor.username, "cases.exported", study_id=study.id, entity="study", rows=len(table)
    )
    return table[
        [
            "case_id",
            "record_id",
            "stratum",
            "replicate",
            "state",
            "code",
            "group",
            "surveyor",
            "name",
            "phone",
        ]
    ]


# ---------------------------------------------------------------- steering


def reassign_case(session: Session, actor: User, case_id: int, surveyor_id: int | None, reason: str) -> Case:
    """Give a case to one surveyor (or back to everyone with None), with a reason in the audit log.

    A held case is taken back from its holder; an interview already started continues under the new
    surveyor, with every answer keeping who gave it.
    """
    require(actor, *STEERERS)
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise InvalidState("Reassigning a case needs a reason (it goes into the audit log).")
    case = session.scalar(
        select(Case).where(Case.id == case_id).with_for_update().execution_options(populate_existing=True)
    )
    if case is None:
        raise NotFound(f"No case {case_id}.")
    if case.state in ("finalised", "reserve"):
        raise InvalidState(f"Case {case_id} is {case.state}; only cases in fieldwork can be reassigned.")
    target = None
    if surveyor_id is not None:
        target = session.get(User, surveyor_id)
        if target is None or target.role != "surveyor" or not target.active:
            raise InvalidState(f"User {surveyor_id} is not an active surveyor.")
    before = {"assigned_to": case.assigned_to, "held_by": case.held_by if case.state == "held" else None}
    if case.state == "held":
        from survey_app.services.recordings import discard_pending

        # the holder's upload is for a call that will never be recorded
        discard_pending(session, actor, case, "reassigned")
        case.state = "appointment" if case.appointment_at is not None else "pending"
        case.held_by, case.held_at = None, None
    case.assigned_to = surveyor_id
    session.flush()
    audit.record(
        session,
        actor.username,
        "case.reassigned",
        study_id=case.study_id,
        entity="case",
        entity_id=case.id,
        reason=reason,
        to=target.username if target else None,
        **before,
    )
    return case


#: A unit whose released cases one surveyor holds or called this share of, from `ONE_SURVEYOR_CASES`
#: cases on — or whose interviews they did this share of, from `ONE_SURVEYOR_CASES` interviews on — is
#: called mostly by that surveyor (`unit_concentration`).
ONE_SURVEYOR_SHARE = 2 / 3
ONE_SURVEYOR_CASES = 5


@dataclass(frozen=True)
class Concentration:
    """One surveyor's part of a unit's released cases (assigned to them, or interviewed by them), and
    of its interviews."""

    unit: str
    surveyor: str
    theirs: int
    cases: int
    called: int
    interviews: int


def _unit_cases(session: Session, study_id: int, unit: str | None = None) -> pd.DataFrame:
    """Every released case of the study (of `unit` only, when given): `case`, `unit`, `state`,
    `assigned_to`, `holder` — the surveyor who interviewed it, else the one it is assigned to (NaN:
    anyone's) — and `interviewed`."""
    query = (
        select(Case.id, FrameRecord.organisation_id, Case.state, Case.assigned_to, Interview.surveyor_id)
        .join(FrameRecord, FrameRecord.id == Case.frame_record_id)
        .outerjoin(Interview, Interview.case_id == Case.id)
        .where(Case.study_id == study_id, Case.state != "reserve", FrameRecord.organisation_id.is_not(None))
    )
    if unit is not None:
        query = query.where(FrameRecord.organisation_id == unit)
    columns = ["case", "unit", "state", "assigned_to", "interviewer"]
    cases = pd.DataFrame(session.execute(query).all(), columns=columns).drop_duplicates("case", keep="last")
    cases["interviewed"] = cases["interviewer"].notna()
    cases["holder"] = cases["interviewer"].where(cases["interviewed"], cases["assigned_to"])
    return cases


def _leaning(cases: pd.DataFrame) -> pd.DataFrame:
    """Per unit of `_unit_cases`' table that one surveyor (`holder`, user id) holds or called
    `ONE_SURVEYOR_SHARE` of the released cases of (`theirs` of `cases`), or did that share of the
    interviews of (`called` of `interviews`), from `ONE_SURVEYOR_CASES` on.

    Why the interviews too: cases released later to anyone (a phase 2, a reserve) dilute the share of
    released cases, while the verdict reads the interviews — a unit whose interviews one surveyor did
    is still theirs until someone else calls its new cases."""
    columns = ["holder", "theirs", "cases", "called", "interviews"]
    if cases.empty:
        return pd.DataFrame(columns=columns)
    held = cases.dropna(subset=["holder"]).groupby(["unit", "holder"]).size().rename("theirs")
    called = cases[cases["interviewed"]].groupby(["unit", "holder"]).size().rename("called")
    table = pd.concat([held, called], axis=1).fillna(0).astype(int).reset_index()
    table = table.join(cases.groupby("unit").size().rename("cases"), on="unit")
    table = table.join(cases[cases["interviewed"]].groupby("unit").size().rename("interviews"), on="unit")
    table["interviews"] = table["interviews"].fillna(0).astype(int)
    by_cases = (table["cases"] >= ONE_SURVEYOR_CASES) & (
        table["theirs"] >= ONE_SURVEYOR_SHARE * table["cases"]
    )
    by_interviews = (table["interviews"] >= ONE_SURVEYOR_CASES) & (
        table["called"] >= ONE_SURVEYOR_SHARE * table["interviews"]
    )
    # more than half of either count: at most one surveyor a unit on each; the released cases first
    table = table.assign(rank=np.where(by_cases, 0, np.where(by_interviews, 1, 2)))
    table = table[table["rank"] < 2].sort_values(["unit", "rank", "holder"]).drop_duplicates("unit")
    return table.set_index("unit")[columns]


def unit_concentration(session: Session, case: Case) -> Concentration | None:
    """Whether the surveyor `case` is now assigned to holds or called most of its unit's released cases
    (`ONE_SURVEYOR_SHARE` of at least `ONE_SURVEYOR_CASES`); None otherwise.

    Why: a unit called by one surveyor cannot be told from that surveyor's way of recording, and its
    verdict then sets their answers aside if the surveyor records differently from the others
    (`analysis.surveyor_bias`). Said at the reassignment, while the remaining cases can still go to
    someone else. A case counts for the surveyor who interviewed it, else for the one it is assigned to."""
    if case.assigned_to is None:
        return None
    unit = session.scalar(select(FrameRecord.organisation_id).where(FrameRecord.id == case.frame_record_id))
    if unit is None:
        return None
    leaning = _leaning(_unit_cases(session, case.study_id, str(unit)))
    if leaning.empty or leaning["holder"].iloc[0] != case.assigned_to:
        return None
    name = session.scalar(select(User.username).where(User.id == case.assigned_to))
    row = leaning.iloc[0]
    return Concentration(
        str(unit), str(name), *(int(row[c]) for c in ("theirs", "cases", "called", "interviews"))
    )


#: The cases `spread_unit` may hand on: not interviewed, waiting for a call (not held by a caller now).
OPEN_STATES = ("pending", "appointment")


def leaning_units(session: Session, actor: User, study: Study) -> pd.DataFrame:
    """One row per unit (`unit`) whose released cases one surveyor holds or called most of, or whose
    interviews they did most of (`unit_concentration`'s rule): `surveyor`, `theirs` of `cases`,
    `called` of `interviews`, and `open` — its cases
    `spread_unit` would hand to other surveyors (in `OPEN_STATES`, not interviewed, assigned to
    that surveyor or to anyone).

    Why: the supervisor's view of the units whose verdict may rest on one surveyor's way of recording,
    while fieldwork can still mend it; the reassignment warning says it one case at a time."""
    require(actor, *WATCHERS)
    cases = _unit_cases(session, study.id)
    leaning = _leaning(cases)
    names = dict(session.execute(select(User.id, User.username)).all())
    rows = []
    for unit, row in leaning.iterrows():
        mine = cases[cases["unit"] == unit]
        movable = _movable(mine, int(row["holder"]))
        rows.append(
            {
                "unit": str(unit),
                "surveyor": names.get(int(row["holder"]), str(row["holder"])),
                "theirs": int(row["theirs"]),
                "cases": int(row["cases"]),
                "called": int(row["called"]),
                "interviews": int(row["interviews"]),
                "open": len(movable),
            }
        )
    return pd.DataFrame(rows, columns=["unit", "surveyor", "theirs", "cases", "called", "interviews", "open"])


def _movable(cases: pd.DataFrame, holder: int) -> pd.Series:
    """The ids of `cases` (one unit's `_unit_cases`) `spread_unit` hands on, away from `holder`."""
    open_ = cases["state"].isin(OPEN_STATES) & ~cases["interviewed"]
    theirs = cases["assigned_to"].isna() | (cases["assigned_to"] == holder)
    return cases.loc[open_ & theirs, "case"].sort_values()


def spread_unit(session: Session, actor: User, study: Study, unit: str, reason: str) -> dict[str, int]:
    """Hand the open cases of a unit that leans on one surveyor (`leaning_units`) to the other active
    surveyors, the least loaded first, each through `reassign_case` (so each is in the audit log with
    `reason`); returns how many each received.

    Why: the remedy the unit verdict asks for (`analysis.verdicts`) is another surveyor calling some of
    its cases; their answers are what the verdict reads where the main surveyor records differently."""
    require(actor, *STEERERS)
    if study.state != "fieldwork":
        raise InvalidState(
            f"Study {study.name} is in {study.state}; cases are handed on during fieldwork.",
            zh=f"调查项目 {study.name} 不在实地调查阶段，只能在实地调查期间改派个案。",
        )
    cases = _unit_cases(session, study.id, unit)
    leaning = _leaning(cases)
    if leaning.empty:
        raise InvalidState(
            f"Unit {unit} is not called mostly by one surveyor; nothing to hand on.",
            zh=f"单位 {unit} 的回访并非大多出自同一访员，无需改派。",
        )
    holder = int(leaning["holder"].iloc[0])
    others = [(user_id, name) for user_id, name in active_surveyors(session, actor) if user_id != holder]
    if not others:
        raise InvalidState(
            f"No other active surveyor to hand unit {unit}'s cases to.",
            zh=f"没有其他在岗访员可接手单位 {unit} 的个案。",
        )
    movable = _movable(cases, holder)
    if movable.empty:
        raise InvalidState(
            f"Unit {unit} has no open case left to hand on; release reserve cases of its stratum first.",
            zh=f"单位 {unit} 已没有可改派的未完成个案；请先释放其所在抽样层的后备样本。",
        )
    load = dict.fromkeys((user_id for user_id, _ in others), 0)
    waiting = session.execute(
        select(Case.assigned_to, func.count())
        .where(Case.study_id == study.id, Case.state.in_(OPEN_STATES), Case.assigned_to.in_(list(load)))
        .group_by(Case.assigned_to)
    ).all()
    load.update({user_id: int(n) for user_id, n in waiting})
    names = dict(others)
    given: dict[str, int] = {}
    for case_id in movable:
        target = min(load, key=lambda user_id: (load[user_id], names[user_id]))
        reassign_case(session, actor, int(case_id), target, reason)
        load[target] += 1
        given[names[target]] = given.get(names[target], 0) + 1
    return given


def release_reserve(
    session: Session, actor: User, study: Study, replicate: int, strata: list[str] | None = None
) -> int:
    """Release reserve replicates up to `replicate` (all strata or `strata`) through
    `samples.release_replicate`, which redraws from the stored frame and recomputes the weights."""
    require(actor, *STEERERS)
    if study.state != "fieldwork":
        raise InvalidState(
            f"Study {study.name} is in {study.state}; reserves are released during fieldwork.",
            zh=f"调查项目 {study.name} 不在实地调查阶段，只能在实地调查期间释放后备样本。",
        )
    return samples.release_replicate(session, actor, study, replicate, strata)


# ---------------------------------------------------------------- quality


@dataclass(frozen=True)
class QualityFlag:
    kind: str  # "short", "straightlining" (an interview of a surveyor who straight-lines more) or "surveyor_effect"
    surveyor: str
    detail: str
    case_id: int | None = None
    interview_id: int | None = None


def interview_paradata(session: Session, actor: User, study: Study) -> pd.DataFrame:
    """One row per complete interview: surveyor, stratum, the case's call attempts, the record's
    system rating, duration, the satisfaction answers and the answer to who rated."""
    require(actor, *WATCHERS)
    interviews = pd.DataFrame(
        session.execute(
            select(
                Interview.id,
                Interview.case_id,
                Case.stratum,
                Case.attempts,
                FrameRecord.system_rating,
                User.username,
                Interview.started_at,
                Interview.ended_at,
            )
            .join(Case, Case.id == Interview.case_id)
            .join(FrameRecord, FrameRecord.id == Case.frame_record_id)
            .join(User, User.id == Interview.surveyor_id)
            .where(Case.study_id == study.id, Interview.status == "complete")
            .order_by(Interview.id)
        ).all(),
        columns=[
            "interview_id",
            "case_id",
            "stratum",
            "attempts",
            "system_rating",
            "surveyor",
            "started_at",
            "ended_at",
        ],
    )
    answers = pd.DataFrame(
        session.execute(
            select(Answer.interview_id, Answer.item, Answer.value)
            .join(Interview, Interview.id == Answer.interview_id)
            .join(Case, Case.id == Interview.case_id)
            .where(Case.study_id == study.id, Answer.item.in_((*SAT_ITEMS, WHO_RATED)))
        ).all(),
        columns=["interview_id", "item", "value"],
    )
    wide = answers.pivot(index="interview_id", columns="item", values="value").reindex(
        columns=[*SAT_ITEMS, WHO_RATED]
    )
    table = interviews.merge(wide, left_on="interview_id", right_index=True, how="left")
    table["minutes"] = (table["ended_at"] - table["started_at"]).dt.total_seconds() / 60
    return table


def _substantive(answers: pd.DataFrame | pd.Series) -> pd.DataFrame | pd.Series:
    """Where an answer is given on the scale (a code, not don't know or refused)."""
    return answers.map(lambda value: isinstance(value, str)) & ~answers.isin(SPECIAL_ANSWERS)


def uniform_answers(data: pd.DataFrame, min_items: int) -> tuple[pd.Series, pd.Series]:
    """Per interview of `interview_paradata`: the one answer given to every substantive satisfaction
    item (not don't know or refused) where there is one, and whether it has at least `min_items` such
    answers — enough to tell straight-lining at all."""
    items = data[list(SAT_ITEMS)]
    given = _substantive(items).to_numpy(bool)
    values = items.to_numpy(object)
    enough = pd.Series(given.sum(axis=1) >= min_items, index=data.index)
    # the first substantive answer, and whether every other one equals it: row-wise in numpy, since
    # a row-wise `nunique` costs ~0.4 s an interview table of 600
    first = values[np.arange(len(values)), given.argmax(axis=1)]
    same = np.where(given, values == first[:, None], True).all(axis=1) & given.any(axis=1)
    uniform = pd.Series(first, index=data.index, dtype=object).where(enough & same)
    return uniform, enough


def straight_lined(data: pd.DataFrame, min_items: int) -> pd.Series:
    """Per interview: "yes" when every one of its substantive satisfaction answers (at least
    `min_items`) is the same, "no" when they are not, missing when it has too few to tell."""
    uniform, enough = uniform_answers(data, min_items)
    out = pd.Series(np.where(uniform.notna(), "yes", "no"), index=data.index, dtype="object")
    return out.where(enough)


def surveyor_tests(
    data: pd.DataFrame, *, alpha: float, min_straight_items: int = 6
) -> dict[str, pd.DataFrame]:
    """The quality flags' tests of every surveyor against peers on comparable cases (the same
    stratum, system rating and call effort, `surveyor_checks.comparable_cells`)
    (`analysis.surveyor_checks.peer_tests`, the engine of the report's check too): "effect", the share
    answering 满意 to the overall item among substantive answers, "straight", the share of
    straight-lined interviews (`straight_lined`), flagged only *above* the peers' — answering uniformly
    less often is no sign of made-up interviews — and, where the questionnaire asks who rated,
    "who_rated", the share answering that someone else rated or nobody did (`surveyor_checks.not_self`),
    either way: a leading question or a misrecording moves the unit verdicts' strongest evidence
    (ARCHITECTURE.md, "Surveyor checks"). One BH family at `alpha`, re-runs that only clear.

    Why 满意 alone and not the report's 满意率 (满意 + 基本满意): a surveyor who makes interviews up
    writes 满意, and moving 基本满意 to 满意 leaves the 满意率 unchanged. Why a surveyor-level test and not
    each uniform interview: where most citizens are satisfied, an honest respondent often answers 满意
    to every item (37% of the demo's interviews did), so a flag on each such interview said nothing
    about the surveyor and buried the supervisor's list; what the falsification literature reads is a
    surveyor who gets such answers more often than peers who call the same kind of citizen."""
    overall = data["sat_overall"]
    substantive = _substantive(overall)
    straight = straight_lined(data, min_straight_items)
    measures = {
        "effect": Measure(np.where(substantive, overall.eq("satisfied"), np.nan)),
        "straight": Measure(np.where(straight.notna(), straight.eq("yes"), np.nan), above_only=True),
    }
    if WHO_RATED in data.columns and data[WHO_RATED].notna().any():
        measures["who_rated"] = Measure(not_self(data[WHO_RATED]))
    cells = comparable_cells(data["stratum"], data.get("attempts"), data.get("system_rating"))
    return peer_tests(data["surveyor"], cells, measures, q=alpha)


def quality_flags(
    session: Session,
    actor: User,
    study: Study,
    *,
    min_minutes: float | None = None,
    min_straight_items: int = 6,
    alpha: float = 0.05,
) -> list[QualityFlag]:
    """Short interviews, and surveyors unlike their peers on comparable cases (`surveyor_tests`): in
    the share answering 满意, or straight-lining more often — then each of their straight-lined
    interviews is flagged too, for the verification sub-sample to draw from."""
    require(actor, *WATCHERS)
    if min_minutes is None:
        min_minutes = float(
            (study.settings or {}).get("min_interview_minutes", DEFAULT_MIN_INTERVIEW_MINUTES)
        )
    data = interview_paradata(session, actor, study)
    flags: list[QualityFlag] = []
    for row in data.itertuples(index=False):
        if row.minutes < min_minutes:
            flags.append(
                QualityFlag(
                    "short",
                    row.surveyor,
                    f"{row.minutes:.1f} min, under the {min_minutes:g} min threshold",
                    int(row.case_id),
                    int(row.interview_id),
                )
            )
    tests = surveyor_tests(data, alpha=alpha, min_straight_items=min_straight_items)
    straight = tests["straight"]
    uniform, _ = uniform_answers(data, min_straight_items)
    for surveyor in straight.index[straight["flagged"]]:
        peers = straight.loc[surveyor]
        mine = data[(data["surveyor"] == surveyor) & uniform.notna()]
        for row, same in zip(mine.itertuples(index=False), uniform[mine.index], strict=True):
            flags.append(
                QualityFlag(
                    "straightlining",
                    surveyor,
                    f"the same answer ({same}) to every satisfaction item; this surveyor's interviews "
                    f"{peers['share']:.0%} vs peers {peers['peer_share']:.0%} on comparable cases "
                    f"(CMH p={peers['p']:.2g}, BH-adjusted {peers['p_adjusted']:.2g})",
                    int(row.case_id),
                    int(row.interview_id),
                )
            )
    if "who_rated" in tests:
        flags += _surveyor_flags(
            tests["who_rated"], "who_rated_effect", "'someone else rated' or 'never rated'"
        )
    flags += _surveyor_flags(tests["effect"], "surveyor_effect", "满意")
    return flags


def _surveyor_flags(table: pd.DataFrame, kind: str, what: str) -> list[QualityFlag]:
    """A flag of `kind` for each surveyor `table` (`peer_tests`' result on one measure) flagged: the
    share of `what` against the peers'."""
    return [
        QualityFlag(
            kind,
            row.Index,
            f"{what} share {row.share:.0%} vs peers {row.peer_share:.0%} on comparable cases "
            f"({'higher' if row.share > row.peer_share else 'lower'}; CMH p={row.p:.2g}, "
            f"BH-adjusted {row.p_adjusted:.2g}, n={row.n})",
        )
        for row in table[table["flagged"]].itertuples()
    ]


# ---------------------------------------------------------------- verification


@dataclass(frozen=True)
class VerificationSample:
    seed: int
    cases: tuple[tuple[int, str], ...]  # (case id, why it was chosen)

    @property
    def case_ids(self) -> list[int]:
        return [case_id for case_id, _ in self.cases]


def verification_subsample(
    session: Session,
    actor: User,
    study: Study,
    *,
    seed: int,
    share: float = 0.5,
    per_surveyor: int = 1,
    flags: list[QualityFlag] | None = None,
) -> VerificationSample:
    """Cases to re-contact: a `share` of the flagged interviews, plus `per_surveyor` random completes
    of every surveyor (so nobody is exempt), drawn with `seed` and recorded in the audit log.

    Interviews of a surveyor flagged as unlike their peers count as flagged.
    """
    require(actor, *STEERERS)
    if not 0 <= share <= 1:
        raise InvalidState(f"share={share} must be between 0 and 1.")
    if per_surveyor < 0:
        raise InvalidState(f"per_surveyor={per_surveyor} cannot be negative.")
    flags = quality_flags(session, actor, study) if flags is None else flags
    data = interview_paradata(session, actor, study)
    flagged_surveyors = {f.surveyor for f in flags if f.kind in SURVEYOR_FLAGS}
    flagged = {f.case_id for f in flags if f.case_id is not None}
    flagged |= set(data.loc[data["surveyor"].isin(flagged_surveyors), "case_id"].astype(int))
    rng = np.random.default_rng(seed)
    pool = sorted(flagged)
    take = math.ceil(share * len(pool))
    chosen = [(int(c), "flagged") for c in sorted(rng.choice(pool, size=take, replace=False))] if take else []
    taken = {c for c, _ in chosen}
    for surveyor, group in data.groupby("surveyor", sort=True):
        rest = sorted(int(c) for c in group["case_id"] if int(c) not in taken)
        k = min(per_surveyor, len(rest))
        if k:
            chosen += [
                (int(c), f"random check of {surveyor}")
                for c in sorted(rng.choice(rest, size=k, replace=False))
            ]
    sample = VerificationSample(seed, tuple(chosen))
    audit.record(
        session,
        actor.username,
        "verification.subsample",
        study_id=study.id,
        entity="study",
        entity_id=study.id,
        seed=seed,
        share=share,
        per_surveyor=per_surveyor,
        flagged=len(pool),
        cases=[[c, why] for c, why in chosen],
    )
    return sample


def verification_history(session: Session, actor: User, study: Study) -> list[dict[str, Any]]:
    """Every verification sub-sample drawn for the study, as recorded in the audit log (oldest first)."""
    require(actor, *WATCHERS)
    entries = session.execute(
        select(AuditEntry.id, AuditEntry.at, AuditEntry.actor, AuditEntry.details)
        .where(AuditEntry.study_id == study.id, AuditEntry.action == "verification.subsample")
        .order_by(AuditEntry.id)
    ).all()
    return [{"audit_id": i, "at": at, "by": who, **json.loads(details)} for i, at, who, details in entries]
