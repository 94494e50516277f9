"""Every UI string exists in Chinese and English, and every key the pages ask for exists."""

from __future__ import annotations

import re
from pathlib import Path

from survey_app.app.i18n import STRINGS, t

APP = Path(__file__).resolve().parents[2] / "survey_app" / "app"
LITERAL_KEY = re.compile(r"""\btr?\(\s*["']([a-z_]+\.[a-z_0-9.]+)["']""")
PLACEHOLDER = re.compile(r"{(\w+)}")


def test_every_string_has_chinese_and_english():
    missing = [key for key, texts in STRINGS.items() if not texts.get("zh") or not texts.get("en")]
    assert missing == []


def test_both_languages_take_the_same_placeholders():
    differing = [
        key
        for key, texts in STRINGS.items()
        if set(PLACEHOLDER.findall(texts["zh"])) != set(PLACEHOLDER.findall(texts["en"]))
    ]
    assert differing == []


def test_every_key_the_app_uses_exists():
    used = {
        key for path in APP.rglob("*.py") for key in LITERAL_KEY.findall(path.read_text(encoding="utf-8"))
    }
    assert used, "the pattern found no keys: the test would pass vacuously"
    assert sorted(used - STRINGS.keys()) == []


def test_a_missing_english_text_falls_back_to_chinese_and_a_missing_key_shows_itself():
    assert t("login.title", "fr") == STRINGS["login.title"]["zh"]
    assert t("no.such.key", "en") == "no.such.key"


def test_english_says_one_case_and_two_cases_while_chinese_has_one_form():
    assert t("sample.released", "en", count=1) == "Released 1 case."
    assert t("sample.released", "en", count=2) == "Released 2 cases."
    assert t("sample.released", "zh", count=1) == "已释放 1 个个案。"


def test_every_plural_entry_names_a_placeholder_its_singular_takes():
    plural = {key: texts for key, texts in STRINGS.items() if "plural" in texts}
    assert plural, "no entry has a plural form: the test would pass vacuously"
    broken = [
        key
        for key, texts in plural.items()
        if texts["plural"] not in PLACEHOLDER.findall(texts["en"])
        or set(PLACEHOLDER.findall(texts["en_one"])) != set(PLACEHOLDER.findall(texts["en"]))
    ]
    assert broken == []
