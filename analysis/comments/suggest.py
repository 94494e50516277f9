"""Code suggestions for a comment from Chinese word segmentation (jieba) and the codebook's keyword rules.

Why segmentation and not substring search: "满意" is inside "不满意" and "专业" inside "不专业"; jieba
splits a clause into words, and a rule's word matches a word of the clause that is it or contains it
("热情" in "热情周到") — but not a negated word ("好" in "不好", "满意" in "不满意"), and a one-word
rule not when a negation (不, 没, 没有, 未, 无, 不用…) stands right before it ("不 耐心", "不用 排队").
A rule of several words ("收费 不 透明") matches when each of its words matches in the same clause
(clauses end at punctuation), so "收费很不透明" and "收费不透明" both match. Suggestions are only suggestions: a coder accepts or
rejects each one, and only what the coder accepts is stored as a coding.

jieba segments with a dictionary of the codebook's own words (see `tokenizer`), so each rule word is
one word wherever it occurs, and its HMM splits the rest.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from analysis.comments.codebook import Codebook

NEGATIONS = frozenset(
    {"不", "没", "没有", "未", "无", "别", "不太", "不是", "并不", "不用", "无需", "不必", "不会"}
)
_NEGATION_CHARS = frozenset("不没未无别")
_CLAUSE_END = re.compile(r"[，,。.！!？?；;：:\s、…~～（）()\[\]【】“”\"']+")


def _jieba():
    """jieba, imported without `pkg_resources`: jieba 0.42 imports it only to find its own data files and
    falls back to plain paths without it; blocking that import saves 0.5–1 s per process (and
    setuptools' deprecation warning)."""
    if "jieba" in sys.modules:
        return sys.modules["jieba"]
    blocked = "pkg_resources" not in sys.modules
    if blocked:
        sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # makes `import pkg_resources` fail
    try:
        import jieba
    finally:
        if blocked:
            del sys.modules["pkg_resources"]
    return jieba


def tokenizer(words: Iterable[str]):
    """A jieba tokenizer whose dictionary is `words` (and the negations), with jieba's HMM for the rest.

    Why not jieba's own 350,000-word dictionary: it takes a second or more to load in every process,
    and its segmentation changes with jieba's releases; the codebook's words are the only ones a rule
    can match, so a dictionary of them gives the same suggestions for the same codebook everywhere, at
    once."""
    jieba = _jieba()
    jieba.setLogLevel(logging.WARNING)
    entries = sorted({w for w in (*words, *NEGATIONS) if len(w) > 1})
    handle, path = tempfile.mkstemp(prefix="huifang-codebook-", suffix=".txt")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write("".join(f"{word} 1000\n" for word in entries))
    try:
        instance = jieba.Tokenizer(dictionary=path)
        instance.initialize()
    finally:
        os.unlink(path)
    return instance


def clauses(text: str, cut: Callable[[str], list[str]]) -> list[list[str]]:
    """The text's clauses, each as its words by `cut` (punctuation and spaces dropped)."""
    return [[w for w in cut(part) if w.strip()] for part in _CLAUSE_END.split(text or "") if part.strip()]


def _contains(token: str, word: str) -> bool:
    """`word` is `token` or part of it, but not the positive part of a negated token ("好" in "不好")."""
    if word not in token:
        return False
    return token == word or token[0] not in _NEGATION_CHARS or word[0] in _NEGATION_CHARS


@dataclass(frozen=True)
class Suggestion:
    code: str
    keywords: tuple[str, ...]  # the rules that matched, as written in the codebook


class Suggester:
    """Suggests codes of `codebook` for comments; one instance serves many comments."""

    def __init__(self, codebook: Codebook) -> None:
        self.codebook = codebook
        self.rules: list[tuple[str, str, tuple[str, ...]]] = []
        for code in codebook.codes:
            if not code.assignable:
                continue
            for rule in code.keywords:
                self.rules.append((code.code, rule, tuple(rule.split())))
        self._cut = tokenizer(word for _, _, words in self.rules for word in words).lcut

    @staticmethod
    def _matches(words: tuple[str, ...], clause: list[str]) -> bool:
        if len(words) == 1:
            word = words[0]
            return any(
                _contains(token, word) and (i == 0 or clause[i - 1] not in NEGATIONS)
                for i, token in enumerate(clause)
            )
        return all(any(_contains(token, word) for token in clause) for word in words)

    def suggest(self, text: str) -> list[Suggestion]:
        """The codes whose rules match `text`, in codebook order, each with the rules that matched."""
        parts = clauses(text, self._cut)
        found: dict[str, list[str]] = {}
        for code, rule, words in self.rules:
            if any(self._matches(words, clause) for clause in parts):
                found.setdefault(code, []).append(rule)
        return [
            Suggestion(code, tuple(found[code])) for code in self.codebook.assignable_codes if code in found
        ]
