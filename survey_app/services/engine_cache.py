"""Interview engines kept between actions, so an answer does not rebuild its engine (issue 15).

The interview screen and `save_answer` each need the engine of the interview as stored. Building it
evaluates every relevance and calculation afresh (~0.2 ms for the callback template, on every screen
and every answer); a copy of the engine the last action of this process left is several times
cheaper (`questionnaires.Interview.resumed`).

A kept engine is used only when the answers just read from the database and the case's fields are
exactly (type and value) those it was left with, so an answer changed elsewhere (another app server,
a supervisor's correction, a direct edit) is a miss and the engine is rebuilt; and the copy re-checks
every expression through its memo (those whose inputs changed or that read the clock are evaluated
again), so a hit gives the engine a rebuild would. Entries are copies in both directions: no caller
shares an engine with the cache or with another caller. Bounded (least recently used goes first).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import questionnaires

#: Interviews whose engine a process keeps: more than the surveyors one app server serves at once.
MAX_ENGINES = 256

# (case id, questionnaire sha256, frozen) → (case fields, stored answers, engine)
_KEPT: OrderedDict[tuple[int, str, bool], tuple[dict[str, Any], dict[str, Any], questionnaires.Interview]]
_KEPT = OrderedDict()
_LOCK = threading.Lock()


def _same(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Equal with equal types (True == 1 == 1.0 in Python, not to the engine)."""
    return a == b and all(type(value) is type(b[key]) for key, value in a.items())


def engine(
    questionnaire: questionnaires.Questionnaire,
    key: tuple[int, str, bool],
    fields: dict[str, Any],
    answers: dict[str, Any],
) -> questionnaires.Interview:
    """The engine of an interview with these stored `answers`: a copy of the kept one if it matches,
    else built afresh. `key` is (case id, the version's sha256, its frozen flag)."""
    with _LOCK:
        kept = _KEPT.get(key)
        if kept is not None:
            _KEPT.move_to_end(key)
    if kept is not None and _same(kept[0], fields) and _same(kept[1], answers):
        return kept[2].resumed()
    return questionnaires.Interview(questionnaire, case=fields, answers=answers)


def keep(key: tuple[int, str, bool], fields: dict[str, Any], engine: questionnaires.Interview) -> None:
    """Keep a copy of the engine an action leaves (its answers as they are now stored)."""
    entry = (dict(fields), engine.stored_answers(), engine.copy())
    with _LOCK:
        _KEPT[key] = entry
        _KEPT.move_to_end(key)
        while len(_KEPT) > MAX_ENGINES:
            _KEPT.popitem(last=False)


def forget(key: tuple[int, str, bool]) -> None:
    with _LOCK:
        _KEPT.pop(key, None)
