"""`huifang verify`: what an auditor checks, one plain sentence per check.

1. the frame file on disk still has the fingerprint recorded at import;
2. the frame stored in the database still has its recorded fingerprint;
3. re-drawing from the stored frame and seed reproduces the stored sample, case by case;
4. the audit log's hash chain is intact;
5. every stored answer matches the digest the audit log recorded for it;
6. the headline figures recomputed from the stored answers equal those of the last report;
7. rebuilding the last report gives a PDF with the recorded SHA-256 (6 and 7 are "not applicable",
   not failed, while no report was built: a study in fieldwork has nothing published to check);
   the content is rebuilt from the database every time; only the PDF rendering of a content this
   process already rendered is skipped (`_rendered_sha256`, keyed on the whole content);
8. every audit entry is signed by a trusted key (fingerprint from the local keyring, the PDF or anchors);
9. the study, its cases and every user hold the values the audit log last recorded (`state.changed`);
10. with `pdf`: the published PDF was recorded as built, and the chain head it printed is intact;
11. with anchors (witness file, ENTRY:HASH): each published chain position is still in the chain.
Checks 8–11 consult what the database cannot change (`trust_checks`).
"""

from __future__ import annotations

import hashlib
import json
import pickle
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis import report as rpt
from analysis.report.fonts import report_font
from sampling.fingerprint import frame_sha256
from survey_app.security.audit import verify_chain
from survey_app.services import samples, trust_checks
from survey_app.services.auth import require
from survey_app.services.frames import decrypted_frame_records, frame_records, latest_frame
from survey_app.services.interviews import answer_digest
from survey_app.storage.models import Answer, AuditEntry, Case, Interview, Study, User

if TYPE_CHECKING:
    from analysis.report import CJKFont, ReportContent
    from survey_app.services.analysis_service import StudyAnalysis


@dataclass(frozen=True)
class Check:
    """One check's verdict. A check that does not apply yet (no report built) is not a failure:
    `applicable` is False, `ok` True, and the detail says why."""

    name: str
    ok: bool
    detail: str
    applicable: bool = True


NO_REPORT_YET = "not applicable (no report built yet)"


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_frame_file(session: Session, study: Study, path: Path | None = None) -> Check:
    """The frame file (the one given, else the path recorded at import) has the imported SHA-256."""
    frame = latest_frame(session, study)
    if path is not None:
        frame_path = Path(path)
    elif frame.source_path:
        frame_path = Path(frame.source_path)
    else:
        frame_path = None
    if frame_path is None or not frame_path.exists():
        return Check(
            "frame file",
            False,
            f"{frame.filename} is not at {frame_path or frame.source_path}: cannot re-check it here "
            f"(recorded SHA-256 {frame.source_sha256}; pass the file with --frame)",
        )
    actual = _file_sha256(frame_path)
    if actual != frame.source_sha256:
        return Check(
            "frame file",
            False,
            f"{frame_path} has SHA-256 {actual}, but {frame.source_sha256} "
            "was imported: the file was changed after import",
        )
    return Check("frame file", True, f"{frame.filename} unchanged (SHA-256 {actual[:16]}…)")


def check_stored_frame(session: Session, study: Study) -> Check:
    """The stored frame has its recorded fingerprint: names and numbers decrypted for it, or, once they
    were purged, the fingerprint of everything else, recorded at import for exactly this (`public_sha256`)."""
    frame = latest_frame(session, study)
    if study.personal_data_purged_at is not None:
        data = frame_records(session, frame).drop(columns=["frame_record_pk"])
        actual = frame_sha256(data)
        if actual != frame.public_sha256:
            return Check(
                "stored frame",
                False,
                f"the {len(data)} stored records (personal data purged) fingerprint to {actual}, "
                f"not {frame.public_sha256}: records were changed in the database",
            )
        return Check(
            "stored frame",
            True,
            f"{len(data)} records match fingerprint {actual[:16]}… without names and numbers, purged on "
            f"{study.personal_data_purged_at:%Y-%m-%d} (with them: {frame.frame_sha256[:16]}… at import)",
        )
    from survey_app.security.fieldcrypto import TamperedCiphertext

    try:
        data = decrypted_frame_records(session, study, frame).drop(columns=["frame_record_pk"])
    except TamperedCiphertext as exc:
        return Check("stored frame", False, f"{exc}: personal data was changed in the database")
    actual = frame_sha256(data)
    if actual != frame.frame_sha256:
        return Check(
            "stored frame",
            False,
            f"the {len(data)} stored records fingerprint to {actual}, "
            f"not {frame.frame_sha256}: records were changed in the database",
        )
    return Check("stored frame", True, f"{len(data)} records match fingerprint {actual[:16]}…")


def check_sample(session: Session, study: Study) -> Check:
    ok, detail = samples.verify_sample(session, study)
    return Check("sample re-draw", ok, detail)


def check_chain(session: Session) -> Check:
    result = verify_chain(session)
    return Check("audit chain", result.ok, result.describe())


def latest_answer_digests(session: Session, study: Study) -> dict[tuple[int, str], str | None]:
    """The digest the audit log last recorded for each (interview, item) of the study."""
    latest: dict[tuple[int, str], str | None] = {}
    entries = session.execute(
        select(AuditEntry.entity_id, AuditEntry.details)
        .where(
            AuditEntry.study_id == study.id,
            AuditEntry.entity == "interview",
            AuditEntry.action.in_(
                ("answer.saved", "answer.changed", "interview.imported", "answer.corrected")
            ),
        )
        .order_by(AuditEntry.id)
    )
    for entity_id, details in entries:
        for item, digest in json.loads(details).get("answers", {}).items():
            latest[(int(entity_id), item)] = digest
    return latest


def check_answers(session: Session, study: Study) -> Check:
    recorded = latest_answer_digests(session, study)
    rows = session.execute(
        select(Answer.interview_id, Answer.item, Answer.value, Answer.questionnaire_version_id)
        .join(Interview, Interview.id == Answer.interview_id)
        .join(Case, Case.id == Interview.case_id)
        .where(Case.study_id == study.id)
        .order_by(Answer.interview_id, Answer.item)
    )
    seen = set()
    for interview_id, item, value, version_id in rows:
        key = (interview_id, item)
        seen.add(key)
        digest = answer_digest(interview_id, item, value, version_id)
        if recorded.get(key) != digest:
            why = (
                "was never recorded in the audit log"
                if key not in recorded
                else "differs from what was recorded"
            )
            return Check("answers", False, f"interview {interview_id}, item {item}: the stored answer {why}")
    missing = [k for k, d in recorded.items() if d is not None and k not in seen]
    if missing:
        interview_id, item = missing[0]
        return Check(
            "answers",
            False,
            f"interview {interview_id}, item {item}: an answer recorded in the audit "
            f"log is missing from the database ({len(missing)} missing in all)",
        )
    return Check("answers", True, f"{len(seen)} stored answers match their audit-log digests")


def last_report_entry(session: Session, study: Study) -> dict | None:
    entry = session.scalar(
        select(AuditEntry)
        .where(AuditEntry.study_id == study.id, AuditEntry.action == "report.built")
        .order_by(AuditEntry.id.desc())
    )
    return json.loads(entry.details) if entry else None


def check_headline(
    session: Session, study: Study, recorded: dict | None, result: StudyAnalysis | None = None
) -> Check:
    """`result`: the study's analysis when the caller already made it (`verify_study` shares one)."""
    from survey_app.services import analysis_service

    if recorded is None:
        return Check("headline figures", True, NO_REPORT_YET, applicable=False)
    current = analysis_service.headline_figures(
        result if result is not None else analysis_service.analyse(session, study)
    )
    published = recorded.get("headline", {})
    differences = [
        f"{key}: published {published.get(key)}, recomputed {value}"
        for key, value in current.items()
        if published.get(key) != value
    ]
    if differences:
        return Check("headline figures", False, "; ".join(differences))
    return Check("headline figures", True, ", ".join(f"{k} {v}" for k, v in current.items()))


#: (renderer, SHA-256) of each PDF this process rendered for `check_report`, by `_render_key` of what it
#: rendered; the renderer is kept so that its `id` in the key cannot be reused by another function
_rendered: OrderedDict[str, tuple[object, str]] = OrderedDict()
_rendered_lock = threading.Lock()
RENDERED_KEPT = 32


def _render_key(content: ReportContent, font: CJKFont, renderer: object) -> str:
    """SHA-256 of everything the PDF renderer reads: the whole content pickled (every field, cell,
    dtype and index), the font (file, size, modification time) and the renderer function itself."""
    font_file = Path(font.path).stat() if font.path else None
    digest = hashlib.sha256(pickle.dumps(content, protocol=pickle.HIGHEST_PROTOCOL))
    digest.update(
        repr(
            (
                font.name,
                font.path,
                font.subfont_index,
                font.embedded,
                font_file and (font_file.st_size, font_file.st_mtime_ns),
                renderer.__module__,
                renderer.__qualname__,
                id(renderer),
            )
        ).encode()
    )
    return digest.hexdigest()


def _rendered_sha256(content: ReportContent) -> str:
    """The SHA-256 of `content` rendered as PDF. A content this process rendered before (same key) is
    not rendered again: the renderer is deterministic (what this check relies on), so the same key
    gives the same bytes. The cache lives in this process's memory only, never in the database or a
    file, and the content itself is rebuilt from the database on every check: any change to what the
    report prints changes the key (ARCHITECTURE.md, "Verification's rendering cache")."""
    font = report_font()
    renderer = rpt.render_pdf
    try:
        key = _render_key(content, font, renderer)
    except (pickle.PicklingError, TypeError, AttributeError):  # a content pickle cannot hold: no cache
        return hashlib.sha256(renderer(content, font=font)).hexdigest()
    with _rendered_lock:
        if key in _rendered and _rendered[key][0] is renderer:
            _rendered.move_to_end(key)
            return _rendered[key][1]
    digest = hashlib.sha256(renderer(content, font=font)).hexdigest()
    with _rendered_lock:
        _rendered[key] = (renderer, digest)
        while len(_rendered) > RENDERED_KEPT:
            _rendered.popitem(last=False)
    return digest


def check_report(
    session: Session, study: Study, recorded: dict | None, result: StudyAnalysis | None = None
) -> Check:
    """Rebuild the recorded report variant from the database, as `reports.render_report` builds it
    (analysis, content, PDF), and compare its SHA-256; `result` as in `check_headline`."""
    from survey_app.services import analysis_service, reports

    if recorded is None:
        return Check("report", True, NO_REPORT_YET, applicable=False)
    content = reports.build_content(
        session,
        study,
        lang=recorded["lang"],
        kind=recorded["kind"],
        result=result if result is not None else analysis_service.analyse(session, study),
        scope=reports.scope_of(**reports.variant_of(recorded)),
    )
    digest = _rendered_sha256(content)
    pages = ", ".join(value for value in reports.variant_of(recorded).values() if value)
    what = f"{recorded['kind']} report ({recorded['lang']}{', pages of ' + pages if pages else ''})"
    if digest != recorded["sha256"]:
        return Check(
            "report",
            False,
            f"rebuilding the {what} gives SHA-256 {digest}, not the published {recorded['sha256']}",
        )
    return Check("report", True, f"rebuilt {what} is byte-identical, SHA-256 {digest}")


def _guarded(name: str, check, *args) -> Check:
    """Run one check; an error inside it is that check's verdict, not the end of the verification."""
    try:
        return check(*args)
    except Exception as exc:  # a tampered study must still yield a verdict for every check
        return Check(name, False, f"could not be checked: {exc}")


def _analysis_once(session: Session, study: Study) -> StudyAnalysis | None:
    """The study's analysis, made once for the headline and report checks (both read the same stored
    state in one session); None if it fails, so that each of them runs it again and names the error."""
    from survey_app.services import analysis_service

    try:
        return analysis_service.analyse(session, study)
    except Exception:  # the two checks' own verdicts say why
        return None


def _trust_check(name: str, check, *args) -> Check:
    ok, detail = check(*args)
    return Check(name, ok, detail)


def verify_study(
    session: Session,
    study: Study,
    actor: User | None = None,
    *,
    frame_file: Path | None = None,
    published: trust_checks.Published | None = None,
) -> list[Check]:
    """Every check, in order; with an `actor` (the app), only an auditor, researcher or admin may run it.
    `published`: the PDF and anchors the auditor brings from outside the database."""
    if actor is not None:
        require(actor, "auditor", "researcher", "admin")
    recorded = last_report_entry(session, study)
    result = _analysis_once(session, study) if recorded is not None else None
    published = published or trust_checks.Published()
    outside = []
    if published.pdf is not None:
        outside.append(
            _guarded(
                "published PDF",
                _trust_check,
                "published PDF",
                trust_checks.check_published_pdf,
                session,
                study,
                published.pdf,
            )
        )
    if published.anchors:
        outside.append(
            _guarded("anchors", _trust_check, "anchors", trust_checks.check_anchors, session, published)
        )
    return [
        _guarded("frame file", check_frame_file, session, study, frame_file),
        _guarded("stored frame", check_stored_frame, session, study),
        _guarded("sample re-draw", check_sample, session, study),
        _guarded("audit chain", check_chain, session),
        _guarded("answers", check_answers, session, study),
        _guarded("headline figures", check_headline, session, study, recorded, result),
        _guarded("report", check_report, session, study, recorded, result),
        _guarded(
            "audit signatures",
            _trust_check,
            "audit signatures",
            trust_checks.check_signatures,
            session,
            published,
        ),
        _guarded(
            "recorded state",
            _trust_check,
            "recorded state",
            trust_checks.check_recorded_state,
            session,
            study,
        ),
        *outside,
    ]


def as_table(checks: list[Check]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"check": c.name, "ok": c.ok, "applicable": c.applicable, "detail": c.detail} for c in checks]
    )
