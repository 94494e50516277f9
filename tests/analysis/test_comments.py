"""Open-comment coding library: the codebook, jieba suggestions, kappa per code, weighted theme
frequencies and anonymised quotes."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.inter_rater import cohens_kappa

from analysis.comments import (
    Codebook,
    CodebookError,
    Suggester,
    anonymise,
    default_codebook,
    kappa_per_code,
    load_codebook,
    parse_codebook,
    theme_frequencies,
)
from analysis.design import Design


@pytest.fixture(scope="module")
def codebook() -> Codebook:
    return default_codebook()


@pytest.fixture(scope="module")
def suggester(codebook) -> Suggester:
    return Suggester(codebook)


def _book(**theme) -> dict:
    base = {"code": "fees", "label": {"zh": "收费", "en": "Fees"}}
    return {"name": "t", "version": 1, "themes": [{**base, **theme}]}


# ---------------------------------------------------------------------------------------- codebook
def test_the_default_codebook_has_zh_and_en_labels_for_every_code(codebook):
    assert codebook.assignable_codes
    for code in codebook.codes:
        assert code.zh and code.en
        assert codebook.theme_of(code.code) in {theme.code for theme in codebook.themes}


def test_a_codebook_round_trips_through_its_stored_form(codebook):
    assert parse_codebook(codebook.as_dict()) == codebook


def test_a_json_codebook_loads_like_a_yaml_one(tmp_path, codebook):
    path = tmp_path / "book.json"
    path.write_text(json.dumps(codebook.as_dict(), ensure_ascii=False), encoding="utf-8")
    assert load_codebook(path) == codebook


def test_a_sub_theme_outside_its_theme_is_named_with_the_file(tmp_path):
    path = tmp_path / "book.yaml"
    path.write_text(
        "name: t\nthemes:\n  - code: fees\n    label: {zh: 收费, en: Fees}\n    subthemes:\n"
        "      - code: waiting.slow\n        label: {zh: 慢, en: Slow}\n",
        encoding="utf-8",
    )
    with pytest.raises(
        CodebookError, match=r"book\.yaml: sub-theme 1 of theme 'fees' has code 'waiting\.slow'"
    ):
        load_codebook(path)


def test_a_code_without_an_english_label_is_rejected():
    with pytest.raises(CodebookError, match="theme 'fees' needs a label with non-empty 'zh' and 'en'"):
        parse_codebook(_book(label={"zh": "收费"}), "book.yaml")


def test_a_repeated_code_is_rejected():
    data = _book()
    data["themes"].append(dict(data["themes"][0]))
    with pytest.raises(CodebookError, match="theme 2 repeats code 'fees'"):
        parse_codebook(data, "book.yaml")


def test_a_file_that_is_not_yaml_is_one_sentence(tmp_path):
    path = tmp_path / "book.yaml"
    path.write_text("themes: [unclosed", encoding="utf-8")
    with pytest.raises(CodebookError, match=r"book\.yaml: is not valid YAML"):
        load_codebook(path)


def test_an_unknown_code_lists_the_known_ones(codebook):
    with pytest.raises(CodebookError, match=r"known codes: waiting\.slow"):
        codebook.get("nonsense")


# ------------------------------------------------------------------------------------- suggestions
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("办事太慢，跑了好几次。", {"waiting.slow"}),
        ("工作人员态度不好，爱理不理的。", {"attitude.poor"}),
        ("工作人员很耐心，讲解详细。", {"attitude.good", "professional.good"}),
        ("收费很不透明，还要额外交钱。", {"fees.unclear"}),
        ("律师不专业，答非所问。", {"professional.poor"}),
    ],
)
def test_suggestions_follow_the_keyword_rules(suggester, text, expected):
    assert {s.code for s in suggester.suggest(text)} == expected


def test_a_negated_word_does_not_suggest_its_positive_code(suggester):
    assert "attitude.good" not in {s.code for s in suggester.suggest("接待的人一点也不耐心")}
    assert "attitude.good" not in {s.code for s in suggester.suggest("态度不好")}


def test_not_satisfied_is_not_praise(suggester):
    assert "overall.praise" not in {s.code for s in suggester.suggest("对结果不满意")}


def test_a_suggestion_says_which_rule_matched(suggester):
    (suggestion,) = suggester.suggest("排队等候的时间太长")
    assert suggestion.code == "waiting.slow" and "排队" in suggestion.keywords


def test_a_comment_without_keywords_gets_no_suggestion(suggester):
    assert suggester.suggest("没有了。") == []


# ------------------------------------------------------------------------------------------- kappa
def test_kappa_per_code_equals_statsmodels_on_each_codes_two_by_two_table():
    rng = np.random.default_rng(14)
    codes = ["a", "b", "c"]
    first, second = {}, {}
    for comment in range(60):
        chosen = {c for c in codes if rng.random() < 0.4}
        first[comment] = chosen
        second[comment] = {c for c in codes if (c in chosen) != (rng.random() < 0.15)}
    table = kappa_per_code(first, second, codes)
    for code in codes:
        a = np.array([code in first[i] for i in range(60)])
        b = np.array([code in second[i] for i in range(60)])
        counts = np.array([[np.sum(~a & ~b), np.sum(~a & b)], [np.sum(a & ~b), np.sum(a & b)]])
        expected = cohens_kappa(counts)
        row = table.set_index("code").loc[code]
        assert row["kappa"] == pytest.approx(expected.kappa)
        assert row["se"] == pytest.approx(expected.std_kappa)
        assert row["n"] == 60


def test_comments_only_one_coder_coded_are_left_out():
    table = kappa_per_code({1: {"a"}, 2: set(), 3: {"a"}}, {1: {"a"}, 2: set()}, ["a"])
    assert table.loc[0, "n"] == 2 and table.loc[0, "kappa"] == pytest.approx(1.0)


def test_a_code_nobody_used_has_no_kappa_but_full_agreement():
    table = kappa_per_code({1: {"a"}, 2: set()}, {1: {"a"}, 2: set()}, ["a", "b"])
    row = table.set_index("code").loc["b"]
    assert np.isnan(row["kappa"]) and row["agreement"] == 1.0


def test_kappa_intervals_stay_within_minus_one_and_one():
    first = {i: ({"a"} if i < 2 else set()) for i in range(5)}
    second = {i: ({"a"} if i < 1 else set()) for i in range(5)}
    row = kappa_per_code(first, second, ["a"]).iloc[0]
    assert -1 <= row["ci_low"] <= row["kappa"] <= row["ci_high"] <= 1


def test_a_code_only_one_coder_used_has_kappa_zero_and_no_interval():
    table = kappa_per_code({1: {"a"}, 2: set(), 3: set()}, {1: set(), 2: set(), 3: set()}, ["a"])
    row = table.iloc[0]
    assert row["kappa"] == 0 and np.isnan(row["ci_low"]) and row["first_only"] == 1


def test_no_double_coded_comment_is_one_sentence():
    with pytest.raises(ValueError, match="no comment was coded by both coders"):
        kappa_per_code({1: {"a"}}, {2: {"a"}}, ["a"])


# ------------------------------------------------------------------------------------- frequencies
@pytest.fixture
def respondents() -> tuple[Design, list]:
    data = pd.DataFrame(
        {
            "stratum": ["s1"] * 5 + ["s2"] * 5,
            "N_h": [100] * 5 + [400] * 5,
            "w": [20.0] * 5 + [80.0] * 5,
            "unit": ["u1", "u1", "u2", "u2", "u2", "u1", "u1", "u2", "u2", "u2"],
        }
    )
    codes = [{"fees.high"}, {"attitude.poor", "attitude.good"}, None, {"waiting.slow"}, None,
             {"fees.unclear"}, {"attitude.poor"}, {"fees.high", "waiting.slow"}, None, set()]  # fmt: skip
    return Design(data, strata="stratum", weights="w", fpc="N_h"), codes


def test_theme_frequency_is_the_weighted_share_of_commenters_mentioning_it(codebook, respondents):
    design, codes = respondents
    table = theme_frequencies(design, codes, codebook).set_index("theme")
    w = design.weights
    coded = [i for i, c in enumerate(codes) if c is not None]
    fees = [i for i in coded if any(code.startswith("fees.") for code in codes[i])]
    assert table.loc["fees", "estimate"] == pytest.approx(w[fees].sum() / w[coded].sum())
    assert table.loc["fees", "mentions"] == 3 and table.loc["fees", "comments"] == 7


def test_a_theme_counts_once_per_comment_however_many_sub_themes(codebook, respondents):
    design, codes = respondents
    table = theme_frequencies(design, codes, codebook).set_index("theme")
    assert table.loc["attitude", "mentions"] == 2


def test_frequencies_by_unit_use_each_units_commenters(codebook, respondents):
    design, codes = respondents
    table = theme_frequencies(design, codes, codebook, by="unit")
    fees_u2 = table[(table["group"] == "u2") & (table["theme"] == "fees")].iloc[0]
    # u2's commenters: rows 3 (w 20), 7 and 9 (w 80); only row 7 mentions fees
    assert fees_u2["estimate"] == pytest.approx(80 / 180)
    assert fees_u2["ci_low"] <= fees_u2["estimate"] <= fees_u2["ci_high"]


def test_labels_follow_the_language(codebook, respondents):
    design, codes = respondents
    english = theme_frequencies(design, codes, codebook, lang="en").set_index("theme")
    assert english.loc["fees", "label"] == "Fees"


# --------------------------------------------------------------------------------------- anonymise
@pytest.mark.parametrize(
    ("text", "scrubbed"),
    [
        ("有事打我电话13812345678。", "有事打我电话〔电话〕。"),
        ("手机138-1234-5678，座机021-61234567", "手机〔电话〕，座机〔电话〕"),
        ("我的号码是 +86 139 1234 5678", "我的号码是 〔电话〕"),
        ("身份证310101198001011234登记错了", "身份证〔证件号〕登记错了"),
        ("退款请打到账号6222021234567890123", "退款请打到账号〔号码〕"),
        ("我住在浦东新区张杨路1234弄5号601室，上门很方便", "我住在〔地址〕，上门很方便"),
        ("长宁区愚园路100号3号楼201室", "〔地址〕"),
        ("王律师态度很好，小李也不错", "某律师态度很好，某某也不错"),
        ("我是张伟，对结果不满意", "我是〔姓名〕，对结果不满意"),
        ("姓陈的工作人员很负责", "姓某的工作人员很负责"),
        ("欧阳调解员很耐心", "某调解员很耐心"),
        ("接待我的吴老师很负责", "接待我的某老师很负责"),
    ],
)
def test_personal_identifiers_are_scrubbed(text, scrubbed):
    assert anonymise(text) == scrubbed


def test_the_frames_own_names_are_scrubbed_wherever_they_appear():
    assert anonymise("刘建国的事情办好了", names=["刘建国"]) == "〔姓名〕的事情办好了"


@pytest.mark.parametrize(
    "text", ["希望多宣传12348热线。", "跑了3次才办好", "等了两个小时", "周末再来，叫号太慢"]
)
def test_service_numbers_counts_and_plain_words_stay(text):
    assert anonymise(text) == text
