"""A read-only page query while surveyors save answers: `Database.reading()` against `Database.session()`.

On SQLite every `Database.session()` begins `BEGIN IMMEDIATE` and, within one process, takes its turn
on the database's lock: a page that only reads queued behind every surveyor's save and behind every
other page view. `Database.reading()` begins a deferred transaction under `PRAGMA query_only` (one WAL
snapshot, no write lock), so it should wait for neither (ARCHITECTURE, "Storage", issue 15).

Set-up (`tests.fieldwork.conftest.make_study`, `bench_fieldwork.prepare`): a study in fieldwork with
`--cases` released cases and the frozen `justice-callback` questionnaire. `--writers` M surveyor
processes each claim a case and answer its questionnaire item by item through `interviews.save_answer`
(exponential pause of mean `--think` before each answer, the engine seeded `--seed` + i), case after
case, for the whole run. `--readers` N threads of this process (one app server's page views) run the
page query in a loop (exponential pause of mean `--reader-think`): `queue` — what the queue page reads
on every run (the surveyor, the study, `fieldwork.my_queue`); or `progress` — the supervisor
dashboard's table by stratum (`supervision.progress`). Time alternates in `--slices` slices of
`--slice` seconds between the readers using `session()` (before) and `reading()` (after), so both see
the same writers and the same machine load; each query is counted in the slice it began in, and each
save in the slice it ended in. Printed: p50/p95/p99 of the page query under each, the ratios, the
saves' latency during each kind of slice, the CPU used (per page query: thread time), and the load
average before and after. PostgreSQL: `--url` must name an empty database (it is migrated and filled).

    nice -n 10 .venv/bin/python -m tests.benchmarks.bench_reading               # SQLite, 4 + 4, 24 s
    nice -n 10 .venv/bin/python -m tests.benchmarks.bench_reading --page progress
    nice -n 10 .venv/bin/python -m tests.benchmarks.bench_reading --url "$HUIFANG_TEST_DATABASE_URL"

Figures: ARCHITECTURE.md, "Storage" (measured at the commit that added this file).
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import resource
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from survey_app.services import auth, fieldwork, interviews, supervision
from survey_app.services.errors import DatabaseWriteFailed
from survey_app.storage import Database, open_database
from survey_app.storage.models import Study, User
from tests.benchmarks.bench_fieldwork import _answer_for, load_average, prepare

MODES = ("session", "reading")  # before, after


def writer(
    url: str, study_id: int, user_id: int, seed: int, think: float, ready: Any, stop: Any
) -> dict[str, Any]:
    """One surveyor saving answers until `stop` is set: [(end time, ms)] of every save_answer."""
    db = open_database(url)
    rng = np.random.default_rng(seed)
    saves: list[tuple[float, float]] = []
    refused = 0
    ready.put(user_id)

    def claim() -> int | None:
        with db.session() as session:
            case = fieldwork.next_case(session, session.get(User, user_id), session.get(Study, study_id))
            return case.id if case else None

    def screen(case_id: int) -> Any:
        """The interview page's read (read-only, as the app does it; the first screen opens the interview)."""
        with db.reading() as session:
            engine = interviews.resume_interview(session, session.get(User, user_id), case_id, open_new=False)
        if engine is None:
            with db.session() as session:
                engine = interviews.open_interview(session, session.get(User, user_id), case_id)[1]
        return engine.current()

    try:
        while not stop.is_set():
            case_id = claim()
            if case_id is None:
                break
            while not stop.is_set():
                question = screen(case_id)
                if question is None:
                    break
                value = _answer_for(question, rng)
                time.sleep(float(rng.exponential(think)))
                start = time.perf_counter()
                try:
                    with db.session() as session:
                        engine = interviews.save_answer(session, session.get(User, user_id), case_id, value)
                except DatabaseWriteFailed:  # waited past the busy timeout: the surveyor presses again
                    refused += 1
                    continue
                saves.append((time.time(), (time.perf_counter() - start) * 1000))
                if engine.complete:
                    break
    finally:
        db.dispose()
    return {"saves": saves, "refused": refused, "cpu": _cpu(resource.RUSAGE_SELF)}


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _queue_page(session: Session, user_id: int, study_id: int) -> object:
    return fieldwork.my_queue(session, session.get(User, user_id), session.get(Study, study_id))


def _progress_page(session: Session, user_id: int, study_id: int) -> object:
    return supervision.progress(
        session, session.get(User, user_id), session.get(Study, study_id), by="stratum"
    )


PAGES: dict[str, Callable[[Session, int, int], object]] = {"queue": _queue_page, "progress": _progress_page}


class Clock:
    """Which kind of session the readers use now, and the slices' wall-clock windows."""

    def __init__(self) -> None:
        self.mode = MODES[0]
        self.windows: list[tuple[float, float, str]] = []
        self.done = threading.Event()


def reader(
    db: Database, clock: Clock, page: str, user_id: int, study_id: int, seed: int, think: float
) -> dict[str, list[float]]:
    rng = np.random.default_rng(seed)
    query = PAGES[page]
    times: dict[str, list[float]] = {mode: [] for mode in MODES}
    times.update({f"{mode} cpu": [] for mode in MODES})
    while not clock.done.is_set():
        mode = clock.mode
        opened = db.session if mode == "session" else db.reading
        start, cpu = time.perf_counter(), time.thread_time()
        with opened() as session:
            query(session, user_id, study_id)
        times[mode].append((time.perf_counter() - start) * 1000)
        times[f"{mode} cpu"].append((time.thread_time() - cpu) * 1000)
        time.sleep(float(rng.exponential(think)))
    return times


@contextlib.contextmanager
def saving_surveyors(
    url: str, study_id: int, writer_ids: list[int], seed: int, think: float
) -> Iterator[list[dict[str, Any]]]:
    """Surveyor processes (`writer`, seeds `seed` + i) saving answers for as long as the block runs; each
    has claimed its first case when the block starts. The yielded list holds their results once it ends."""
    written: list[dict[str, Any]] = []
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        ready, stop = manager.Queue(), manager.Event()
        with ProcessPoolExecutor(max_workers=len(writer_ids), mp_context=context) as pool:
            futures = [
                pool.submit(writer, url, study_id, uid, seed + i, think, ready, stop)
                for i, uid in enumerate(writer_ids)
            ]
            for _ in writer_ids:
                ready.get(timeout=300)
            try:
                yield written
            finally:
                stop.set()
                written.extend(future.result() for future in futures)


def figures(values: list[float]) -> tuple[float, float, float]:
    p50, p95, p99 = np.percentile(values, [50, 95, 99]) if values else (float("nan"),) * 3
    return float(p50), float(p95), float(p99)


def line(name: str, values: list[float]) -> str:
    p50, p95, p99 = figures(values)
    return f"{name:<22} n={len(values):6d}  p50 {p50:7.2f} ms  p95 {p95:7.2f} ms  p99 {p99:7.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="database URL (default: a fresh SQLite file in a temporary folder)")
    parser.add_argument("--page", choices=sorted(PAGES), default="queue")
    parser.add_argument("--readers", type=int, default=4, help="N reader threads (page views)")
    parser.add_argument("--writers", type=int, default=4, help="M surveyor processes saving answers")
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--slices", type=int, default=6, help="alternating slices (even: as many of each)")
    parser.add_argument("--slice", type=float, default=4.0, help="seconds per slice")
    parser.add_argument("--think", type=float, default=0.05, help="writers' mean pause before an answer (s)")
    parser.add_argument("--reader-think", type=float, default=0.02, help="readers' mean pause (s)")
    parser.add_argument("--seed", type=int, default=20261202)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-reading-") as folder:
        url = args.url or f"sqlite:///{Path(folder) / 'huifang.db'}"
        kind = "SQLite (WAL)" if make_url(url).get_backend_name() == "sqlite" else "PostgreSQL"
        surveyors = args.writers + args.readers
        study_id, user_ids = prepare(url, args.cases, surveyors)
        if args.page == "progress":
            db = open_database(url)
            with db.session() as session:
                watcher = auth.create_user(session, None, "supervisor-bench", "password-bench", "supervisor")
            db.dispose()
            reader_ids = [watcher.id] * args.readers
        else:
            reader_ids = user_ids[args.writers :]
        writer_ids = user_ids[: args.writers]
        print(
            f"{kind}: {args.cases:,} cases, {args.writers} writer processes saving answers (think "
            f"{args.think} s), {args.readers} reader threads on the {args.page} page (think "
            f"{args.reader_think} s), {args.slices} alternating slices of {args.slice} s, seed {args.seed}"
        )
        print("before:", load_average())
        cpu_before = _cpu(resource.RUSAGE_SELF)
        with saving_surveyors(url, study_id, writer_ids, args.seed, args.think) as written:
            time.sleep(1.0)  # every writer past its first claim
            db = open_database(url)
            clock = Clock()
            results: list[dict[str, list[float]]] = []

            def run(uid: int, seed: int) -> None:
                results.append(reader(db, clock, args.page, uid, study_id, seed, args.reader_think))

            threads = [
                threading.Thread(target=run, args=(uid, args.seed + 1000 + i))
                for i, uid in enumerate(reader_ids)
            ]
            for thread in threads:
                thread.start()
            for index in range(args.slices):  # before, after, before, …: the same load for both
                clock.mode = MODES[index % 2]
                begun = time.time()
                time.sleep(args.slice)
                clock.windows.append((begun, time.time(), clock.mode))
            clock.done.set()
            for thread in threads:
                thread.join()
            db.dispose()
        cpu_readers = _cpu(resource.RUSAGE_SELF) - cpu_before
        print("after: ", load_average())

    pages = {key: [ms for r in results for ms in r[key]] for key in results[0]}
    saves = {mode: [] for mode in MODES}
    for result in written:
        for ended, ms in result["saves"]:
            for begun, finished, mode in clock.windows:
                if begun <= ended < finished:
                    saves[mode].append(ms)
    print(line(f"{args.page} page, session()", pages["session"]))
    print(line(f"{args.page} page, reading()", pages["reading"]))
    before, after = figures(pages["session"]), figures(pages["reading"])
    print(
        f"ratio session()/reading(): p50 {before[0] / after[0]:.1f}x  p95 {before[1] / after[1]:.1f}x  "
        f"p99 {before[2] / after[2]:.1f}x"
    )
    cpu = {mode: float(np.mean(pages[f"{mode} cpu"])) for mode in MODES}
    print(
        f"CPU per page query (thread time, mean): session() {cpu['session']:.2f} ms, reading() "
        f"{cpu['reading']:.2f} ms"
    )
    print(line("save_answer (session)", saves["session"]))
    print(line("save_answer (reading)", saves["reading"]))
    print(
        f"saves refused after the busy timeout: {sum(r['refused'] for r in written)}; CPU user+sys: readers' "
        f"process {cpu_readers:.1f} s, writers {sum(r['cpu'] for r in written):.1f} s"
    )


if __name__ == "__main__":
    main()
