"""Did phase 2's answers differ from what phase 1's imply? A test of the one assumption of the
Rao–Blackwell weights after a phase 2.

Why: the Rao–Blackwell weights (`sampling.two_phase`) are unbiased where a case's answer does not
depend on the phase it was called in. Phase 2 is called weeks later, and where memory of a good
service fades its answers are lower for that alone (ARCHITECTURE.md, "Phase 2 called later");
phase 1's cases alone stay unbiased whatever phase 2's answers did, and are the headline after a
phase 2. The two estimates differing says that phase 2's answers moved the figure that includes
them; this module says whether they differ by more than chance.

How: given each expanded stratum's final sample and that the rule selected it, which of its cases
phase 1 held is random with a law the design fixes (`sampling.two_phase.phase_one_splits`). Where
the phases agree, the phase-1 estimate is the Rao–Blackwell one plus noise from that law alone, of
mean zero, and the law's second moments give its variance exactly (for the linearised ratio: the
variance of Σ_h N_h/m_h Σ_i (I_i − p_i) u_i, u_i = y_i − R a_i, over Â²). So
D = (Rao–Blackwell 满意率 − phase-1 满意率) over that standard error is a z-statistic whatever the
rule, the units' rates and phase 1's own sampling error, which cancels: both estimates share phase 1.
Strata phase 2 passed over add nothing (there the two weights agree). The design weights are used,
before the nonresponse adjustment; a difference a phase-specific nonresponse made is read as the
phases differing, which it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analysis.two_phase_variance import ratio_split_variances
from sampling.two_phase import PhaseOneSplit

#: Below this p the readers are warned that phase 2's later calls moved the answers, and that the
#: two-phase test of the expanded units, which reads both phases' answers as one sample, is then to be
#: read with caution (the headline, phase 1's alone, is not moved; ARCHITECTURE.md, "Do phase 2's
#: answers agree with phase 1's?").
AGREEMENT_LEVEL = 0.05


@dataclass(frozen=True)
class PhaseEffect:
    """The Rao–Blackwell 满意率 less phase 1's alone, over the expanded strata, as a proportion."""

    difference: float
    se: float
    strata: int  # the expanded strata it comes from
    phase_two_answers: int  # phase 2's answers on the rating scale

    @property
    def z(self) -> float:
        return self.difference / self.se if self.se > 0 else float("nan")

    @property
    def p_value(self) -> float:
        """Two-sided: the phases may differ either way."""
        return float(2 * stats.norm.sf(abs(self.z))) if self.se > 0 else float("nan")

    def interval(self, level: float = 0.95) -> tuple[float, float]:
        half = float(stats.norm.ppf(0.5 + level / 2)) * self.se
        return self.difference - half, self.difference + half


def phase_effect(
    cases: pd.DataFrame,
    rb_weight: pd.Series,
    sizes: Mapping[str, float] | pd.Series,
    splits: Mapping[str, PhaseOneSplit],
) -> PhaseEffect | None:
    """The test of the module docstring. ``cases``: every released case (index as ``rb_weight``'s and
    the splits'), with ``stratum``, ``phase`` (1 or 2) and ``satisfied`` (1, 0, NaN where there is no
    answer on the rating scale); ``sizes``: N_h by stratum; ``splits``: `phase_one_splits` with
    ``pairs=True``. None where phase 2 expanded nothing or nobody answered in it."""
    if not splits:
        return None
    y = cases["satisfied"].astype(float)
    answered = y.notna().to_numpy(float)
    y = y.fillna(0.0).to_numpy(float)
    stratum = cases["stratum"].astype(str)
    first = (cases["phase"] == 1).to_numpy()
    m = pd.Series(first, index=cases.index).groupby(stratum).transform("sum").to_numpy(float)
    size = pd.Series(sizes, dtype=float).reindex(stratum).to_numpy(float)
    w_rb = rb_weight.reindex(cases.index).to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        w_one = np.where(first, size / m, 0.0)
    total_rb, total_one = float(w_rb @ answered), float(w_one @ answered)
    if total_rb <= 0 or total_one <= 0:
        return None
    phase_two = int(answered[(~first) & stratum.isin(list(splits)).to_numpy()].sum())
    if phase_two == 0:
        return None
    variance = ratio_split_variances(cases, rb_weight, sizes, splits, y[:, None], answered[:, None])[0]
    return PhaseEffect(
        difference=float(w_rb @ y) / total_rb - float(w_one @ y) / total_one,
        se=float(np.sqrt(max(variance, 0.0))),
        strata=len(splits),
        phase_two_answers=phase_two,
    )


__all__ = ["AGREEMENT_LEVEL", "PhaseEffect", "phase_effect"]
