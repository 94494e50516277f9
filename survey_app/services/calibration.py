"""Post-stratification and raking of the respondents to the frame, as a check on the headline's weights.

The headline 满意率 uses propensity classes calibrated to the frame's system ratings with JKn intervals
(`analysis.propensity_adjust`). A reviewer may ask whether the figure moves when the respondents are
also made to match the frame by district, domain or channel: this module answers that by
post-stratifying (one variable) or raking (several, R's `rake`) those weights to the frame's counts of
eligible events, and estimating 满意率 with a linearised interval (`analysis.Design`). It is a
sensitivity figure beside the headline, never a replacement of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

import analysis
from analysis.design import Design
from analysis.errors import AnalysisError
from analysis.headline import satisfaction_indicator
from survey_app.services.analysis_service import StudyAnalysis
from survey_app.services.errors import InvalidState

METHODS = ("poststratify", "rake")
#: frame variables a reviewer may calibrate to (present in the frame and among the respondents)
VARIABLES = ("district", "domain", "channel", "event_type")
_WORDS = {
    "district": "所属区",
    "domain": "业务领域",
    "channel": "评价渠道",
    "event_type": "事项类型",
}


@dataclass(frozen=True)
class Calibrated:
    method: str
    columns: tuple[str, ...]
    estimate: analysis.Estimate  # 满意率 with the calibrated weights
    uncalibrated: analysis.Estimate  # the same weights before calibration, same interval method


def _refuse_absent_levels(result: StudyAnalysis, columns: Sequence[str]) -> None:
    """A frame level with events but no respondent cannot be weighted up: say which, in one sentence."""
    for column in columns:
        counts = result.frame[column].value_counts()
        answered = set(result.respondents[column].dropna().astype(str))
        absent = [str(level) for level, count in counts.items() if count and str(level) not in answered]
        if absent:
            word = _WORDS.get(column, column)
            raise InvalidState(
                f"{column} {absent[0]!r} has {int(counts[absent[0]])} frame events but no respondent "
                f"({len(absent)} such level(s)): calibrating to {column} would need a respondent there; "
                "choose other variables.",
                zh=f"{word}“{absent[0]}”在抽样框中有 {int(counts[absent[0]])} 个事件但没有受访者"
                f"（共 {len(absent)} 个这样的类别），无法按{word}校准，请换用其他变量。",
            )


def calibrated_satisfaction(result: StudyAnalysis, method: str, columns: Sequence[str]) -> Calibrated:
    """满意率 with the respondents post-stratified (one column) or raked (one or more) to the frame."""
    columns = tuple(columns)
    if method not in METHODS:
        raise InvalidState(f"Unknown calibration {method!r}; choose one of {', '.join(METHODS)}.")
    unknown = [c for c in columns if c not in VARIABLES]
    if not columns or unknown:
        raise InvalidState(
            f"Choose calibration variables among {', '.join(VARIABLES)}.",
            zh="请从所属区、业务领域、评价渠道、事项类型中选择校准变量。",
        )
    if method == "poststratify" and len(columns) != 1:
        raise InvalidState(
            "Post-stratification takes one variable; rake to several.",
            zh="事后分层只能按一个变量进行；多个变量请选择迭代比例调整。",
        )
    if result.third_party is None or result.respondents.empty:
        raise InvalidState("There are no respondents to weight yet.", zh="还没有可加权的受访者。")
    _refuse_absent_levels(result, columns)
    respondents = result.respondents.assign(**{c: result.respondents[c].astype(str) for c in columns})
    frame = result.frame.assign(**{c: result.frame[c].astype(str) for c in columns})
    design = Design(respondents, strata="stratum", weights="nr_weight", fpc="N_h", lonely_psu="adjust")
    satisfied = satisfaction_indicator(respondents["sat_overall"], result.satisfied_codes)
    try:
        if method == "poststratify":
            adjusted = design.poststratify(columns[0], analysis.frame_margins(frame, columns)[columns[0]])
        else:
            adjusted = analysis.calibrate_to_frame(design, frame, columns, method="rake")
    except AnalysisError as exc:  # e.g. raking that does not converge
        raise InvalidState(str(exc), zh=f"无法完成校准：{exc}") from exc
    return Calibrated(method, columns, adjusted.mean(satisfied), design.mean(satisfied))


def as_table(calibrated: Calibrated, result: StudyAnalysis) -> pd.DataFrame:
    """The headline beside the calibrated figure: estimate, interval, respondents (shares as fractions)."""
    rows = [
        ("headline", result.third_party),
        ("uncalibrated", calibrated.uncalibrated),
        (calibrated.method, calibrated.estimate),
    ]
    return pd.DataFrame(
        [
            {"weights": name, "estimate": e.estimate, "ci_low": e.ci_low, "ci_high": e.ci_high, "n": e.n}
            for name, e in rows
        ]
    )
