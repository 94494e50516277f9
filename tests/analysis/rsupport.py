"""Run R's survey package on data a test writes, and read back the numbers it prints.

Reference values are computed by R in the test run, never copied: a test writes its data to CSV, R
reads it, and `emit(name, value)` lines come back as floats.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

RSCRIPT = shutil.which("Rscript")

#: Compare with R: marked `r` and skipped where Rscript is missing.
with_r = [pytest.mark.r, pytest.mark.skipif(RSCRIPT is None, reason="Rscript is not installed")]

PRELUDE = """
suppressMessages(library(survey))
d <- read.csv("{csv}", stringsAsFactors = FALSE)
.out <- list()
emit <- function(name, value) .out[[name]] <<- as.numeric(value)
"""

EPILOGUE = """
for (k in names(.out)) cat(k, sprintf("%.17g", .out[[k]]), "\\n")
"""


def run_r(data: pd.DataFrame, body: str, workdir: Path) -> dict[str, np.ndarray]:
    """Run `body` in R with the data frame `d`; return every `emit`ted vector by name."""
    csv = workdir / "data.csv"
    data.to_csv(csv, index=False)
    script = workdir / "reference.R"
    script.write_text(PRELUDE.format(csv=csv) + body + EPILOGUE, encoding="utf-8")
    done = subprocess.run([RSCRIPT, str(script)], capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"R failed:\n{done.stderr}")
    values = {}
    for line in done.stdout.splitlines():
        name, *numbers = line.split()
        values[name] = np.array([float(v) for v in numbers])
    return values


def stratified_sample(seed: int = 1, n_strata: int = 4, per_stratum: int = 25) -> pd.DataFrame:
    """A stratified sample with population sizes, clusters, a domain, a 0/1 item and numbers."""
    rng = np.random.default_rng(seed)
    rows = []
    for h in range(n_strata):
        n_h = per_stratum + 3 * h
        population = int(n_h * rng.uniform(4, 12))
        for i in range(n_h):
            rows.append(
                {
                    "stratum": f"S{h}",
                    "N": population,
                    "psu": f"C{i // 3}",
                    "domain": ["a", "b", "c"][int(rng.integers(0, 3))],
                    "sex": ["f", "m"][int(rng.integers(0, 2))],
                    "age": ["young", "old"][int(rng.integers(0, 2))],
                    "y": float(rng.normal(10 + h, 3)),
                    "x": float(rng.uniform(1, 5)),
                    "sat": int(rng.random() < 0.6 + 0.08 * h),
                }
            )
    frame = pd.DataFrame(rows)
    frame["w"] = frame["N"] / frame.groupby("stratum")["stratum"].transform("size")
    return frame
