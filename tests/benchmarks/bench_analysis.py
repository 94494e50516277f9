"""Benchmark: estimates by 112 domains on 100,000 responses, against R survey's `svyby`.

Run on demand: `python tests/benchmarks/bench_analysis.py`. Prints the time of `Design.by(...)` for a
mean and a proportion with its logit interval, and — where Rscript is installed — the time R takes for
`svyby(~y, ~domain, design, svymean)` on the same CSV, timed inside R (loading excluded), plus the
largest relative difference between the two sets of standard errors.
"""

from __future__ import annotations

import shutil
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


def make_data(seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    stratum = rng.integers(0, STRATA, ROWS)
    sizes = rng.integers(20_000, 200_000, STRATA)
    data = pd.DataFrame(
        {
            "stratum": stratum,
            "N": sizes[stratum],
            "domain": rng.integers(0, DOMAINS, ROWS),
            "y": (rng.random(ROWS) < 0.85).astype(float),
            "half": rng.integers(0, 2, ROWS),
        }
    )
    return data


def best_of(repeats: int, func) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
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
