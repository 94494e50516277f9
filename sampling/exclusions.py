"""Who may not be called: a do-not-call list, people called recently in another study, study rules.

Each excluded record is listed with one reason, the first that applies in this order:
``do_not_call``, ``called_recently``, ``rule:<column>`` (a yes/no frame column such as
``complaint_open`` that is true). Phone lists are normalised like the frame's phones, so
``138-1234-5678`` on a list matches ``13812345678`` in the frame.

When the frame's ``phone`` column holds keyed hashes instead of numbers (Huifang stores numbers
encrypted and matches on an HMAC), give ``match_key``: the function that turns normalised numbers
into those hashes. The lists are then compared as hashes; their fingerprints stay those of the numbers.
A caller that keeps its do-not-call list only as those hashes (Huifang never stores the numbers) gives
``do_not_call_keys`` instead of ``do_not_call``, with the fingerprint it recorded for the list
(``do_not_call_sha256``; by default the fingerprint of the sorted hashes).

A caller that finds recently contacted people itself (Huifang matches person keys across its studies'
call histories) gives their frame rows as ``recent_records`` with ``within_days`` and ``as_of``; the
design then records the window and date, and the rows are kept with their reason where the draw's
exclusions are kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sampling.errors import DesignError
from sampling.phones import normalise_phones

DO_NOT_CALL = "do_not_call"
CALLED_RECENTLY = "called_recently"


def phone_set(phones: Iterable[object]) -> set[str]:
    normalised, _ = normalise_phones(pd.Series(list(phones), dtype="str"))
    return set(normalised.dropna())


def list_sha256(phones: Iterable[str]) -> str:
    """Fingerprint of a phone list: sorted distinct normalised numbers, one per line."""
    return hashlib.sha256("\n".join(sorted(phones)).encode("utf-8")).hexdigest()


@dataclass
class Exclusions:
    """The exclusion inputs of one draw. ``as_of`` is the draw date the recent-call window counts back from."""

    do_not_call: Iterable[object] | None = None
    recent_calls: pd.DataFrame | None = None  # columns: phone, last_called
    within_days: int = 0
    rules: tuple[str, ...] = ("complaint_open",)
    as_of: dt.date | None = None
    match_key: Callable[[Iterable[str]], Iterable[str]] | None = None
    #: frame record ids whose person was contacted within `within_days` before `as_of` (the caller found
    #: them by matching people across studies); excluded as ``called_recently``, matched on `record_id`
    recent_records: Iterable[object] | None = None
    #: the do-not-call list as keyed hashes already (matched as they are, never through `match_key`)
    do_not_call_keys: Iterable[str] | None = None
    #: the recorded fingerprint of `do_not_call_keys`' list (default: `list_sha256` of the hashes)
    do_not_call_sha256: str | None = None
    _dnc: set[str] = field(init=False, repr=False, default_factory=set)
    _recent: set[str] = field(init=False, repr=False, default_factory=set)
    _dnc_match: set[str] = field(init=False, repr=False, default_factory=set)
    _recent_match: set[str] = field(init=False, repr=False, default_factory=set)
    _recent_records: set[str] = field(init=False, repr=False, default_factory=set)

    def __post_init__(self) -> None:
        if self.do_not_call is not None and self.do_not_call_keys is not None:
            raise DesignError("give the do-not-call list as numbers or as keyed hashes, not both")
        self._dnc = phone_set(self.do_not_call) if self.do_not_call is not None else set()
        if self.recent_calls is not None:
            if not {"phone", "last_called"} <= set(self.recent_calls.columns):
                raise DesignError("recent_calls needs the columns 'phone' and 'last_called'")
            if self.within_days <= 0:
                raise DesignError("recent_calls needs within_days > 0 (the respondent-burden window)")
            if self.as_of is None:
                raise DesignError("recent_calls needs as_of, the draw date the window counts back from")
            last = pd.to_datetime(self.recent_calls["last_called"], errors="coerce")
            if last.isna().any():
                bad = int(last.isna().to_numpy().argmax())
                raise DesignError(
                    f"recent_calls row {bad + 1}: last_called {self.recent_calls['last_called'].iloc[bad]!r} is not a date"
                )
            cutoff = pd.Timestamp(self.as_of) - pd.Timedelta(days=self.within_days)
            self._recent = phone_set(self.recent_calls.loc[(last > cutoff).to_numpy(), "phone"])
        if self.recent_records is not None:
            self._recent_records = {str(r) for r in self.recent_records}
        keyed = self.match_key or (lambda phones: phones)
        self._dnc_match = set(keyed(sorted(self._dnc)))
        if self.do_not_call_keys is not None:
            self._dnc_match = {str(k) for k in self.do_not_call_keys}
        self._recent_match = set(keyed(sorted(self._recent)))

    def config(self) -> dict[str, object]:
        """What a design records: the parameters and fingerprints of the lists (never the numbers)."""
        return {
            "rules": list(self.rules),
            "within_days": self.within_days,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "do_not_call_sha256": self._dnc_sha256(),
            "do_not_call_count": len(self._dnc_match if self.do_not_call_keys is not None else self._dnc),
            "recent_calls_sha256": list_sha256(self._recent) if self.recent_calls is not None else None,
            "recent_calls_count": len(self._recent),
        }

    def _dnc_sha256(self) -> str | None:
        if self.do_not_call_keys is not None:
            return self.do_not_call_sha256 or list_sha256(self._dnc_match)
        return list_sha256(self._dnc) if self.do_not_call is not None else None

    def reasons(self, data: pd.DataFrame) -> pd.Series:
        """The exclusion reason of every frame row (missing where the row may be called)."""
        reason = np.full(len(data), None, dtype=object)
        free = np.ones(len(data), dtype=bool)
        checks: list[tuple[str, np.ndarray]] = []
        if self._dnc_match:
            checks.append((DO_NOT_CALL, data["phone"].isin(self._dnc_match).to_numpy(dtype=bool)))
        recent = np.zeros(len(data), dtype=bool)
        if self._recent_match:
            recent |= data["phone"].isin(self._recent_match).to_numpy(dtype=bool)
        if self._recent_records:
            recent |= data["record_id"].astype(str).isin(self._recent_records).to_numpy(dtype=bool)
        if self._recent_match or self._recent_records:
            checks.append((CALLED_RECENTLY, recent))
        for rule in self.rules:
            if rule not in data.columns:
                continue
            flags = data[rule]
            flags = flags.astype("boolean").fillna(False).to_numpy(dtype=bool)
            checks.append((f"rule:{rule}", flags))
        for name, mask in checks:
            hit = mask & free
            reason[hit] = name
            free &= ~hit
        return pd.Series(reason, index=data.index, dtype="str")
