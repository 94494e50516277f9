"""How `verify`'s figure-by-figure comparison (`analysis.report.leaf_compare`) decides, over many studies:
false alarms on genuine reports rebuilt on other arithmetic, and detection of one changed answer.

Each study is a 1,000-row demo (seeds 1..N) built unpinned on another OpenBLAS kernel (Sandybridge,
Nehalem: what a machine with another kind of CPU computes), then rebuilt here on this process's pinned
arithmetic, as an auditor's machine that cannot compute as the build did: genuine, and with one answer
turned from dissatisfied to satisfied (its digest and the audit chain recomputed). The peer is the byte
comparison that `verify` makes where the arithmetic is the build's: it alarms on every genuine report
whose figures moved.

Run: python tests/benchmarks/bench_figure_by_figure.py [--seeds 8] [--kernels Sandybridge Nehalem]
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import survey_app.pinned  # noqa: F401  this process computes as `huifang` does (before numpy loads)
from analysis.report import content_leaves
from analysis.report.leaf_compare import compare_leaves
from survey_app.services import reports, verification
from survey_app.services.studies import find_study
from tests.security.kernel_builds import build_on_kernel, copy_of
from tests.security.tamper import Attacker

_BUILD = """
import sys
from pathlib import Path
from survey_app.services import demo
demo.build_demo(sys.argv[1], rows=1000, seed={seed}, out_dir=Path(sys.argv[2]), echo=lambda line: None)
"""


def _compare(database):
    with database.reading() as session:
        study = find_study(session, "demo")
        recorded = verification.last_report_entry(session, study)
        kept = reports.kept_content(session, recorded["content"])
        content = verification.rebuilt_content(session, study, recorded)
    return recorded, compare_leaves(kept, content_leaves(content)), verification.rendered_sha256(content)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--kernels", nargs="+", default=["Sandybridge", "Nehalem"])
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="huifang-bench-figures-"))
    # the builds' signing key and witness file in the scratch folder, not the user's
    os.environ["HUIFANG_KEY_DIR"] = str(root / "keys")
    os.environ["HUIFANG_WITNESS_FILE"] = str(root / "witness.jsonl")
    rows = []
    print(
        "kernel       seed  lines  moved  largest   printed  fitted  genuine  bytes-equal  tampered-caught (lines)"
    )
    for kernel in args.kernels:
        for seed in range(1, args.seeds + 1):
            folder = root / f"{kernel}-{seed}"
            folder.mkdir()
            build_on_kernel(folder, kernel, _BUILD.format(seed=seed))
            (folder / "genuine").mkdir()
            (folder / "tampered").mkdir()
            genuine = copy_of(folder, folder / "genuine")
            recorded, compared, digest = _compare(genuine)
            tampered = copy_of(folder, folder / "tampered")
            Attacker(tampered).change_answer("demo", "sat_overall", "dissatisfied", "satisfied")
            _, after, _ = _compare(tampered)
            bytes_equal = digest == recorded["sha256"]
            rows.append((compared.ok, bytes_equal, not after.ok))
            for difference in compared.beyond:  # what raised a false alarm, to be read
                print("    beyond the rules:", difference.path, "|", *difference.excerpts())
            print(
                f"{kernel:<12} {seed:>4} {compared.leaves:>6} {compared.within:>6}  {compared.largest:.1e}  "
                f"{compared.printed:>7}  {compared.fitted_count:>6}  {'agrees' if compared.ok else 'ALARM':<7}  "
                f"{bytes_equal!s:<11}  "
                f"{not after.ok} ({after.beyond_count})",
                flush=True,
            )
            for database in (genuine, tampered):
                database.dispose()
    n = len(rows)
    print(
        f"\ngenuine reports on other arithmetic, false alarms: figure by figure {sum(not r[0] for r in rows)}/{n}, "
        f"byte comparison (peer) {sum(not r[1] for r in rows)}/{n}"
    )
    print(f"one changed answer, detected figure by figure: {sum(r[2] for r in rows)}/{n}")


if __name__ == "__main__":
    main()
