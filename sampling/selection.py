"""Stratified simple random sampling without replacement, reproducible anywhere.

How a draw is made (version ``huifang-philox-v1``; the same frame, design and seed give the same sample
on any machine, with any later numpy, pandas or Huifang):

1. **Units in canonical order.** The frame's rows are taken in frame order (the order the frame
   fingerprint covers). Excluded rows are set aside with their reason. With ``unit="event"`` every
   remaining row is a unit. With ``unit="person"`` the remaining rows are grouped by phone number; persons
   are ordered by their first remaining row.
2. **The event to ask a person about** is chosen at random among that person's remaining events: row i
   of the frame gets the i-th 64-bit output of Philox4x64-10 keyed ``(seed, K_event)``, and each person's
   event with the smallest output is chosen (ties → earlier row). The person belongs to the stratum of
   that event. Why: every person then has exactly one stratum, every event of theirs has the same chance
   1/(their number of events) of being the one asked about (a two-phase design: conditional on the
   choices, π is that of stratified SRS, and an event-level weight is ``n_events / π``), and a person
   with events in several strata is not favoured over one with a single event. The number of the
   person's eligible events is recorded in ``n_events``. (The latest event, the obvious alternative,
   would never ask about a frequent user's earlier events, so events would not all have a known,
   non-zero chance of being checked.)
3. **Strata** are the distinct value combinations of the strata columns; a stratum's key is its values
   joined by ``|``. Each stratum draws from its own stream: Philox4x64-10 keyed ``(seed, K_h)`` where
   ``K_h`` is the first 8 bytes (little-endian) of SHA-256 of ``"stratum:" + key``. A stratum's sample
   therefore does not change when another stratum's rows or allocation change.
4. **Selection.** The unit with canonical rank j in stratum h gets the j-th raw 64-bit output of its
   stratum's stream. Units are ordered by that number (ties, which have probability 2⁻⁶⁴, by rank); the
   first n_h form the main sample (replicate 0) and the next ones the reserve replicates 1..k, in the
   same order. Ordering i.i.d. uniform keys is simple random sampling without replacement, and every
   prefix of the order is too — so releasing a replicate only takes the next positions.
5. **Weights.** For the released cases of a stratum, π = m_h / N_h (m_h = cases released, N_h = units
   in the stratum after exclusions) and the design weight is 1/π.

"The j-th output" of a stream keyed (seed, K): outputs come in blocks of four 64-bit words; block b
(b = 1, 2, …) is Philox4x64-10 (Salmon et al. 2011, Random123) applied to the counter (b, 0, 0, 0)
with the key (seed, K), and output j (0-based) is word j mod 4 of block j // 4 + 1. This is exactly
numpy's ``Philox(key=[seed, K]).random_raw()``, a bit generator whose stream numpy keeps stable;
``tests/sampling/test_reproducibility.py`` re-derives it in plain Python.

Only integers and the Philox bit stream are involved: no floating-point key that can round into another
stratum, no ``Generator`` method whose algorithm numpy may change, no hash deciding which units are kept.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sampling.errors import DesignError, DrawError

if TYPE_CHECKING:
    from sampling.design import SampleDesign
    from sampling.exclusions import Exclusions

ALGORITHM = "huifang-philox-v1"
SEPARATOR = "|"
_UINT64_MAX = np.iinfo(np.uint64).max


def stream_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "little")


def random_stream(seed: int, name: str, size: int) -> np.ndarray:
    """The first ``size`` raw outputs of Philox4x64-10 keyed (seed, K(name)) — stable by construction."""
    key = np.array([seed, stream_key(name)], dtype=np.uint64)
    return np.random.Philox(key=key).random_raw(size)


def check_seed(seed: int) -> int:
    if isinstance(seed, bool) or int(seed) != seed or not 0 <= int(seed) < 2**64:
        raise DesignError(f"the seed must be a whole number from 0 to 2**64 - 1 (got {seed!r})")
    return int(seed)


def stratum_label(values: object) -> str:
    """A stratum's key: its values joined by '|' (a single value as itself)."""
    if isinstance(values, tuple):
        return SEPARATOR.join(str(v) for v in values)
    return str(values)


@dataclass
class Units:
    """The sampling units of a frame under a design, before selection."""

    rows: np.ndarray  # frame position of each unit's row (the event asked about)
    stratum: np.ndarray  # index into ``keys`` for each unit
    keys: list[str]  # stratum keys, sorted by code point
    n_events: np.ndarray | None  # person unit: the person's eligible events
    person: np.ndarray | None  # person unit: person number of every frame row (-1 excluded)
    excluded: pd.DataFrame

    def sizes(self) -> pd.Series:
        counts = np.bincount(self.stratum, minlength=len(self.keys))
        return pd.Series(counts, index=pd.Index(self.keys, name="stratum"), dtype="int64", name="N_h")


def _stratum_codes(data: pd.DataFrame, strata: list[str]) -> tuple[np.ndarray, list[str]]:
    """Each row's stratum as an index into the code-point-sorted list of keys (int16 when it fits)."""
    missing = [c for c in strata if c not in data.columns]
    if missing:
        raise DrawError(f"strata column(s) not in the frame: {', '.join(missing)}")
    combined: np.ndarray | None = None
    labels: list[list[str]] = []
    radix = 1
    for column in strata:
        values = data[column]
        if isinstance(values.dtype, pd.CategoricalDtype):
            codes = values.cat.codes.to_numpy()
            names = [str(c) for c in values.cat.categories]
        else:
            codes, uniques = pd.factorize(values, sort=False)
            names = [str(u) for u in uniques]
        if (codes < 0).any():
            row = int(np.flatnonzero(codes < 0)[0])
            raise DrawError(
                f"strata column {column!r} is empty on {int((codes < 0).sum())} row(s) (first: record "
                f"{data['record_id'].iloc[row] if 'record_id' in data.columns else row}); fill it or drop those rows"
            )
        codes = codes.astype(np.int64)
        combined = codes if combined is None else combined * len(names) + codes
        radix *= max(len(names), 1)
        labels.append(names)
    assert combined is not None
    dense = radix <= 4 * len(data) + 1024  # few possible strata: count and look up instead of sorting
    present = np.flatnonzero(np.bincount(combined, minlength=radix)) if dense else np.unique(combined)
    keys = []
    for code in present:
        parts = []
        rest = int(code)
        for names in reversed(labels):
            parts.append(names[rest % len(names)])
            rest //= len(names)
        keys.append(SEPARATOR.join(reversed(parts)))
    order = sorted(range(len(keys)), key=lambda i: keys[i])
    sorted_keys = [keys[i] for i in order]
    if len(set(sorted_keys)) != len(sorted_keys):
        raise DrawError(f"two strata print the same key (a value contains {SEPARATOR!r}); rename the values")
    dtype = np.int16 if len(keys) < 2**15 else np.int32  # 16-bit codes sort by radix, in linear time
    rank = np.empty(len(keys), dtype=dtype)
    rank[order] = np.arange(len(keys), dtype=dtype)
    if dense:
        lookup = np.zeros(radix, dtype=dtype)
        lookup[present] = rank
        return lookup[combined], sorted_keys
    return rank[np.searchsorted(present, combined)], sorted_keys


def _phone_numbers(phones: pd.Series) -> np.ndarray:
    """Person numbers in order of first appearance (phones as integers when they are all digits)."""
    try:
        values = pc.cast(pa.array(phones.astype("str")), pa.int64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        values = phones.astype("str").to_numpy()
    codes, _ = pd.factorize(values, sort=False)
    return codes


def prepare_units(
    data: pd.DataFrame, strata: list[str], seed: int, unit: str = "person", exclude: Exclusions | None = None
) -> Units:
    """Steps 1–3 of the module docstring: exclusions, persons, strata."""
    if unit not in ("person", "event"):
        raise DesignError(f"unit must be 'person' or 'event' (got {unit!r})")
    seed = check_seed(seed)
    if isinstance(strata, str):
        strata = [strata]
    if not strata:
        raise DesignError(
            "give at least one strata column (use a constant column for an unstratified sample)"
        )
    codes, keys = _stratum_codes(data, list(strata))
    reasons = exclude.reasons(data) if exclude is not None else None
    eligible = reasons.isna().to_numpy(dtype=bool) if reasons is not None else np.ones(len(data), dtype=bool)
    excluded_rows = np.flatnonzero(~eligible)
    excluded = pd.DataFrame(
        {
            "record_id": data["record_id"].iloc[excluded_rows].to_numpy() if len(excluded_rows) else [],
            "stratum": np.array(keys, dtype=object)[codes[excluded_rows]] if len(excluded_rows) else [],
            "reason": reasons.iloc[excluded_rows].to_numpy()
            if reasons is not None and len(excluded_rows)
            else [],
        }
    ).astype("str")
    if unit == "event":
        rows = np.flatnonzero(eligible)
        return Units(rows, codes if len(rows) == len(codes) else codes[rows], keys, None, None, excluded)
    if "phone" not in data.columns:
        raise DrawError("the person unit needs a 'phone' column")
    eligible_rows = np.flatnonzero(eligible)
    person_of_eligible = _phone_numbers(data["phone"].iloc[eligible_rows])
    if (person_of_eligible < 0).any():
        first = data["record_id"].iloc[eligible_rows[np.flatnonzero(person_of_eligible < 0)[0]]]
        raise DrawError(
            f"{int((person_of_eligible < 0).sum())} row(s) have no phone number (first: record {first}); "
            "a person sample needs one on every row — load the frame with load_frame, or use unit='event'"
        )
    n_persons = int(person_of_eligible.max()) + 1 if len(person_of_eligible) else 0
    draws = random_stream(seed, "event-choice", len(data))[eligible_rows]
    smallest = np.full(n_persons, _UINT64_MAX, dtype=np.uint64)
    np.minimum.at(smallest, person_of_eligible, draws)
    candidates = np.flatnonzero(draws == smallest[person_of_eligible])
    first = np.full(n_persons, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, person_of_eligible[candidates], candidates)  # a tie (p = 2⁻⁶⁴) → earlier row
    rows = eligible_rows[first]
    person = np.full(len(data), -1, dtype=np.int64)
    person[eligible_rows] = person_of_eligible
    n_events = np.bincount(person_of_eligible, minlength=n_persons)
    return Units(rows, codes[rows], keys, n_events, person, excluded)


def _allocation_by_key(allocation: pd.Series | dict, keys: list[str], sizes: np.ndarray) -> np.ndarray:
    series = pd.Series(allocation)
    by_key: dict[str, int] = {}
    for index, value in series.items():
        if int(value) != value or value < 0:
            raise DesignError(
                f"stratum {stratum_label(index)!r}: n_h must be a whole number ≥ 0 (got {value})"
            )
        by_key[stratum_label(index)] = int(value)
    known = set(keys)
    stray = [k for k, value in by_key.items() if k not in known and value > 0]
    if stray:
        raise DrawError(
            f"the allocation names strata with no eligible units in the frame: {', '.join(stray[:10])}"
        )
    absent = [k for k in keys if k not in by_key]
    if absent:
        raise DrawError(
            f"the allocation has no n_h for {len(absent)} stratum/strata of the frame (e.g. {', '.join(absent[:5])}); "
            "allocate over the frame's own strata (give 0 to leave a stratum out on purpose)"
        )
    n = np.array([by_key[k] for k in keys], dtype=np.int64)
    too_many = np.flatnonzero(n > sizes)
    if too_many.size:
        h = int(too_many[0])
        raise DrawError(
            f"stratum {keys[h]!r}: n_h = {n[h]} but only {sizes[h]} eligible units remain after exclusions"
            " (and, for persons, one case per phone); allocate over unit_sizes(...) instead of row counts"
        )
    return n


def reserve_sizes(n_h: int, available: int, reserve: float, replicates: int) -> list[int]:
    """Reserve cases of one stratum: ceil(reserve × n_h) (at most what is left), split into replicates."""
    total = min(available, math.ceil(round(reserve * n_h, 9))) if n_h > 0 else 0
    base, extra = divmod(total, replicates)
    return [base + (1 if r < extra else 0) for r in range(replicates)]


def _first_positions(draws: np.ndarray, m: int) -> np.ndarray:
    """Indices of the m smallest draws, in ascending order (ties by index)."""
    if m <= 0:
        return np.empty(0, dtype=np.int64)
    if m >= len(draws) // 2:
        return np.lexsort((np.arange(len(draws)), draws))[:m]
    kth = np.partition(draws, m - 1)[m - 1]
    candidates = np.flatnonzero(draws <= kth)
    return candidates[np.lexsort((candidates, draws[candidates]))][:m]


@dataclass
class Sample:
    """A drawn sample.

    ``cases``: one row per drawn case (main sample and reserve), frame fields plus ``stratum``,
    ``selection_order`` (1-based within the stratum), ``replicate`` (0 main, 1..k reserve),
    ``released``, ``N_h``, ``inclusion_prob`` and ``design_weight`` (missing until released) and, for
    persons, ``n_events``. ``excluded``: record_id, stratum, reason of every excluded frame row.
    ``strata``: per stratum N_h, n_h, reserve drawn, released replicates and m_h released.
    ``events``: for persons, every eligible event of each drawn person (``case_record_id`` = the event
    asked about). ``design``: the ``SampleDesign`` that reproduces the draw.
    """

    cases: pd.DataFrame
    excluded: pd.DataFrame
    strata: pd.DataFrame
    design: SampleDesign
    events: pd.DataFrame | None = None

    @property
    def released(self) -> pd.DataFrame:
        return self.cases[self.cases["released"]]

    @property
    def exclusion_counts(self) -> pd.Series:
        return self.excluded["reason"].value_counts().sort_index()

    def fingerprint(self) -> str:
        """SHA-256 over (stratum, selection_order, replicate, record_id) lines in stratum and order."""
        lines = (
            self.cases["stratum"].astype("str")
            + "\t"
            + self.cases["selection_order"].astype("str")
            + "\t"
            + self.cases["replicate"].astype("str")
            + "\t"
            + self.cases["record_id"].astype("str")
        )
        return hashlib.sha256(("\n".join(lines) + "\n").encode("utf-8")).hexdigest()


def _weights(cases: pd.DataFrame, released_up_to: pd.Series) -> pd.DataFrame:
    """Released flags, π = m_h / N_h and 1/π for the released cases (missing for the others)."""
    cases = cases.copy()
    codes, _ = pd.factorize(cases["stratum"], sort=False)
    released = cases["replicate"].to_numpy() <= released_up_to.reindex(cases["stratum"]).to_numpy()
    m_h = np.bincount(codes, weights=released, minlength=codes.max() + 1 if len(codes) else 0)[codes]
    pi = np.where(released, m_h / cases["N_h"].to_numpy(), np.nan)
    cases["released"] = released
    cases["inclusion_prob"] = pi
    cases["design_weight"] = 1.0 / pi
    return cases


def select(
    data: pd.DataFrame,
    units: Units,
    allocation: pd.Series | dict,
    seed: int,
    reserve: float = 0.0,
    reserve_replicates: int = 1,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None]:
    """Steps 4–5: the cases, the per-stratum table and (persons) their events."""
    seed = check_seed(seed)
    if not reserve >= 0 or not math.isfinite(reserve):
        raise DesignError(f"the reserve share must be ≥ 0 (got {reserve})")
    if reserve_replicates < 1:
        raise DesignError(f"reserve_replicates must be ≥ 1 (got {reserve_replicates})")
    sizes = np.bincount(units.stratum, minlength=len(units.keys))
    n = _allocation_by_key(allocation, units.keys, sizes)
    order = np.argsort(units.stratum, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    chosen, strata_col, position, replicate = [], [], [], []
    table = []
    for h, key in enumerate(units.keys):
        members = order[bounds[h] : bounds[h + 1]]
        reserves = reserve_sizes(int(n[h]), int(sizes[h] - n[h]), reserve, reserve_replicates)
        m = int(n[h]) + sum(reserves)
        picked = _first_positions(random_stream(seed, "stratum:" + key, len(members)), m)
        chosen.append(members[picked])
        strata_col.append(np.full(m, h, dtype=np.int64))
        position.append(np.arange(1, m + 1, dtype=np.int64))
        replicate.append(np.repeat(np.arange(reserve_replicates + 1), [int(n[h]), *reserves]))
        table.append((key, int(sizes[h]), int(n[h]), sum(reserves), *reserves))
    picked_units = np.concatenate(chosen) if chosen else np.empty(0, dtype=np.int64)
    h_of = np.concatenate(strata_col) if strata_col else np.empty(0, dtype=np.int64)
    frame_rows = units.rows[picked_units]
    cases = data.iloc[frame_rows].reset_index(drop=True)
    keys = np.array(units.keys, dtype=object)
    cases.insert(0, "stratum", pd.Series(keys[h_of], dtype="str"))
    cases.insert(1, "selection_order", np.concatenate(position) if position else np.empty(0, dtype=np.int64))
    cases.insert(2, "replicate", np.concatenate(replicate) if replicate else np.empty(0, dtype=np.int64))
    cases.insert(3, "N_h", sizes[h_of])
    if units.n_events is not None:
        person_numbers = np.arange(len(units.rows))[picked_units]
        cases["n_events"] = units.n_events[person_numbers]
    reserve_columns = [f"reserve_{r}" for r in range(1, reserve_replicates + 1)]
    strata = pd.DataFrame(table, columns=["stratum", "N_h", "n_h", "reserve", *reserve_columns]).set_index(
        "stratum"
    )
    strata["released_replicates"] = 0
    # what `_weights` gives with nothing released beyond the main sample, from the stratum codes at hand
    released = cases["replicate"].to_numpy() <= 0
    m_h = np.bincount(h_of, weights=released, minlength=len(units.keys))
    pi = np.where(released, m_h[h_of] / cases["N_h"].to_numpy(), np.nan)
    cases["released"] = released
    cases["inclusion_prob"] = pi
    cases["design_weight"] = 1.0 / pi
    strata["released"] = m_h.astype("int64")
    events = None
    if units.person is not None:
        drawn_person = np.full(len(units.rows), -1, dtype=np.int64)
        drawn_person[picked_units] = np.arange(len(picked_units))
        person_of_row = units.person
        in_sample = np.flatnonzero((person_of_row >= 0) & (drawn_person[np.maximum(person_of_row, 0)] >= 0))
        events = data.iloc[in_sample].reset_index(drop=True)
        events.insert(
            0, "case_record_id", cases["record_id"].to_numpy()[drawn_person[person_of_row[in_sample]]]
        )
    return cases, strata, events


def release(sample: Sample, replicate: int, strata: list[str] | None = None) -> Sample:
    """Release reserve replicates 1..``replicate`` in ``strata`` (all by default); recompute π and weights.

    Releases only add: a stratum already released further keeps its cases.
    """
    known = list(sample.strata.index)
    chosen = known if strata is None else [stratum_label(s) for s in strata]
    unknown = [s for s in chosen if s not in known]
    if unknown:
        raise DrawError(f"no such stratum in this sample: {', '.join(unknown)}")
    available = int(sample.cases["replicate"].max()) if len(sample.cases) else 0
    if not 0 <= replicate <= max(available, sample.design.reserve_replicates):
        raise DrawError(
            f"replicate {replicate} does not exist: this sample has reserve replicates 1..{sample.design.reserve_replicates}"
        )
    table = sample.strata.copy()
    table.loc[chosen, "released_replicates"] = np.maximum(table.loc[chosen, "released_replicates"], replicate)
    cases = _weights(sample.cases, table["released_replicates"])
    table["released"] = (
        cases.groupby("stratum")["released"].sum().reindex(table.index).fillna(0).astype("int64")
    )
    return replace(sample, cases=cases, strata=table)
