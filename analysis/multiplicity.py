"""Benjamini–Hochberg over a family of p-values some of which were never computed.

A unit or surveyor that could not be tested has no p-value (NaN): it is left out of the family — it
neither counts towards the number of tests nor gets a flag — rather than entered as p = 1, which would
make every tested member's adjusted p-value larger by an amount that depends on how many could not be
tested.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests


def bh(p_values: pd.Series, q: float, method: str = "fdr_bh") -> tuple[pd.Series, pd.Series]:
    """Adjusted p-values and rejections at `q` of the tested (non-missing) `p_values`; an untested
    member keeps NaN and is not rejected. `method` is any of statsmodels' `multipletests` methods."""
    tested = p_values.dropna()
    adjusted = pd.Series(np.nan, index=p_values.index)
    flagged = pd.Series(False, index=p_values.index)
    if len(tested):
        reject, p_adj, _, _ = multipletests(tested.to_numpy(float), alpha=q, method=method)
        adjusted[tested.index] = p_adj
        flagged[tested.index] = reject
    return adjusted, flagged
