"""The codebook: themes and their sub-themes (zh/en labels) and the keyword rules that suggest them.

Coders assign the codes of sub-themes (or of a theme that has none); frequencies are reported per
theme. A keyword rule is one or more words separated by spaces; a rule matches a comment when every
word occurs among the comment's segmented words within one clause (see `analysis.comments.suggest`).

A codebook is a YAML or JSON mapping:

    name: legal-services
    version: 1
    themes:
      - code: waiting
        label: {zh: 等候时间, en: Waiting time}
        subthemes:
          - code: waiting.long
            label: {zh: 等候时间长, en: Long waits}
            keywords: [排队, 等 很久]

Bad input raises `CodebookError`: one sentence naming the file and the entry.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from analysis.errors import AnalysisError

DEFAULT_CODEBOOK = Path(__file__).with_name("legal_services.yaml")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser when libyaml is there
_CODE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$")


class CodebookError(AnalysisError):
    """A codebook file cannot be read or an entry of it is malformed."""


@dataclass(frozen=True)
class Code:
    """One code: a theme (`theme` is its own code) or a sub-theme of `theme`."""

    code: str
    theme: str
    zh: str
    en: str
    keywords: tuple[str, ...] = ()
    assignable: bool = True  # a theme with sub-themes is reported, not assigned

    def label(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


@dataclass(frozen=True)
class Codebook:
    name: str
    version: int
    codes: tuple[Code, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_code", {code.code: code for code in self.codes})

    def get(self, code: str) -> Code:
        try:
            return self._by_code[code]  # type: ignore[attr-defined]
        except KeyError:
            raise CodebookError(
                f"code {code!r} is not in codebook {self.name} v{self.version}; "
                f"known codes: {', '.join(self.assignable_codes)}"
            ) from None

    def __contains__(self, code: object) -> bool:
        return code in self._by_code  # type: ignore[attr-defined]

    @property
    def themes(self) -> tuple[Code, ...]:
        return tuple(code for code in self.codes if code.code == code.theme)

    @property
    def assignable_codes(self) -> tuple[str, ...]:
        """The codes a coder may assign, in codebook order."""
        return tuple(code.code for code in self.codes if code.assignable)

    def theme_of(self, code: str) -> str:
        return self.get(code).theme

    def label(self, code: str, lang: str = "zh") -> str:
        """'theme / sub-theme' (or the theme alone) in `lang`."""
        entry = self.get(code)
        if entry.code == entry.theme:
            return entry.label(lang)
        return f"{self.get(entry.theme).label(lang)} / {entry.label(lang)}"

    def as_dict(self) -> dict[str, Any]:
        """The codebook as the mapping `parse_codebook` reads (what a stored version keeps)."""
        themes = []
        for theme in self.themes:
            subs = [c for c in self.codes if c.theme == theme.code and c.code != theme.code]
            entry: dict[str, Any] = {"code": theme.code, "label": {"zh": theme.zh, "en": theme.en}}
            if subs:
                entry["subthemes"] = [
                    {"code": s.code, "label": {"zh": s.zh, "en": s.en}, "keywords": list(s.keywords)}
                    for s in subs
                ]
            else:
                entry["keywords"] = list(theme.keywords)
            themes.append(entry)
        return {"name": self.name, "version": self.version, "themes": themes}


def _label(entry: Mapping[str, Any], where: str) -> tuple[str, str]:
    label = entry.get("label")
    if not isinstance(label, Mapping) or not all(
        isinstance(label.get(lang), str) and label[lang].strip() for lang in ("zh", "en")
    ):
        raise CodebookError(f"{where} needs a label with non-empty 'zh' and 'en' texts")
    return label["zh"].strip(), label["en"].strip()


def _keywords(entry: Mapping[str, Any], where: str) -> tuple[str, ...]:
    words = entry.get("keywords", [])
    if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
        raise CodebookError(f"{where} has keywords that are not a list of non-empty texts")
    return tuple(" ".join(w.split()) for w in words)


def _code(entry: Any, where: str, seen: set[str]) -> str:
    if not isinstance(entry, Mapping):
        raise CodebookError(f"{where} is not a mapping with code and label")
    code = entry.get("code")
    if not isinstance(code, str) or not _CODE.match(code):
        raise CodebookError(
            f"{where} has code {code!r}; use lower-case letters, digits and _ (a sub-theme: theme.sub)"
        )
    if code in seen:
        raise CodebookError(f"{where} repeats code {code!r}")
    seen.add(code)
    return code


def parse_codebook(data: Any, source: str = "codebook") -> Codebook:
    """A `Codebook` from the mapping a YAML/JSON file holds; `source` names the file in errors."""
    if not isinstance(data, Mapping):
        raise CodebookError(f"{source}: the codebook must be a mapping with name, version and themes")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise CodebookError(f"{source}: entry 'name' must be a non-empty text")
    version = data.get("version", 1)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise CodebookError(f"{source}: entry 'version' is {version!r}; give a whole number ≥ 1")
    themes = data.get("themes")
    if not isinstance(themes, list) or not themes:
        raise CodebookError(f"{source}: entry 'themes' must be a non-empty list")
    seen: set[str] = set()
    codes: list[Code] = []
    for t_index, theme in enumerate(themes, start=1):
        where = f"{source}: theme {t_index}"
        code = _code(theme, where, seen)
        if "." in code:
            raise CodebookError(f"{where} has code {code!r}; a theme's code has no '.'")
        where = f"{source}: theme {code!r}"
        zh, en = _label(theme, where)
        subs = theme.get("subthemes", [])
        if not isinstance(subs, list):
            raise CodebookError(f"{where} has subthemes that are not a list")
        codes.append(Code(code, code, zh, en, _keywords(theme, where), assignable=not subs))
        for s_index, sub in enumerate(subs, start=1):
            sub_where = f"{source}: sub-theme {s_index} of theme {code!r}"
            sub_code = _code(sub, sub_where, seen)
            if not sub_code.startswith(f"{code}."):
                raise CodebookError(f"{sub_where} has code {sub_code!r}; it must start with '{code}.'")
            sub_where = f"{source}: sub-theme {sub_code!r}"
            s_zh, s_en = _label(sub, sub_where)
            codes.append(Code(sub_code, code, s_zh, s_en, _keywords(sub, sub_where)))
    return Codebook(name.strip(), version, tuple(codes))


def load_codebook(path: str | Path) -> Codebook:
    """Read a codebook from a .yaml/.yml/.json file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CodebookError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.load(text, Loader=_LOADER)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CodebookError(
            f"{path}: is not valid {path.suffix.lstrip('.').upper() or 'YAML'} ({first})"
        ) from None
    return parse_codebook(data, str(path))


def default_codebook() -> Codebook:
    """The shipped codebook for public legal services (waiting, attitude, fees, professionalism…)."""
    return load_codebook(DEFAULT_CODEBOOK)
