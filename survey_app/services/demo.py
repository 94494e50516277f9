"""`huifang demo`: a whole study from scratch, through the same services the app and CLI use.

Synthetic frame (with planted inflation) → import → stratified draw → frozen questionnaire → simulated
callbacks worked through the real call queue by five surveyors on a simulated clock → analysis →
PDF report. A SQLite demo is built in a temporary file and moved into place only when complete, so an
interrupted or failed run leaves nothing half-written.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import pickle
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from sqlalchemy import func, inspect, select
from sqlalchemy.engine import make_url

import fixtures
import questionnaires
from survey_app.config import database_url, describe, witness_file
from survey_app.security import signing
from survey_app.security.passwords import generate_password
from survey_app.services import (
    auth,
    fieldwork,
    fieldwork_import,
    forked,
    frames,
    questionnaire_store,
    samples,
    studies,
)
from survey_app.services.errors import InvalidState
from survey_app.storage import Database, open_database, upgrade
from survey_app.storage.models import Case, FrameRecord, Study, User

T = TypeVar("T")

STUDY_NAME = "demo"
#: The second demo study, left in fieldwork so that a surveyor has cases the moment the demo is built.
LIVE_STUDY = "live"
LIVE_ROWS = 3_000
LIVE_WORKED_SHARE = 0.4
DEMO_ROLES = ("researcher", "surveyor", "supervisor", "reviewer", "auditor", "admin")
EXTRA_SURVEYORS = 4
#: Fieldwork starts on a Monday at 09:00 in Shanghai (01:00 UTC).
FIELDWORK_START = dt.datetime(2026, 11, 2, 1, 0)


@dataclass
class DemoResult:
    database: str
    passwords: dict[str, str]
    frame_path: Path
    report_path: Path | None = None
    report_sha256: str | None = None
    report_anchor: Any = None  # the signed chain head of its `report.built` entry, also in the witness file
    analysis: Any = None
    timings: dict[str, float] = field(default_factory=dict)
    released: int = 0
    live_waiting: int = 0


def _existing_study_names(db: Database) -> list[str]:
    if "studies" not in inspect(db.engine).get_table_names():
        return []
    with db.session() as session:
        return [s for (s,) in session.execute(select(Study.name))]


def _target(url: str | None, force: bool) -> tuple[str, Path | None]:
    """The final URL, and for SQLite the final file path (built elsewhere, then moved)."""
    resolved = database_url(url)
    parsed = make_url(resolved)
    if parsed.get_backend_name() != "sqlite":
        db = open_database(resolved)
        names = _existing_study_names(db)
        db.dispose()
        if names:
            raise InvalidState(
                f"{describe(resolved)} already holds studies ({', '.join(names)}). The demo "
                "needs an empty database; nothing was changed."
            )
        return resolved, None
    path = Path(parsed.database)
    if path.exists() and path.stat().st_size > 0:
        db = open_database(resolved)  # refuses a corrupt file with a clear message
        names = _existing_study_names(db)
        db.dispose()
        if names and not force:
            raise InvalidState(
                f"{path} already holds a Huifang database with studies ({', '.join(names)}). "
                "Nothing was changed. Use `huifang demo --force` to replace it, or "
                "`huifang --db OTHER.db demo` to build another one."
            )
    return resolved, path


def build_demo(
    url: str | None = None,
    *,
    rows: int = 50_000,
    seed: int = 20261126,
    out_dir: Path = Path("huifang-demo"),
    force: bool = False,
    echo: Callable[[str], None] = print,
    frame_options: dict[str, Any] | None = None,
    design: dict[str, Any] | None = None,
) -> DemoResult:
    """Build the demo study; `frame_options` (for `fixtures.make_frame`) and `design` (sample design
    parameters) let benchmarks build larger or differently shaped studies the same way."""
    final_url, final_path = _target(url, force)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    building = final_path.with_name(f".{final_path.name}.building-{os.getpid()}") if final_path else None
    build_url = f"sqlite:///{building}" if building else final_url
    if building:
        _remove_sqlite(building)
    echo(f"Building the demo in {describe(final_url)}")
    # No cyclic collection while building: the demo leaves little cyclic garbage (~15,000 objects in all,
    # freed at the end), but the collector ran ~1,700 times over it, ~0.4 s of this process's CPU on the
    # demo's critical path. Restored (with the objects frozen by `_build` thawed) when the build ends.
    collecting = gc.isenabled()
    gc.disable()
    try:
        db = open_database(build_url)
        upgrade(db)
        result = _build(
            db,
            rows=rows,
            seed=seed,
            out_dir=out_dir,
            echo=echo,
            frame_options=frame_options or {},
            design=design,
        )
        db.dispose()
        if building:
            _remove_sqlite(final_path)
            os.replace(building, final_path)
        result.database = describe(final_url)
        return result
    finally:
        gc.unfreeze()  # `_build` froze what existed after its first stage (the caller may live on)
        if collecting:
            gc.enable()
        if building:
            _remove_sqlite(building)


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _stage(result: DemoResult, name: str, echo: Callable[[str], None]):
    """Times a stage: wall time in `result.timings`; the printed line also gives the process's CPU time,
    which on a shared machine says more about the stage than the wall time does."""

    class _Timer:
        def __enter__(self):
            self.start, self.cpu = time.perf_counter(), time.process_time()
            return self

        def __exit__(self, *exc):
            result.timings[name] = time.perf_counter() - self.start
            if exc[0] is None:
                cpu = time.process_time() - self.cpu
                echo(f"  {name:<28} {result.timings[name]:6.1f} s  (CPU {cpu:5.1f} s)")

    return _Timer()


def _build(
    db: Database,
    *,
    rows: int,
    seed: int,
    out_dir: Path,
    echo: Callable[[str], None],
    frame_options: dict[str, Any],
    design: dict[str, Any] | None,
) -> DemoResult:
    signing.ensure_key()  # every audit entry is signed; the key lives outside the database
    passwords: dict[str, str] = {}
    result = DemoResult(database="", passwords=passwords, frame_path=out_dir / "demo-frame.csv")
    # The users' production-cost Argon2 hashes are computed in C without the GIL: a worker thread creates
    # the users while this thread generates the frame (nothing here touches the database until the
    # users exist) and imports what the frame import and the draw need (scipy.stats: the analysis child
    # forked next inherits it). The analysis and report libraries are not imported here: the analysis
    # child loads its own while this process imports the frame and draws, this process its own while
    # the child analyses (`_after_fieldwork`) — each where the other core would otherwise wait.
    with _stage(result, "users + synthetic frame", echo), ThreadPoolExecutor(1) as worker:
        users = worker.submit(_create_users, db, passwords)
        synthetic = fixtures.make_frame(rows, seed, **frame_options)
        fixtures.write_frame(synthetic, result.frame_path, encoding="gbk", format="csv")
        _load_sampling()
        users.result()  # re-raises a failure of the worker
    # What exists now (the libraries just imported: most of the process's objects) lives until the
    # end: the collector's full passes, here and in the forked children, stop walking it again.
    gc.freeze()
    # The study is analysed in a child process (its own read-only connection), forked now and waiting
    # for its cues: it imports the analysis libraries at once (while this process imports the frame and
    # draws); while this process works the queue (the fieldwork simulation is done, the second core
    # idle) it reads the frame table ahead (the frame no longer changes); once fieldwork is over it
    # analyses the study (its posterior unit model in a child of its own, `_analyse_apart`) while this
    # one makes the referrals, closes the study, codes the comments, imports the report libraries and
    # loads the report's font — none of which `analyse` reads (referrals are kept apart from evaluation
    # data, the study's state and codes enter only the report). The PDF's content needs the analysis,
    # the referrals and the codes; a child renders it while this process builds the live study.
    analysing = _Standby(
        lambda: _read_ahead(db, STUDY_NAME), lambda: _analyse_apart(db, STUDY_NAME), load=_load_analysis
    )
    try:
        return _fieldwork_on(
            db,
            result,
            analysing,
            synthetic,
            researcher=_user(db, "researcher"),
            seed=seed,
            rows=rows,
            design=design,
            out_dir=out_dir,
            echo=echo,
        )
    finally:
        analysing.close()  # a child still waiting for its cue (a stage failed) ends and is reaped


def _fieldwork_on(
    db: Database,
    result: DemoResult,
    analysing: _Standby,
    synthetic: Any,
    *,
    researcher: User,
    seed: int,
    rows: int,
    design: dict[str, Any] | None,
    out_dir: Path,
    echo: Callable[[str], None],
) -> DemoResult:
    """The demo study from its frame to the end of fieldwork, then `_after_fieldwork`."""
    passwords = result.passwords
    with _stage(result, "frame import", echo), db.session() as session:
        study = studies.create_study(
            session, researcher, STUDY_NAME, "上海市司法局法律服务满意度第三方回访（演示）"
        )
        frames.import_frame(session, researcher, study, result.frame_path)
    with _stage(result, "stratified draw", echo), db.session() as session:
        study = studies.find_study(session, STUDY_NAME)
        drawn = samples.draw_sample(session, researcher, study, design or demo_design(seed, rows))
        result.released = session.scalar(
            select(func.count(Case.id)).where(Case.design_id == drawn.id, Case.state == "pending")
        )
    with _stage(result, "questionnaire", echo), db.session() as session:
        study = studies.find_study(session, STUDY_NAME)
        version = questionnaire_store.save_version(
            session, researcher, study, questionnaires.template("justice-callback")
        )
        questionnaire_store.freeze(session, researcher, version.id)
        studies.set_state(session, researcher, study, "fieldwork")
    with _stage(result, "simulated fieldwork", echo):
        simulate_fieldwork(db, synthetic.truth, seed=seed, before_queue=analysing.warm)
    analysing.start()
    return _after_fieldwork(db, result, analysing, passwords, researcher, seed, out_dir, echo)


def _after_fieldwork(
    db: Database,
    result: DemoResult,
    analysing: _Standby,
    passwords: dict[str, str],
    researcher: User,
    seed: int,
    out_dir: Path,
    echo: Callable[[str], None],
) -> DemoResult:
    """Referrals, closing and coding while the child analyses; then the report's content, and the live
    study while a child renders the PDF (`render_content` reads no database)."""
    try:
        with _stage(result, "referrals", echo):  # issue 14: the consenting dissatisfied referred
            from survey_app.services.referral_demo import build_demo_referrals

            start = FIELDWORK_START + dt.timedelta(days=8)
            build_demo_referrals(db, STUDY_NAME, passwords, start=start)
        supervisor, auditor = _user(db, "supervisor"), _user(db, "auditor")
        with _stage(result, "closing the study", echo), db.session() as session:
            studies.set_state(session, supervisor, studies.find_study(session, STUDY_NAME), "closed")
        with _stage(result, "comment coding", echo), db.session() as session:  # issue 14
            from survey_app.services import coding

            passwords["researcher2"] = generate_password()  # the second, blind coder
            second = auth.create_user(
                session,
                None,
                "researcher2",
                passwords["researcher2"],
                "researcher",
                display_name="demo researcher 2",
            )
            coding.demo_coding(
                session, researcher, second, studies.find_study(session, STUDY_NAME), seed=seed
            )
        with _stage(result, "report libraries and font", echo):  # here while the child analyses
            _load_analysis()
            from analysis.report.fonts import report_font
            from survey_app.services import reports  # for the PDF stages below

            report_font()  # found and parsed once
            gc.freeze()  # like the libraries frozen after the first stage: they live to the end
    finally:
        with _stage(result, "analysis (waited for)", echo):  # also collects the child after a failure
            result.analysis = analysing.collect()
    with _stage(result, "PDF content", echo), db.session() as session:
        study = studies.find_study(session, STUDY_NAME)
        content = reports.build_content(session, study, lang="zh", kind="full", result=result.analysis)
    # The content is fixed now: it reads the audit trail up to the demo study's last state change, which
    # the live study's entries (all later) do not enter — the same content as when the live study was
    # built first, and `report.built` still follows the live study's entries in the chain.
    rendering = forked.elsewhere(
        lambda: reports.render_content(content, result.analysis, lang="zh", kind="full")
    )
    try:
        _live_study(db, result, seed, out_dir, echo)
    finally:
        with _stage(result, "PDF rendering (waited for)", echo):  # also reaps the child after a failure
            built = rendering()
    with _stage(result, "PDF report", echo), db.session() as session:  # audited once the PDF is written
        study = studies.find_study(session, STUDY_NAME)
        result.report_path = out_dir / "demo-report.pdf"
        result.report_path.write_bytes(built.pdf)
        result.report_anchor = reports.record_built(session, study, auditor, built)
        result.report_sha256 = built.sha256
    return result


def _live_study(
    db: Database, result: DemoResult, seed: int, out_dir: Path, echo: Callable[[str], None]
) -> None:
    """The second study, left in fieldwork, with a call recording and web invitations (issue 14)."""
    with _stage(result, "open study for surveyors", echo):
        result.live_waiting = build_live_study(db, seed=seed + 1, out_dir=out_dir)
    with _stage(result, "a call recording", echo):  # one live attempt to listen back to (issue 14)
        from survey_app.services.recording_demo import attach_demo_recording

        attach_demo_recording(db, LIVE_STUDY, seed=seed)
    with _stage(result, "web invitations", echo):  # issue 14: the live study mixed-mode, web answers
        from survey_app.services.web_demo import build_web_demo

        result.live_waiting -= build_web_demo(db, LIVE_STUDY, seed=seed, out_dir=out_dir).invited


class _Standby:
    """A forked child that waits for its cues: it runs `load` at once (imports the work needs, while
    this process goes on), `warm()` has it run `prepare` (reads that do not depend on what this
    process is still writing), `start()` has it run `work` (pure computation and reads, no output),
    `collect()` waits for and returns the work's result.

    Like `forked.elsewhere`, where fork is missing or unsafe (another thread is running) everything happens
    in this process: `warm()` does nothing and `start()` does the work at once; when the child fails
    for any reason `collect()` does the work here (the error, if real, then shows here). `load` and
    `prepare` are only a head start: their failures are ignored. `close()` ends a child still waiting
    (EOF on its cues) and reaps it.
    """

    def __init__(
        self, prepare: Callable[[], Any], work: Callable[[], T], *, load: Callable[[], Any] | None = None
    ) -> None:
        self.prepare, self.work, self.load = prepare, work, load
        self.child: int | None = None
        self.done: list[T] = []
        if not hasattr(os, "fork") or threading.active_count() > 1:
            return
        cues_read, self.cues = os.pipe()
        self.results, results_write = os.pipe()
        child = os.fork()
        if child == 0:  # pragma: no cover - runs in the child, which reports through the pipe
            status = 1
            try:
                os.close(self.cues)
                os.close(self.results)
                status = self._serve(cues_read, results_write)
            finally:
                os._exit(status)
        os.close(cues_read)
        os.close(results_write)
        self.child = child

    def _serve(self, cues: int, results: int) -> int:  # pragma: no cover - the child's loop
        if self.load is not None:
            with suppress(Exception):  # a head start only, like `prepare`
                self.load()
            gc.freeze()  # what it loaded lives as long as the child
        forked.without_collector()
        with os.fdopen(cues, "rb", buffering=0) as cue_pipe, os.fdopen(results, "wb") as pipe:
            while cue := cue_pipe.read(1):
                if cue == b"p":
                    with suppress(Exception):  # a head start only: the work reads what it needs
                        self.prepare()
                elif cue == b"g":
                    pipe.write(pickle.dumps(self.work(), protocol=pickle.HIGHEST_PROTOCOL))
                    return 0
        return 1  # the parent closed the cues without starting the work

    def _cue(self, cue: bytes) -> None:
        with suppress(OSError):  # the child is gone: `collect` does the work here
            os.write(self.cues, cue)

    def warm(self) -> None:
        if self.child is not None:
            self._cue(b"p")

    def start(self) -> None:
        if self.child is None:
            self.done.append(self.work())
        else:
            self._cue(b"g")

    def collect(self) -> T:
        if self.child is None:
            return self.done[0] if self.done else self.work()
        os.close(self.cues)
        with os.fdopen(self.results, "rb") as pipe:
            payload = pipe.read()
        _, status = os.waitpid(self.child, 0)
        self.child = None
        if status == 0 and payload:
            value = pickle.loads(payload)
            self.done.append(value)
            return value
        value = self.work()
        self.done.append(value)
        return value

    def close(self) -> None:
        if self.child is None:
            return
        os.close(self.cues)
        os.close(self.results)
        os.waitpid(self.child, 0)
        self.child = None


def _load_sampling() -> None:
    """Import what the frame import and the draw load (`sampling`'s reading and design modules, with
    scipy.stats), in the first stage beside the users' hashes rather than in the draw's own time."""
    import sampling.design
    import sampling.reading  # noqa: F401 - imported to be ready


def _load_analysis() -> None:
    """Import the analysis service and what `analysis` loads on first use (statsmodels, polars, the
    unit models): in the analysis child before its cue, so that the analysis — the demo's longest
    stage after fieldwork — does not start with them, and here while that child analyses."""
    import analysis
    from survey_app.services import analysis_service  # noqa: F401 - imported to be ready

    for name in analysis.__all__:
        getattr(analysis, name)


def _analyse_apart(db: Database, study_name: str) -> Any:
    """The study's analysis through a connection of its own (`_reading`), for a forked child, with its
    staff level (`staff_verdicts`, kept in `result.staff` for the report). Each posterior unit model
    (about half of either) runs in a child of its own (`forked.elsewhere`), beside the rest of its analysis:
    the parent's stages meanwhile take only part of the other core."""
    from survey_app.services import analysis_service

    with _reading(db) as session:
        result = analysis_service.analyse(
            session, studies.find_study(session, study_name), start=forked.elsewhere
        )
    return _with_staff_level(result)


def _with_staff_level(result: Any) -> Any:
    """`result` with its staff level computed ahead (`result.staff`, which the report then uses), its
    posterior model elsewhere (`forked.elsewhere`); unchanged where the frame names no staff member."""
    from survey_app.services import staff_verdicts

    with suppress(InvalidState):
        result.staff = staff_verdicts.staff_verdicts(result, start=forked.elsewhere)
    return result


def _read_ahead(db: Database, study_name: str) -> None:
    """The study's frame table read ahead of its analysis (`datasets.read_frame_table_ahead`), in the
    analysis child while the parent still works the queue."""
    from survey_app.services import datasets

    with _reading(db) as session:
        datasets.read_frame_table_ahead(session, studies.find_study(session, study_name))


@contextmanager
def _reading(db: Database) -> Iterator[Any]:
    """A read-only session (`Database.reading`: one snapshot, no write lock the parent's writes would wait
    for) on a database opened anew, for a forked child, which must not use the parent's pooled
    connections."""
    own = open_database(db.url, check=False)
    try:
        with own.reading() as session:
            yield session
    finally:
        own.dispose()


def _create_users(db: Database, passwords: dict[str, str]) -> None:
    """One user per role and four more surveyors, their generated passwords put into `passwords`."""
    with db.session() as session:
        for number, role in enumerate(DEMO_ROLES, start=1):
            passwords[role] = generate_password()
            auth.create_user(
                session,
                None,
                role,
                passwords[role],
                role,
                display_name=f"demo {role}",
                surveyor_no=f"{number:03d}" if role == "surveyor" else None,
            )
        for extra in range(2, EXTRA_SURVEYORS + 2):
            name = f"surveyor{extra}"
            passwords[name] = generate_password()
            auth.create_user(session, None, name, passwords[name], "surveyor", surveyor_no=f"1{extra:02d}")


def build_live_study(db: Database, *, seed: int, out_dir: Path) -> int:
    """A second, smaller study left in fieldwork: 40% of its cases worked through the queue (so the
    supervisor has rates, flags and interviews to re-contact), the rest waiting for the surveyors, and
    a reserve replicate to release. Calling hours cover the whole day, so the demo can be tried at any
    hour. Returns the number of released cases still waiting."""
    researcher = _user(db, "researcher")
    synthetic = fixtures.make_frame(LIVE_ROWS, seed)
    path = out_dir / "live-frame.csv"
    fixtures.write_frame(synthetic, path, encoding="utf-8", format="csv")
    with db.session() as session:
        study = studies.create_study(
            session,
            researcher,
            LIVE_STUDY,
            "上海市司法局法律服务满意度第三方回访（实地调查中，演示）",
            settings={"calling_hours": [0, 24], "min_gap_minutes": 0},
        )
        frames.import_frame(session, researcher, study, path)
        samples.draw_sample(
            session,
            researcher,
            study,
            {
                "strata": ["district"],
                "n": 150,
                "method": "proportional",
                "reserve": 0.3,
                "response_rate": 0.55,
                "unit": "person",
                "seed": seed,
            },
        )
        version = questionnaire_store.save_version(
            session, researcher, study, questionnaires.template("justice-callback")
        )
        questionnaire_store.freeze(session, researcher, version.id)
        studies.set_state(session, researcher, study, "fieldwork")
    simulate_fieldwork(
        db,
        synthetic.truth,
        seed=seed,
        study_name=LIVE_STUDY,
        share=LIVE_WORKED_SHARE,
        start=FIELDWORK_START + dt.timedelta(days=14),
    )
    with db.session() as session:
        study = studies.find_study(session, LIVE_STUDY)
        return session.scalar(
            select(func.count(Case.id)).where(
                Case.study_id == study.id, Case.state == "pending", Case.attempts == 0
            )
        )


def demo_design(seed: int, rows: int = 50_000) -> dict[str, Any]:
    """The demo's design: organisations whose system 满意率 looks too good (≥ 93% over ≥ 30 records) each
    get a stratum of their own with at least 20 cases (risk-targeted oversampling, DESIGN.md §5); all
    other records are stratified by district. Proportional allocation of 4% of the frame's rows (2,000
    released cases for 50,000 rows), plus a 20% reserve. The weights (π = n_h / N_h) undo the
    oversampling in every estimate."""
    return {
        "strata": ["risk_stratum"],
        "n": max(400, min(2000, rows * 4 // 100)),
        "method": "proportional",
        "minimum": 20 if rows >= 20_000 else 6,
        "response_rate": 0.55,
        "reserve": 0.2,
        "unit": "person",
        "seed": seed,
        "risk": {"unit": "organisation_id", "min_records": 30, "min_rate": 0.93, "base": "district"},
    }


def _user(db: Database, username: str) -> User:
    with db.session() as session:
        return session.scalar(select(User).where(User.username == username))


def _cases_for_simulation(db: Database, study_name: str = STUDY_NAME) -> pd.DataFrame:
    """The cases the queue can hand out (released, pending); the reserve is never worked, so it is not
    simulated (each case's simulation draws from its own seeded stream: the others are unchanged)."""
    with db.session() as session:
        result = session.execute(
            select(
                Case.id.label("case_id"),
                FrameRecord.record_id,
                FrameRecord.person_key.label("phone"),  # the keyed hash: the simulation only matches
                FrameRecord.domain,
                FrameRecord.channel,
                FrameRecord.district,
                FrameRecord.organisation_id,
                FrameRecord.staff_id,
                FrameRecord.service_date,
                FrameRecord.system_rating,
                Case.stratum,
                Case.replicate,
            )
            .join(FrameRecord, FrameRecord.id == Case.frame_record_id)
            .join(Study, Study.id == Case.study_id)
            .where(Study.name == study_name, Case.state == "pending")
        )
        return pd.DataFrame(result.all(), columns=list(result.keys()))


def simulate_fieldwork(
    db: Database,
    truth: pd.DataFrame,
    *,
    seed: int,
    study_name: str = STUDY_NAME,
    share: float = 1.0,
    start: dt.datetime = FIELDWORK_START,
    before_queue: Callable[[], None] | None = None,
) -> int:
    """Work the real queue: five surveyors claim cases in queue order and upload each case's simulated
    call history (times, outcomes, the interview's answers) as an external dialer would.

    Stops when `share` of the released cases are worked. Returns the number of cases worked. Calling
    rules between attempts are the simulator's (it calls within hours, spreads attempts over days and
    times of day); the live path enforces them itself. `before_queue` is called once the histories are
    simulated, before the queue is worked.
    """
    cases = _cases_for_simulation(db, study_name)
    script = _simulated(cases, truth, seed=seed, start=start + dt.timedelta(hours=8))
    plans = _scripts_by_case(script)
    if before_queue is not None:
        before_queue()
    with db.session() as session:
        surveyors = list(
            session.scalars(select(User).where(User.role == "surveyor", User.active).order_by(User.id))
        )  # not the web self-completion account (a surveyor, deactivated), once a live study made it
        study = studies.find_study(session, study_name)
        released = session.scalar(
            select(func.count(Case.id)).where(Case.study_id == study.id, Case.state == "pending")
        )
    limit = int(released * share) if share < 1 else None
    worked = 0
    while limit is None or worked < limit:
        size = BATCH if limit is None else min(BATCH, limit - worked)
        with db.session() as session:  # one transaction (one commit, one audit append) per batch
            claimed = _work_batch(session, surveyors, study, plans, start, size)
        worked += claimed
        if claimed == 0:
            break
    return worked


#: Below this many cases the simulation runs in one process (a fork costs more than half of it).
SPLIT_FROM = 400


def _simulated(cases: pd.DataFrame, truth: pd.DataFrame, *, seed: int, start: dt.datetime) -> Any:
    """`fixtures.simulate_fieldwork` of the cases, the second half simulated in a forked child (both
    cores). Each case draws from its own seeded stream, so the halves put together — attempts and
    summary rows in case order, answers inserted in case order — are the simulation of the whole."""
    questionnaire = questionnaires.template("justice-callback")

    def simulate(part: pd.DataFrame) -> Any:
        return fixtures.simulate_fieldwork(part, truth, seed=seed, questionnaire=questionnaire, start=start)

    if len(cases) < SPLIT_FROM:
        return simulate(cases)
    middle = len(cases) // 2
    second = forked.elsewhere(lambda: simulate(cases.iloc[middle:]))
    first = simulate(cases.iloc[:middle])
    rest = second()
    return fixtures.Fieldwork(
        pd.concat([first.attempts, rest.attempts], ignore_index=True),
        {**first.answers, **rest.answers},
        pd.concat([first.cases, rest.cases], ignore_index=True),
        first.parameters,
    )


#: Cases claimed and uploaded per transaction by the simulated surveyors. Each case still goes through
#: `next_case` and `CallHistories.add` (its own claim, checks, engine replay and audit entries); the
#: batch shares the commit (the audit chain is appended once per batch instead of once per case) and
#: the inserts of its answers and attempts.
BATCH = 100


def _work_batch(
    session: Any,
    surveyors: list[User],
    study: Study,
    plans: dict[int, dict[str, Any]],
    start: dt.datetime,
    size: int,
) -> int:
    """The surveyors take turns claiming the next case and uploading its history; returns cases worked."""
    uploads = fieldwork_import.CallHistories(session, study)
    claimed = misses = turn = 0
    while claimed < size and misses < len(surveyors):  # stop once every surveyor found nothing due
        surveyor = surveyors[turn % len(surveyors)]
        turn += 1
        case = fieldwork.next_case(session, surveyor, study, now=start)
        if case is None:
            misses += 1
            continue
        misses = 0
        plan = plans[case.id]
        uploads.add(surveyor, case, plan["calls"], answers=plan["answers"], interview_minutes=6 + case.id % 7)
        claimed += 1
    uploads.write()
    return claimed


def _scripts_by_case(script: Any) -> dict[int, dict[str, Any]]:
    """{case_id: {"calls": [(code, naive UTC time), ...], "answers": {...} | None}}."""
    attempts = script.attempts.sort_values(["case_id", "attempt_no"])
    local = pd.to_datetime(attempts["called_at"]).dt.tz_localize(fieldwork.SHANGHAI)
    times = local.dt.tz_convert("UTC").dt.tz_localize(None).dt.to_pydatetime()  # once, not per row
    calls = list(zip(attempts["disposition"].tolist(), times.tolist(), strict=True))
    case_ids = attempts["case_id"].to_numpy()
    bounds = [0, *(np.flatnonzero(case_ids[1:] != case_ids[:-1]) + 1).tolist(), len(case_ids)]
    plans: dict[int, dict[str, Any]] = {}
    for begin, end in pairwise(bounds):
        if begin < end:
            case_id = int(case_ids[begin])
            plans[case_id] = {"calls": calls[begin:end], "answers": script.answers.get(case_id)}
    from fixtures.comments import realistic_comments  # varied texts to code (issue 14)

    for case_id, text in realistic_comments(script).items():
        plans[int(case_id)]["answers"]["comment"] = text
    return plans


def summary(result: DemoResult) -> str:
    from survey_app.services import analysis_service

    lines = ["", f"Demo database: {result.database}", "Users (role: user name / password):"]
    for name, password in result.passwords.items():
        lines.append(f"  {name:<12} {password}")
    lines.append(f"Frame file: {result.frame_path}")
    lines.append(f"Cases released: {result.released}")
    if result.live_waiting:
        lines.append(
            f"Study `{LIVE_STUDY}` is in fieldwork with {result.live_waiting} cases waiting for the surveyors "
            f"(study `{STUDY_NAME}` is closed and keeps its report)."
        )
    if result.analysis is not None:
        lines.append(analysis_service.summary_text(result.analysis))
    if result.report_path:
        lines.append(f"PDF report: {result.report_path} (SHA-256 {result.report_sha256})")
    if result.report_anchor is not None:
        anchor = result.report_anchor
        lines.append(
            f"Signed chain head {anchor.entry_id}:{anchor.hash} (key {anchor.fingerprint[:16]}…), "
            f"appended to the witness file {witness_file()}"
        )
    lines.append(f"Total time: {sum(result.timings.values()):.1f} s")
    lines.append(
        "Next: `huifang app` and log in with one of the users above; "
        "`huifang verify demo` checks everything an auditor would."
    )
    return "\n".join(lines)
