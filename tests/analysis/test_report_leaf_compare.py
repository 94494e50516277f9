"""A content rebuilt on other arithmetic against the published one (`analysis.report.leaf_compare`):
figures may move within the tolerance, words, counts and verdicts may not."""

from __future__ import annotations

from analysis.report import content_digest, content_leaves, sample_content
from analysis.report.leaf_compare import REL_TOL, compare_leaves


def _leaves(*lines: str) -> str:
    return "".join(f"{line}\n" for line in lines)


PUBLISHED = _leaves(
    "content.results.headline[satisfaction].estimate=0.9123456789",
    "content.comparison.units[0].n=37",
    "content.comparison.units[0].flagged=True",
    "content.comparison.units[0].status=flagged",
    "content.method.weighting=贝叶斯因子 16,288，满意率 95%",
    "content.comparison.units[0].diff_ci_low=nan",
)


def test_the_content_digest_is_the_sha256_of_its_leaves():
    import hashlib

    content = sample_content(n_units=5, n_interviews=200)
    assert content_digest(content) == hashlib.sha256(content_leaves(content).encode()).hexdigest()


def test_identical_contents_agree_in_every_line():
    result = compare_leaves(PUBLISHED, PUBLISHED)
    assert result.ok and result.identical == result.leaves == 6 and result.largest_at is None


def test_a_figure_moved_in_its_fourth_digit_agrees_and_is_named_as_the_largest_move():
    rebuilt = PUBLISHED.replace("0.9123456789", "0.9124456789")
    result = compare_leaves(PUBLISHED, rebuilt)
    assert result.ok and result.within == 1
    assert result.largest_at == "content.results.headline[satisfaction].estimate"
    assert 1e-4 < result.largest < REL_TOL


def test_a_figure_moved_beyond_the_tolerance_is_a_difference():
    rebuilt = PUBLISHED.replace("0.9123456789", "0.9223456789")
    result = compare_leaves(PUBLISHED, rebuilt)
    assert not result.ok
    assert result.beyond[0].path == "content.results.headline[satisfaction].estimate"
    assert (result.beyond[0].published, result.beyond[0].rebuilt) == ("0.9123456789", "0.9223456789")


def test_a_count_that_differs_by_one_is_a_difference():
    result = compare_leaves(PUBLISHED, PUBLISHED.replace("n=37", "n=38"))
    assert not result.ok and result.beyond[0].path == "content.comparison.units[0].n"


def test_a_verdict_that_differs_is_a_difference():
    result = compare_leaves(PUBLISHED, PUBLISHED.replace("flagged=True", "flagged=False"))
    assert not result.ok and result.beyond[0].path == "content.comparison.units[0].flagged"


def test_a_printed_figure_on_a_rounding_boundary_or_within_the_tolerance_agrees():
    rebuilt = PUBLISHED.replace("16,288", "16,295").replace("95%", "96%")
    result = compare_leaves(PUBLISHED, rebuilt)
    assert result.ok and result.printed == 1 and result.within == 0


def test_a_printed_figure_beyond_the_tolerance_is_a_difference():
    result = compare_leaves(PUBLISHED, PUBLISHED.replace("16,288", "16,388"))
    assert not result.ok and result.beyond[0].path == "content.method.weighting"


def test_other_words_around_the_same_numbers_are_a_difference():
    result = compare_leaves(PUBLISHED, PUBLISHED.replace("满意率 95%", "不满意率 95%"))
    assert not result.ok


def test_nan_agrees_only_with_nan():
    assert compare_leaves(PUBLISHED, PUBLISHED).ok
    result = compare_leaves(PUBLISHED, PUBLISHED.replace("diff_ci_low=nan", "diff_ci_low=0.5"))
    assert not result.ok and result.beyond[0].path == "content.comparison.units[0].diff_ci_low"


def test_a_row_more_or_less_is_a_difference_named_where_the_lines_part():
    rebuilt = PUBLISHED.replace(
        "content.comparison.units[0].status=flagged\n",
        "content.comparison.units[0].status=flagged\ncontent.comparison.units[0].extra=1\n",
    )
    result = compare_leaves(PUBLISHED, rebuilt)
    assert not result.ok and result.beyond[0].path == "content.method.weighting"


def test_a_printed_bayes_factor_is_compared_on_the_log_scale_on_which_it_is_fitted():
    published = _leaves("content.method.weighting=主要证据：差距（贝叶斯因子约 145，很强）")
    assert compare_leaves(published, published.replace("145", "142")).ok  # measured across BLAS kernels
    assert not compare_leaves(published, published.replace("145", "250")).ok


def test_a_bayes_factor_in_english_is_recognised_by_its_wording():
    published = _leaves("content.method.weighting=the gap (Bayes factor about 2,585,025,188, very strong)")
    assert compare_leaves(published, published.replace("2,585,025,188", "2,466,219,483")).ok


def test_a_long_text_that_differs_is_named_by_an_excerpt_around_where_it_parts():
    before = "主要证据：" + "系统满意率高于回访满意率。" * 10
    published = _leaves(f"content.method.weighting={before}（贝叶斯因子约 145，很强）" + "说明。" * 30)
    difference = compare_leaves(published, published.replace("145", "999")).beyond[0]
    old, new = difference.excerpts()
    assert "145" in old and "999" in new
    assert old.startswith("…") and old.endswith("…") and len(old) < 90


def test_a_fitted_detail_of_the_unit_model_that_moves_further_is_reported_not_decisive():
    published = _leaves(
        "content.comparison.units[0].flagged=True",
        "content.comparison.units[0].inflation_low=0.0886",
        "content.comparison.units[0].evidence=受访者说由他人代评（弱）",
    )
    rebuilt = published.replace("0.0886", "0.0866").replace("由他人代评", "本人未评价")
    result = compare_leaves(published, rebuilt)
    assert result.ok and result.fitted_count == 2
    assert [d.path for d in result.fitted] == [
        "content.comparison.units[0].inflation_low",
        "content.comparison.units[0].evidence",
    ]


def test_a_units_verdict_is_never_a_fitted_detail():
    published = _leaves("content.staff.flagged[0].status=flagged", "content.staff.flagged[0].flagged=True")
    result = compare_leaves(published, published.replace("status=flagged", "status=no_evidence"))
    assert not result.ok and result.fitted_count == 0


def test_a_digest_or_an_identifier_in_a_text_is_a_word_not_a_number():
    published = _leaves("content.method.frame.note=文件 SHA-256 3e68773e4883e24e 属于 ORG0008，共 28 条")
    assert not compare_leaves(published, published.replace("3e68773e", "3e68774e")).ok
    assert not compare_leaves(published, published.replace("ORG0008", "ORG0009")).ok
    assert compare_leaves(published, published).ok
