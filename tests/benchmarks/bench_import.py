"""Memory and time of a frame import against plain reads of the same GBK file (run on demand:
``nice -n 10 python tests/benchmarks/bench_import.py --rows 1000000``).

Target (issue 15): a 10,000,000-row GBK CSV imports (``sampling.load_frame``: read, map, validate,
fingerprint) with peak RSS ≤ 4 GB, and in at most twice the CPU time of a plain Arrow read of the
same file. Each reader runs in a fresh process, one after the other, in the same run:

* **huifang** — ``sampling.load_frame(path)``;
* **pyarrow** — ``pyarrow.csv.read_csv`` through a GB18030 → UTF-8 transcoding stream, every column
  as text (what an import must keep: a number as text keeps its leading zero);
* **polars** (where installed) — ``polars.read_csv`` of the file decoded to UTF-8 first (polars reads
  UTF-8 only), every column as text.

Figures: wall time, CPU time (user + system, all threads), peak RSS (the child's VmHWM), the load
average before and after (the machine is shared: compare ratios, not seconds), and huifang's ratio to
each peer. The file is the export of ``huifang fixtures frame --encoding gbk`` (at most 1,000,000
rows; the generator needs about 1.6 GB per million rows), tiled with distinct record ids up to
``--rows``; ``--csv`` reuses a file; ``--quote-all`` quotes every field of it first (a quoted vendor
export, which the streamed read takes too); ``--line-breaks`` also adds a free-text column ``备注``
whose every value holds a line break (each record on two lines), and a reader **huifang-whole**: the
same import through the whole-file read, which took such files before they were streamed (the
pyarrow peer then reads with ``newlines_in_values``).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

FIXTURE_ROWS = 1_000_000

_MEASURE = """
import json, resource, sys, time
def _peak_gb():
    with open("/proc/self/status") as status:  # VmHWM: this process's own peak resident set
        return next(int(l.split()[1]) for l in status if l.startswith("VmHWM")) / 1024**2
_t0 = time.perf_counter()
rows = run(*sys.argv[1:])
_r = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"rows": rows, "wall_s": time.perf_counter() - _t0, "cpu_s": _r.ru_utime + _r.ru_stime,
                  "peak_gb": _peak_gb()}))
"""

READERS = {
    "huifang": """
def run(path):
    import sampling
    frame = sampling.load_frame(path)
    return len(frame.data) + len(frame.rejected)
""",
    "huifang-whole": """
def run(path):
    import sampling
    from sampling import reading
    reading._read_csv_streamed = lambda *a, **k: None  # as before quoted line breaks were streamed
    frame = sampling.load_frame(path)
    return len(frame.data) + len(frame.rejected)
""",
    "pyarrow": """
def run(path, line_breaks=""):
    import pyarrow as pa, pyarrow.csv as pacsv
    import csv
    with open(path, encoding="gb18030", newline="") as fh:
        header = next(csv.reader(fh))
    stream = pa.transcoding_input_stream(pa.OSFile(path), "gb18030", "utf-8")
    table = pacsv.read_csv(
        stream,
        parse_options=pacsv.ParseOptions(newlines_in_values=bool(line_breaks)),
        convert_options=pacsv.ConvertOptions(column_types={h: pa.string() for h in header}),
    )
    return table.num_rows
""",
    "polars": """
def run(path):
    import polars as pl
    with open(path, "rb") as fh:
        utf8 = fh.read().decode("gb18030").encode("utf-8")
    return pl.read_csv(utf8, infer_schema=False).height
""",
}


def build_export(rows: int, folder: Path) -> Path:
    """A GBK export of ``rows`` rows: the fixtures command's, tiled with distinct record ids."""
    base = folder / "base.csv"
    subprocess.run(
        [
            str(Path(sys.executable).parent / "huifang"),
            *("fixtures", "frame", "--rows", str(min(rows, FIXTURE_ROWS)), "--encoding", "gbk"),
            *("--out", str(base)),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    for extra in folder.glob("base.*.csv"):  # the ground truth beside it
        extra.unlink()
    if rows <= FIXTURE_ROWS:
        return base
    path = folder / "export.csv"
    with base.open("rb") as source, path.open("wb") as out:
        header = source.readline()
        out.write(header)
        body = source.read()
        lines = body.splitlines(keepends=True)
        written = 0
        copy = 0
        while written < rows:
            take = lines[: rows - written]
            out.write(b"".join(take) if copy == 0 else b"".join(b"T%d" % copy + line for line in take))
            written += len(take)
            copy += 1
    base.unlink()
    return path


def quote_every_field(path: Path, folder: Path, line_breaks: bool = False) -> Path:
    """The export with every field quoted (``"2024-01-03","黄浦区",…``), as many vendors write it;
    with ``line_breaks``, a last column ``备注`` of remarks on two lines."""
    quoted = folder / "quoted.csv"
    with (
        path.open(encoding="gb18030", newline="") as source,
        quoted.open("w", encoding="gb18030", newline="") as out,
    ):
        records = csv.reader(source)
        writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
        if not line_breaks:
            writer.writerows(records)
        else:
            writer.writerow([*next(records), "备注"])
            writer.writerows(
                [*record, f"回访备注 {number}\n已电话联系"] for number, record in enumerate(records)
            )
    if path.parent == folder:
        path.unlink()  # one big file at a time
    return quoted


def measure(reader: str, path: Path, line_breaks: bool = False) -> dict | None:
    """One reader in a fresh process; None when its library is not installed."""
    code = READERS[reader] + _MEASURE
    extra = ["line-breaks"] if line_breaks and reader == "pyarrow" else []
    done = subprocess.run([sys.executable, "-c", code, str(path), *extra], capture_output=True, text=True)
    if done.returncode != 0:
        if "ModuleNotFoundError" in done.stderr:
            return None
        raise RuntimeError(f"{reader} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--csv", type=Path, help="an existing GBK export to read instead")
    parser.add_argument("--quote-all", action="store_true", help="quote every field of the export first")
    parser.add_argument(
        "--line-breaks", action="store_true", help="quote every field and add a remarks column on two lines"
    )
    parser.add_argument("--readers", nargs="+", choices=list(READERS))
    arguments = parser.parse_args()
    readers = arguments.readers or [r for r in READERS if r != "huifang-whole" or arguments.line_breaks]
    with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR")) as folder:
        path = arguments.csv or build_export(arguments.rows, Path(folder))
        if arguments.quote_all or arguments.line_breaks:
            path = quote_every_field(path, Path(folder), arguments.line_breaks)
        size = path.stat().st_size
        print(f"file: {path.name}, {size / 1e6:,.0f} MB; machine: {os.cpu_count()} CPUs")
        print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
        results = {reader: measure(reader, path, arguments.line_breaks) for reader in readers}
        print(f"load average after:  {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    ours = results.get("huifang")
    for reader, result in results.items():
        if result is None:
            print(f"{reader:13s} not installed")
            continue
        line = (
            f"{reader:13s} {result['rows']:>11,} rows  peak RSS {result['peak_gb']:5.2f} GB  "
            f"CPU {result['cpu_s']:6.1f} s  wall {result['wall_s']:6.1f} s"
        )
        if ours is not None and reader != "huifang":
            line += (
                f"  | huifang/{reader}: RSS {ours['peak_gb'] / result['peak_gb']:.2f}×, "
                f"CPU {ours['cpu_s'] / result['cpu_s']:.2f}×, wall {ours['wall_s'] / result['wall_s']:.2f}×"
            )
        print(line)
    if ours is not None:
        print(
            f"target: at 10,000,000 rows peak RSS ≤ 4 GB (here {ours['rows']:,} rows: {ours['peak_gb']:.2f} GB); "
            "CPU ≤ 2× the pyarrow read"
        )


if __name__ == "__main__":
    main()
