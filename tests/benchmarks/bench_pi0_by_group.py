"""Benchmark (tried, not kept): π0 by design group at the staff level, against model 5's one π0.

Run on demand: `python tests/benchmarks/bench_pi0_by_group.py [--honest] SEED …` (one line of JSON a
demo frame, ~1.5 min each). Each seed builds the demo under the staff-level audit design (members with
≥ 30 records rated ≥ 93% get a stratum each; 2,000 cases, one phase), fits the staff level's posterior
(`analysis.unit_posterior.posterior_fit`, model 5: one π0 over every surveyed member) and re-weights the
same likelihood rows with one π0 per design group — members the design gave their own stratum
("audited") and the rest — sharing the inflating components' shape; each group's π0 raised to its own
97.5% profile bound. Prints, for both, the members flagged (Sun & Cai at q = 0.10, per-unit floor 0.5),
how many of them inflate (the frame's truth) and how many do not; `--honest` builds frames where no
organisation or member inflates. The figures and why it was not kept: ARCHITECTURE.md, "Model 5".
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import fixtures  # noqa: E402
from analysis import unit_posterior as up  # noqa: E402
from survey_app.services import analysis_service, demo, staff_verdicts, studies  # noqa: E402
from survey_app.storage import open_database  # noqa: E402

Q, LEVEL, CASES, ROWS = 0.10, 0.975, 2000, 50_000  # ROWS: the demo frame's size
HONEST = {"inflated_share": 0.0, "inflated_staff_share": 0.0}


def staff_design(seed: int) -> dict:
    """The staff-level audit design of the stop-30 measurements (ARCHITECTURE.md, "Two phases at the staff level")."""
    return {
        "strata": ["risk_stratum"], "n": CASES, "method": "audit", "minimum": 2, "inflation": 0.25,
        "response_rate": 0.55, "reserve": 0.2, "unit": "person", "seed": seed,
        "risk": {"unit": "staff_id", "min_records": 30, "min_rate": 0.93, "base": "district"},
    }  # fmt: skip


def em_by_group(L: np.ndarray, group: np.ndarray, fixed: dict | None = None, start=None) -> tuple:
    """NPMLE of one π0 per group and one shape α of the inflating components (EM); ((α, π0s), log lik)."""
    k, labels = L.shape[1], np.unique(group)
    alpha, pi0 = np.full(k - 1, 1 / (k - 1)), dict.fromkeys(labels, 0.9)
    if start is not None:
        alpha, pi0 = np.maximum(start[0], 1e-6 / k), dict(start[1])
        alpha = alpha / alpha.sum()
    pi0.update(fixed or {})
    top = L.max(axis=1, keepdims=True)
    lik = np.exp(L - top)
    members = {label: group == label for label in labels}

    def weights() -> np.ndarray:
        p = np.array([pi0[label] for label in group])
        return np.column_stack([p, (1 - p)[:, None] * alpha[None, :]])

    for _ in range(500):
        post = lik * weights()
        post /= post.sum(axis=1, keepdims=True)
        new_pi0 = {x: (fixed or {}).get(x, float(post[members[x], 0].mean())) for x in labels}
        mass = post[:, 1:].sum(axis=0)
        new_alpha = mass / mass.sum() if mass.sum() > 0 else alpha
        change = max(np.abs(new_alpha - alpha).max(), *(abs(new_pi0[x] - pi0[x]) for x in labels))
        alpha, pi0 = new_alpha, new_pi0
        if change < 1e-6:
            break
    return (alpha, pi0), float(np.log((lik * weights()).sum(axis=1)).sum() + top.sum())


def bounded_by_group(L: np.ndarray, group: np.ndarray) -> tuple[np.ndarray, dict, dict]:
    """Each group's π0 raised to its one-sided `LEVEL` profile bound (the others and α re-fitted)."""
    (alpha, mle), best = em_by_group(L, group)
    drop = stats.chi2.ppf(2 * LEVEL - 1, 1) / 2
    raised = dict(mle)
    for label in np.unique(group):
        chosen = (alpha, mle)
        for t in np.linspace(mle[label], 1.0, 26)[1:]:
            candidate, ll = em_by_group(L, group, fixed={label: min(t, 1 - 1e-9)}, start=chosen)
            if best - ll > drop:
                break
            chosen, raised[label] = candidate, min(t, 1 - 1e-9)
    return alpha, raised, mle


def lfdr_by_group(L: np.ndarray, group: np.ndarray, alpha: np.ndarray, pi0: dict) -> np.ndarray:
    p = np.array([pi0[label] for label in group])
    with np.errstate(divide="ignore"):
        log = L + np.log(np.column_stack([p, (1 - p)[:, None] * alpha[None, :]]))
    return np.exp(log[:, 0] - up._lse(log, 1))


def measure(seed: int, honest: bool) -> dict:
    options = HONEST if honest else {}
    folder = Path(tempfile.mkdtemp())
    url = f"sqlite:///{folder}/bench.db"
    demo.build_demo(url, rows=ROWS, seed=seed, out_dir=folder, design=staff_design(seed), echo=lambda _: None,
                    force=True, frame_options=options)  # fmt: skip
    truth = fixtures.make_frame(ROWS, seed, **options).units
    staff = truth[truth["unit_type"] == "staff"].set_index("unit_id")
    inflating = set(staff.index[staff["inflated"]])
    db = open_database(url)
    with db.reading() as session:
        result = analysis_service.analyse(session, studies.find_study(session, demo.STUDY_NAME))
    db.dispose()
    named = staff_verdicts._names_staff
    cases = result.cases
    interviews = cases[cases["interview_id"].notna() & named(cases)]
    table, fitted = up.posterior_fit(
        result.frame[named(result.frame)],
        interviews,
        staff_verdicts.STAFF,
        satisfied_codes=result.satisfied_codes,
    )
    surveyed = table[table["interviews"] > 0]
    own = cases.groupby(staff_verdicts.STAFF)["stratum"].first().reindex(surveyed.index).astype(str)
    group = np.where(own.str.startswith("risk:"), "audited", "other")
    pooled = fitted.pooled.to_numpy()
    alpha, pi0, mle = bounded_by_group(fitted.log_lik[pooled], group[pooled])
    row: dict = {"seed": seed, "honest": honest, "pi0": fitted.pi0, "pi0_by_group": pi0, "mle_by_group": mle}
    for name, lfdr in (
        ("model 5", fitted.lfdr()),
        ("by group", pd.Series(lfdr_by_group(fitted.log_lik, group, alpha, pi0), index=surveyed.index)),
    ):
        flags = up.sun_cai(lfdr.where(fitted.eligible), Q, up.LFDR_FLOOR)
        flagged = set(flags.index[flags])
        row[name] = {
            "flagged": len(flagged),
            "inflating": len(flagged & inflating),
            "not": len(flagged - inflating),
        }
    return row


if __name__ == "__main__":
    arguments = sys.argv[1:]
    honest = "--honest" in arguments
    for seed in (int(a) for a in arguments if a != "--honest"):
        print(json.dumps(measure(seed, honest), default=float), flush=True)
