"""Benchmark: estimates by 112 domains on 100,000 responses, against R survey's `svyby`.

Run on demand: `python tests/benchmarks/bench_analysis.py`. Prints the time of `Design.by(...)` for a
mean and a proportion with its logit interval, and — where Rscript is installed — the time R takes for
`svyby(~y, ~domain, design, svymean)` on the same CSV, timed inside R (loading excluded), plus the
largest relative difference between the two sets of standard errors.

Also (issue 15): the numpy floor — the fewest numpy passes that give the same domain means and
standard errors for this element design (weighted sums per domain, one bincount per stratum × domain
for the sums and sums of squares of the influence values) — timed in the same run at 100,000 and
1,000,000 rows, with Huifang's ratio to it (target ≤ 2×) and Huifang's growth from 100k to 1M (target:
no worse than n log n, i.e. ≤ 12× for 10× the rows): medians of CPU time over interleaved rounds.
`python tests/benchmarks/bench_analysis.py --floor` runs only that comparison.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from analysis import Design

ROWS, DOMAINS, STRATA = 100_000, 112, 17


def make_data(seed: int = 1, rows: int = ROWS) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    stratum = rng.integers(0, STRATA, rows)
    sizes = rng.integers(20_000, 200_000, STRATA) * max(1, rows // ROWS)
    data = pd.DataFrame(
        {
            "stratum": stratum,
            "N": sizes[stratum],
            "domain": rng.integers(0, DOMAINS, rows),
            "y": (rng.random(rows) < 0.85).astype(float),
            "half": rng.integers(0, 2, rows),
        }
    )
    return data


def numpy_floor(stratum: np.ndarray, fpc_n: np.ndarray, domain: np.ndarray, y: np.ndarray):
    """Domain means and SEs of a stratified element sample with fpc (weights N_h / n_h), numpy only."""
    n_h = np.bincount(stratum, minlength=STRATA)
    w = fpc_n / n_h[stratum]
    wsum = np.bincount(domain, weights=w, minlength=DOMAINS)
    est = np.bincount(domain, weights=w * y, minlength=DOMAINS) / wsum
    z = w * (y - est[domain]) / wsum[domain]
    cell = stratum * DOMAINS + domain
    sums = np.bincount(cell, weights=z, minlength=STRATA * DOMAINS).reshape(STRATA, DOMAINS)
    squares = np.bincount(cell, weights=z * z, minlength=STRATA * DOMAINS).reshape(STRATA, DOMAINS)
    f_h = 1.0 - n_h / np.bincount(stratum, weights=fpc_n, minlength=STRATA) * n_h  # 1 - n_h / N_h
    scale = f_h * n_h / (n_h - 1.0)
    return est, np.sqrt(((squares - sums**2 / n_h[:, None]) * scale[:, None]).sum(axis=0))


def floor_comparison(repeats: int = 9) -> None:
    """Huifang's domain mean and proportion against the numpy floor, at 100k and 1M rows.

    CPU time of the process (single-threaded numpy: steadier than wall time on a shared machine),
    ``repeats`` rounds interleaving the three so that load hits each alike; median and best per figure,
    ratios of medians, and the load average at the start and end.
    """
    clock = time.process_time
    medians: dict[int, dict[str, float]] = {}
    print(f"numpy floor comparison, CPU time, {repeats} rounds; load average {os.getloadavg()[0]:.2f}")
    for rows in (ROWS, 10 * ROWS):
        data = make_data(2, rows)
        design = Design(data, strata="stratum", fpc="N")
        parts = [data[c].to_numpy() for c in ("stratum", "N", "domain", "y")]
        est, se = numpy_floor(*parts)
        ours = design.by("domain").mean("y")
        assert np.allclose(ours["estimate"], est, rtol=1e-12) and np.allclose(ours["se"], se, rtol=1e-9)
        runs = {
            "numpy floor": lambda parts=parts: numpy_floor(*parts),
            "by().mean": lambda design=design: design.by("domain").mean("y"),
            "by().proportion": lambda design=design: design.by("domain").proportion("y"),
        }
        times: dict[str, list[float]] = {name: [] for name in runs}
        for _ in range(repeats):
            for name, func in runs.items():
                times[name].append(best_of(1, func, clock))
        medians[rows] = {name: statistics.median(t) for name, t in times.items()}
        floor = medians[rows]["numpy floor"]
        print(
            f"{rows:>9,} rows: "
            + " | ".join(
                f"{name} {medians[rows][name] * 1000:6.1f} ms (best {min(times[name]) * 1000:6.1f}"
                + ("" if name == "numpy floor" else f"; {medians[rows][name] / floor:4.2f}× floor")
                + ")"
                for name in runs
            )
        )
    for name in ("by().mean", "by().proportion"):
        growth = medians[10 * ROWS][name] / medians[ROWS][name]
        print(f"growth of {name} from 100k to 1M rows: {growth:.1f}× (n log n would be ≤ 12×)")
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


def best_of(repeats: int, func, clock=time.perf_counter) -> float:
    times = []
    for _ in range(repeats):
        start = clock()
        func()
        times.append(clock() - start)
    return min(times)


R_SCRIPT = """
suppressMessages(library(survey))
d <- read.csv("{csv}")
des <- svydesign(ids = ~1, strata = ~stratum, fpc = ~N, data = d)
t <- system.time(b <- svyby(~y, ~domain, des, svymean))[["elapsed"]]
cat("seconds", t, "\\n")
cat("se", sprintf("%.17g", SE(b)), "\\n")
"""


def main() -> None:
    if "--floor" in sys.argv[1:]:
        floor_comparison()
        return
    data = make_data()
    design = Design(data, strata="stratum", fpc="N")
    ours_mean = best_of(5, lambda: design.by("domain").mean("y"))
    ours_prop = best_of(5, lambda: design.by("domain").proportion("y"))
    whole = best_of(5, lambda: Design(data, strata="stratum", fpc="N").by("domain").proportion("y"))
    print(f"{ROWS:,} responses, {DOMAINS} domains, {STRATA} strata with fpc")
    print(f"huifang Design.by().mean            {ours_mean * 1000:8.1f} ms")
    print(f"huifang Design.by().proportion      {ours_prop * 1000:8.1f} ms  (logit CIs, domain df)")
    print(f"huifang design + by().proportion    {whole * 1000:8.1f} ms")
    raked = design.rake({"stratum": data["stratum"].value_counts().to_dict(), "half": {0: 50_000, 1: 50_000}})
    calibrated = best_of(3, lambda: raked.by("domain").mean("y"))
    print(f"huifang raked design, by().mean     {calibrated * 1000:8.1f} ms  (raked: 10 residual passes)")
    floor_comparison()
    rscript = shutil.which("Rscript")
    if rscript is None:
        print("R: Rscript not installed, no comparison")
        return
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "data.csv"
        data.to_csv(csv, index=False)
        script = Path(tmp) / "bench.R"
        script.write_text(R_SCRIPT.format(csv=csv))
        out = subprocess.run([rscript, str(script)], capture_output=True, text=True, check=True).stdout
    lines = {line.split()[0]: line.split()[1:] for line in out.splitlines()}
    r_seconds = float(lines["seconds"][0])
    r_se = np.array([float(v) for v in lines["se"]])
    ours_se = design.by("domain").mean("y")["se"].to_numpy()
    print(f"R survey svyby(svymean)             {r_seconds * 1000:8.1f} ms  (survey 4.x, timed inside R)")
    print(f"speed-up over R (mean)              {r_seconds / ours_mean:8.1f} x")
    print(f"largest relative SE difference      {np.max(np.abs(ours_se / r_se - 1)):.2e}")


if __name__ == "__main__":
    main()
