"""Which export header holds which Huifang field.

A mapping is a plain dict ``{export header: field}``. The built-in synonyms in
``vocabulary.HEADER_SYNONYMS`` cover the usual exports; a researcher's own mapping (saved as JSON and
reused for the next export from the same system) overrides them header by header.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from sampling.errors import MappingError
from sampling.textclean import clean
from sampling.vocabulary import FRAME_FIELDS, HEADER_SYNONYMS

MAPPING_FORMAT_VERSION = 1


def normalise_header(header: object) -> str:
    """Headers compare without case, invisible characters, full-width forms or surrounding and doubled
    spaces."""
    return " ".join(clean(str(header)).strip().lower().split())


SYNONYM_TO_FIELD: dict[str, str] = {
    normalise_header(name): field for field, names in HEADER_SYNONYMS.items() for name in names
}


def _rank(field: str, header: str) -> int:
    names = [normalise_header(name) for name in HEADER_SYNONYMS[field]]
    return names.index(normalise_header(header))


def guess_mapping(headers: Iterable[object]) -> dict[str, str]:
    """Map the headers that match a built-in synonym; when two match one field the better synonym wins."""
    best: dict[str, str] = {}
    for header in headers:
        field = SYNONYM_TO_FIELD.get(normalise_header(header))
        if field is None:
            continue
        current = best.get(field)
        if current is None or _rank(field, str(header)) < _rank(field, current):
            best[field] = str(header)
    return {header: field for field, header in best.items()}


def ambiguous_headers(
    headers: Iterable[object], mapping: Mapping[str, str | None] | None = None
) -> dict[str, list[str]]:
    """Fields that two or more headers could hold by their names, where ``mapping`` does not decide.

    ``resolve_mapping`` takes the better synonym; loading a file refuses to guess (a column would be
    dropped unseen), while the app's mapping step shows the guess for the researcher to confirm.
    """
    given = {normalise_header(h): f for h, f in (mapping or {}).items()}
    chosen = {f for f in given.values() if f is not None}
    candidates: dict[str, list[str]] = {}
    for header in (str(h) for h in headers):
        key = normalise_header(header)
        field = SYNONYM_TO_FIELD.get(key)
        if field is not None and key not in given and field not in chosen:
            candidates.setdefault(field, []).append(header)
    return {field: names for field, names in candidates.items() if len(names) > 1}


def resolve_mapping(
    headers: Iterable[object], mapping: Mapping[str, str | None] | None = None
) -> dict[str, str]:
    """The mapping to use: the built-in guesses, overridden by ``mapping`` (a field of None drops a header).

    Headers in ``mapping`` match the file's headers after normalisation, so a mapping saved from one
    export still fits the next one with a BOM or different spacing.
    """
    headers = [str(h) for h in headers]
    by_norm = {normalise_header(h): h for h in headers}
    resolved = guess_mapping(headers)
    for given_header, field in (mapping or {}).items():
        if field is not None and field not in FRAME_FIELDS:
            raise MappingError(
                f"mapping: {given_header!r} → {field!r}: {field!r} is not a Huifang field. "
                f"Use one of: {', '.join(FRAME_FIELDS)}."
            )
        header = by_norm.get(normalise_header(given_header))
        if header is None:
            continue
        if field is None:
            resolved.pop(header, None)
            continue
        for other, other_field in list(resolved.items()):
            if other_field == field and other != header:
                del resolved[other]
        resolved[header] = field
    seen: dict[str, str] = {}
    for header, field in resolved.items():
        if field in seen:
            raise MappingError(
                f"mapping: headers {seen[field]!r} and {header!r} both map to {field!r}; map one of them to None."
            )
        seen[field] = header
    return resolved


def save_mapping(mapping: Mapping[str, str | None], path: str | Path) -> None:
    """Write a mapping as JSON so the next export from the same system loads without questions."""
    for header, field in mapping.items():
        if field is not None and field not in FRAME_FIELDS:
            raise MappingError(f"mapping: {header!r} → {field!r}: {field!r} is not a Huifang field.")
    document = {"format": "huifang-mapping", "version": MAPPING_FORMAT_VERSION, "mapping": dict(mapping)}
    Path(path).write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def load_mapping(path: str | Path) -> dict[str, str | None]:
    """Read a mapping written by ``save_mapping`` (or a bare JSON object {header: field})."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MappingError(
            f"{path}: cannot read the mapping ({exc}). Save it again with save_mapping."
        ) from exc
    mapping = document.get("mapping", document) if isinstance(document, dict) else None
    if not isinstance(mapping, dict) or not all(isinstance(k, str) for k in mapping):
        raise MappingError(f"{path}: a mapping must be a JSON object {{export header: field}}.")
    for header, field in mapping.items():
        if field is not None and field not in FRAME_FIELDS:
            raise MappingError(f"{path}: {header!r} → {field!r}: {field!r} is not a Huifang field.")
    return mapping
