"""Surveyors' saves while a report is built: the build in one writing session (before) against
`reports.build_and_record` (after: a read-only snapshot, the PDF outside any transaction, a short
recording session) — issue 15, ARCHITECTURE "Which session for what".

Set-up: the small demo (`services.demo.build_demo`, `--rows`, seed `--seed`; its closed study `demo` is
the one reported on) and, in the same database, a study in fieldwork of `--cases` released cases with
the frozen `justice-callback` questionnaire (`tests.fieldwork.conftest.make_study`, the rules of
`bench_fieldwork`), worked by `--writers` surveyor processes that claim cases and save answers item by
item (`bench_reading.writer`: exponential pause of mean `--think` before each answer, seeds `--seed` + i,
the app's 30 s busy timeout). This process builds the demo's full Chinese report as the demo's auditor
`--builds` times each way, alternating (before, after, before, …) with `--gap` seconds between builds,
so both see the same writers and machine load. A save counts for the build during which it began;
saves that began between builds are the baseline. Printed: the saves' p50/p95/p99 in each, the builds'
wall and CPU time, saves refused at the busy timeout, the load average before and after. SQLite only
(PostgreSQL readers never held the write lock; `--url` is not offered).

    nice -n 19 .venv/bin/python -m tests.benchmarks.bench_report_stall            # ~2 min at load 8

Figures: ARCHITECTURE.md, "Storage" (measured at the commit that added this file).
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

MODES = ("session", "snapshot")  # before, after


def _keys(folder: Path) -> None:
    """Sign with throwaway keys in `folder`, never the developer's (spawned writers inherit these)."""
    os.environ["HUIFANG_KEY_DIR"] = str(folder / "keys")
    os.environ["HUIFANG_WITNESS_FILE"] = str(folder / "witness.jsonl")
    from survey_app.security import signing

    signing.init_key()


def prepare(folder: Path, rows: int, seed: int, cases: int, writers: int) -> tuple[str, int, list[int], str]:
    """The demo, then the fieldwork study and its surveyors: (url, study id, surveyor ids, auditor's
    password)."""
    import questionnaires
    from survey_app.services import auth, demo, questionnaire_store
    from survey_app.storage import open_database
    from survey_app.storage.models import Study, User
    from tests.benchmarks.bench_fieldwork import RULES
    from tests.fieldwork.conftest import make_study

    url = f"sqlite:///{folder / 'huifang.db'}"
    result = demo.build_demo(url, rows=rows, seed=seed, out_dir=folder / "out", echo=lambda _: None)
    db = open_database(url)
    with db.session() as session:
        ids = [
            auth.create_user(
                session, None, f"bench{i:02d}", "password-bench", "surveyor", surveyor_no=f"9{i:02d}"
            ).id
            for i in range(writers)
        ]
    study_id = make_study(db, cases=cases, strata=("公证", "律师"), settings=RULES, name="bench-live")
    with db.session() as session:
        researcher = session.query(User).filter_by(username="researcher").one()
        version = questionnaire_store.save_version(
            session, researcher, session.get(Study, study_id), questionnaires.template("justice-callback")
        )
        questionnaire_store.freeze(session, researcher, version.id)
    db.dispose()
    return url, study_id, ids, result.passwords["auditor"]


def build(url: str, mode: str) -> tuple[float, float, str]:
    """One recorded build of the demo's report as its auditor: (wall s, CPU s, outcome)."""
    from sqlalchemy import select

    from survey_app.services import reports, studies
    from survey_app.storage import open_database
    from survey_app.storage.models import User

    db = open_database(url)
    with db.reading() as session:
        auditor = session.scalar(select(User).where(User.username == "auditor"))
    began, cpu = time.perf_counter(), time.process_time()
    outcome = "recorded"
    try:
        if mode == "session":
            with db.session() as session:
                reports.build_report(session, studies.find_study(session, "demo"), actor=auditor)
        else:
            reports.build_and_record(db, "demo", auditor)
    except reports.ReportSourceMoved:
        outcome = "refused (study moved)"
    finally:
        db.dispose()
    return time.perf_counter() - began, time.process_time() - cpu, outcome


def main() -> None:
    import numpy as np

    from tests.benchmarks.bench_fieldwork import load_average
    from tests.benchmarks.bench_reading import line, saving_surveyors

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=6000, help="the demo's frame rows")
    parser.add_argument("--writers", type=int, default=3, help="surveyor processes saving answers")
    parser.add_argument("--cases", type=int, default=600)
    parser.add_argument("--builds", type=int, default=2, help="builds of each kind (alternating)")
    parser.add_argument("--gap", type=float, default=3.0, help="seconds between builds")
    parser.add_argument("--think", type=float, default=0.05, help="writers' mean pause before an answer (s)")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-report-stall-") as name:
        folder = Path(name)
        _keys(folder)
        url, study_id, writer_ids, _ = prepare(folder, args.rows, args.seed, args.cases, args.writers)
        print(
            f"SQLite (WAL): the small demo ({args.rows:,} rows, seed {args.seed}) reported on; {args.writers} "
            f"surveyor processes saving answers in a study of {args.cases:,} cases (think {args.think} s, "
            f"seeds {args.seed}+i); {args.builds} builds each way, alternating, {args.gap} s apart"
        )
        print("before:", load_average())
        windows: list[tuple[float, float, str]] = []
        builds: dict[str, list[tuple[float, float, str]]] = {mode: [] for mode in MODES}
        with saving_surveyors(url, study_id, writer_ids, args.seed, args.think) as written:
            time.sleep(args.gap)
            for index in range(2 * args.builds):
                mode = MODES[index % 2]
                begun = time.time()
                builds[mode].append(build(url, mode))
                windows.append((begun, time.time(), mode))
                time.sleep(args.gap)
        print("after: ", load_average())

    saves: dict[str, list[float]] = {mode: [] for mode in (*MODES, "between")}
    for result in written:
        for ended, ms in result["saves"]:
            started = ended - ms / 1000
            kind = next((mode for begun, end, mode in windows if begun <= started < end), "between")
            saves[kind].append(ms)
    for mode, title in (("session", "one writing session"), ("snapshot", "build_and_record")):
        walls = [wall for wall, _, _ in builds[mode]]
        cpus = [cpu for _, cpu, _ in builds[mode]]
        outcomes = ", ".join(sorted({outcome for _, _, outcome in builds[mode]}))
        print(
            f"build, {title:<20} wall {np.mean(walls):5.2f} s (max {max(walls):.2f}), CPU {np.mean(cpus):5.2f} s; "
            f"{outcomes}"
        )
    print(line("save_answer, between", saves["between"]))
    print(line("save_answer, before", saves["session"]))
    print(line("save_answer, after", saves["snapshot"]))
    print(
        f"saves refused after the busy timeout: {sum(r['refused'] for r in written)}; writers' CPU "
        f"user+sys {sum(r['cpu'] for r in written):.1f} s; this process {resource.getrusage(resource.RUSAGE_SELF).ru_utime:.1f} s user"
    )


if __name__ == "__main__":
    main()
