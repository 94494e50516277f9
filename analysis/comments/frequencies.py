"""Weighted theme frequencies: the share of commenting respondents whose comment touches each theme.

The population is the respondents' events the weights stand for (the headline's final weights), the
domain is those who left a coded comment, and a theme counts once per comment however many of its
sub-themes were coded. Estimates are domain proportions of the survey design (`Design.proportion` /
`Design.by(...).proportion`: respondents without a coded comment stay in the design with y missing),
so the intervals are the design's logit intervals, the same as the headline's linearisation variant.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.comments.codebook import Codebook
from analysis.design import Design
from analysis.errors import DesignError

FREQUENCY_COLUMNS = ("group", "theme", "label", "mentions", "comments", "estimate", "ci_low", "ci_high")


def theme_indicator(codes: Sequence[object], codebook: Codebook, theme: str) -> np.ndarray:
    """1 where a coded comment carries a code of `theme`, 0 where it carries none, NaN without one."""
    out = np.full(len(codes), np.nan)
    for row, coded in enumerate(codes):
        if coded is None or (isinstance(coded, float) and np.isnan(coded)):
            continue
        out[row] = float(any(codebook.theme_of(code) == theme for code in coded))
    return out


def theme_frequencies(
    design: Design,
    codes: Sequence[object],
    codebook: Codebook,
    *,
    by: str | None = None,
    lang: str = "zh",
    level: float = 0.95,
) -> pd.DataFrame:
    """One row per theme (and per level of `by`): `FREQUENCY_COLUMNS`, most mentioned first.

    `codes[i]` is the set of codes of respondent row i's comment(s), or None when that respondent left
    no coded comment. `group` is "overall" or the level of `by`.
    """
    if len(codes) != design.n:
        raise DesignError(f"codes has {len(codes)} entries but the design has {design.n} respondents")
    coded = np.array([c is not None and not (isinstance(c, float) and np.isnan(c)) for c in codes])
    if not coded.any():
        return pd.DataFrame(columns=list(FREQUENCY_COLUMNS))
    rows = []
    for theme in codebook.themes:
        y = theme_indicator(codes, codebook, theme.code)
        label = theme.label(lang)
        if by is None:
            est = design.proportion(y, level=level)
            rows.append(
                (
                    "overall",
                    theme.code,
                    label,
                    int(np.nansum(y)),
                    int(coded.sum()),
                    est.estimate,
                    est.ci_low,
                    est.ci_high,
                )
            )
            continue
        table = design.by(by).proportion(y, level=level)
        groups = design.data[by].to_numpy()
        for group, row in table.iterrows():
            inside = groups == group
            rows.append(
                (str(group), theme.code, label, int(np.nansum(y[inside])), int(coded[inside].sum()),
                 float(row["estimate"]), float(row["ci_low"]), float(row["ci_high"]))
            )  # fmt: skip
    frame = pd.DataFrame(rows, columns=list(FREQUENCY_COLUMNS))
    return frame.sort_values(
        ["group", "estimate", "theme"], ascending=[True, False, True], kind="stable"
    ).reset_index(drop=True)
