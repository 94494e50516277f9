"""A memo for tests: a pure function's result for byte-identical arguments is computed once per run.

Every `verify` or report of the small demo re-runs the whole analysis from its copy of the database, as
it must: that is what those tests check. Two thirds of that analysis's CPU (~2 s of ~3 s) is
`analysis.compare_units` fitting the unit models, and most such tests hand it byte-for-byte the same
inputs (an attack on users, settings, signatures or the PDF leaves answers and frame alone). The
`same_inputs_same_units` fixture (tests/conftest.py) keeps each result under the SHA-256 of its pickled
arguments and hands back a copy for the same arguments again, as verification's own rendering cache does
for the PDF (`verification.rendered_sha256`).

What each test exercises is unchanged: the database is still read, the datasets, design, headline,
content and PDF are still rebuilt from it, and any change to what the comparison reads (an answer, a
weight, a case's state) changes the key and is computed afresh. The demo is built before the memo is
installed, so the first comparison of the untouched study in a run is computed by itself and must
reproduce, byte for byte, the report the build published. A module opts in with
`pytestmark = pytest.mark.usefixtures("same_inputs_same_units")`; one that monkeypatches anything the
comparison calls inside (a constant of `analysis.unit_posterior`, say) must not.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable
from typing import Any


class SameInputsSameResult:
    """A pure function's results kept by the SHA-256 of its pickled arguments; every call, the first
    included, gets its own copy (unpickled), so no caller can change what another receives and every
    caller receives the same objects. Arguments that cannot be pickled are computed every time."""

    def __init__(self, function: Callable[..., Any]) -> None:
        self.function = function
        self.kept: dict[str, bytes] = {}
        self.computed = 0

    def key(self, args: tuple, kwargs: dict) -> str | None:
        try:
            blob = pickle.dumps((args, sorted(kwargs.items())), protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError):
            return None
        return hashlib.sha256(blob).hexdigest()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        key = self.key(args, kwargs)
        if key is not None and key in self.kept:
            return pickle.loads(self.kept[key])
        self.computed += 1
        result = self.function(*args, **kwargs)
        if key is None:
            return result
        self.kept[key] = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        # the first caller gets a copy too: an equal fresh result can pickle to other bytes than its copy
        # (objects shared otherwise), and so would what a caller builds from it (verification's rendering
        # key, a pickle of the report's content: a second verify of the same study missed its cache)
        return pickle.loads(self.kept[key])
