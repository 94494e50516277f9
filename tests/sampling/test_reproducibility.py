"""The draw is the documented algorithm, re-derived here in plain Python (no numpy generator).

If a later numpy changed its Philox stream, or Huifang changed how it orders units or keys streams,
these tests would fail: an auditor with only the module docstring can reproduce every sample.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

import sampling
from sampling.selection import random_stream

MASK = 2**64 - 1
M0, M1 = 0xD2E7470EE14C6C93, 0xCA5A826395121157
W0, W1 = 0x9E3779B97F4A7C15, 0xBB67AE8584CAA73B


def philox4x64_10(counter: list[int], key: list[int]) -> list[int]:
    """One Philox4x64-10 block (Salmon, Moraes, Dror & Shaw 2011)."""
    x, k = list(counter), list(key)
    for r in range(10):
        if r:
            k = [(k[0] + W0) & MASK, (k[1] + W1) & MASK]
        p0, p1 = M0 * x[0], M1 * x[2]
        x = [(p1 >> 64) ^ x[1] ^ k[0], p1 & MASK, (p0 >> 64) ^ x[3] ^ k[1], p0 & MASK]
    return x


def stream(seed: int, name: str, size: int) -> list[int]:
    key = [seed, int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little")]
    out: list[int] = []
    block = 1
    while len(out) < size:
        out += philox4x64_10([block, 0, 0, 0], key)
        block += 1
    return out[:size]


def reference_event_draw(frame: pd.DataFrame, strata: list[str], allocation: dict[str, int], seed: int):
    """The module docstring, step by step, for the event unit: {stratum: [record ids in order]}."""
    keys = ["|".join(str(v) for v in row) for row in frame[strata].itertuples(index=False)]
    result = {}
    for key in sorted(set(keys)):
        members = [i for i, k in enumerate(keys) if k == key]
        draws = stream(seed, "stratum:" + key, len(members))
        order = sorted(range(len(members)), key=lambda j: (draws[j], j))
        result[key] = [frame["record_id"].iloc[members[j]] for j in order[: allocation[key]]]
    return result


def reference_person_choice(frame: pd.DataFrame, seed: int) -> dict[str, str]:
    """Each phone's event to ask about: the smallest draw of stream 'event-choice' over its rows."""
    draws = stream(seed, "event-choice", len(frame))
    best: dict[str, tuple[int, int]] = {}
    for i, phone in enumerate(frame["phone"]):
        if phone not in best or draws[i] < best[phone][0]:
            best[phone] = (draws[i], i)
    return {phone: frame["record_id"].iloc[i] for phone, (_, i) in best.items()}


def small_frame(rows: int, seed: int, phones: int | None = None) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "record_id": [f"E{i:04d}" for i in range(rows)],
            "domain": rng.choice(["律师", "公证", "仲裁"], rows),
            "district": rng.choice(["黄浦区", "静安区"], rows),
            "phone": [f"139{x:08d}" for x in rng.integers(0, phones or rows * 10, rows)],
        }
    )


def test_numpys_philox_stream_is_philox4x64_10_with_counter_starting_at_one():
    assert random_stream(7, "stratum:律师", 10).tolist() == stream(7, "stratum:律师", 10)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**64 - 1), rows=st.integers(1, 60))
def test_an_event_draw_is_the_documented_algorithm(seed, rows):
    frame = small_frame(rows, seed % 1000)
    sizes = frame.groupby(["domain", "district"]).size()
    allocation = {f"{a}|{b}": (n + 1) // 2 for (a, b), n in sizes.items()}
    sample = sampling.draw(frame, ["domain", "district"], allocation, seed=seed, unit="event")
    drawn = sample.cases.groupby("stratum", sort=True)["record_id"].apply(list).to_dict()
    expected = {
        k: v for k, v in reference_event_draw(frame, ["domain", "district"], allocation, seed).items() if v
    }
    assert drawn == expected


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**64 - 1), rows=st.integers(1, 60))
def test_a_persons_event_is_the_documented_choice(seed, rows):
    frame = small_frame(rows, seed % 1000, phones=max(rows // 3, 1))
    sizes = sampling.unit_sizes(frame, sampling.SampleDesign(strata=["domain"], seed=seed, unit="person"))
    sample = sampling.draw(frame, ["domain"], sizes, seed=seed, unit="person")  # take every person
    chosen = reference_person_choice(frame, seed)
    assert dict(zip(sample.cases["phone"], sample.cases["record_id"], strict=True)) == chosen
    counts = frame["phone"].value_counts()
    assert (sample.cases["n_events"].to_numpy() == counts.reindex(sample.cases["phone"]).to_numpy()).all()
