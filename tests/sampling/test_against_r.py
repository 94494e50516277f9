"""A drawn sample, described to R's survey package, gives R's own weights and stratified estimates."""

from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from sampling import draw

RSCRIPT = shutil.which("Rscript")
pytestmark = [pytest.mark.r, pytest.mark.skipif(RSCRIPT is None, reason="Rscript is not installed")]

R_CODE = r"""
suppressMessages(library(survey))
cases <- read.csv(commandArgs(TRUE)[1], stringsAsFactors = FALSE)
d <- svydesign(ids = ~1, strata = ~stratum, fpc = ~N_h, data = cases)
m <- svymean(~satisfied, d)
t <- svytotal(~one, d)
cat(sprintf('{"weights": [%s], "mean": %.15g, "se": %.15g, "total": %.15g}',
    paste(sprintf("%.15g", weights(d)), collapse = ","), coef(m), SE(m), coef(t)))
"""


def test_r_survey_reads_our_weights_and_gives_the_stratified_estimate(tmp_path):
    rng = np.random.default_rng(11)
    rows = 900
    frame = pd.DataFrame(
        {
            "record_id": [f"E{i:04d}" for i in range(rows)],
            "district": rng.choice(["黄浦区", "静安区", "浦东新区"], rows, p=[0.2, 0.3, 0.5]),
            "phone": [f"139{i:08d}" for i in range(rows)],
            "satisfied": (rng.random(rows) < 0.8).astype(int),
        }
    )
    allocation = {"黄浦区": 20, "静安区": 25, "浦东新区": 30}
    cases = draw(frame, ["district"], allocation, seed=5, unit="event").cases
    cases = cases.assign(one=1, stratum=cases["stratum"].map({"黄浦区": "a", "静安区": "b", "浦东新区": "c"}))
    path = tmp_path / "cases.csv"
    cases[["stratum", "N_h", "satisfied", "one"]].to_csv(path, index=False)
    script = tmp_path / "check.R"
    script.write_text(R_CODE, encoding="utf-8")
    out = json.loads(
        subprocess.run([RSCRIPT, str(script), str(path)], capture_output=True, text=True, check=True).stdout
    )

    assert np.allclose(out["weights"], cases["design_weight"], rtol=1e-12)
    assert out["total"] == pytest.approx(len(frame), rel=1e-12)
    # the same estimate by hand (Cochran 5.1, 5.7): Σ W_h ȳ_h and √(Σ W_h² (1 - f_h) s_h² / n_h)
    N = len(frame)
    groups = cases.groupby("stratum")
    W = groups["N_h"].first() / N
    n = groups.size()
    f = n / groups["N_h"].first()
    mean = (W * groups["satisfied"].mean()).sum()
    se = np.sqrt((W**2 * (1 - f) * groups["satisfied"].var(ddof=1) / n).sum())
    assert out["mean"] == pytest.approx(mean, rel=1e-12)
    assert out["se"] == pytest.approx(se, rel=1e-10)
