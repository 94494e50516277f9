"""AAPOR outcome rates (Standard Definitions, 2023 edition): response, cooperation, refusal, contact.

Counts come in AAPOR's final-disposition groups: I complete, P partial, R refusal and break-off,
NC non-contact, O other eligible non-interview, UH unknown if household/person is reachable, UO other
unknown eligibility, NE not eligible. `e` is the share of unknown-eligibility cases taken to be
eligible (RR3, RR4, REF2, CON2); without one, it is estimated as AAPOR's default, the eligible share
among cases whose eligibility is known: (I+P+R+NC+O) / (I+P+R+NC+O+NE).
"""

from __future__ import annotations

from collections.abc import Mapping

from analysis.errors import RatesError

GROUPS = ("I", "P", "R", "NC", "O", "UH", "UO", "NE")

#: AAPOR disposition codes (telephone, person-named samples) → outcome group.
DISPOSITION_GROUPS: dict[str, str] = {
    "1.1": "I",
    "1.2": "P",
    "2.1": "R",
    "2.2": "NC",
    "2.3": "O",
    "3.1": "UH",
    "3.2": "UO",
    "3.9": "UO",
    "4.0": "NE",
}


def disposition_group(code: str) -> str:
    """The outcome group of a disposition code such as '2.12' (the first two digits decide)."""
    text = str(code).strip()
    group = DISPOSITION_GROUPS.get(text[:3])
    if group is None and text[:1] == "4":
        group = "NE"
    if group is None:
        raise RatesError(f"disposition code {code!r} is not an AAPOR final code (1.1 … 4.x)")
    return group


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator > 0 else float("nan")


def aapor_rates(counts: Mapping[str, float], e: float | None = None) -> dict[str, float]:
    """RR1–RR6, COOP1–COOP4, REF1–REF3, CON1–CON3 and the `e` used (with `e_estimated`).

    Missing groups count as zero; an unknown group name is an error (it is usually a typo).
    A rate whose denominator is zero is NaN.
    """
    unknown = sorted(set(counts) - set(GROUPS))
    if unknown:
        raise RatesError(f"unknown disposition group {unknown[0]!r}; use {', '.join(GROUPS)}")
    c = {g: float(counts.get(g, 0)) for g in GROUPS}
    negative = [g for g, v in c.items() if v < 0 or v != v]
    if negative:
        raise RatesError(f"count for {negative[0]!r} is {counts.get(negative[0])!r}; counts must be ≥ 0")
    estimated = e is None
    known_eligible = c["I"] + c["P"] + c["R"] + c["NC"] + c["O"]
    if e is None:
        e = _ratio(known_eligible, known_eligible + c["NE"])
    elif not 0 <= e <= 1:
        raise RatesError(f"e={e} must be a proportion between 0 and 1")
    interviews = c["I"] + c["P"]
    unknown_elig = c["UH"] + c["UO"]
    eligible = interviews + c["R"] + c["NC"] + c["O"]
    all_unknown = eligible + unknown_elig
    e_unknown = eligible + (e * unknown_elig if unknown_elig else 0.0)
    contacted = interviews + c["R"] + c["O"]
    return {
        "RR1": _ratio(c["I"], all_unknown),
        "RR2": _ratio(interviews, all_unknown),
        "RR3": _ratio(c["I"], e_unknown),
        "RR4": _ratio(interviews, e_unknown),
        "RR5": _ratio(c["I"], eligible),
        "RR6": _ratio(interviews, eligible),
        "COOP1": _ratio(c["I"], contacted),
        "COOP2": _ratio(interviews, contacted),
        "COOP3": _ratio(c["I"], interviews + c["R"]),
        "COOP4": _ratio(interviews, interviews + c["R"]),
        "REF1": _ratio(c["R"], all_unknown),
        "REF2": _ratio(c["R"], e_unknown),
        "REF3": _ratio(c["R"], eligible),
        "CON1": _ratio(contacted, all_unknown),
        "CON2": _ratio(contacted, e_unknown),
        "CON3": _ratio(contacted, eligible),
        "e": e,
        "e_estimated": estimated,
    }


def aapor_counts(codes) -> dict[str, int]:
    """Counts per outcome group from final disposition codes (e.g. a Series of '1.1', '2.12', …)."""
    counts = dict.fromkeys(GROUPS, 0)
    for code in codes:
        counts[disposition_group(code)] += 1
    return counts
