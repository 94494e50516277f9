"""Open comments coded into findings: the codebook, coders' decisions, double coding, adjudication.

Who: coding is the researcher's work (DESIGN.md §2: the researcher designs the instruments and the
analysis; open comments are analysis material, and the researcher already works with the data without
personal fields). Supervisors watch fieldwork, not its content. Coders, the second (blind) coder and
the adjudicator are therefore researchers — different user accounts of that role; the results (kappa,
frequencies) are also shown to every role that reads results.

What a coder sees: the comment scrubbed by `analysis.comments.anonymise` (with the respondent's own
name from the frame, decrypted only for scrubbing, never shown), jieba's suggestions, and their own
codes. The second coder never sees the first coder's codes (`coding_of` returns only the actor's own).

Comments: every non-empty `comment` and `unsatisfied_reason_other` ("其他（请注明）", template version 2)
answer, and `unsatisfied_reason` answers that are free text (a value that is not a choice code: choice
codes are lower-case ASCII identifiers).

Final codes of a comment: the first coder's, except on double-coded comments, where codes both coders
gave stand, a disagreement settled by adjudication follows the adjudication, and an unsettled one
follows the first coder (so the frequencies never wait for adjudication).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from analysis.comments import Codebook, Suggester, Suggestion, anonymise, default_codebook, parse_codebook
from analysis.comments import kappa_per_code as _kappa_per_code
from analysis.comments import theme_frequencies as _theme_frequencies
from analysis.design import Design
from survey_app.security import audit, fieldcrypto
from survey_app.services.auth import require
from survey_app.services.errors import InvalidState, NotFound
from survey_app.services.frames import row_key, study_cipher
from survey_app.storage.models import Answer, Case, FrameRecord, Interview, Study, User
from survey_app.storage.models_coding import (
    FREE_TEXT_QUESTIONS,
    QUESTIONS,
    Adjudication,
    CodebookVersion,
    CodingSample,
    CommentCode,
    CommentCoding,
)

CODER_ROLES = ("researcher",)
RESULT_ROLES = ("researcher", "supervisor", "reviewer", "auditor", "admin")
#: Share of comments drawn for double coding unless asked otherwise.
DOUBLE_SHARE = 0.2
_CHOICE_CODE = re.compile(r"^[a-z0-9_]+$")

Key = tuple[int, str]  # (interview id, question)


@dataclass(frozen=True)
class Comment:
    interview_id: int
    question: str
    text: str  # anonymised


# ------------------------------------------------------------------------------------------ codebook
def _sha(definition: dict) -> str:
    return hashlib.sha256(json.dumps(definition, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def current_codebook(session: Session, study: Study) -> tuple[CodebookVersion | None, Codebook]:
    """The study's newest stored codebook, or the shipped default when none was stored yet."""
    stored = session.scalars(
        select(CodebookVersion)
        .where(CodebookVersion.study_id == study.id)
        .order_by(CodebookVersion.version.desc())
    ).first()
    if stored is None:
        return None, _default()
    return stored, _parsed(
        stored.sha256, json.dumps(stored.definition, ensure_ascii=False), f"codebook v{stored.version}"
    )


@lru_cache(maxsize=1)
def _default() -> Codebook:
    return default_codebook()


@lru_cache(maxsize=16)
def _parsed(sha256: str, definition_json: str, source: str) -> Codebook:
    return parse_codebook(json.loads(definition_json), source)


def save_codebook(
    session: Session, actor: User, study: Study, codebook: Codebook | None = None
) -> CodebookVersion:
    """Store `codebook` (default: the shipped one) as the study's next version, unless it is unchanged."""
    require(actor, *CODER_ROLES)
    definition = (codebook or _default()).as_dict()
    stored, _ = current_codebook(session, study)
    if stored is not None and stored.sha256 == _sha(definition):
        return stored
    version = CodebookVersion(
        study_id=study.id,
        version=(stored.version + 1) if stored else 1,
        name=definition["name"],
        definition=definition,
        sha256=_sha(definition),
        created_by=actor.id,
    )
    session.add(version)
    session.flush()
    audit.record(
        session, actor.username, "coding.codebook", study_id=study.id, entity="codebook_version",
        entity_id=version.id, version=version.version, sha256=version.sha256,
    )  # fmt: skip
    return version


def _stored_codebook(session: Session, actor: User, study: Study) -> tuple[CodebookVersion, Codebook]:
    stored, codebook = current_codebook(session, study)
    if stored is None:
        stored = save_codebook(session, actor, study, codebook)
    return stored, codebook


@lru_cache(maxsize=8)
def _suggester(definition_json: str) -> Suggester:
    return Suggester(parse_codebook(json.loads(definition_json)))


def suggester_for(codebook: Codebook) -> Suggester:
    """A (cached) suggester for `codebook`."""
    return _suggester(json.dumps(codebook.as_dict(), ensure_ascii=False, sort_keys=True))


# ------------------------------------------------------------------------------------------ comments
def _is_free_text(question: str, value: object) -> bool:
    if not isinstance(value, str) or not value.strip():
        return False
    return question in FREE_TEXT_QUESTIONS or not _CHOICE_CODE.match(value.strip())


def _raw_comments(session: Session, study: Study, key: Key | None = None) -> pd.DataFrame:
    """interview_id, question, text, name_sealed, frame_id, record_id — for scrubbing only, never shown.
    All the study's comments, or the one of `key`."""
    query = (
        select(
            Answer.interview_id, Answer.item, Answer.value, FrameRecord.name_sealed, FrameRecord.frame_id,
            FrameRecord.record_id,
        )
        .join(Interview, Interview.id == Answer.interview_id)
        .join(Case, Case.id == Interview.case_id)
        .join(FrameRecord, FrameRecord.id == Case.frame_record_id)
        .where(Case.study_id == study.id, Answer.item.in_(QUESTIONS))
        .order_by(Answer.interview_id, Answer.item)
    )  # fmt: skip
    if key is not None:
        query = query.where(Answer.interview_id == key[0], Answer.item == key[1])
    rows = session.execute(query).all()
    kept = [r for r in rows if _is_free_text(r.item, r.value)]
    return pd.DataFrame(
        [(r.interview_id, r.item, r.value.strip(), r.name_sealed, r.frame_id, r.record_id) for r in kept],
        columns=["interview_id", "question", "text", "name_sealed", "frame_id", "record_id"],
    )


def _scrubbed(session: Session, study: Study, raw: pd.DataFrame) -> list[Comment]:
    try:
        cipher = study_cipher(session, study)
    except fieldcrypto.KeyUnavailable:
        cipher = None
    out = []
    for row in raw.itertuples(index=False):
        names: list[str] = []
        if cipher is not None and row.name_sealed is not None:
            name = cipher.open("recipient_name", row.name_sealed, row_key(row.frame_id, row.record_id))
            names = [name] if name else []
        out.append(Comment(int(row.interview_id), row.question, anonymise(row.text, names)))
    return out


def comments(session: Session, actor: User, study: Study) -> list[Comment]:
    """Every codable comment of the study, anonymised, in interview order."""
    require(actor, *CODER_ROLES)
    return _scrubbed(session, study, _raw_comments(session, study))


def _one_comment(session: Session, study: Study, interview_id: int, question: str) -> pd.DataFrame:
    raw = _raw_comments(session, study, (interview_id, question))
    if raw.empty:
        raise NotFound(
            f"interview {interview_id} of study {study.name} has no {question} text to code",
            zh=f"项目 {study.name} 的访问 {interview_id} 没有可编码的{question}文本",
        )
    return raw


def suggestions(session: Session, study: Study, text: str) -> list[Suggestion]:
    """jieba's suggestions for `text` under the study's current codebook."""
    return suggester_for(current_codebook(session, study)[1]).suggest(text)


# ------------------------------------------------------------------------------------------- codings
def _codings(session: Session, study: Study) -> pd.DataFrame:
    """interview_id, question, coder_id, coding_pass, codes (frozenset) of every stored coding."""
    rows = session.execute(
        select(CommentCoding.id, CommentCoding.interview_id, CommentCoding.question, CommentCoding.coder_id,
               CommentCoding.coding_pass)
        .where(CommentCoding.study_id == study.id)
        .order_by(CommentCoding.id)
    ).all()  # fmt: skip
    codes: dict[int, set[str]] = {}
    for coding_id, code in session.execute(
        select(CommentCode.coding_id, CommentCode.code)
        .join(CommentCoding, CommentCoding.id == CommentCode.coding_id)
        .where(CommentCoding.study_id == study.id)
    ):
        codes.setdefault(coding_id, set()).add(code)
    return pd.DataFrame(
        [
            (r.interview_id, r.question, r.coder_id, r.coding_pass, frozenset(codes.get(r.id, ())))
            for r in rows
        ],
        columns=["interview_id", "question", "coder_id", "coding_pass", "codes"],
    )


def coding_of(
    session: Session, actor: User, study: Study, interview_id: int, question: str
) -> set[str] | None:
    """The actor's own codes for a comment (None: not coded by them). Never another coder's."""
    require(actor, *CODER_ROLES)
    coding = session.scalars(
        select(CommentCoding).where(
            CommentCoding.interview_id == interview_id,
            CommentCoding.question == question,
            CommentCoding.coder_id == actor.id,
        )
    ).first()
    if coding is None:
        return None
    return set(session.scalars(select(CommentCode.code).where(CommentCode.coding_id == coding.id)))


def current_sample(session: Session, study: Study) -> CodingSample | None:
    return session.scalars(
        select(CodingSample).where(CodingSample.study_id == study.id).order_by(CodingSample.id.desc())
    ).first()


def sample_members(session: Session, study: Study) -> list[Key]:
    sample = current_sample(session, study)
    return [] if sample is None else [(int(i), str(q)) for i, q in sample.members]


@dataclass(frozen=True)
class Decision:
    """A coder's codes for one comment; `suggested`: the suggestions shown (those kept are marked)."""

    interview_id: int
    question: str
    codes: frozenset[str]
    suggested: frozenset[str] = frozenset()


def save_coding(
    session: Session,
    actor: User,
    study: Study,
    interview_id: int,
    question: str,
    codes: Iterable[str],
    suggested: Iterable[str] = (),
) -> CommentCoding:
    """Store (or replace) the actor's codes for one comment; `suggested` marks accepted suggestions.

    The pass follows from who coded before: the first coder of a comment codes the first pass; another
    researcher may code it only when it is in the double-coding sample (the second pass)."""
    decision = Decision(interview_id, question, frozenset(codes), frozenset(suggested))
    return save_codings(session, actor, study, [decision])[0]


def save_codings(
    session: Session, actor: User, study: Study, decisions: Iterable[Decision]
) -> list[CommentCoding]:
    """`save_coding` for many comments at once (checks and lookups done once), each audited."""
    require(actor, *CODER_ROLES)
    decisions = list(decisions)
    stored, codebook = _stored_codebook(session, actor, study)
    known = set(
        _raw_comments(session, study)[["interview_id", "question"]].itertuples(index=False, name=None)
    )
    members = set(sample_members(session, study))
    existing: dict[Key, list[CommentCoding]] = {}
    for coding in session.scalars(select(CommentCoding).where(CommentCoding.study_id == study.id)):
        existing.setdefault((coding.interview_id, coding.question), []).append(coding)
    saved: list[tuple[Decision, CommentCoding]] = []
    for decision in decisions:  # check every decision and make its coding row
        key = (decision.interview_id, decision.question)
        if decision.question not in QUESTIONS:
            raise InvalidState(
                f"{decision.question!r} is not a coded question; use one of {', '.join(QUESTIONS)}"
            )
        if key not in known:
            _one_comment(session, study, *key)  # raises NotFound naming it
        unknown = sorted(set(decision.codes) - set(codebook.assignable_codes))
        if unknown:
            raise InvalidState(
                f"code {unknown[0]!r} is not an assignable code of codebook {codebook.name} v{codebook.version}",
                zh=f"代码 {unknown[0]!r} 不是编码簿 {codebook.name} 第 {codebook.version} 版中可用的代码",
            )
        others = existing.get(key, [])
        mine = next((c for c in others if c.coder_id == actor.id), None)
        if mine is None:
            if others and not (key in members and len(others) == 1):
                raise InvalidState(
                    f"interview {key[0]}'s {key[1]} is already coded and not (or no longer) open for a second coder",
                    zh=f"访问 {key[0]} 的{key[1]}已经编码，且不在（或已完成）双重编码样本中",
                )
            mine = CommentCoding(
                study_id=study.id, codebook_id=stored.id, interview_id=key[0], question=key[1],
                coder_id=actor.id, coding_pass="second" if others else "first",
            )  # fmt: skip
            session.add(mine)
            existing.setdefault(key, []).append(mine)
        else:
            session.execute(delete(CommentCode).where(CommentCode.coding_id == mine.id))
            mine.codebook_id = stored.id
        saved.append((decision, mine))
    session.flush()  # one flush gives every new coding its id
    for decision, mine in saved:
        chosen = sorted(decision.codes)
        session.add_all(
            [
                CommentCode(coding_id=mine.id, code=code, suggested=code in decision.suggested)
                for code in chosen
            ]
        )
        audit.record(
            session, actor.username, "coding.saved", study_id=study.id, entity="comment_coding",
            entity_id=mine.id, interview_id=mine.interview_id, question=mine.question,
            coding_pass=mine.coding_pass, codes=chosen, accepted_suggestions=sorted(decision.suggested & decision.codes),
        )  # fmt: skip
    session.flush()
    return [mine for _, mine in saved]


def queue(session: Session, actor: User, study: Study, coding_pass: str = "first") -> list[Comment]:
    """The comments waiting for the actor: uncoded ones (first pass) or, in the second pass, the sample's
    comments another researcher coded first and nobody coded second."""
    require(actor, *CODER_ROLES)
    codings = _codings(session, study)
    done: dict[Key, list[int]] = {}
    for row in codings.itertuples(index=False):
        done.setdefault((int(row.interview_id), row.question), []).append(int(row.coder_id))
    all_comments = comments(session, actor, study)
    if coding_pass == "first":
        return [c for c in all_comments if (c.interview_id, c.question) not in done]
    members = set(sample_members(session, study))
    return [
        c
        for c in all_comments
        if (key := (c.interview_id, c.question)) in members
        and len(done.get(key, [])) == 1
        and done[key][0] != actor.id
    ]


def draw_double_sample(
    session: Session, actor: User, study: Study, *, seed: int, share: float = DOUBLE_SHARE
) -> CodingSample:
    """Draw `share` of the comments (at least one) for double coding, with `seed`, and record both.

    A new draw replaces the old one only while no comment of it has been coded a second time."""
    require(actor, *CODER_ROLES)
    if not 0 < share <= 1:
        raise InvalidState(
            f"share {share} must be above 0 and at most 1", zh=f"抽取比例 {share} 须大于 0 且不超过 1"
        )
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InvalidState(
            f"seed {seed!r} must be a whole number ≥ 0", zh=f"随机种子 {seed!r} 须为不小于 0 的整数"
        )
    codings = _codings(session, study)
    if (codings["coding_pass"] == "second").any():
        raise InvalidState(
            "the double-coding sample already has second codings; it cannot be redrawn",
            zh="双重编码样本已有第二编码，不能重新抽取",
        )
    keys = sorted(
        {
            (int(i), str(q))
            for i, q in _raw_comments(session, study)[["interview_id", "question"]].itertuples(index=False)
        }
    )
    if not keys:
        raise InvalidState(
            f"study {study.name} has no comments to double-code", zh=f"项目 {study.name} 没有可编码的意见"
        )
    size = max(1, math.ceil(share * len(keys)))
    picked = np.random.default_rng(seed).choice(len(keys), size=size, replace=False)
    members = [list(keys[i]) for i in sorted(picked)]
    sample = CodingSample(study_id=study.id, seed=seed, share=share, members=members, drawn_by=actor.id)
    session.add(sample)
    session.flush()
    audit.record(
        session, actor.username, "coding.sample_drawn", study_id=study.id, entity="coding_sample",
        entity_id=sample.id, seed=seed, share=share, comments=len(keys), drawn=len(members),
    )  # fmt: skip
    return sample


# ----------------------------------------------------------------------------- agreement, adjudication
def _pairs(session: Session, study: Study) -> tuple[dict[Key, frozenset], dict[Key, frozenset]]:
    codings = _codings(session, study)
    first = {
        (int(r.interview_id), r.question): r.codes for r in codings.itertuples() if r.coding_pass == "first"
    }
    second = {
        (int(r.interview_id), r.question): r.codes for r in codings.itertuples() if r.coding_pass == "second"
    }
    return first, second


def kappa_table(session: Session, actor: User, study: Study, lang: str = "zh") -> pd.DataFrame:
    """Cohen's kappa per assignable code over the double-coded comments (`KAPPA_COLUMNS` + label)."""
    require(actor, *RESULT_ROLES)
    first, second = _pairs(session, study)
    if not set(first) & set(second):
        raise InvalidState(
            f"no comment of study {study.name} has been coded by two coders yet",
            zh=f"项目 {study.name} 还没有由两名编码员编码的意见",
        )
    codebook = current_codebook(session, study)[1]
    table = _kappa_per_code(first, second, codebook.assignable_codes)
    table.insert(1, "label", [codebook.label(code, lang) for code in table["code"]])
    return table


def disagreements(session: Session, actor: User, study: Study) -> pd.DataFrame:
    """One row per (double-coded comment, code) the coders disagree on: first, second, adjudicated."""
    require(actor, *CODER_ROLES)
    first, second = _pairs(session, study)
    settled = {
        (a.interview_id, a.question, a.code): a.applies
        for a in session.scalars(select(Adjudication).where(Adjudication.study_id == study.id))
    }
    rows = []
    for key in sorted(set(first) & set(second)):
        for code in sorted(first[key] ^ second[key]):
            rows.append((*key, code, code in first[key], code in second[key], settled.get((*key, code))))
    return pd.DataFrame(rows, columns=["interview_id", "question", "code", "first", "second", "applies"])


def adjudicate(
    session: Session, actor: User, study: Study, interview_id: int, question: str, code: str, applies: bool,
    note: str | None = None,
) -> Adjudication:  # fmt: skip
    """Settle whether `code` applies to a double-coded comment the coders disagreed on (re-settling
    replaces the decision; both are audited)."""
    require(actor, *CODER_ROLES)
    open_ = disagreements(session, actor, study)
    match = open_[
        (open_["interview_id"] == interview_id) & (open_["question"] == question) & (open_["code"] == code)
    ]
    if match.empty:
        raise InvalidState(
            f"the coders do not disagree on {code!r} for interview {interview_id}'s {question}",
            zh=f"两名编码员对访问 {interview_id} 的{question}的代码 {code!r} 没有分歧",
        )
    decision = session.scalars(
        select(Adjudication).where(
            Adjudication.interview_id == interview_id,
            Adjudication.question == question,
            Adjudication.code == code,
        )
    ).first()
    if decision is None:
        decision = Adjudication(
            study_id=study.id, interview_id=interview_id, question=question, code=code, applies=applies,
            note=note, adjudicator_id=actor.id,
        )  # fmt: skip
        session.add(decision)
    else:
        decision.applies, decision.note, decision.adjudicator_id = applies, note, actor.id
    session.flush()
    audit.record(
        session, actor.username, "coding.adjudicated", study_id=study.id, entity="coding_adjudication",
        entity_id=decision.id, interview_id=interview_id, question=question, code=code, applies=applies,
    )  # fmt: skip
    return decision


def final_codes(session: Session, study: Study) -> dict[Key, frozenset[str]]:
    """Each coded comment's codes as the findings use them (see the module docstring)."""
    first, second = _pairs(session, study)
    settled = {
        (a.interview_id, a.question, a.code): a.applies
        for a in session.scalars(select(Adjudication).where(Adjudication.study_id == study.id))
    }
    final: dict[Key, frozenset[str]] = {}
    for key, codes in first.items():
        if key not in second:
            final[key] = codes
            continue
        kept = set(codes & second[key])
        for code in codes ^ second[key]:
            if settled.get((*key, code), code in codes):
                kept.add(code)
        final[key] = frozenset(kept)
    return final


# ------------------------------------------------------------------------------------- frequencies
def respondent_codes(
    respondents: pd.DataFrame, final: dict[Key, frozenset[str]]
) -> list[frozenset[str] | None]:
    """Per respondent row, the union of its coded comments' codes, or None without a coded comment."""
    by_interview: dict[int, set[str]] = {}
    for (interview_id, _), codes in final.items():
        by_interview.setdefault(interview_id, set()).update(codes)
    out: list[frozenset[str] | None] = []
    for value in respondents["interview_id"]:
        key = None if pd.isna(value) else int(value)
        out.append(frozenset(by_interview[key]) if key in by_interview else None)
    return out


def theme_frequencies(
    session: Session, actor: User, study: Study, result=None, *, by: str | None = None, lang: str = "zh"
) -> pd.DataFrame:
    """Weighted theme frequencies (`analysis.comments.FREQUENCY_COLUMNS`) over the respondents with
    the headline's final weights; `by` a respondent column such as `organisation_id` or `district`.
    `result`: the study's `analysis_service.analyse` result when the caller has it already."""
    require(actor, *RESULT_ROLES)
    from survey_app.services import analysis_service

    if result is None:
        result = analysis_service.analyse(session, study)
    respondents = result.respondents
    codebook = current_codebook(session, study)[1]
    if respondents.empty:
        return pd.DataFrame(
            columns=["group", "theme", "label", "mentions", "comments", "estimate", "ci_low", "ci_high"]
        )
    design = Design(respondents, strata="stratum", weights="nr_weight", fpc="N_h", lonely_psu="adjust")
    codes = respondent_codes(respondents, final_codes(session, study))
    return _theme_frequencies(design, codes, codebook, by=by, lang=lang)


def progress(session: Session, actor: User, study: Study) -> dict[str, int]:
    """Counts for the page: comments, coded (first pass), in the sample, coded twice, disagreements open."""
    require(actor, *RESULT_ROLES)
    first, second = _pairs(session, study)
    members = sample_members(session, study)
    total = len(_raw_comments(session, study))
    open_ = 0
    if set(first) & set(second):
        settled = {
            (a.interview_id, a.question, a.code)
            for a in session.scalars(select(Adjudication).where(Adjudication.study_id == study.id))
        }
        open_ = sum(
            1
            for key in set(first) & set(second)
            for code in first[key] ^ second[key]
            if (*key, code) not in settled
        )
    return {
        "comments": total,
        "coded": len(first),
        "sample": len(members),
        "double_coded": len(set(first) & set(second)),
        "open_disagreements": open_,
    }


# ---------------------------------------------------------------------------------------------- demo
def demo_coding(session: Session, first: User, second: User, study: Study, *, seed: int) -> dict[str, int]:
    """The demo's coding: `first` accepts jieba's suggestions on every comment, a seeded fifth is drawn
    for double coding, `second` codes it blind (accepting suggestions, with a seeded slip now and then:
    a suggestion dropped or a code added), and `first` adjudicates the first few disagreements."""
    rng = np.random.default_rng(seed)
    _, codebook = _stored_codebook(session, first, study)
    suggester = suggester_for(codebook)
    todo = comments(session, first, study)
    decisions = []
    for item in todo:
        found = frozenset(s.code for s in suggester.suggest(item.text))
        decisions.append(Decision(item.interview_id, item.question, found, found))
    save_codings(session, first, study, decisions)
    if not todo:
        return {"coded": 0, "double_coded": 0, "adjudicated": 0}
    draw_double_sample(session, first, study, seed=seed, share=DOUBLE_SHARE)
    blind = queue(session, second, study, "second")
    decisions = []
    for item in blind:
        found = [s.code for s in suggester.suggest(item.text)]
        kept = {code for code in found if rng.random() > 0.15}
        if rng.random() < 0.1:
            kept.add(str(rng.choice(codebook.assignable_codes)))
        decisions.append(Decision(item.interview_id, item.question, frozenset(kept), frozenset(found)))
    save_codings(session, second, study, decisions)
    disputed = disagreements(session, first, study).head(5)
    for row in disputed.itertuples(index=False):
        adjudicate(session, first, study, int(row.interview_id), row.question, row.code, bool(row.second))
    return {"coded": len(todo), "double_coded": len(blind), "adjudicated": len(disputed)}


# -------------------------------------------------------------------------------------------- report
#: Units in the report's comment section when none is flagged (those with the most commenters), the
#: themes shown per unit, and the themes quoted with how many quotes each.
REPORT_UNITS, REPORT_UNIT_THEMES, QUOTED_THEMES, QUOTES_PER_THEME = 3, 3, 4, 2


def report_findings(session: Session, study: Study, result, lang: str = "zh"):
    """The report's `CommentFindings` from the study's codings and its analysis `result` (None when no
    comment is coded). The report is built as the study stands: coding actions are state actions, so
    the report's date and its rebuild follow them."""
    from analysis.report.comment_findings import CommentFindings, quote

    final = final_codes(session, study)
    respondents = result.respondents
    if not final or respondents.empty:
        return None
    stored, codebook = current_codebook(session, study)
    design = Design(respondents, strata="stratum", weights="nr_weight", fpc="N_h", lonely_psu="adjust")
    codes = respondent_codes(respondents, final)
    if all(c is None for c in codes):
        return None
    themes = _theme_frequencies(design, codes, codebook, lang=lang)
    by_unit = _theme_frequencies(design, codes, codebook, by="organisation_id", lang=lang)
    flagged = [str(u) for u in result.flagged_units.index]
    chosen = [u for u in flagged if u in set(by_unit["group"])]
    if not chosen:
        commenters = by_unit.drop_duplicates("group").sort_values(
            ["comments", "group"], ascending=[False, True]
        )
        chosen = list(commenters["group"].head(REPORT_UNITS))
    names = result.units["name"] if "name" in result.units.columns else pd.Series(dtype=str)
    units = (
        by_unit[by_unit["group"].isin(chosen) & (by_unit["mentions"] > 0)]
        .sort_values(["group", "estimate"], ascending=[True, False], kind="stable")
        .groupby("group", sort=False)
        .head(REPORT_UNIT_THEMES)
    )
    units = units.assign(unit=[str(names.get(g, g)) for g in units["group"]])
    first, second = _pairs(session, study)
    if set(first) & set(second):
        kappa = _kappa_per_code(first, second, codebook.assignable_codes)
        kappa = kappa[(kappa["both"] + kappa["first_only"] + kappa["second_only"]) > 0]
        kappa = kappa.assign(label=[codebook.label(code, lang) for code in kappa["code"]])
    else:
        kappa = pd.DataFrame(columns=["label", "n", "agreement", "kappa", "ci_low", "ci_high"])
    texts = {
        (c.interview_id, c.question): c.text for c in _scrubbed(session, study, _raw_comments(session, study))
    }
    quotes: list[tuple[str, str]] = []
    used: set[Key] = set()
    for theme in themes[themes["mentions"] > 0]["theme"].head(QUOTED_THEMES):
        candidates = sorted(
            (key for key, codes_ in final.items() if key in texts and key not in used
             and any(codebook.theme_of(code) == theme for code in codes_)),
            key=lambda key: (len(texts[key]), key),
        )[:QUOTES_PER_THEME]  # fmt: skip
        for key in candidates:
            used.add(key)
            quotes.append((codebook.get(theme).label(lang), quote(texts[key])))
    adjudicated = session.scalar(select(func.count(Adjudication.id)).where(Adjudication.study_id == study.id))
    return CommentFindings(
        codebook=f"{codebook.name} v{stored.version if stored else codebook.version}",
        comments=len(final),
        double_coded=len(set(first) & set(second)),
        adjudicated=int(adjudicated or 0),
        themes=themes.reset_index(drop=True),
        units=units.reset_index(drop=True),
        kappa=kappa.reset_index(drop=True),
        quotes=tuple(quotes),
    )
