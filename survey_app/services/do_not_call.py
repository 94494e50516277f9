"""A study's do-not-call list, kept as keyed hashes: the numbers of people who asked not to be called
are never stored.

Why: the frame's numbers are sealed and matched by `person_key` (HMAC-SHA256 under `match.key`, kept
outside the database), but the list used to sit in `studies.settings["do_not_call"]` in clear, and
every `state.changed` entry copied it into the audit log. Someone holding the database file read it.

Now the numbers typed or uploaded are normalised like the frame's (`sampling.phones`) and only their
person keys are kept (`do_not_call_keys`, the same key and normalisation, so the draw matches the
frame's keys directly and decrypts nothing), with the count and the list's fingerprint. A new list's
fingerprint is the SHA-256 of its sorted keys: a fingerprint of the numbers themselves can be brute
forced (a single mobile number is one of ~10^10) and would give the number back. A list stored in clear
by an older release is replaced at the next start (`seal_plain_lists`, audited, through the ORM so the
state chain records it); it keeps the fingerprint of its numbers that its draws recorded (already in
those designs), so `sample verify` still matches. Until then it is hashed on the fly when read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.security import audit
from survey_app.services.errors import InvalidState
from survey_app.storage.db import Database
from survey_app.storage.models import Study

#: what older releases stored: the numbers as typed (read only to replace them)
PLAIN = "do_not_call"
KEYS = "do_not_call_keys"
COUNT = "do_not_call_count"
SHA256 = "do_not_call_sha256"


def normalised(lines: list[str]) -> list[str]:
    """The distinct normalised numbers of `lines` (blank lines dropped), sorted; a line that is no
    phone number is refused in one sentence naming its line and showing it masked."""
    import pandas as pd

    from sampling.phones import normalise_phones
    from survey_app.security.masking import mask_phone

    typed = [(i, line.strip()) for i, line in enumerate(lines, start=1) if line and line.strip()]
    numbers, _ = normalise_phones(pd.Series([t for _, t in typed], dtype="str"), stripped=True)
    for (line, text), number in zip(typed, numbers, strict=True):
        if number is None or number is pd.NA or number != number:
            shown = mask_phone(text) or "*" * len(text)
            raise InvalidState(
                f"Do-not-call list, line {line} ({shown}): not a phone number; nothing was saved.",
                zh=f"免打扰名单第 {line} 行（{shown}）不是有效的电话号码，名单未保存。",
            )
    return sorted(set(numbers))


def file_lines(data: bytes) -> list[str]:
    """The numbers of an uploaded list: one a line (UTF-8 or GB18030); of a CSV line, its first field.
    A first line without a digit is a header and is dropped."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("gb18030", errors="replace")
    lines = [line.split(",")[0].strip().strip('"') for line in text.splitlines()]
    if lines and not any(ch.isdigit() for ch in lines[0]):
        lines[0] = ""  # blank, so later lines keep their numbers in messages
    return lines


def masked(lines: list[str], shown: int = 5) -> str:
    """A confirmation of what was saved without the numbers: the first `shown` normalised numbers
    masked (138****5678), then how many more."""
    from survey_app.security.masking import mask_phone

    numbers = normalised(lines)
    text = "、".join(mask_phone(n) for n in numbers[:shown])
    return text + (f" … (+{len(numbers) - shown})" if len(numbers) > shown else "")


def stored_form(numbers: list[str]) -> dict[str, Any]:
    """The settings that stand for normalised `numbers`: their person keys, count and fingerprint."""
    from sampling.exclusions import list_sha256
    from survey_app.security.fieldcrypto import person_keys

    keys = sorted(set(person_keys(numbers)))
    return {KEYS: keys, COUNT: len(keys), SHA256: list_sha256(keys)}


def count(study: Study) -> int:
    """How many people the study's list holds (also for a list not yet replaced)."""
    settings = study.settings or {}
    if KEYS in settings:
        return int(settings.get(COUNT, len(settings[KEYS])))
    from sampling.exclusions import phone_set

    return len(phone_set(settings.get(PLAIN) or []))


def exclusion_args(study: Study) -> dict[str, Any]:
    """The `sampling.Exclusions` arguments of the study's list (none when it has none)."""
    settings = study.settings or {}
    if settings.get(KEYS):
        return {"do_not_call_keys": settings[KEYS], "do_not_call_sha256": settings.get(SHA256)}
    if settings.get(PLAIN):  # an older release's list, read before the start-up replaced it
        return {"do_not_call": settings[PLAIN]}
    return {}


def replace(study: Study, numbers: list[str]) -> dict[str, Any]:
    """Put the keyed form of normalised `numbers` in the study's settings (dropping any plain list);
    returns the new settings' list entries."""
    form = stored_form(numbers)
    rest = {k: v for k, v in (study.settings or {}).items() if k not in (PLAIN, KEYS, COUNT, SHA256)}
    study.settings = {**rest, **(form if numbers else {})}
    return form


def seal_plain_lists(db: Database) -> list[str]:
    """The check on every start: replace each list an older release stored in clear by its keyed form,
    keeping the fingerprint its draws recorded. Returns the names of the studies changed."""
    with db.session() as session:
        return seal_plain_lists_in(session)


def seal_plain_lists_in(session: Session) -> list[str]:
    done = []
    plain = [
        i for i, settings in session.execute(select(Study.id, Study.settings)) if PLAIN in (settings or {})
    ]
    for study_id in plain:
        study = session.get(Study, study_id)
        audit.record(
            session,
            "system",
            "study.do_not_call_sealed",
            study_id=study.id,
            entity="study",
            entity_id=study.id,
            numbers=_seal_plain(study),
        )
        done.append(study.name)
    return done


def _seal_plain(study: Study) -> int:
    """Replace the study's plain list by its keyed form, keeping the fingerprint of its numbers that
    its draws recorded; returns the count."""
    from sampling.exclusions import list_sha256, phone_set

    numbers = sorted(phone_set((study.settings or {}).get(PLAIN) or []))
    form = replace(study, numbers)
    if numbers:
        study.settings = {**study.settings, SHA256: list_sha256(numbers)}
    return form[COUNT]


def rekey(study: Study, rehash: Callable[[list[str]], list[str]]) -> None:
    """Purge: the list's keys re-hashed as the frame's person keys are (`retention`), so it still
    matches the same rows and re-draws the same sample, but no number can be tested against it any more.
    Count and fingerprint stay."""
    if PLAIN in (study.settings or {}):
        _seal_plain(study)
    settings = study.settings or {}
    if settings.get(KEYS):
        study.settings = {**settings, KEYS: sorted(rehash(list(settings[KEYS])))}
