"""Benchmark: a full PDF report of a stored study with ~100 organisations and ~5,000 interviews.

Issue 7's target: the whole report — analysis from the database, assembly, rendering — in under 10 s.
The study is built once through the real services (like `huifang demo`, larger), then the report is
built three times and the median is printed. Also prints `huifang verify`'s time on the same study.

Run: python tests/benchmarks/bench_study_report.py [--rows 120000] [--cases 9000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from survey_app.services import analysis_service, demo, reports, studies, verification
from survey_app.storage import open_database


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=120_000)
    parser.add_argument("--cases", type=int, default=9_000, help="cases released (about 57% complete)")
    parser.add_argument(
        "--org-volume", type=float, default=1_200.0, help="records per organisation (~100 units)"
    )
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="huifang-bench-report-"))
    design = {
        "strata": ["district"],
        "n": args.cases,
        "method": "proportional",
        "minimum": 30,
        "response_rate": 0.55,
        "reserve": 0.0,
        "unit": "person",
        "seed": 7,
    }
    start = time.perf_counter()
    demo.build_demo(
        str(folder / "bench.db"),
        rows=args.rows,
        seed=7,
        out_dir=folder / "out",
        frame_options={"org_volume": args.org_volume},
        design=design,
        echo=print,
    )
    print(f"study built in {time.perf_counter() - start:.1f} s (not part of the target)")
    db = open_database(str(folder / "bench.db"))
    with db.session() as session:
        study = studies.find_study(session, "demo")
        result = analysis_service.analyse(session, study)
        interviews = int((result.cases["disposition"] == "1.1").sum())
        units = len(result.units)
    timings = []
    for _ in range(3):
        with db.session() as session:
            begin = time.perf_counter()
            pdf, _ = reports.build_report(session, studies.find_study(session, "demo"), record=False)
            timings.append(time.perf_counter() - begin)
    with db.session() as session:
        begin = time.perf_counter()
        verification.verify_study(session, studies.find_study(session, "demo"))
        verify_time = time.perf_counter() - begin
    print(f"units (organisations): {units}; complete interviews: {interviews}; PDF {len(pdf):,} bytes")
    print(
        f"full report (analysis + assembly + render), median of 3: {statistics.median(timings):.2f} s "
        f"(target < 10 s; peer: none — R survey + a LaTeX report would be the usual alternative)"
    )
    print(f"huifang verify (re-draw, chain, answers, headline, report rebuild): {verify_time:.2f} s")


if __name__ == "__main__":
    main()
