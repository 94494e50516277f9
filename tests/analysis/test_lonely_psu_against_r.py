"""Lonely-PSU choices give R survey's numbers under the same `options(survey.lonely.psu=)`."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import Design
from tests.analysis.rsupport import run_r, stratified_sample, with_r

pytestmark = with_r

RULES = ["remove", "certainty", "adjust", "average"]


@pytest.fixture(scope="module")
def sample():
    frame = stratified_sample(seed=4)
    lonely = frame[frame["stratum"] == "S2"].iloc[:1].assign(stratum="S9", w=12.0)
    return pd.concat([frame, lonely], ignore_index=True)


@pytest.fixture(scope="module")
def r(sample, tmp_path_factory):
    body = "\n".join(
        f"""options(survey.lonely.psu = "{rule}")
des <- svydesign(ids = ~1, strata = ~stratum, weights = ~w, data = d)
emit("{rule}", c(SE(svymean(~y, des)), SE(svytotal(~y, des))))"""
        for rule in RULES
    )
    return run_r(sample, body, tmp_path_factory.mktemp("lonely"))


@pytest.mark.parametrize("rule", RULES)
def test_lonely_stratum_rule_matches_r(sample, r, rule):
    design = Design(sample, strata="stratum", weights="w", lonely_psu=rule)
    assert [design.mean("y").se, design.total("y").se] == pytest.approx(list(r[rule]), rel=1e-8)
