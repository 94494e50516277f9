"""Agreement statistics checked against statsmodels (an independent implementation) and by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.contingency_tables import SquareTable
from statsmodels.stats.inter_rater import cohens_kappa

from analysis import AgreementError, agreement

CODES = ["satisfied", "basically_satisfied", "dissatisfied"]


@pytest.fixture
def table():
    counts = [[120, 30, 12], [9, 40, 11], [2, 6, 25]]
    return pd.DataFrame(counts, index=CODES, columns=CODES)


def test_kappa_and_its_se_match_statsmodels(table):
    reference = cohens_kappa(table.to_numpy())
    result = agreement(table)
    assert (result.kappa, result.kappa_se) == pytest.approx((reference.kappa, reference.std_kappa), rel=1e-10)


@pytest.mark.parametrize(("ours", "theirs"), [("linear", "linear"), ("quadratic", "quadratic")])
def test_weighted_kappa_and_its_se_match_statsmodels(table, ours, theirs):
    reference = cohens_kappa(table.to_numpy(), wt=theirs)
    result = agreement(table, weights=ours)
    assert (result.weighted_kappa, result.weighted_kappa_se) == pytest.approx(
        (reference.kappa, reference.std_kappa), rel=1e-10
    )


def test_kappa_interval_is_normal_around_kappa(table):
    result = agreement(table)
    z = stats.norm.ppf(0.975)
    assert result.kappa_ci == pytest.approx(
        (result.kappa - z * result.kappa_se, result.kappa + z * result.kappa_se)
    )


def test_bowker_matches_statsmodels_symmetry(table):
    reference = SquareTable(table.to_numpy()).symmetry()
    result = agreement(table).bowker
    assert (result.statistic, result.df, result.p_value) == pytest.approx(
        (reference.statistic, reference.df, reference.pvalue), rel=1e-10
    )


def test_stuart_maxwell_matches_statsmodels_homogeneity(table):
    reference = SquareTable(table.to_numpy()).homogeneity(method="stuart_maxwell")
    result = agreement(table).stuart_maxwell
    assert (result.statistic, result.df, result.p_value) == pytest.approx(
        (reference.statistic, reference.df, reference.pvalue), rel=1e-8
    )


def test_mcnemar_uses_the_satisfied_split_and_an_exact_p_value(table):
    result = agreement(table).mcnemar
    b, c = 12 + 11, 2 + 6  # system satisfied/basically vs callback dissatisfied, and the reverse
    assert result.statistic == pytest.approx((b - c) ** 2 / (b + c))
    assert result.p_value == pytest.approx(stats.binomtest(b, b + c, 0.5).pvalue)


def test_mcnemar_split_follows_the_declared_satisfied_codes(table):
    result = agreement(table, satisfied=("satisfied",)).mcnemar
    b, c = 30 + 12, 9 + 2
    assert result.statistic == pytest.approx((b - c) ** 2 / (b + c))


def test_perfect_agreement_gives_kappa_one(table):
    diagonal = pd.DataFrame(np.diag([50, 30, 20]), index=CODES, columns=CODES)
    assert agreement(diagonal).kappa == pytest.approx(1.0)


def test_rows_and_columns_in_different_order_are_rejected(table):
    with pytest.raises(AgreementError, match="same order"):
        agreement(table[CODES[::-1]])


def test_non_square_table_is_rejected(table):
    with pytest.raises(AgreementError, match="square"):
        agreement(table.iloc[:2])
