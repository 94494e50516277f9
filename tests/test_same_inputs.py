"""The tests' memo of the unit comparison (tests/same_inputs.py) cannot hide a change: it answers only
byte-for-byte identical arguments, computes anything else afresh, and never shares a result object."""

from __future__ import annotations

import pickle
import threading

import pandas as pd

from tests.same_inputs import SameInputsSameResult


def _comparison(frame: pd.DataFrame, *, seed: int = 0) -> pd.DataFrame:
    return frame.assign(flagged=frame["rate"] > 0.5 + seed / 100)


def test_identical_arguments_are_computed_once_and_each_caller_gets_its_own_copy():
    memo = SameInputsSameResult(_comparison)
    frame = pd.DataFrame({"rate": [0.2, 0.9]})
    first = memo(frame, seed=1)
    first.loc[0, "flagged"] = True  # a caller changing what it received
    again = memo(frame.copy(), seed=1)
    assert memo.computed == 1
    assert again["flagged"].tolist() == [False, True]


UNIT_NAME = "上海市某某区公证处（演示）" * 4  # one string object, as a module constant is


def test_the_first_caller_gets_a_copy_too_so_what_callers_build_from_it_pickles_alike():
    """A fresh result may share an object with what its caller also holds (here the constant); its copy
    does not, so without a copy for the first call a pickle of the same content would differ (as
    verification's rendering key did between two verifies of one study)."""
    memo = SameInputsSameResult(lambda: [UNIT_NAME])
    built = [pickle.dumps((memo(), UNIT_NAME), protocol=pickle.HIGHEST_PROTOCOL) for _ in range(2)]
    assert built[0] == built[1]


def test_one_changed_value_or_keyword_is_computed_afresh():
    memo = SameInputsSameResult(_comparison)
    frame = pd.DataFrame({"rate": [0.2, 0.9]})
    memo(frame, seed=1)
    changed = frame.copy()
    changed.loc[0, "rate"] = 0.2000000001
    assert memo(changed, seed=1)["flagged"].tolist() == [False, True]
    assert memo(frame, seed=50)["flagged"].tolist() == [False, False]
    assert memo.computed == 3


def test_arguments_that_cannot_be_pickled_are_computed_every_time():
    memo = SameInputsSameResult(lambda lock, value: value * 2)
    lock = threading.Lock()
    assert [memo(lock, 3), memo(lock, 3)] == [6, 6]
    assert memo.computed == 2 and memo.kept == {}
