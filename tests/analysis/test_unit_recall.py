"""On the fixtures' synthetic frames with planted inflated organisations, the unit-level comparison
finds them: recall ≥ 0.9 and false discovery proportion ≤ 0.1, averaged over 4 seeds (about 4 s of
CPU a study: the suite's simulations stay under 20 s; many seeds belong in `tests/benchmarks/`).

A flagged organisation counts as a false discovery only if it has no planted fault at all: an honest
organisation that holds a planted inflating staff member does publish an inflated 满意率, and finding
it is right (recall is measured on the planted organisations only).
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.analysis.fixture_study import run_study

pytestmark = pytest.mark.slow

SEEDS = range(4)


@pytest.fixture(scope="module")
def studies():
    return [run_study(seed) for seed in SEEDS]


def _recall_and_fdp(study):
    flagged = set(study.comparison.index[study.comparison["flagged"]])
    recall = len(flagged & study.planted) / len(study.planted) if study.planted else 1.0
    fdp = len(flagged - study.faulty) / len(flagged) if flagged else 0.0
    return recall, fdp


def test_planted_inflated_organisations_are_found_with_recall_of_at_least_0_9(studies):
    recall = np.mean([_recall_and_fdp(s)[0] for s in studies])
    assert recall >= 0.9


def test_false_discovery_proportion_is_at_most_0_1(studies):
    fdp = np.mean([_recall_and_fdp(s)[1] for s in studies])
    assert fdp <= 0.1
