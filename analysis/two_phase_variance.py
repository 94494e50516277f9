"""The headline's standard errors after a phase 2, by the Rao–Blackwell decomposition.

Why: the headline after a phase 2 weights its cases by the Rao–Blackwell weights
(`sampling.two_phase`), and its jackknife treats each stratum's final sample as one simple random
sample with those weights fixed. Where phase 2 expands many strata that is too optimistic: over
repeated samples under the rate rule (`tests/benchmarks/bench_phase_effect.py --rate`) the 95%
interval covered the truth in 0.88 of them, its width 5.6 points against the estimates' spread of
1.8 points (SD). The Rao–Blackwell estimate is the phase-1 estimate averaged over where phase 1 may
lie in the final sample, so

    Var(phase 1) = Var(Rao–Blackwell) + E[Var(phase 1 | final sample)].

The first term's estimate is phase 1's own (its jackknife over phase 1's stratified sample, with the
nonresponse adjustment re-run and the interviewers' component: `replicate_headline` on phase 1's
cases); the last is known exactly given the final sample, from the law of the split
(`sampling.two_phase.phase_one_splits`; the same variance the phase-agreement test divides by,
`analysis.phase_effect`). Their difference estimates the headline's variance: coverage 0.96, width
7.3 (ARCHITECTURE.md, "The headline's interval after a phase 2").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from analysis.headline import headline_estimands
from analysis.intervals import proportion_interval
from sampling.two_phase import PhaseOneSplit
from sampling.vocabulary import DEFAULT_SATISFIED_CODES

KEY = ["metric", "group", "level"]
#: `decomposed_headline` marks the rows it decomposed in the column ``interval_method`` with this
DECOMPOSED = "rao_blackwell_decomposition"


def split_variances(split: PhaseOneSplit, u: np.ndarray) -> np.ndarray:
    """Var(Σ_i I_i u_i | final sample, selected) for each column of ``u`` (the stratum's cases ×
    statistics), I_i = 1 if case i was in phase 1: from the split's shares p_c and pair shares P_cd,
    Σ_cd (P_cd − p_c p_d) U_c U_d + Σ_c (p_c − P_cc) Σ_{i∈c} u_i² (U_c = Σ_{i∈c} u_i). A pair share
    the sample cannot have (a class of one case, or none) is multiplied by nothing: its terms cancel
    or vanish."""
    u = np.asarray(u, dtype=float).reshape(len(split.category), -1)
    member = np.zeros((len(split.category), len(split.share)))
    member[np.arange(len(split.category)), split.category] = 1.0
    total, squares = member.T @ u, member.T @ u**2
    p = np.nan_to_num(split.share)
    pair = np.nan_to_num(split.pair)
    return np.einsum("ck,cd,dk->k", total, pair - np.outer(p, p), total) + (p - np.diag(pair)) @ squares


def headline_split_variances(
    cases: pd.DataFrame,
    rb_weight: pd.Series,
    sizes: Mapping[str, float] | pd.Series,
    splits: Mapping[str, PhaseOneSplit],
    satisfied_codes: Sequence[str] = DEFAULT_SATISFIED_CODES,
    item: str = "sat_overall",
    by: Sequence[str] = ("district", "domain", "channel"),
    top_codes: Sequence[str] = ("satisfied",),
) -> pd.Series:
    """E[Var(phase 1's row | final sample)] of every headline row (index ``KEY``), on the design
    weights, for the final sample at hand. ``cases``: every released case (index as the splits'),
    with ``stratum``, ``phase`` and the answers and groups `replicate_headline` reads; ``splits``:
    `phase_one_splits` with ``pairs=True``."""
    keys, num, den = headline_estimands(cases, satisfied_codes, item, by, top_codes)
    variance = ratio_split_variances(cases, rb_weight, sizes, splits, num, den)
    return pd.Series(variance, index=pd.MultiIndex.from_tuples(keys, names=KEY))


def ratio_split_variances(
    cases: pd.DataFrame,
    rb_weight: pd.Series,
    sizes: Mapping[str, float] | pd.Series,
    splits: Mapping[str, PhaseOneSplit],
    num: np.ndarray,
    den: np.ndarray,
) -> np.ndarray:
    """Var(phase 1's ratio | final sample) of each ratio Σ w num / Σ w den (columns of ``num`` and
    ``den``, rows the cases), linearised at the Rao–Blackwell ratio: Σ_h (N_h/m_h)² Var(Σ_i I_i u_i)
    over the ratio's denominator squared, u = num − ratio · den (`split_variances`)."""
    w = rb_weight.reindex(cases.index).to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        total = w @ den
        u = num - den * ((w @ num) / total)
    first = (cases["phase"] == 1).groupby(cases["stratum"].astype(str)).sum()
    size = pd.Series(sizes, dtype=float)
    variance = np.zeros(num.shape[1])
    for key, split in splits.items():
        rows = cases.index.get_indexer(split.index)
        variance += (size[key] / first[key]) ** 2 * split_variances(split, np.nan_to_num(u[rows]))
    with np.errstate(invalid="ignore", divide="ignore"):
        return variance / total**2


def decomposed_headline(
    headline: pd.DataFrame, first: pd.DataFrame, variances: pd.Series, ci: str = "logit", level: float = 0.95
) -> pd.DataFrame:
    """``headline`` (the Rao–Blackwell rows of `replicate_headline`) with each row's standard error
    √(se₁² − V) and its interval, se₁ and the design's df from ``first`` (the same rows from phase
    1's cases alone) and V from ``variances`` (`headline_split_variances`). The interviewers'
    component is phase 1's, and so is the sampling part less V. A row phase 1 has no twin for keeps
    its jackknife's. Each row's ``interval_method`` says which it got."""
    out = headline.copy()
    twin = first.set_index(KEY).reindex(pd.MultiIndex.from_frame(out[KEY]))
    v = variances.reindex(twin.index).to_numpy(float)
    matched = np.isfinite(twin["se"].to_numpy(float)) & np.isfinite(v)
    if not matched.any():
        return out
    se = np.sqrt(np.clip(twin["se"].to_numpy(float) ** 2 - v, 0.0, None))
    out.loc[matched, "se"] = se[matched]
    out.loc[matched, "df"] = twin["df"].to_numpy(float)[matched]
    if "se_sampling" in out and "se_sampling" in twin:
        sampling = np.sqrt(np.clip(twin["se_sampling"].to_numpy(float) ** 2 - v, 0.0, None))
        out.loc[matched, "se_sampling"] = sampling[matched]
        out.loc[matched, "se_interviewer"] = twin["se_interviewer"].to_numpy(float)[matched]
    rows = out.loc[matched]
    low, high = proportion_interval(
        rows["estimate"].to_numpy(float), rows["se"].to_numpy(float), rows["df"].to_numpy(float),
        rows["n"].to_numpy(float), ci, level,
    )  # fmt: skip
    out.loc[matched, "ci_low"], out.loc[matched, "ci_high"] = low, high
    out["interval_method"] = np.where(matched, DECOMPOSED, "jackknife")
    return out


__all__ = [
    "DECOMPOSED",
    "decomposed_headline",
    "headline_split_variances",
    "ratio_split_variances",
    "split_variances",
]
