"""Everything a report shows, as plain values: the renderer never asks the database or the statistics.

An assembler (in the app) fills a `ReportContent` from a study; `render_pdf` turns it into bytes.
Tables are pandas DataFrames whose columns are named in `*_COLUMNS` below; validation names the
field and the missing column. Personal data (names, phone numbers) never belongs here, and a
phone-number-like token anywhere in the content is rejected.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import math
import numbers
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from analysis.phase_two_test import Fade
from analysis.report.comment_findings import CommentFindings
from analysis.report.errors import ReportContentError
from analysis.report.modes_section import ModeSummary
from analysis.report.referrals import ReferralSummary

Language = Literal["zh", "en"]
Kind = Literal["full", "comparison"]

EXCLUSION_COLUMNS = ("reason", "count")
STRATA_COLUMNS = ("stratum", "N_h", "n_h", "released", "completes")
DISPOSITION_COLUMNS = ("code", "label", "count")
GROUP_COLUMNS = ("group", "estimate", "ci_low", "ci_high", "n")
UNIT_COLUMNS = (
    "unit",
    "n",
    "system_rate",
    "third_party_rate",
    "third_party_ci_low",
    "third_party_ci_high",
    "difference",
    "diff_ci_low",
    "diff_ci_high",
    "p_value",
    "q_value",
    "shrunk_rate",
    "rated_by_other",
    "service_denied",
    "flagged",
)
SURVEYOR_COLUMNS = (
    "surveyor",
    "interviews",
    "median_minutes",
    "dk_share",
    "dk_peers",  # the peers' share on cases like the surveyor's (`surveyor_checks.PEER_COLUMNS`)
    "satisfied_rate",
    "satisfied_peers",
    "p_value",
    "flagged",
)
#: Optional columns of `comparison.surveyor_checks` (stop 36): where the questionnaire asks who rated,
#: the surveyor's share of interviews answering someone else rated or nobody did (`who_share`) and the
#: peers' on cases like theirs (`who_peers`; both NaN where not asked); and `flagged_on`, the measures
#: a flagged surveyor differs on, `SURVEYOR_MEASURES` joined by ","  ("" where not flagged).
SURVEYOR_OPTIONAL_COLUMNS = ("who_share", "who_peers", "flagged_on")
#: The report check's measures as `flagged_on` names them (`analysis.surveyor_checks.EFFECT_MEASURES`).
SURVEYOR_MEASURES = ("satisfied", "dk_refused", "who_rated")
AUDIT_ACTION_COLUMNS = ("action", "count")
#: Optional columns of `comparison.units`: where a unit belongs (district pages list their units) and,
#: when the unit verdict model gives them, its verdict (`status`: flagged / no_evidence /
#: insufficient_evidence), the inflation it estimates (0..1, with interval: the posterior's widened interval under
#: the posterior verdict), the probability of it, and `analysis.explain_unit`'s sentences on a flagged
#: unit's verdict ("" where none). Under the posterior verdict also the likeliest `mechanism` and the
#: driving `evidence` with its Bayes-factor strength, in the report's language ("" where none); after a
#: phase 2 the expanded units' `phase2_cases`, the rate gap's `combination_p_value` and that p-value
#: BH-adjusted over the audited units, `combination_p_adjusted` (NaN elsewhere), and where phase 1
#: measured a fade `fade_allowance`, the change in the unit's callbacks' share satisfied the test expected
#: for their lateness (a proportion, `analysis.phase_two_test.fade_allowance`).
#: Under the posterior also `inflation_capped` (bool: the interval reaches the largest inflation
#: the model allows, printed open above) and `who_rated_flag` (bool: the flag rests on who rated, not on the
#: rate gap: `analysis.verdicts.who_rated_flag`, printed as such), and `min_detectable` (the verdict's
#: own minimum detectable inflation from the rate gap alone, `analysis.posterior_power`: 0..0.5, or
#: `formatting.MDI_BEYOND` (1.0) where not even 50 points, the largest inflation the model holds, is
#: found — content is finite; NaN where the unit was not judged). Under either verdict, where some
#: surveyors' who-rated answers could be set aside, `proxy_unexamined` (bool: cleared on its rate gap
#: while every who-rated answer was set aside, `analysis.verdicts.proxy_unexamined`; counted in the
#: findings).
UNIT_OPTIONAL_COLUMNS = (
    "district",
    "domain",
    "status",
    "inflation",
    "inflation_low",
    "inflation_high",
    "prob_inflated",
    "explanation",
    "mechanism",
    "evidence",
    "inflation_capped",
    "who_rated_flag",
    "min_detectable",
    "phase2_cases",
    "combination_p_value",
    "combination_p_adjusted",
    "fade_allowance",
    "proxy_unexamined",
)
#: The flagged members a staff design's phase 2 expanded (`StaffLevel.expanded`): "S01 <office>", the
#: phase-2 cases it sent to the member, the two-phase test's p-value of the member's rate gap and that
#: p-value BH-adjusted over the audited members (and, optional, `fade_allowance` as the units').
STAFF_PHASE_TWO_COLUMNS = ("unit", "phase2_cases", "combination_p_value", "combination_p_adjusted")
#: How units were judged (`Comparison.verdict_method`): the empirical null's tests with BH, or the
#: empirical-Bayes posterior (Sun & Cai on its local fdr); and why (`Comparison.verdict_source`).
VERDICT_METHODS = ("empirical_null", "posterior")
VERDICT_SOURCES = ("requested", "setting", "phase2", "default")
#: One row per district or domain (`level` = "district" / "domain"): the census system 满意率, the
#: weighted third-party 满意率, 知晓率 and 首选率 with intervals, and the units tested and flagged there.
AREA_COLUMNS = (
    "level",
    "area",
    "system_rate",
    "estimate",
    "ci_low",
    "ci_high",
    "n",
    "awareness",
    "awareness_ci_low",
    "awareness_ci_high",
    "first_choice",
    "first_choice_ci_low",
    "first_choice_ci_high",
    "units_tested",
    "units_flagged",
)
#: Reasons for dissatisfaction, counted (unweighted) among respondents: `level` = "city" (area ""),
#: "district" or "domain"; `reason` is the label in the report's language.
REASON_COLUMNS = ("level", "area", "reason", "count")
AREA_LEVELS = ("district", "domain")

#: Headline metric keys, in the order the report prints them.
HEADLINE_KEYS = ("satisfaction", "awareness", "first_choice")

_PHONE_LIKE = re.compile(r"(?<![0-9A-Za-z])(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?![0-9A-Za-z])")


@dataclass(frozen=True)
class Estimate:
    """A proportion (0..1) with its confidence interval and the number of answers behind it."""

    estimate: float
    ci_low: float
    ci_high: float
    n: int


@dataclass(frozen=True)
class TestResult:
    """A test statistic with degrees of freedom and p-value."""

    statistic: float
    df: float
    p_value: float


@dataclass(frozen=True)
class StudyInfo:
    """Who commissioned the study, who runs it, and the PIPL statements printed in the report."""

    study_id: str
    name: str
    commissioning_body: str
    surveyor_organisation: str
    purpose: str
    retention: str
    safeguards: str


@dataclass(frozen=True)
class FrameInfo:
    """The imported frame and its fingerprints; `exclusions` has columns `EXCLUSION_COLUMNS`."""

    file_name: str
    rows: int
    eligible_rows: int
    source_sha256: str
    frame_sha256: str
    exclusions: pd.DataFrame


@dataclass(frozen=True)
class DesignInfo:
    """The sample design; `strata` has columns `STRATA_COLUMNS`, one row per stratum."""

    strata_description: str
    allocation: str
    seed: int
    sample_sha256: str
    strata: pd.DataFrame


@dataclass(frozen=True)
class QuestionnaireInfo:
    name: str
    version: str
    sha256: str


@dataclass(frozen=True)
class FieldworkInfo:
    """Fieldwork dates, AAPOR dispositions (`DISPOSITION_COLUMNS`) and rates, in print order."""

    start: dt.date
    end: dt.date
    dispositions: pd.DataFrame
    rates: Mapping[str, float]


@dataclass(frozen=True)
class NonresponseCheck:
    """System 满意率 among respondents and nonrespondents: known for every sampled case."""

    respondents: int
    nonrespondents: int
    respondent_system_rate: float
    nonrespondent_system_rate: float
    p_value: float
    # the headline 满意率 if nonrespondents' odds of being satisfied were refusal_gamma times lower / higher
    # than respondents' of the same response class (`analysis.sensitivity`); None: not computed
    refusal_gamma: float = float("nan")
    refusal_low: Estimate | None = None
    refusal_high: Estimate | None = None


@dataclass(frozen=True)
class MethodInfo:
    frame: FrameInfo
    design: DesignInfo
    questionnaire: QuestionnaireInfo
    fieldwork: FieldworkInfo
    weighting: str
    scale: str
    satisfied_codes: tuple[str, ...]
    confidence_level: float
    nonresponse: NonresponseCheck


@dataclass(frozen=True)
class Results:
    """Headline metrics keyed by `HEADLINE_KEYS`; group tables have columns `GROUP_COLUMNS`."""

    headline: Mapping[str, Estimate]
    by_district: pd.DataFrame
    by_domain: pd.DataFrame
    by_channel: pd.DataFrame


@dataclass(frozen=True)
class Agreement:
    kappa: Estimate
    weighted_kappa: Estimate
    bowker: TestResult
    stuart_maxwell: TestResult
    mcnemar: TestResult


@dataclass(frozen=True)
class Comparison:
    """System ratings against the callback answers.

    `unit_level` names what a unit is: "organisation", "staff", "district" or "domain" (printed in
    the report's language; another value is printed as given).
    `paired` counts cases: index = system rating codes, columns = callback answer codes (incl. dk).
    `units` has columns `UNIT_COLUMNS` (one row per unit tested, `flagged` for q ≤ fdr_level, or under
    the posterior verdict for the flagged units' mean lfdr ≤ fdr_level);
    `surveyor_checks` has `SURVEYOR_COLUMNS`; `case_flags` maps a flag name to its case count.
    `verdict_method` / `verdict_source`: `VERDICT_METHODS` / `VERDICT_SOURCES`.
    `phase_days`: after a phase 2 whose both phases have respondents in the strata it expanded, the
    median days from the service to the callback in phase 1 and in phase 2 (None otherwise);
    `phase_fade`: then how phase 1's satisfied answers changed a week later after the service
    (`analysis.phase_two_test.fade_per_week`; None where it could not be estimated).
    """

    unit_level: str
    system_rate: float
    third_party: Estimate
    paired_difference: Estimate
    paired: pd.DataFrame
    agreement: Agreement
    units: pd.DataFrame
    fdr_level: float
    small_unit_min_n: int
    surveyor_checks: pd.DataFrame
    case_flags: Mapping[str, int]
    verdict_method: str = "empirical_null"
    verdict_source: str = "default"
    phase_days: tuple[float, float] | None = None
    phase_fade: Fade | None = None

    @property
    def flagged_units(self) -> pd.DataFrame:
        return self.units[self.units["flagged"].astype(bool)]


@dataclass(frozen=True)
class StaffLevel:
    """The staff members' verdicts (`survey_app.services.staff_verdicts`): each staff member judged on
    the events they served, by the organisations' method. `flagged` has `UNIT_COLUMNS` plus
    `organisation_flagged` (one row per flagged member; `unit` "ORG0044-S01 <office>"); the counts say
    how many members the frame names, how many have a callback and how many had enough evidence to be
    judged; `unnamed_records` counts the eligible records that name no staff member. After a phase 2 of
    a design whose strata are staff members, `expanded_members` counts the members it expanded and
    `expanded` has `STAFF_PHASE_TWO_COLUMNS` for the *flagged* ones among them, with the rate gap's
    two-phase test (possibly no row: the report names no member it does not flag); None without such a
    phase 2."""

    flagged: pd.DataFrame
    named: int
    called: int
    judged: int
    unnamed_records: int = 0
    expanded: pd.DataFrame | None = None
    expanded_members: int = 0


@dataclass(frozen=True)
class AuditSummary:
    """The audit trail in brief; `by_action` has columns `AUDIT_ACTION_COLUMNS`."""

    entries: int
    by_action: pd.DataFrame
    chain_head_sha256: str
    first_entry: dt.datetime
    last_entry: dt.datetime
    answers_sha256: str


@dataclass(frozen=True)
class Areas:
    """Figures per district and domain (`table`: `AREA_COLUMNS`) and dissatisfaction reasons
    (`reasons`: `REASON_COLUMNS`): the map, the district chart and the page per district."""

    table: pd.DataFrame
    reasons: pd.DataFrame

    def rows(self, level: str) -> pd.DataFrame:
        return self.table[self.table["level"] == level]

    def row(self, level: str, area: str) -> pd.Series | None:
        rows = self.table[(self.table["level"] == level) & (self.table["area"] == area)]
        return None if rows.empty else rows.iloc[0]

    def reasons_of(self, level: str, area: str = "") -> pd.DataFrame:
        rows = self.reasons[(self.reasons["level"] == level) & (self.reasons["area"] == area)]
        return rows.sort_values(["count", "reason"], ascending=[False, True], kind="stable")


@dataclass(frozen=True)
class ReportContent:
    """Everything the report prints. Same content → byte-identical PDF."""

    study: StudyInfo
    generated_at: dt.datetime
    language: Language
    kind: Kind
    method: MethodInfo
    results: Results
    comparison: Comparison
    audit: AuditSummary
    notes: tuple[str, ...] = field(default=())
    #: Per district/domain figures; without them the report has no map and no district pages.
    areas: Areas | None = None
    #: A variant printed alone: ((level, area), …), e.g. (("district", "浦东新区"),). Empty = whole report.
    scope: tuple[tuple[str, str], ...] = field(default=())
    #: Extra (label, value) lines for the verification appendix, e.g. a signing-key fingerprint.
    attestations: tuple[tuple[str, str], ...] = field(default=())
    #: Referral and remediation counts at the report's date (`analysis.report.referrals`); None: no section.
    referrals: ReferralSummary | None = None
    #: The coded open comments (`analysis.report.comment_findings`); None: no section.
    comments: CommentFindings | None = None
    #: Web and telephone answers and the mode-adjusted 满意率 (`analysis.report.modes_section`); None: no section.
    modes: ModeSummary | None = None
    #: The staff members flagged and how many were judged (`StaffLevel`); None: the frame names no staff.
    staff: StaffLevel | None = None

    def __post_init__(self) -> None:
        validate_content(self)

    @property
    def verify_command(self) -> str:
        return f"huifang verify {self.study.study_id}"


def validate_content(content: ReportContent) -> None:
    """Raise ReportContentError naming the first field that is missing, malformed or personal."""
    if content.language not in ("zh", "en"):
        raise ReportContentError(
            "language", f"{content.language!r} is not a report language", "Use 'zh' or 'en'."
        )
    if content.kind not in ("full", "comparison"):
        raise ReportContentError(
            "kind", f"{content.kind!r} is not a report kind", "Use 'full' or 'comparison'."
        )
    tables = {
        "method.frame.exclusions": (content.method.frame.exclusions, EXCLUSION_COLUMNS),
        "method.design.strata": (content.method.design.strata, STRATA_COLUMNS),
        "method.fieldwork.dispositions": (content.method.fieldwork.dispositions, DISPOSITION_COLUMNS),
        "results.by_district": (content.results.by_district, GROUP_COLUMNS),
        "results.by_domain": (content.results.by_domain, GROUP_COLUMNS),
        "results.by_channel": (content.results.by_channel, GROUP_COLUMNS),
        "comparison.units": (content.comparison.units, UNIT_COLUMNS),
        "comparison.surveyor_checks": (content.comparison.surveyor_checks, SURVEYOR_COLUMNS),
        "audit.by_action": (content.audit.by_action, AUDIT_ACTION_COLUMNS),
    }
    if content.staff is not None and content.staff.expanded is not None:
        tables["staff.expanded"] = (content.staff.expanded, STAFF_PHASE_TWO_COLUMNS)
    for name, (frame, columns) in tables.items():
        if not isinstance(frame, pd.DataFrame):
            raise ReportContentError(
                name, f"is a {type(frame).__name__}, not a DataFrame", "Pass a DataFrame."
            )
        missing = [column for column in columns if column not in frame.columns]
        if missing:
            raise ReportContentError(
                name, f"lacks column(s) {', '.join(missing)}", f"Give it columns {columns}."
            )
    if content.staff is not None:
        wanted = (*UNIT_COLUMNS, "organisation_flagged")
        missing = [column for column in wanted if column not in content.staff.flagged.columns]
        if missing:
            raise ReportContentError(
                "staff.flagged", f"lacks column(s) {', '.join(missing)}", f"Give it columns {wanted}."
            )
    for name, frame in (
        ("comparison.units", content.comparison.units),
        ("comparison.surveyor_checks", content.comparison.surveyor_checks),
    ):
        if not pd.api.types.is_bool_dtype(frame["flagged"]):
            raise ReportContentError(
                f"{name}.flagged", "is not True/False for every row", "Fill missing flags with False."
            )
    if content.areas is not None:
        for name, (frame, columns) in {
            "areas.table": (content.areas.table, AREA_COLUMNS),
            "areas.reasons": (content.areas.reasons, REASON_COLUMNS),
        }.items():
            missing = [column for column in columns if column not in frame.columns]
            if missing:
                raise ReportContentError(
                    name, f"lacks column(s) {', '.join(missing)}", f"Give it columns {columns}."
                )
    for level, area in content.scope:
        if level not in AREA_LEVELS:
            raise ReportContentError(
                "scope", f"{level!r} is not a district or domain", "Use 'district' or 'domain'."
            )
        if content.areas is None or content.areas.row(level, area) is None:
            known = "" if content.areas is None else "、".join(content.areas.rows(level)["area"].astype(str))
            raise ReportContentError(
                "scope", f"{level} {area!r} has no figures in this study", f"Choose one of: {known}."
            )
    if content.comparison.verdict_method not in VERDICT_METHODS:
        raise ReportContentError(
            "comparison.verdict_method",
            f"{content.comparison.verdict_method!r} is not a verdict method",
            f"Use one of {VERDICT_METHODS}.",
        )
    if content.comparison.verdict_source not in VERDICT_SOURCES:
        raise ReportContentError(
            "comparison.verdict_source",
            f"{content.comparison.verdict_source!r} is not a reason for a verdict method",
            f"Use one of {VERDICT_SOURCES}.",
        )
    days = content.comparison.phase_days
    if days is not None and not (len(days) == 2 and all(np.isfinite(d) and d >= 0 for d in days)):
        raise ReportContentError(
            "comparison.phase_days",
            f"{days!r} is not two medians of days (phase 1, phase 2)",
            "Give two finite, non-negative numbers of days, or None.",
        )
    fade = content.comparison.phase_fade
    if fade is not None and not (
        isinstance(fade, Fade)
        and all(np.isfinite(v) for v in (fade.per_week, fade.low, fade.high))
        and all(np.isfinite(own.per_week) and np.isfinite(own.se) for own in fade.by_domain.values())
    ):
        raise ReportContentError(
            "comparison.phase_fade",
            f"{fade!r} is not a fade estimate with finite figures",
            "Give analysis.phase_two_test.Fade with a finite rate and interval (and each domain's), or None.",
        )
    missing_keys = [key for key in HEADLINE_KEYS if key not in content.results.headline]
    if missing_keys:
        raise ReportContentError(
            "results.headline",
            f"lacks {', '.join(missing_keys)}",
            f"Give an Estimate for each of {HEADLINE_KEYS}.",
        )
    for path, value in _walk(content, "content"):
        if isinstance(value, float) and math.isinf(value):
            raise ReportContentError(path, "is infinite", "Give a finite number or NaN for 'not available'.")
        if isinstance(value, str) and not path.endswith("sha256") and _PHONE_LIKE.search(value):
            raise ReportContentError(
                path, "holds what looks like a phone number", "Reports carry no personal data; remove it."
            )


def content_digest(content: ReportContent) -> str:
    """SHA-256 over a canonical text of the content (`content_leaves`): seeds the PDF's document ID."""
    return hashlib.sha256(content_leaves(content).encode()).hexdigest()


def content_leaves(content: ReportContent) -> str:
    """The content's canonical text, one `path=value` line per leaf (floats as `repr`): what
    `content_digest` hashes, and what a build keeps so that a rebuild on other arithmetic can be
    compared with it figure by figure (`leaf_compare`)."""
    return "".join(f"{path}={_canonical(value)}\n" for path, value in _walk(content, "content"))


def _canonical(value: Any) -> str:
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return repr(float(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def _walk(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    """Every leaf value with its dotted path; DataFrames cell by cell, in a fixed order."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            yield from _walk(getattr(value, item.name), f"{path}.{item.name}")
    elif isinstance(value, pd.DataFrame):
        yield f"{path}.columns", ",".join(map(str, value.columns))
        yield f"{path}.index", ",".join(map(str, value.index))
        for column in value.columns:
            for position, cell in enumerate(value[column].tolist()):
                yield f"{path}[{position}].{column}", cell
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _walk(item, f"{path}[{key}]")
    elif isinstance(value, tuple | list):
        for position, item in enumerate(value):
            yield from _walk(item, f"{path}[{position}]")
    else:
        yield path, value
