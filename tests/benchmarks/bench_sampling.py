"""Speed and memory of the sampling library (run on demand: ``python tests/benchmarks/bench_sampling.py``).

Targets (issue 3):
* 10,000,000-row Parquet frame, 112 strata (7 domains × 16 districts): load + plan + draw of 5,000
  cases together under 10 s and 3 GB peak memory (peak RSS of a fresh process, ``resource.getrusage``);
* the draw itself at most half the time of pandas' ``groupby().sample()`` on the same frame in the same
  run (the peer is given the same 5,000 cases as a fraction);
* a 1,000,000-row GBK CSV imported with full validation under 20 s.

The frames are synthetic and vectorised (numpy/pyarrow), not ``fixtures.make_frame``, so that ten
million rows take seconds to build. Pass ``--rows`` to try other sizes.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from sampling.vocabulary import CHANNELS, DISTRICTS, DOMAINS, EVENT_TYPES, EXPORT_HEADERS

DOMAINS7 = list(DOMAINS)[:7]
DISTRICTS16 = [d for d in DISTRICTS if d != "市局"]
MOBILE_PREFIXES = ["138", "139", "150", "151", "186", "187", "135", "136", "158", "159"]


def _pick(values: list[str], codes: np.ndarray) -> pa.Array:
    return pa.DictionaryArray.from_arrays(
        pa.array(codes.astype(np.int32)), pa.array(values)
    ).dictionary_decode()


def synthetic_table(rows: int, seed: int = 2024) -> pa.Table:
    """A frame with the export's Chinese headers; ~3% of phones repeat (people with several events)."""
    rng = np.random.default_rng(seed)
    ids = pc.binary_join_element_wise(
        "R", pc.utf8_lpad(pc.cast(pa.array(np.arange(rows)), pa.string()), 10, "0"), ""
    )
    domain = rng.integers(0, len(DOMAINS7), rows)
    district = rng.integers(0, len(DISTRICTS16), rows)
    organisation = domain * 1000 + district * 10 + rng.integers(0, 10, rows)
    org_ids = [f"ORG{i:05d}" for i in range(7000)]
    org_names = [f"机构{i:05d}" for i in range(7000)]
    staff = organisation * 20 + rng.integers(0, 20, rows)
    staff_ids = pc.binary_join_element_wise(
        pc.take(pa.array(org_ids), pa.array(organisation)),
        pc.utf8_lpad(pc.cast(pa.array(staff % 20), pa.string()), 2, "0"),
        "-S",
    )
    days = rng.integers(0, 300, rows)
    service_date = pc.strftime(
        pa.array(np.datetime64("2024-01-01") + days.astype("timedelta64[D]")), "%Y-%m-%d"
    )
    rating_time = pa.array(
        np.datetime64("2024-01-01T08:00:00", "s")
        + (days * 86400 + rng.integers(0, 36000, rows)).astype("timedelta64[s]")
    )
    person = rng.integers(0, int(rows * 0.97), rows)
    prefix = pc.take(pa.array(MOBILE_PREFIXES), pa.array(person % len(MOBILE_PREFIXES)))
    phones = pc.binary_join_element_wise(
        prefix, pc.utf8_lpad(pc.cast(pa.array(person // len(MOBILE_PREFIXES)), pa.string()), 8, "0"), ""
    )
    names = [f"用户{i:03d}" for i in range(1000)]
    ratings = ["满意", "基本满意", "不满意"]
    columns = {
        "record_id": ids,
        "event_type": _pick(list(EVENT_TYPES), rng.integers(0, 3, rows)),
        "domain": _pick(DOMAINS7, domain),
        "channel": _pick(list(CHANNELS), rng.integers(0, 3, rows)),
        "district": _pick(DISTRICTS16, district),
        "district_code": _pick([DISTRICTS[d] for d in DISTRICTS16], district),
        "organisation_id": pc.take(pa.array(org_ids), pa.array(organisation)),
        "organisation": pc.take(pa.array(org_names), pa.array(organisation)),
        "staff_id": staff_ids,
        "service_date": service_date,
        "rating_time": rating_time,
        "system_rating": _pick(ratings, rng.choice(3, rows, p=[0.85, 0.1, 0.05])),
        "recipient_name": _pick(names, rng.integers(0, 1000, rows)),
        "phone": phones,
        "complaint_open": _pick(["否", "是"], (rng.random(rows) < 0.01).astype(np.int64)),
    }
    return pa.table({EXPORT_HEADERS[name]: column for name, column in columns.items()})


PEAK = """
def peak_gb():
    # VmHWM: this process's own peak resident set (ru_maxrss would include the parent's at fork)
    with open("/proc/self/status") as status:
        kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM"))
    return kb / 1024**2
"""

CHILD_PARQUET = (
    PEAK
    + """
import json, resource, sys, time
import pandas as pd
import sampling
path, n = sys.argv[1], int(sys.argv[2])
t0 = time.perf_counter()
c0 = time.process_time()
r0 = resource.getrusage(resource.RUSAGE_SELF)
frame = sampling.load_frame(path)
t1 = time.perf_counter()
load_cpu = time.process_time() - c0
r1 = resource.getrusage(resource.RUSAGE_SELF)
load_sys = r1.ru_stime - r0.ru_stime
strata = ["domain", "district"]
design = sampling.SampleDesign(strata=strata, seed=20241126, unit="event", n=n, method="proportional")
sizes = sampling.unit_sizes(frame, design)
table = sampling.plan(sizes, n=n)
t2 = time.perf_counter()
sample = sampling.draw(frame, strata, table["n_h"], seed=design.seed, unit="event")
t3 = time.perf_counter()
peak = peak_gb()
# the peer, same frame, same run: pandas groupby().sample() of the same share
data = frame.data
reps = []
for seed in (1, 2, 3):
    a = time.perf_counter(); sampling.draw(frame, strata, table["n_h"], seed=seed, unit="event"); reps.append(("huifang", time.perf_counter() - a))
    a = time.perf_counter(); data.groupby(strata, observed=True).sample(frac=n / len(data), random_state=seed); reps.append(("pandas", time.perf_counter() - a))
a = time.perf_counter()
persons = sampling.draw_design(frame, design.model_copy(update={"unit": "person", "seed": 7}))
t_person = time.perf_counter() - a
print(json.dumps({
    "rows_loaded": len(frame.data), "rows_rejected": len(frame.rejected), "strata": len(sizes),
    "load_s": t1 - t0, "plan_s": t2 - t1, "draw_s": t3 - t2, "total_s": t3 - t0, "peak_rss_gb": peak,
    "cases": int(sample.cases["released"].sum()),
    "draw_event_s": min(t for who, t in reps if who == "huifang"),
    "pandas_groupby_sample_s": min(t for who, t in reps if who == "pandas"),
    "person_unit_sizes_plan_draw_s": t_person, "person_cases": len(persons.cases),
    "load_cpu_s": load_cpu, "load_sys_s": load_sys,
}))
"""
)

CHILD_CSV = (
    PEAK
    + """
import json, resource, sys, time
import sampling
t0 = time.perf_counter()
frame = sampling.load_frame(sys.argv[1])
t1 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "encoding": frame.encoding, "rows_loaded": len(frame.data),
    "rows_rejected": len(frame.rejected), "report_lines": len(frame.report),
    "peak_rss_gb": peak_gb(), "cpu_s": time.process_time()}))
"""
)


def numpy_floor_draw(data, strata: list[str], n_h: dict, seed: int) -> np.ndarray:
    """The least work any huifang-philox-v1 event draw needs: stratum codes, units grouped by stratum
    in frame order, one Philox output per unit, the n_h smallest per stratum (the frame rows drawn)."""
    from sampling.selection import random_stream

    codes, names = None, []
    for column in strata:
        c, u = pd.factorize(data[column], sort=False)
        names.append([str(v) for v in u])
        codes = c.astype(np.int64) if codes is None else codes * len(u) + c
    counts = np.bincount(codes)
    present = np.flatnonzero(counts)
    lookup = np.zeros(len(counts), dtype=np.int16)
    lookup[present] = np.arange(len(present))
    order = np.argsort(lookup[codes], kind="stable")
    bounds = np.concatenate([[0], np.cumsum(counts[present])])
    picked = []
    for h, code in enumerate(present):
        parts, rest = [], int(code)
        for labels in reversed(names):
            parts.append(labels[rest % len(labels)])
            rest //= len(labels)
        key = "|".join(reversed(parts))
        members = order[bounds[h] : bounds[h + 1]]
        draws = random_stream(seed, "stratum:" + key, len(members))
        m = min(int(n_h.get(key, 0)), len(members))
        if m:
            picked.append(members[np.argpartition(draws, m - 1)[:m]])
    return np.concatenate(picked)


def floor_comparison(rows: int, n: int) -> None:
    """`sampling.draw` (event unit, no reserve) against `numpy_floor_draw` on the same frame (CPU time)."""
    import sampling

    data = synthetic_table(rows).to_pandas().rename(columns={v: k for k, v in EXPORT_HEADERS.items()})
    for column in ("domain", "district"):
        data[column] = data[column].astype("str")
    strata = ["domain", "district"]
    sizes = data.groupby(strata, observed=True).size()
    n_h = (sizes * n / len(data)).round().astype(int)
    n_h.index = ["|".join(map(str, k)) for k in n_h.index]
    allocation = n_h.to_dict()
    units = sampling.selection.prepare_units(data, strata, 1, unit="event")

    def best(action) -> float:
        times = []
        for _ in range(3):
            start = time.process_time()
            action()
            times.append(time.process_time() - start)
        return min(times)

    floor = best(lambda: numpy_floor_draw(data, strata, allocation, 1))
    prepare = best(lambda: sampling.selection.prepare_units(data, strata, 1, unit="event"))
    selected = best(lambda: sampling.selection.select(data, units, allocation, 1))
    ours = prepare + selected
    print(
        f"draw at {rows:,} rows, {len(allocation)} strata, CPU time: numpy floor {floor * 1000:.0f} ms | huifang "
        f"prepare_units {prepare * 1000:.0f} ms + select {selected * 1000:.0f} ms = {ours * 1000:.0f} ms "
        f"({ours / floor:.2f}× the floor, target ≤ 1.3×)"
    )


def run_child(code: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--csv-rows", type=int, default=1_000_000)
    parser.add_argument("--n", type=int, default=5_000)
    parser.add_argument("--floor-rows", type=int, default=1_000_000, help="rows for the numpy-floor draw")
    args = parser.parse_args()
    if args.floor_rows:
        floor_comparison(args.floor_rows, args.n)
    print(
        f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} (other work on the machine slows every figure)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        parquet = Path(tmp) / "frame.parquet"
        started = time.perf_counter()
        pq.write_table(synthetic_table(args.rows), parquet)
        print(
            f"built {args.rows:,}-row Parquet frame in {time.perf_counter() - started:.1f} s ({parquet.stat().st_size / 1e6:.0f} MB)"
        )
        result = run_child(CHILD_PARQUET, str(parquet), str(args.n))
        print(
            f"Parquet {result['rows_loaded']:,} rows, {result['strata']} strata, {result['cases']} cases drawn (event unit)"
        )
        print(
            f"  load {result['load_s']:.2f} s + plan {result['plan_s']:.2f} s + draw {result['draw_s']:.2f} s = {result['total_s']:.2f} s (target < 10 s)"
        )
        print(
            f"  load CPU time {result['load_cpu_s']:.2f} s, of which kernel {result['load_sys_s']:.2f} s"
            " (mostly first touches of fresh memory; wall time above includes waiting for a busy CPU)"
        )
        print(f"  peak RSS {result['peak_rss_gb']:.2f} GB (target < 3 GB)")
        ratio = result["draw_event_s"] / result["pandas_groupby_sample_s"]
        print(
            f"  draw {result['draw_event_s']:.3f} s vs pandas groupby().sample() {result['pandas_groupby_sample_s']:.3f} s"
            f" → ratio {ratio:.2f} (target ≤ 0.5; best of 3 each)"
        )
        print(
            f"  person unit (draw_design: dedupe + allocate + draw): {result['person_unit_sizes_plan_draw_s']:.2f} s, {result['person_cases']} cases"
        )
        parquet.unlink()
        csv_path = Path(tmp) / "frame_gbk.csv"
        started = time.perf_counter()
        table = synthetic_table(args.csv_rows, seed=7).to_pandas()
        table.to_csv(csv_path, index=False, encoding="gbk")
        print(
            f"built {args.csv_rows:,}-row GBK CSV in {time.perf_counter() - started:.1f} s ({csv_path.stat().st_size / 1e6:.0f} MB)"
        )
        result = run_child(CHILD_CSV, str(csv_path))
        print(
            f"GBK CSV import with full validation: {result['import_s']:.2f} s (target < 20 s; CPU {result['cpu_s']:.2f} s), encoding {result['encoding']},"
            f" {result['rows_loaded']:,} loaded, {result['rows_rejected']} rejected, peak RSS {result['peak_rss_gb']:.2f} GB"
        )


if __name__ == "__main__":
    main()
