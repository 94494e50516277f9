"""AAPOR dispositions for a telephone callback to a list sample of named people.

Codes follow AAPOR's Standard Definitions (telephone surveys), with subcodes where this study needs
them. Two choices are specific to a list of named service recipients (DESIGN.md §6, issue 5):
- a wrong or disconnected number tells us nothing about the named person's eligibility, so it is
  unknown eligibility (3.17, 3.18), not "not eligible" (AAPOR 4.x is for numbers, we sample people);
- "I never received that service" (4.11) and "that is not me" (4.12) are not eligible, and are also
  findings about the frame (possibly invented records) that the analysis reports (`is_finding`).

Final disposition of a case whose attempts are over (the rule reports print, `FINAL_RULE`): the most
informative outcome wins, in this order — complete interview (1.1), partial (1.2), not eligible (4.x),
refusal or break-off (2.1x), other eligible non-interview (2.3x), non-contact with a known person
(2.2x), unknown eligibility (3.x); within a group the last such outcome is kept. So eligibility, once
a call established it, is never lost to later unanswered calls, and a refusal is not hidden by later
non-contacts (AAPOR's guidance on temporary versus final codes). A released case never attempted is
3.11.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from survey_app.services.errors import InvalidState

#: The rule `final_of` applies, in words, for reports.
FINAL_RULE = (
    "Final disposition = the most informative outcome over all attempts: 1.1 > 1.2 > 4.x (not eligible) "
    "> 2.1x (refusal, break-off) > 2.3x (other) > 2.2x (non-contact) > 3.x (unknown eligibility); "
    "the last outcome within a group; never attempted = 3.11."
)


@dataclass(frozen=True)
class Disposition:
    code: str
    group: str  # I, P, R, NC, O, UH, UO, NE (the groups `analysis.aapor_rates` counts)
    final: bool  # ends the case at once
    zh: str
    en: str
    appointment: bool = False

    @property
    def contact(self) -> bool:
        """Someone answered who could speak for the named person (AAPOR's contact rates count these)."""
        return self.group in ("I", "P", "R", "O", "NE") or self.code in ("2.21", "2.22")

    @property
    def eligibility_known(self) -> bool:
        return self.group not in ("UH", "UO")

    def label(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en


DISPOSITIONS: dict[str, Disposition] = {
    d.code: d
    for d in (
        Disposition("1.1", "I", True, "完成访问", "Complete interview"),
        Disposition("1.2", "P", True, "部分完成", "Partial interview"),
        Disposition("2.11", "R", True, "拒访", "Refusal"),
        Disposition("2.12", "R", True, "中途中断", "Break-off"),
        Disposition(
            "2.21", "NC", False, "本人暂不方便，预约回访", "Respondent unavailable: appointment", True
        ),
        Disposition("2.22", "NC", False, "本人不在，已留言", "Respondent away: message left"),
        Disposition("2.32", "O", True, "身体原因无法受访", "Physically or mentally unable"),
        Disposition("2.33", "O", True, "语言障碍", "Language barrier"),
        Disposition("3.12", "UH", False, "占线", "Busy"),
        Disposition("3.13", "UH", False, "无人接听", "No answer"),
        Disposition("3.14", "UH", False, "语音信箱/无法确认机主", "Answering machine, owner unknown"),
        Disposition("3.16", "UH", False, "技术故障", "Technical phone problem"),
        Disposition("3.17", "UH", True, "空号或停机", "Number disconnected or not in service"),
        Disposition("3.18", "UH", True, "错号：无法联系到本人", "Wrong number: named person not reachable"),
        Disposition(
            "4.11", "NE", True, "本人表示未办理过该服务", "Respondent says the service never happened"
        ),
        Disposition("4.12", "NE", True, "接听者不是本人", "Not the named person"),
    )
}

#: The disposition of a released case that no one has called.
NOT_ATTEMPTED = Disposition("3.11", "UH", False, "尚未拨打", "Not attempted")

#: Findings about the frame: the named person denies the service, or is not who answered.
FINDINGS: frozenset[str] = frozenset({"4.11", "4.12"})

GROUPS: tuple[str, ...] = ("I", "P", "R", "NC", "O", "UH", "UO", "NE")

_PRECEDENCE = ("I", "P", "NE", "R", "O", "NC", "UO", "UH")


class UnknownDisposition(InvalidState):
    """A disposition code outside this study's scheme."""


def get(code: str) -> Disposition:
    """The disposition with this code; UnknownDisposition lists the valid codes otherwise."""
    if code == NOT_ATTEMPTED.code:
        return NOT_ATTEMPTED
    try:
        return DISPOSITIONS[code]
    except (KeyError, TypeError):
        known = ", ".join(DISPOSITIONS)
        raise UnknownDisposition(f"Unknown disposition code {code!r}; use one of {known}.") from None


def is_finding(code: str) -> bool:
    """Whether this outcome is itself a finding about the frame (reported, not just excluded)."""
    return get(code).code in FINDINGS


def interview_outcome(answers: Mapping[str, Any]) -> str:
    """The disposition of an interview that reached its end, from its screening answers.

    "That is not me" (identity = no) is 4.12 and "I never received that service" (received_service =
    no) is 4.11: both end the questionnaire early and are findings, not completes. Anything else that
    reached the end is a complete interview (1.1).
    """
    if answers.get("identity") == "no":
        return "4.12"
    if answers.get("received_service") == "no":
        return "4.11"
    return "1.1"


def final_of(codes: list[str]) -> str:
    """The case's final disposition from its attempts' codes, in call order (`FINAL_RULE`)."""
    if not codes:
        return NOT_ATTEMPTED.code
    outcomes = [get(c) for c in codes]
    for group in _PRECEDENCE:
        matching = [d for d in outcomes if d.group == group]
        if matching:
            return matching[-1].code
    return outcomes[-1].code  # pragma: no cover - every code belongs to a group


def group_counts(codes: list[str]) -> dict[str, int]:
    """Counts per AAPOR group, for `analysis.aapor_rates`."""
    counts = dict.fromkeys(GROUPS, 0)
    for code in codes:
        counts[get(code).group] += 1
    return counts
