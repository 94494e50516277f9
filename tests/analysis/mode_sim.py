"""Simulated mixed-mode studies for the mode adjustment (`analysis.modes.mode_adjusted`): the worlds
`tests/analysis/test_modes_simulation.py` asserts and `tests/benchmarks/bench_modes.py` prints.

A study: `n` respondents in `strata` strata (a stratum's satisfied share uniform on 60–95%); each
citizen truly satisfied or not; the system rated the event 满意 for 97% of the truly satisfied and 35%
of the others (before the callback, from what the citizen thought); the citizen chose the web with
probability `web_satisfied` or `web_other` (self-selection on the opinion when they differ); on the
phone a share `phone_lift` of those not satisfied say 满意 (social desirability), on the web nobody
does. The target is what everyone would have said by phone, in expectation given their opinion.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.interviewer_variance import composition_cells
from analysis.modes import mode_adjusted

WORLDS = {
    "the satisfied choose the web more (25% / 10%)": {"web_satisfied": 0.25, "web_other": 0.10},
    "the dissatisfied choose the web more (10% / 25%)": {"web_satisfied": 0.10, "web_other": 0.25},
    "no self-selection (20% / 20%)": {"web_satisfied": 0.20, "web_other": 0.20},
    "few web answers, the satisfied more (6% / 2%)": {"web_satisfied": 0.06, "web_other": 0.02},
}
#: The cells compared: what the report used before stop 33, and now (`mode_report.MODE_CELLS`).
CELLS = {"stratum": ("stratum",), "stratum × rating": ("stratum", "system_rating")}


def study(
    seed: int,
    n: int = 600,
    strata: int = 30,
    phone_lift: float = 0.3,
    web_satisfied: float = 0.2,
    web_other: float = 0.2,
) -> tuple[pd.DataFrame, float]:
    """One study's respondents in `mode_adjusted`'s columns (with `stratum`, `system_rating`), and
    the all-telephone target."""
    rng = np.random.default_rng(seed)
    stratum = rng.integers(0, strata, n)
    truly = rng.random(n) < rng.uniform(0.6, 0.95, strata)[stratum]
    rated = rng.random(n) < np.where(truly, 0.97, 0.35)
    web = rng.random(n) < np.where(truly, web_satisfied, web_other)
    says = truly | (~web & (rng.random(n) < phone_lift))
    data = pd.DataFrame(
        {
            "stratum": stratum.astype(str),
            "system_rating": np.where(rated, "satisfied", "dissatisfied"),
            "mode": np.where(web, "web", "cati"),
            "weight": 1.0,
            "value": says.astype(float),
        }
    )
    return data, float(np.mean(np.where(truly, 1.0, phone_lift)))


def errors(studies: int, **world) -> dict[str, np.ndarray]:
    """Per study, the headline as answered and adjusted within each of `CELLS`, minus the target."""
    out: dict[str, list[float]] = {"as answered": [], **{name: [] for name in CELLS}}
    for seed in range(studies):
        data, target = study(seed, **world)
        out["as answered"].append(data["value"].mean() - target)
        for name, columns in CELLS.items():
            out[name].append(
                mode_adjusted(data.assign(cell=composition_cells(data, columns))).adjusted - target
            )
    return {name: np.array(values) for name, values in out.items()}
