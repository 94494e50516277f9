"""Inter-coder agreement on multi-label codings: Cohen's kappa per code.

Each code is treated as its own yes/no question over the comments both coders coded: did the coder
assign it? Kappa and its large-sample standard error (normal interval, clipped to [−1, 1]) come from `analysis.agreement.kappa_with_se` on
that 2×2 table (the same statistic as statsmodels' `cohens_kappa`). A code neither coder used, or one
both used on every comment, has no chance-corrected agreement: its kappa is NaN, with the raw
agreement still given; a code one coder never (or always) used has kappa 0 and no interval.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analysis.agreement import kappa_with_se
from analysis.errors import AgreementError

KAPPA_COLUMNS = (
    "code",
    "n",
    "both",
    "first_only",
    "second_only",
    "neither",
    "agreement",
    "kappa",
    "se",
    "ci_low",
    "ci_high",
)


@dataclass(frozen=True)
class CodeAgreement:
    code: str
    table: np.ndarray  # [[neither, second only], [first only, both]]: rows first coder, columns second
    kappa: float
    se: float
    ci: tuple[float, float]

    @property
    def agreement(self) -> float:
        return float(np.trace(self.table) / self.table.sum())


def _binary(first: Iterable[bool], second: Iterable[bool]) -> np.ndarray:
    a, b = np.asarray(list(first), bool), np.asarray(list(second), bool)
    return np.array([[np.sum(~a & ~b), np.sum(~a & b)], [np.sum(a & ~b), np.sum(a & b)]], dtype=float)


def code_agreement(
    code: str, first: Sequence[bool], second: Sequence[bool], level: float = 0.95
) -> CodeAgreement:
    """Kappa for one code from the two coders' yes/no per comment (same order)."""
    if len(first) != len(second):
        raise AgreementError(f"code {code!r}: the coders have {len(first)} and {len(second)} decisions")
    if len(first) == 0:
        raise AgreementError(f"code {code!r}: no comment was coded by both coders")
    table = _binary(first, second)
    n = table.sum()
    p_e = (table.sum(axis=1) / n) @ (table.sum(axis=0) / n)
    if np.isclose(p_e, 1.0):
        return CodeAgreement(code, table, float("nan"), float("nan"), (float("nan"), float("nan")))
    kappa, se = kappa_with_se(table, np.eye(2))
    if (table.sum(axis=0) == 0).any() or (table.sum(axis=1) == 0).any():
        # one coder never (or always) used the code: kappa is 0 by construction, its SE degenerate
        return CodeAgreement(code, table, kappa, float("nan"), (float("nan"), float("nan")))
    q = stats.norm.ppf(0.5 + level / 2)
    return CodeAgreement(code, table, kappa, se, (max(kappa - q * se, -1.0), min(kappa + q * se, 1.0)))


def kappa_per_code(
    first: Mapping[object, Iterable[str]],
    second: Mapping[object, Iterable[str]],
    codes: Sequence[str],
    level: float = 0.95,
) -> pd.DataFrame:
    """One row per code (`KAPPA_COLUMNS`) over the comments both coders coded.

    `first` and `second` map a comment's id to the set of codes each coder assigned (an empty set is
    a decision too: "none of these codes"). Comments only one coder coded are left out.
    """
    shared = sorted(set(first) & set(second), key=str)
    if not shared:
        raise AgreementError(
            "no comment was coded by both coders; draw and code the double-coding sample first"
        )
    a = [set(first[i]) for i in shared]
    b = [set(second[i]) for i in shared]
    rows = []
    for code in codes:
        result = code_agreement(code, [code in s for s in a], [code in s for s in b], level)
        t = result.table
        rows.append(
            (code, int(t.sum()), int(t[1, 1]), int(t[1, 0]), int(t[0, 1]), int(t[0, 0]), result.agreement,
             result.kappa, result.se, *result.ci)
        )  # fmt: skip
    return pd.DataFrame(rows, columns=list(KAPPA_COLUMNS))
