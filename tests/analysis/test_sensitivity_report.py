"""The refusal range's sentence in the report's findings (zh and en)."""

from __future__ import annotations

import dataclasses

import pytest

from analysis.report import sample_content
from analysis.report.content import Estimate
from analysis.report.findings import executive_summary


def _with_range(lang: str):
    content = sample_content(n_units=8, n_interviews=400, lang=lang)
    nonresponse = dataclasses.replace(
        content.method.nonresponse,
        refusal_gamma=2.0,
        refusal_low=Estimate(0.801, 0.772, 0.827, 300),
        refusal_high=Estimate(0.842, 0.815, 0.866, 300),
    )
    return dataclasses.replace(content, method=dataclasses.replace(content.method, nonresponse=nonresponse))


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "zh",
            "1/2 到 2 倍之间（即拒访与是否满意有关），满意率在 80.1% [77.2%, 82.7%] 到 84.2% [81.5%, 86.6%] 之间",
        ),
        ("en", "the 满意率 lies between 80.1% [77.2%, 82.7%] and 84.2% [81.5%, 86.6%]"),
    ],
)
def test_the_findings_state_the_range_with_an_interval_at_each_end(lang: str, words: str) -> None:
    assert any(words in sentence for sentence in executive_summary(_with_range(lang)).certainty)


def test_no_range_sentence_when_none_was_computed() -> None:
    certainty = executive_summary(sample_content(n_units=8, n_interviews=400)).certainty
    assert not any("1/2 到 2 倍" in sentence for sentence in certainty)
