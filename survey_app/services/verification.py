"""`huifang verify`: what an auditor checks, one plain sentence per check.

1. the frame file on disk still has the fingerprint recorded at import;
2. the frame stored in the database still has its recorded fingerprint;
3. re-drawing from the stored frame and seed reproduces the stored sample, case by case;
4. the audit log's hash chain is intact;
5. every stored answer matches the digest the audit log recorded for it;
   then every call recording opens with the SHA-256 recorded when it was attached (`recordings.verify`,
   audited: it runs last, needs an identity, and is "not applicable" for a study without recordings);
6. the headline figures recomputed from the stored answers equal those of the last report;
7. rebuilding the last report gives a PDF with the recorded SHA-256 (6 and 7 are "not applicable",
   not failed, while no report was built: a study in fieldwork has nothing published to check);
   the content is rebuilt from the database every time; only the PDF rendering of a content this
   process already rendered is skipped (`rendered_sha256`, keyed on the whole content). A report
   whose recorded build (`analysis.report.version`) this release cannot reproduce is judged by its
   content digest (same content version) and its signed `report.built` entry instead, and says so;
   6 and 7 analyse the study with the settings the report recorded (Γ, the verdict method: `reports.
   settings_of`), not today's, and say which; a record whose settings differ from today's must be
   signed by a trusted key, since the rebuild then depends on it; and in the numeric mode it recorded
   (one BLAS thread, so the rebuild does not follow the auditor's core count: `reports.numeric_of`);
   a report whose units were judged by a posterior model version this release does not run
   (`reports.model_of`, `posterior_model_gap`) is not rebuilt: its signed record vouches for it and for
   the flagged units it published, and both lines say so in one sentence;
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
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import reportlab
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from analysis import report as rpt
from analysis.report import version
from analysis.report.fonts import report_font
from analysis.report.formatting import plural
from sampling.fingerprint import frame_sha256
from survey_app.security.audit import verify_chain
from survey_app.services import samples, trust_checks
from survey_app.services.auth import require
from survey_app.services.frames import decrypted_frame_records, frame_records, latest_frame
from survey_app.services.interviews import answer_digest
from survey_app.storage.models import Answer, AuditEntry, Case, Interview, Study, User

if TYPE_CHECKING:
    from analysis.report import CJKFont, ReportContent
    from analysis.report.leaf_compare import LeafComparison
    from analysis.units import Start
    from survey_app.services.analysis_service import AnalysisSettings, StudyAnalysis


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


def last_report_built(session: Session, study: Study) -> AuditEntry | None:
    """The study's newest `report.built` entry."""
    return session.scalar(
        select(AuditEntry)
        .where(AuditEntry.study_id == study.id, AuditEntry.action == "report.built")
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )


def last_report_entry(session: Session, study: Study) -> dict | None:
    """What the newest `report.built` entry recorded (SHA-256, variant, headline, build stamp)."""
    entry = last_report_built(session, study)
    return json.loads(entry.details) if entry else None


def check_headline(
    session: Session,
    study: Study,
    recorded: dict | None,
    result: StudyAnalysis | None = None,
    published: trust_checks.Published | None = None,
) -> Check:
    """`result`: the study's analysis when the caller already made it (`verify_study` shares one).

    The published flagged units of a report whose posterior verdicts came from a model this release
    does not run (`posterior_model_gap`) are not recomputed: the other figures are, and the flag list is
    vouched for by the signed `report.built` entry (`_signed_build`, keys trusted as in `published`)."""
    from survey_app.services import analysis_service

    if recorded is None:
        return Check("headline figures", True, NO_REPORT_YET, applicable=False)
    built, _ = version.versions_of(recorded.get("build"))
    loose = built < PHASE_ONE_HEADLINE_SINCE and has_phase_two(session, study)
    current = analysis_service.headline_figures(
        result if result is not None else recorded_analysis(session, study, recorded),
        before_phase_one_headline=loose,
    )
    printed = recorded.get("headline", {})
    gap = posterior_model_gap(session, study, recorded)
    if gap is not None:
        current.pop(FLAGGED_FIGURE, None)
    added = [] if built == version.CONTENT_VERSION else [key for key in current if key not in printed]
    for key in added:  # a figure this release adds, which the report's older content never printed
        current.pop(key)
    differences = [
        f"{key}: published {printed.get(key)}, recomputed {value}"
        for key, value in current.items()
        if _compared(printed.get(key), loose) != _compared(value, loose)
    ]
    if differences:
        return Check("headline figures", False, "; ".join(differences) + _platform_caveat(recorded))
    figures = ", ".join(f"{k} {v}" for k, v in current.items())
    if added:
        figures += f" ({', '.join(added)}: not in the report, whose content version {built} did not print it)"
    if loose:
        figures += (
            f" (a report of content version {built}, before the headline after a phase 2 was phase 1's alone "
            f"(version {PHASE_ONE_HEADLINE_SINCE}): its figures recomputed as it made them, estimates and "
            "counts compared)"
        )
    if gap is None:
        return Check("headline figures", True, figures)
    signed_ok, signed = _signed_build(session, study, published or trust_checks.Published())
    if not signed_ok:
        return Check("headline figures", False, signed)
    flagged = printed.get(FLAGGED_FIGURE) or "none"
    return Check(
        "headline figures",
        True,
        f"{figures}; {MODEL_SAID.format(old=gap[0], new=gap[1])} the flagged units it published "
        f"({flagged}) are not recomputed: its signed record vouches for them ({signed})",
    )


#: The content version since which the headline after a phase 2 is phase 1's cases alone
#: (`analysis_service.phase_one_sample`). A phase-2 study's report of an older one printed the
#: Rao–Blackwell rows as its headline, with the jackknife's intervals: `check_headline` recomputes those
#: rows (`headline_figures(before_phase_one_headline=True)`) and compares their estimates and counts.
PHASE_ONE_HEADLINE_SINCE = 22


def has_phase_two(session: Session, study: Study) -> bool:
    """Whether the study's current design drew a phase 2."""
    from survey_app.services import phase_two
    from survey_app.services.errors import NotFound

    try:
        return phase_two.phase_two_of(samples.current_design(session, study)) is not None
    except NotFound:  # no sample drawn: no phase 2 either
        return False


def _compared(figure: str | None, loose: bool) -> str | None:
    """A printed headline figure as compared: without its bracketed interval when ``loose``."""
    if figure is None or not loose:
        return figure
    return re.sub(r" \[[^\]]*\]", "", figure)


#: The headline figure that a posterior model's verdicts make (`analysis_service.headline_figures`).
FLAGGED_FIGURE = "flagged_units"
#: The clause, shared by the headline and report checks, on a report whose posterior model this release
#: does not run (`words.CHECKS` translates both lines).
MODEL_SAID = (
    "its units were judged by posterior model version {old}, which this release (model {new}) no longer "
    "runs, so"
)


def posterior_model_gap(session: Session, study: Study, recorded: dict) -> tuple[int, int] | None:
    """(recorded, running) versions of the posterior unit model when the report's unit verdicts came from
    a posterior model this release does not run (`reports.model_of`, `analysis.verdicts.
    posterior_model_version`); None when they can be rebuilt: the same model, or verdicts by the empirical
    null, which no posterior model touches (a build that recorded no settings is judged by the method of
    its time, `rebuild_settings`)."""
    from analysis.verdicts import posterior_model_version
    from survey_app.services import reports, studies

    old, new = reports.model_of(recorded), posterior_model_version()
    if old == new or rebuild_settings(session, study, recorded).verdict_method != studies.POSTERIOR:
        return None
    return old, new


#: (renderer, SHA-256) of each PDF this process rendered for `check_report`, by `_render_key` of what it
#: rendered; the renderer is kept so that its `id` in the key cannot be reused by another function
_rendered: OrderedDict[str, tuple[object, str]] = OrderedDict()
_rendered_lock = threading.Lock()
RENDERED_KEPT = 32


def _render_key(content: ReportContent, font: CJKFont, renderer: object) -> str:
    """SHA-256 of everything the PDF renderer reads: the whole content pickled (every field, cell,
    dtype and index), the font (file, size, modification time), the renderer function itself and the
    versions it stamps into the PDF (`analysis.report.version`, read now: a bumped version is a new key)."""
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
                version.keywords(),
                reportlab.Version,
            )
        ).encode()
    )
    return digest.hexdigest()


def rendered_sha256(content: ReportContent) -> str:
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
    session: Session,
    study: Study,
    recorded: dict | None,
    result: StudyAnalysis | None = None,
    published: trust_checks.Published | None = None,
    start: Start | None = None,
) -> Check:
    """Rebuild the recorded report variant from the database, as `reports.render_report` builds it
    (analysis, content, PDF), and compare its SHA-256; `result` as in `check_headline`, `start` where
    the posterior models run (`reports.build_content`).

    A build this release cannot reproduce (another content or renderer version, reportlab or font file:
    its recorded `build` stamp) is not rebuilt byte for byte: with the same content version its
    content is rebuilt and compared with the recorded content digest, and in any case the signed
    `report.built` entry must still check (`_signed_build`, keys trusted as in `published`). Its
    detail then says, in one sentence, which version built it and that its signed fingerprint checks."""
    from survey_app.services import analysis_service, reports

    if recorded is None:
        return Check("report", True, NO_REPORT_YET, applicable=False)
    published = published or trust_checks.Published()
    used = reports.settings_of(recorded)
    now = analysis_service.study_settings(session, study) if used is not None else None
    said = _settings_said(used, now)
    vouched = None  # (ok, sentence) of `_signed_build`, once asked
    if used is not None and used != now:
        # the rebuild takes its settings from the record, not the database: the record must be genuine
        vouched = _signed_build(session, study, published)
        if not vouched[0]:
            return Check("report", False, vouched[1] + said)
    pages = ", ".join(value for value in reports.variant_of(recorded).values() if value)
    what = f"{recorded['kind']} report ({recorded['lang']}{', pages of ' + pages if pages else ''})"
    gap = posterior_model_gap(session, study, recorded)
    if gap is not None:  # its verdicts need a model this release does not run: nothing to rebuild
        signed_ok, signed = vouched or _signed_build(session, study, published)
        if not signed_ok:
            return Check("report", False, signed + said)
        return Check(
            "report",
            True,
            f"this {what}: {MODEL_SAID.format(old=gap[0], new=gap[1])} its unit verdicts and the pages that "
            f"print them cannot be rebuilt; its signed fingerprint still checks ({signed})"
            + _unrebuilt(said),
        )
    stamp = recorded.get("build")
    content_version, renderer_version = version.versions_of(stamp)
    same_content = content_version == version.CONTENT_VERSION
    same_versions = same_content and renderer_version == version.RENDERER_VERSION
    lacking = version.missing_environment(stamp, version.build_stamp(report_font()))
    content = rebuilt_content(session, study, recorded, result, start) if same_content else None
    if same_versions and not lacking:
        digest = rendered_sha256(content)
        if digest == recorded["sha256"]:
            return Check("report", True, f"rebuilt {what} is byte-identical, SHA-256 {digest}" + said)
        from survey_app.services.rebuild_elsewhere import rebuilt_elsewhere

        # this process's arithmetic may not be the build's: a child on the build's, where one can be
        elsewhere = rebuilt_elsewhere(session, study, recorded)
        if elsewhere is not None and elsewhere.sha256 == recorded["sha256"]:
            return Check(
                "report",
                True,
                f"rebuilt {what} is byte-identical, SHA-256 {elsewhere.sha256}{REBUILT_ELSEWHERE}{elsewhere.how}: "
                f"this process's own arithmetic gives {digest}" + said,
            )
        # no process here computes as the build did: its kept content, figure by figure
        compared = _figure_by_figure(session, recorded, content) if elsewhere is None else None
        if compared is not None and compared.ok:
            signed_ok, signed = vouched or _signed_build(session, study, published)
            if not signed_ok:
                return Check("report", False, signed + said)
            return Check("report", True, _agreement(what, recorded, compared, signed) + said)
        # where a child computed as the build did, its bytes differing too leave no caveat to add
        why = (
            _platform_caveat(recorded)
            if elsewhere is None
            else f"{NOR_ELSEWHERE}{elsewhere.how}: SHA-256 {elsewhere.sha256}"
        )
        return Check(
            "report",
            False,
            f"rebuilding the {what} gives SHA-256 {digest}, not the published {recorded['sha256']}"
            + _thread_count_caveat(recorded)
            + (_disagreement(compared) if compared is not None else "")
            + why
            + said,
        )
    same = "; its content rebuilt from the database is identical" if content is not None else ""
    if content is not None and "content" in recorded:
        rebuilt = reports.recorded_content_digest(content)
        if rebuilt != recorded["content"]:
            # on other arithmetic than the build's, its kept content, figure by figure
            compared = _figure_by_figure(session, recorded, content)
            if compared is None or not compared.ok:
                return Check(
                    "report",
                    False,
                    f"rebuilding the {what}'s content gives digest {rebuilt}, not the published "
                    f"{recorded['content']}: what the report printed was changed in the database"
                    + (_disagreement(compared) if compared is not None else "")
                    + _platform_caveat(recorded)
                    + said,
                )
            same = (
                f"{FIGURES_AGREE}{_on_other_arithmetic(recorded)}: {_figures_said(compared)}"
                + _fitted_differ(compared)
            )
    signed_ok, signed = vouched or _signed_build(session, study, published)
    if not signed_ok:
        return Check("report", False, signed + said)
    if same_versions:
        why = f"built with {'; '.join(lacking)}, which this installation lacks to rebuild its bytes"
    else:
        why = (
            f"built by renderer version {renderer_version} (content version {content_version}"
            f"{'' if stamp is not None else ', before reports recorded their versions'}), which this "
            f"release (renderer {version.RENDERER_VERSION}, content {version.CONTENT_VERSION}) cannot reproduce"
        )
    return Check(
        "report",
        True,
        f"this {what} was {why}; its signed fingerprint still checks ({signed}){same}"
        + (said if content is not None else _unrebuilt(said)),
    )


#: How `verify` names a verdict method and its source in the settings it rebuilt with.
METHOD_NAMES = {"empirical_null": "the empirical null", "posterior": "the posterior"}
SOURCE_NAMES = {
    "requested": "chosen for that report",
    "setting": "the study's setting",
    "phase2": "the study has a phase 2",
    "default": "the default",
}
#: Where the settings sentence starts in a report check's detail (`words.check_text` splits it there).
SETTINGS_SAID = "; rebuilt with the settings it recorded: "
#: The same sentence where nothing was rebuilt with them (another content version or posterior model).
SETTINGS_RECORDED = "; the settings it recorded: "


def settings_phrase(settings: AnalysisSettings) -> str:
    """The settings in words: Γ = 2, unit verdicts by the posterior (the study's setting)."""
    return (
        f"Γ = {settings.refusal_gamma:g}, unit verdicts by {METHOD_NAMES[settings.verdict_method]} "
        f"({SOURCE_NAMES[settings.verdict_source]})"
    )


def _settings_said(used: AnalysisSettings | None, now: AnalysisSettings | None) -> str:
    """The report check's last sentence: the recorded settings it rebuilt with, and the study's of
    today where they differ; "" for a build recorded before reports recorded their settings."""
    if used is None:
        return ""
    said = SETTINGS_SAID + settings_phrase(used)
    if now is not None and now != used:
        said += f"; the study's settings are now {settings_phrase(now)}"
    return said


def _unrebuilt(said: str) -> str:
    """`_settings_said` for a check that rebuilt nothing: it names the recorded settings without
    claiming a rebuild with them."""
    return said.replace(SETTINGS_SAID, SETTINGS_RECORDED, 1)


#: How each caveat a failed rebuild may carry begins (`words.check_text` translates each on its own).
THREADS_CAVEAT = "; it was analysed before analyses ran on one BLAS thread"
PLATFORM_DIFFERS = "; it was built with other arithmetic than this machine's"
PLATFORM_UNRECORDED = "; it was built before reports recorded the arithmetic"
#: How a rebuild that matched only in a child on the build's arithmetic says so (`rebuild_elsewhere`).
REBUILT_ELSEWHERE = ", in a process computing with "
NOR_ELSEWHERE = "; nor does a process computing with "
#: How a rebuild on other arithmetic that differs from the build's kept content beyond it says so.
BEYOND_KEPT = "; rebuilt on this machine's arithmetic it differs in "
#: How a build another renderer made, whose content agrees figure by figure on other arithmetic, says so.
FIGURES_AGREE = "; its content rebuilt from the database agrees figure by figure"
#: How an agreeing rebuild names the unit model's fitted details that moved further (`leaf_compare.FITTED`).
FITTED_DIFFER = "; beside the agreeing figures, "
CAVEATS = (
    THREADS_CAVEAT,
    PLATFORM_DIFFERS,
    PLATFORM_UNRECORDED,
    REBUILT_ELSEWHERE,
    NOR_ELSEWHERE,
    BEYOND_KEPT,
    FITTED_DIFFER,
    FIGURES_AGREE,
)


def rebuilt_content(
    session: Session,
    study: Study,
    recorded: dict,
    result: StudyAnalysis | None = None,
    start: Start | None = None,
) -> ReportContent:
    """The content of the report `recorded` names, rebuilt from the database with the settings and in
    the numeric mode it recorded (`result`: that analysis, where the caller has it; `start`: where the
    posterior models run)."""
    from survey_app.services import reports

    return reports.build_content(
        session,
        study,
        lang=recorded["lang"],
        kind=recorded["kind"],
        result=result if result is not None else recorded_analysis(session, study, recorded, start),
        scope=reports.scope_of(**reports.variant_of(recorded)),
        start=start,
    )


def _thread_count_caveat(recorded: dict) -> str:
    """For a build analysed before analyses ran on one BLAS thread (`analysis.numeric`), the sentence
    that says its last digits follow the BLAS thread count of the machine that built it; "" otherwise."""
    from analysis.numeric import BLAS_AS_LOADED
    from survey_app.services import reports

    if reports.numeric_of(recorded) != BLAS_AS_LOADED:
        return ""
    from threadpoolctl import threadpool_info

    threads = max((lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"), default=1)
    return (
        f"{THREADS_CAVEAT}, so its last digits follow the BLAS "
        f"thread count of the machine that built it (this rebuild ran on {threads}): rebuild it with "
        "OPENBLAS_NUM_THREADS set to that machine's core count before taking this for tampering"
    )


def _figure_by_figure(session: Session, recorded: dict, content: ReportContent) -> LeafComparison | None:
    """Where this machine's arithmetic is not the one the build recorded and the build kept its content
    (`reports.keep_content`, hashing to the fingerprint its signed record holds): the rebuild's content
    compared with it line by line (`analysis.report.leaf_compare`); None otherwise."""
    from analysis.report import content_leaves
    from analysis.report.leaf_compare import compare_leaves
    from survey_app import numeric_platform
    from survey_app.services import reports

    platform = recorded.get("platform")
    if platform is None or not numeric_platform.differences(platform, numeric_platform.describe()):
        return None  # the same arithmetic: only the same bytes will do
    kept = reports.kept_content(session, recorded.get("content", ""))
    return None if kept is None else compare_leaves(kept, content_leaves(content))


def _agreement(what: str, recorded: dict, compared: LeafComparison, signed: str) -> str:
    """The report check's sentence for a rebuild on other arithmetic that agrees figure by figure."""
    return (
        f"rebuilt {what}{_on_other_arithmetic(recorded)}, agrees with the content it published figure by "
        f"figure: {_figures_said(compared)}; its bytes are vouched for by its signed record ({signed})"
        + _fitted_differ(compared)
    )


def _on_other_arithmetic(recorded: dict) -> str:
    """The words that say this machine's arithmetic is not the build's, and what differs."""
    from survey_app import numeric_platform

    found = numeric_platform.differences(recorded["platform"], numeric_platform.describe())
    return f" on this machine's arithmetic, which is not its build's ({'; '.join(found)})"


def _figures_said(compared: LeafComparison) -> str:
    """How a figure-by-figure comparison agreed: lines identical, figures and printed numbers within the
    rules (the fitted details that landed elsewhere are a caveat of their own, `_fitted_differ`, said
    last)."""
    from analysis.report.leaf_compare import REL_TOL

    largest = (
        f"the largest {compared.largest:.1e}, at {compared.largest_at}"
        if compared.largest_at is not None
        else "none moved"
    )
    return (
        f"{compared.identical} of {compared.leaves} lines identical, {compared.within} figures within "
        f"{REL_TOL:g} of their size ({largest}), {compared.printed} printed numbers within their last digit"
    )


def _fitted_differ(compared: LeafComparison) -> str:
    """The caveat naming the unit model's fitted details that moved beyond the rules (not decisive); ""
    where none did."""
    if not compared.fitted_count:
        return ""
    shown = "; ".join(difference.describe() for difference in compared.fitted)
    return (
        f"{FITTED_DIFFER}{compared.fitted_count} of the unit model's fitted details (interval ends, small "
        f"probabilities, Bayes factors, the evidence a sentence names) land elsewhere on this arithmetic, "
        f"beyond the rules, while every unit's verdict, counts and rates agree ({shown})"
    )


def _disagreement(compared: LeafComparison) -> str:
    """The caveat of a rebuild on other arithmetic that differs from the kept content beyond it."""
    shown = "; ".join(difference.describe() for difference in compared.beyond)
    return (
        f"{BEYOND_KEPT}{compared.beyond_count} of its published content's {compared.leaves} lines by more "
        f"than other arithmetic moves them ({shown})"
    )


def _platform_caveat(recorded: dict) -> str:
    """For a rebuild that differs, the sentence that names where this machine's arithmetic differs from
    the build's (`numeric_platform`; nothing where they agree), or that a build recorded before its
    arithmetic was may have come from another CPU's."""
    from survey_app import numeric_platform

    if recorded.get("platform") is None:
        return (
            f"{PLATFORM_UNRECORDED} they were computed with (the CPU's "
            "BLAS kernel, libm and SIMD loops): if the machine that built it had another kind of CPU, its "
            "figures' last digits follow that CPU, so rebuild it on such a machine before taking this "
            "for tampering"
        )
    found = numeric_platform.differences(recorded["platform"], numeric_platform.describe())
    if not found:
        return ""
    return (
        f"{PLATFORM_DIFFERS} ({'; '.join(found)}), where the "
        "analysis's iterative fits stop at other last digits: rebuild it where the arithmetic is the "
        "builder's (`huifang` computes alike on every x86-64 CPU with AVX2 and FMA) before taking this "
        "for tampering"
    )


def recorded_analysis(
    session: Session, study: Study, recorded: dict | None, start: Start | None = None
) -> StudyAnalysis:
    """The study analysed with the settings and in the numeric mode the report recorded
    (`reports.settings_of`, `reports.numeric_of`); a build recorded before reports recorded their
    settings with those of its time (`rebuild_settings`), one recorded before the numeric mode with
    BLAS's threads as loaded, as it always was; without a report, as today."""
    from survey_app.services import analysis_service, reports

    if recorded is None:
        return analysis_service.analyse(session, study, start=start)
    return analysis_service.analyse(
        session,
        study,
        settings=rebuild_settings(session, study, recorded),
        numeric=reports.numeric_of(recorded),
        start=start,
    )


def rebuild_settings(session: Session, study: Study, recorded: dict) -> AnalysisSettings:
    """The settings a report is rebuilt with: those its `report.built` entry recorded
    (`reports.settings_of`); for an entry of an earlier release, which records none, those of its time
    (`analysis_service.settings_before_recording`: the study's verdict setting, else the empirical null,
    the default before the posterior), so that a report published then still verifies."""
    from survey_app.services import analysis_service, reports

    printed = reports.settings_of(recorded)
    return printed if printed is not None else analysis_service.settings_before_recording(session, study)


def _signed_build(session: Session, study: Study, published: trust_checks.Published) -> tuple[bool, str]:
    """The newest `report.built` entry is as it was signed: its hash recomputes from its content and
    its link, and its signature verifies under a trusted key (the keyring, the published PDF or
    anchors, and keys linked to those by genuine rotations)."""
    from survey_app.security import anchors
    from survey_app.security.audit import GENESIS, _entry_hash, extend_trust

    entry = last_report_built(session, study)
    assert entry is not None  # the caller read its details
    previous = GENESIS
    if entry.id > 1:
        previous = session.scalar(select(AuditEntry.hash).where(AuditEntry.id == entry.id - 1)) or ""
    recomputed = _entry_hash(
        entry.prev_hash,
        entry.id,
        entry.at,
        entry.actor,
        entry.action,
        entry.study_id,
        entry.entity,
        entry.entity_id,
        entry.details,
    )
    if entry.prev_hash != previous or recomputed != entry.hash:
        return False, (
            f"the record of this build (entry {entry.id}) no longer matches its hash: it was rewritten "
            "in the database, so the report cannot be vouched for"
        )
    anchor = anchors.anchor_of(entry)
    trusted, source = trust_checks.trusted_fingerprints(published)
    if not anchor.signed or anchor.fingerprint not in extend_trust(session, trusted):
        return False, (
            f"the record of this build (entry {entry.id}) is not signed by a key trusted from {source}, "
            "so the report cannot be vouched for"
        )
    if not anchor.self_consistent():
        return False, (
            f"the signature of this build's record (entry {entry.id}) does not match its content: "
            "it was rewritten in the database"
        )
    sha256 = json.loads(entry.details).get("sha256", "")
    return True, f"entry {entry.id}, SHA-256 {sha256[:16]}…, key {anchor.fingerprint[:16]}…"


NO_RECORDINGS = "not applicable (the study has no call recordings)"


def recording_count(session: Session, study: Study) -> int:
    """How many call recordings the study holds (purged ones included)."""
    from survey_app.storage.models_recordings import CallRecording

    return session.scalar(
        select(func.count()).select_from(CallRecording).where(CallRecording.study_id == study.id)
    )


def check_recordings(session: Session, study: Study, actor: User | None) -> Check:
    """Every recording opens and has the SHA-256 recorded when it was attached (`recordings.verify`,
    which decrypts the audio and is audited as `actor`: without one the check cannot run here)."""
    from survey_app.services import recordings
    from survey_app.storage.models_recordings import CallRecording

    count = recording_count(session, study)
    if not count:
        return Check("recordings", True, NO_RECORDINGS, applicable=False)
    if actor is None:
        return Check(
            "recordings",
            False,
            f"{count} call {plural(count, 'recording')} not checked: opening them is audited, so it needs "
            "an identity (give --user NAME, or set HUIFANG_USER)",
        )
    checks = recordings.verify(session, actor, study)
    failed = [check for check in checks if not check.ok]
    if not failed:
        return Check(
            "recordings",
            True,
            f"{len(checks)} call {plural(len(checks), 'recording matches', 'recordings match')} the SHA-256 "
            "recorded when attached",
        )
    first = failed[0]
    where = session.execute(
        select(CallRecording.case_id, CallRecording.attempt_no).where(CallRecording.id == first.recording_id)
    ).one()
    more = f" ({len(failed) - 1} more of {len(checks)} failed)" if len(failed) > 1 else ""
    return Check(
        "recordings",
        False,
        f"recording {first.recording_id} (case {where.case_id}, attempt {where.attempt_no}): "
        f"{first.detail}{more}",
    )


def _guarded(name: str, check, *args) -> Check:
    """Run one check; an error inside it is that check's verdict, not the end of the verification."""
    try:
        return check(*args)
    except Exception as exc:  # a tampered study must still yield a verdict for every check
        return Check(name, False, f"could not be checked: {exc}")


def _analysis_once(
    session: Session, study: Study, recorded: dict | None, start: Start | None
) -> StudyAnalysis | None:
    """The study's analysis with the report's recorded settings (`recorded_analysis`), made once for
    the headline and report checks (both read the same stored state in one session); None if it fails,
    so that each of them runs it again and names the error."""
    try:
        return recorded_analysis(session, study, recorded, start)
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
    recordings_as: User | None = None,
    start: Start | None = None,
) -> list[Check]:
    """Every check, in order; with an `actor` (the app), only an auditor, researcher or admin may run it.
    `published`: the PDF and anchors the auditor brings from outside the database. The recordings are
    opened as `recordings_as` (default `actor`; the CLI logs in only for a study with recordings):
    their check runs last, since it records its own audit entry, and is listed after the answers.
    `start` runs the rebuild's posterior models elsewhere (`reports.build_and_record`'s): the same
    bytes, sooner."""
    if actor is not None:
        require(actor, "auditor", "researcher", "admin")
    recorded = last_report_entry(session, study)
    result = _analysis_once(session, study, recorded, start) if recorded is not None else None
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
    checks = [
        _guarded("frame file", check_frame_file, session, study, frame_file),
        _guarded("stored frame", check_stored_frame, session, study),
        _guarded("sample re-draw", check_sample, session, study),
        _guarded("audit chain", check_chain, session),
        _guarded("answers", check_answers, session, study),
        _guarded("headline figures", check_headline, session, study, recorded, result, published),
        _guarded("report", check_report, session, study, recorded, result, published, start),
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
    recorded_audio = _guarded("recordings", check_recordings, session, study, recordings_as or actor)
    return [*checks[:5], recorded_audio, *checks[5:]]


def as_table(checks: list[Check]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"check": c.name, "ok": c.ok, "applicable": c.applicable, "detail": c.detail} for c in checks]
    )
