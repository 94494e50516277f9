"""A study's analysis: the stored cases and answers through `analysis`, in one place.

Like for like: both sides describe the same population and unit — rated *events* that remained
eligible after the study's exclusions (open complaints, do-not-call…). The system 满意率 is the census
of those events' ratings; the callback side weights each person by the events they stand for
(design weight × n_events).

Headline weights (`analysis.adjusted_sample`): released cases are calibrated to the eligible frame's
counts per system rating; cases found not eligible (4.x) drop out; respondents are weighted up within
response classes formed from a response-propensity model on frame variables, nested in system-rating
groups (the system rating is never pooled away). Intervals: stratified jackknife (JKn) replicates that
re-run the calibration and the adjustment, logit interval. Unit comparisons use the same final weights
in a linearisation `Design`.

Unit verdicts (`resolve_verdict`): by default the empirical-Bayes posterior (`compare_units(method=
"posterior")`) for every study; a one-phase study may choose the empirical null's tests with BH instead
(its p-values stay beside the posterior's verdict either way). After a phase 2 the verdict is always the
posterior: the empirical null would also test the units phase 2 passed over on their phase-1 answers
alone, which together with the expanded units' pooled tests can be anti-conservative, while the
posterior's likelihood is unaffected by a selection that read only data it reads too. The expanded
units' rate test on both phases (`analysis.phase_two_test`, valid because a unit phase 2 passed over is
cleared, p = 1; `combination_by_unit`) is shown beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session
from statsmodels.stats.multitest import multipletests

import analysis
from analysis.numeric import ONE_BLAS_THREAD, numeric_mode
from analysis.phase_effect import PhaseEffect
from analysis.phase_two_test import Fade, expanded_unit_p_values, fade_adjusted, fade_allowance
from analysis.report.phase_two_timing import phase_effect_sentence, timing_sentences
from analysis.sensitivity import DEFAULT_GAMMA, REFUSAL_HIGH, REFUSAL_LOW, refusal_sensitivity
from analysis.two_phase_variance import decomposed_headline
from analysis.unit_posterior import LFDR_FLOOR
from analysis.units import Start
from analysis.verdicts import SIGN_LABELS, posterior_interval, proxy_unexamined, who_rated_flag
from sampling.risk import RiskRule
from sampling.vocabulary import SCALES
from survey_app.services import datasets, phase_two, studies
from survey_app.services import dispositions as dispo
from survey_app.services.auth import require
from survey_app.services.errors import InvalidState
from survey_app.services.samples import current_design
from survey_app.storage.models import Exclusion, SampleDesign, Study, User

#: False discovery rate at which units are flagged.
FDR_Q = 0.10
FLAGGED_SHOWN = 15  # the summary's list; the report and the comparison page have every unit
#: Unit level of the headline comparison.
UNIT = "organisation_id"
#: The cases' column naming the telephone surveyor who asked (missing for web answers): the headline's
#: intervals carry the interviewers' variance component (`analysis.interviewer_variance`).
INTERVIEWER = "interviewer"
#: Γ of the refusal range of a study without the setting (`studies.refusal_gamma`): nonrespondents' odds
#: of being satisfied up to Γ times lower or higher than respondents' of the same response class.
REFUSAL_GAMMA = DEFAULT_GAMMA
#: Fewest respondents in a response class (classes never cross system-rating groups).
MIN_CLASS_RESPONDENTS = 20
#: `analysis.headline`'s metric names, and the keys the report uses for them.
SATISFACTION, AWARENESS, FIRST_CHOICE = "满意率", "知晓率", "首选率"
#: After a phase 2 the headline is phase 1's cases alone (`phase_one_sample`); beside it, the 满意率
#: with phase 2's cases too, by the Rao–Blackwell weights (`rao_blackwell_rows`).
WITH_PHASE_TWO = "满意率·含第二阶段"
#: The row reports of content version 21 printed beside their Rao–Blackwell headline after a phase 2:
#: the 满意率 from phase 1's cases alone (what `verify` recomputes for them, `headline_figures`).
PHASE_ONE_ONLY = "满意率·仅第一阶段"
METRIC_KEYS = {
    SATISFACTION: "satisfaction",
    AWARENESS: "awareness",
    FIRST_CHOICE: "first_choice",
    analysis.DK_AS_DISSATISFIED: "satisfaction_dk_as_dissatisfied",
    analysis.TOP_BOX: "satisfaction_top_box",
    REFUSAL_LOW: "satisfaction_refusal_low",
    REFUSAL_HIGH: "satisfaction_refusal_high",
    PHASE_ONE_ONLY: "satisfaction_phase_one",
    WITH_PHASE_TWO: "satisfaction_with_phase_two",
}
BIAS_VARIABLES = ("district", "domain", "channel", "event_type", "system_satisfied")
#: Why a verdict method was used (`resolve_verdict`): asked for this analysis, the study's setting,
#: forced by a phase 2, or the default of a one-phase study.
VERDICT_SOURCES = ("requested", "setting", "phase2", "default")
#: The unit verdict when neither the analysis nor the study chooses one: the posterior, for every study
#: (issue 10; on simulated studies it keeps P(any false flag) ≤ 0.075 in every honest world and its
#: recall is at or above the empirical null's in every inflation scenario: ARCHITECTURE.md, "Unit
#: verdicts by posterior").
DEFAULT_VERDICT = studies.POSTERIOR
#: The default until then: a report whose `report.built` entry records no settings was built with it
#: (`settings_before_recording`).
EARLIER_DEFAULT_VERDICT = studies.EMPIRICAL_NULL


@dataclass(frozen=True)
class AnalysisSettings:
    """The study settings an analysis printed: Γ of the refusal range and the unit verdict method with
    why it was used. A report records them in its signed `report.built` entry (`as_record`), and
    `verify` rebuilds the report with exactly these (`analyse(settings=...)`), not with whatever the
    study's settings say by then: a researcher may change Γ or the method after publication, and the
    published report must still verify (ARCHITECTURE.md, "Old reports stay verifiable")."""

    refusal_gamma: float
    verdict_method: str
    verdict_source: str

    def as_record(self) -> dict[str, Any]:
        return {
            "refusal_gamma": float(self.refusal_gamma),
            "verdict_method": self.verdict_method,
            "verdict_source": self.verdict_source,
        }

    @classmethod
    def from_record(cls, recorded: dict[str, Any]) -> AnalysisSettings:
        """The settings a `report.built` entry recorded, or a one-sentence ValueError naming the field."""
        try:
            gamma = float(recorded["refusal_gamma"])
            method, source = str(recorded["verdict_method"]), str(recorded["verdict_source"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"the recorded analysis settings {recorded!r} lack a valid {exc}") from None
        if method not in studies.VERDICT_METHODS or source not in VERDICT_SOURCES:
            raise ValueError(
                f"the recorded analysis settings {recorded!r} name an unknown verdict method or source"
            )
        return cls(gamma, method, source)


@dataclass
class StudyAnalysis:
    study_id: int
    study_name: str
    satisfied_codes: tuple[str, ...]
    cases: pd.DataFrame  # every released case, with weights and answers (no personal data)
    #: the frame's eligible events after the study's exclusions (no personal data), without the columns
    #: no reader of an analysis uses (`UNREAD_FRAME_COLUMNS`)
    frame: pd.DataFrame
    dispositions: pd.DataFrame  # code, group, label, count
    rates: dict[str, float]
    headline: pd.DataFrame
    system_rate: float
    third_party: analysis.Estimate | None
    paired_difference: analysis.Estimate | None
    cases_compared: Any  # analysis.CaseComparison
    units: pd.DataFrame
    surveyors: pd.DataFrame
    nonresponse: pd.DataFrame
    nonresponse_classes: pd.DataFrame  # the headline's adjustment's (after a phase 2, phase 1's cases')
    respondents: pd.DataFrame  # the design's rows: eligible respondents with their final weights
    excluded_events: int = 0  # frame events left out by the study's exclusions (not in either side)
    refusal_gamma: float = REFUSAL_GAMMA  # the study's Γ of the refusal range (`studies.refusal_gamma`)
    verdict_method: str = DEFAULT_VERDICT  # how the unit verdicts were reached (`resolve_verdict`)
    verdict_source: str = "default"  # why that method (`VERDICT_SOURCES`)
    two_phase: bool = False  # the design has a phase 2 (`units` then has `combination_p_value`)
    numeric: str = ONE_BLAS_THREAD  # how its linear algebra ran (`analysis.numeric`; a report records it)
    #: The staff level computed ahead (`services.staff_verdicts.staff_verdicts`; the demo's analysis child
    #: does, beside the rest), which a report built from this analysis then uses (`staff_of`).
    staff: pd.DataFrame | None = None
    #: After a phase 2, its expanded strata (`expanded_strata`): the staff level's rate test reads them
    #: where the design's strata are staff members (`services.staff_verdicts`).
    expanded: ExpandedStrata | None = None
    #: After a phase 2 anyone answered in: whether its answers differ from what phase 1's imply
    #: (`phase_two.phase_effect_of`), said beside the 满意率 with phase 2's cases.
    phase_effect: PhaseEffect | None = None
    #: After a phase 2: the overall rows from every case by the Rao–Blackwell weights, intervals by the
    #: decomposition (`rao_blackwell_rows`) — the headline of reports before content version 22.
    rao_blackwell: pd.DataFrame | None = None

    @property
    def flagged_units(self) -> pd.DataFrame:
        return self.units[self.units["flagged"].fillna(False).astype(bool)]

    @property
    def settings(self) -> AnalysisSettings:
        """The study settings this analysis was made with (what a report of it records)."""
        return AnalysisSettings(float(self.refusal_gamma), self.verdict_method, self.verdict_source)


def disposition_table(cases: pd.DataFrame) -> pd.DataFrame:
    counts = cases["disposition"].value_counts().sort_index()
    rows = [
        {
            "code": code,
            "group": dispo.get(code).group,
            "label": dispo.get(code).zh,
            "label_en": dispo.get(code).en,
            "count": int(n),
        }
        for code, n in counts.items()
    ]
    return pd.DataFrame(rows, columns=["code", "group", "label", "label_en", "count"])


READER_ROLES = ("researcher", "supervisor", "reviewer", "auditor", "admin")


#: Frame columns an analysis leaves out of `StudyAnalysis.frame` once it has computed: the record ids,
#: keys, dates and district codes. Every reader of the analysis (the unit and staff levels, the report's
#: district and domain pictures, the page's filters, calibration) reads the unit, staff, organisation,
#: rating and area columns; these five were 27% of the demo's held frame, and the page's cache keeps
#: up to eight analyses. Any other column (a vendor's own, say) is kept.
UNREAD_FRAME_COLUMNS = ("frame_record_pk", "record_id", "district_code", "service_date", "rating_time")


def eligible_frame(session: Session, study: Study, frame: pd.DataFrame) -> pd.DataFrame:
    """The frame's events that the sample represents: every record the study's exclusions left in."""
    design = current_design(session, study)
    excluded = set(session.scalars(select(Exclusion.record_id).where(Exclusion.design_id == design.id)))
    return frame[~frame["record_id"].isin(excluded)].reset_index(drop=True)


def resolve_verdict(
    study: Study, two_phase: bool, requested: str | None = None, default: str = DEFAULT_VERDICT
) -> tuple[str, str]:
    """(method, source): the verdict method of this analysis and why (`VERDICT_SOURCES`).

    `requested` (one analysis: `huifang analyse --verdict`, the reviewer page's choice) beats the study's
    setting (`studies.verdict_method`), which beats `default` (`DEFAULT_VERDICT`, the posterior; `verify`
    passes `EARLIER_DEFAULT_VERDICT` for reports built before the default changed). After a phase 2 the
    posterior is the only valid verdict: asking for the empirical null then is refused in one sentence,
    and a setting made before phase 2 gives way to it."""
    if requested is not None:
        method = studies.verdict_method_name(requested)
        if two_phase and method == studies.EMPIRICAL_NULL:
            raise InvalidState(
                f"Study {study.name} has a phase 2: the empirical null pools both phases, which is not valid "
                "for the units phase 2 chose because their phase-1 answers looked bad; use the posterior.",
                zh=f"调查 {study.name} 有第二阶段抽样：经验零分布检验合并两个阶段的回访，对因第一阶段回答不佳而被"
                "第二阶段选中的单位并不成立；请使用后验模型。",
            )
        return method, "requested"
    if two_phase:
        return studies.POSTERIOR, "phase2"
    stored = studies.verdict_method(study)
    if stored is not None:
        return stored, "setting"
    return default, "default"


def study_settings(session: Session, study: Study, default: str = DEFAULT_VERDICT) -> AnalysisSettings:
    """The settings an analysis of the study uses today when nothing is asked for (`analyse`), with
    `default` as the verdict method when the study chose none (`resolve_verdict`)."""
    two_phase = phase_two.phase_two_of(current_design(session, study)) is not None
    return AnalysisSettings(studies.refusal_gamma(study), *resolve_verdict(study, two_phase, default=default))


def settings_before_recording(session: Session, study: Study) -> AnalysisSettings:
    """The settings of a report whose `report.built` entry records none (built before reports recorded
    their settings, which was also before the posterior became the default): Γ of today, as `verify`
    always rebuilt such reports, and the verdict method of its time — the study's setting, the
    posterior after a phase 2, else `EARLIER_DEFAULT_VERDICT`, the empirical null. Rebuilt with today's
    default instead, its unit verdicts would differ from the published ones and it would fail."""
    return study_settings(session, study, default=EARLIER_DEFAULT_VERDICT)


def stratum_level(design: SampleDesign) -> str | None:
    """The frame column whose units are the design's one-unit strata: the risk targeting's unit (its
    "risk:<unit>" strata), else the only stratifying column; None when the strata cross columns (a
    stratum is then a part of a unit, never the whole unit)."""
    params = design.params or {}
    if params.get("risk"):
        return RiskRule.model_validate(params["risk"]).unit
    strata = params.get("strata") or []
    return strata[0] if len(strata) == 1 else None


@dataclass(frozen=True)
class ExpandedStrata:
    """After a phase 2, what the rate test of its expanded strata reads: per stratum phase 2 expanded,
    its phase-2 cases and both phases' satisfied (`x`) and answered (`n`) counts
    (`phase_two.expanded_counts_of`); the frame column whose units the strata are (`stratum_level`)
    and the unit of each expanded stratum that holds one; and how many strata were audited (the BH
    family)."""

    counts: pd.DataFrame
    level: str | None
    unit_of: pd.Series  # expanded stratum → its unit (only the strata of one unit at `level`)
    audited: int
    #: median days from service to callback in the expanded strata, phase 1 and 2 (`callback_days_of`)
    days: dict[int, float] = field(default_factory=dict)
    #: how phase 1's satisfied answers changed a week after the service (`phase_two.phase_one_fade`)
    fade: Fade | None = None


def expanded_strata(
    cases: pd.DataFrame, design: SampleDesign, satisfied: tuple[str, ...]
) -> ExpandedStrata | None:
    """The design's expanded strata (`ExpandedStrata`), None without a phase 2; ``cases``: the
    analysis dataset before the nonresponse adjustment."""
    record = phase_two.phase_two_of(design)
    counts = phase_two.expanded_counts_of(cases, design, list(satisfied))
    if record is None or counts is None:
        return None
    level = stratum_level(design)
    unit_of = pd.Series(dtype=object)
    if level is not None and level in cases.columns:
        owners = cases.groupby(cases["stratum"].astype(str))[level].unique()
        one = [k for k in counts.index if k in owners.index and len(owners[k]) == 1]
        unit_of = pd.Series({k: owners[k][0] for k in one}, dtype=object)
    days = phase_two.callback_days_of(cases, design)
    fade = phase_two.phase_one_fade(cases, design, list(satisfied))
    return ExpandedStrata(counts, level, unit_of, len(record["evidence"]), days, fade)


def combination_by_unit(
    expanded: ExpandedStrata | None, units: pd.DataFrame, unit: str = UNIT
) -> pd.DataFrame:
    """After a phase 2, per `unit` (a frame column: the organisations', or the staff level's) of a
    one-unit stratum that phase 2 expanded: its phase-2 cases, the rate test on both phases' answers
    against its domain's estimated honest gap and spread, moved for how late its answers came by the
    fade phase 1 measured in its domain (`analysis.phase_two_test`, `fade_adjusted`; ``units``:
    `compare_units`' table at that level), that p-value BH-adjusted over every audited stratum (the
    others count with p = 1: phase 2 cleared them, or, holding several units, they have no unit's
    test) and how much the test expected its callbacks' share satisfied to change for their lateness
    (``fade_allowance``, `phase_two_test.fade_allowance`; NaN without a measured fade). Only where the
    design's strata are units of that level: a stratum of one staff member holds one office's cases
    too, yet its callbacks are the member's, not the office's. Empty without."""
    columns = ["phase2_cases", "combination_p_value", "combination_p_adjusted", "fade_allowance"]
    if expanded is None or expanded.level != unit:
        return pd.DataFrame(columns=columns)
    counts, unit_of = expanded.counts, expanded.unit_of
    strata = list(unit_of.index)
    if not strata:  # phase 2 expanded no one-unit stratum: no unit to test
        return pd.DataFrame(columns=columns)
    null = units.reindex(unit_of.to_numpy())
    table = pd.DataFrame(
        {
            "S": null["system_satisfied"].to_numpy(),
            "N": null["frame_records"].to_numpy(),
            "x": counts["x"].reindex(strata).to_numpy(),
            "n": counts["n"].reindex(strata).to_numpy(),
            "gap": null["honest_gap"].to_numpy(),
            "spread": null["honest_spread"].to_numpy(),
            "expanded": True,
            "late_weeks": counts["late_weeks"].reindex(strata).to_numpy(),
            "domain": null["domain"].to_numpy() if "domain" in null.columns else None,
        },
        index=pd.Index(strata),
    ).fillna({"S": 0, "N": 0, "x": 0, "n": 0, "late_weeks": 0.0})
    p = expanded_unit_p_values(fade_adjusted(table, expanded.fade)).to_numpy(float)
    others = np.ones(max(expanded.audited - len(strata), 0))  # every other audited stratum
    adjusted = multipletests(np.concatenate([p, others]), alpha=FDR_Q, method="fdr_bh")[1][: len(strata)]
    return pd.DataFrame(
        {
            "phase2_cases": counts["phase2_cases"].reindex(strata).to_numpy(),
            "combination_p_value": p,
            "combination_p_adjusted": adjusted,
            "fade_allowance": fade_allowance(table, expanded.fade).to_numpy(float),
        },
        index=pd.Index(unit_of.to_numpy(), name=unit),
    )


def unexamined_proxy_count(units: pd.DataFrame) -> int:
    """How many units were cleared with every who-rated answer set aside (`verdicts.proxy_unexamined`)."""
    if units.empty or "who_held" not in units.columns:
        return 0
    return int(units.apply(proxy_unexamined, axis=1).sum())


def phase_two_lines(
    units: pd.DataFrame,
    what: str = "units",
    shown: int = FLAGGED_SHOWN,
    strata: ExpandedStrata | None = None,
) -> list[str]:
    """The summary's lines on the two-phase test of the `units` (`compare_units`' table with
    `combination_by_unit` joined) that phase 2 expanded, smallest p first; none when it expanded none
    at this level (a staff design's phase 2 expands members, not offices). With `strata`, when each
    phase was called, how phase 1's answers faded and the caution where phase 2 came much later
    (`analysis.report.phase_two_timing`)."""
    if "combination_p_value" not in units.columns:
        return []
    expanded = units.dropna(subset=["combination_p_value"]).sort_values("combination_p_value", kind="stable")
    if expanded.empty:
        return []
    lines = [
        f"Phase 2 expanded {len(expanded)} {what}; their rate gap by the two-phase test (both phases' "
        "answers against the domain's honest gap; p, BH-adjusted over the audited ones):"
    ]
    for row in expanded.head(shown).itertuples():
        allowance = getattr(row, "fade_allowance", float("nan"))
        late = f", {100 * allowance:+.1f} points expected for lateness" if np.isfinite(allowance) else ""
        lines.append(
            f"  {row.Index} {row.name}: +{int(row.phase2_cases)} cases, p {row.combination_p_value:.3g}, "
            f"adjusted {row.combination_p_adjusted:.3g}{late}"
        )
    if len(expanded) > shown:
        lines.append(f"  … and {len(expanded) - shown} more: the comparison page lists them all")
    if strata is not None:
        said, caution = timing_sentences(strata.days, strata.fade, "en")
        lines += ["  " + sentence for sentence in [*said, *([caution] if caution else [])]]
    return lines


def analyse(
    session: Session,
    study: Study,
    actor: User | None = None,
    verdict: str | None = None,
    settings: AnalysisSettings | None = None,
    numeric: str = ONE_BLAS_THREAD,
    start: Start | None = None,
) -> StudyAnalysis:
    """Everything the reviewer, the report and `huifang analyse` show, from the stored study.

    With an `actor` (the app), the role is checked here; the command line acts with the database
    file's own access rights and passes none. Surveyors never see results (blinding). `verdict` asks
    for a unit verdict method for this analysis only (`resolve_verdict`; reports use the study's).
    `settings` replaces the study's settings altogether: `verify` passes those a report recorded.
    `numeric` is how the linear algebra runs (`analysis.numeric`): on one BLAS thread, so that the
    figures do not follow the machine's core count; `verify` passes the mode a report recorded.
    `start` runs the posterior unit model elsewhere (`analysis.compare_units`; the demo's forked
    analysis forks it again, so that it runs beside the rest of the analysis)."""
    with numeric_mode(numeric):
        return _analysed(session, study, actor, verdict, settings, numeric, start)


def _analysed(
    session: Session,
    study: Study,
    actor: User | None,
    verdict: str | None,
    settings: AnalysisSettings | None,
    numeric: str,
    start: Start | None = None,
) -> StudyAnalysis:
    """`analyse` inside its numeric mode."""
    if actor is not None:
        require(actor, *READER_ROLES)
    if settings is not None and verdict is not None:
        raise ValueError("analyse: give either recorded settings or a verdict method, not both")
    satisfied = tuple(study.satisfied_codes)
    gamma = studies.refusal_gamma(study)
    sample_design = current_design(session, study)
    two_phase = phase_two.phase_two_of(sample_design) is not None
    if settings is None:
        method, source = resolve_verdict(study, two_phase, verdict)
    else:
        gamma, method, source = settings.refusal_gamma, settings.verdict_method, settings.verdict_source
    cases = datasets.analysis_dataset(session, study)
    # before the nonresponse adjustment replaces the cases
    expanded = expanded_strata(cases, sample_design, satisfied) if two_phase else None
    split = phase_two.final_splits(cases, sample_design, list(satisfied)) if two_phase else None
    effect = phase_two.phase_effect_of(split)
    whole = datasets.frame_table(session, study)
    frame = eligible_frame(session, study, whole)
    cases["system_satisfied"] = cases["system_rating"].isin(satisfied)
    frame_satisfied = frame["system_rating"].isin(satisfied)
    table = disposition_table(cases)
    rates = analysis.aapor_rates(dispo.group_counts(list(cases["disposition"])))
    eligible_respondents = cases["respondent"] & (cases["aapor_group"] != "NE")
    scale = SCALES[study.scale].codes
    if eligible_respondents.any():
        # who asked each answer, for the interviewers' variance component: nobody on the web
        cases = cases.assign(**{INTERVIEWER: cases["surveyor"].where(cases["mode"] != "web")})
        before_adjustment, frame_counts = cases, frame["system_rating"].value_counts().to_dict()
        adjusted = analysis.adjusted_sample(
            cases,
            frame_counts,
            events_col="person_events",
            rating_order=scale,
            min_respondents=MIN_CLASS_RESPONDENTS,
        )
        design, classes = adjusted.design(), adjusted.adjustment.classes
        cases = adjusted.cases
    else:  # nothing to estimate yet: report the fieldwork, leave every estimate empty
        design, classes = None, pd.DataFrame()
        cases = cases.assign(nr_weight=float("nan"))
    cases["eligible"] = cases["aapor_group"] != "NE"
    interviewed = cases[cases["interview_id"].notna()]
    empty_units = pd.DataFrame(columns=["name", "flagged"])
    rao_blackwell = None
    if design is None:
        headline = pd.DataFrame(columns=["metric", "group", "level", "estimate", "ci_low", "ci_high", "n"])
        third_party = paired = None
        compared = analysis.CaseComparison(pd.DataFrame(), None, pd.DataFrame(), pd.Series(dtype=int))
        units, surveyors = empty_units, pd.DataFrame()
    else:
        # after a phase 2 the headline is phase 1's cases alone: phase 2's later answers cannot move it
        first = phase_one_sample(before_adjustment, sample_design, frame_counts, scale)
        sample = adjusted if first is None else first
        classes = sample.adjustment.classes  # the response classes of the adjustment the headline used
        headline = analysis.replicate_headline(
            sample, satisfied_codes=satisfied, top_codes=scale[:1], interviewer=INTERVIEWER
        )
        refusal = refusal_sensitivity(sample, gamma, satisfied_codes=satisfied, interviewer=INTERVIEWER)
        if first is not None:
            rao_blackwell = rao_blackwell_rows(
                adjusted,
                headline,
                phase_two.headline_variances_of(split, before_adjustment, list(satisfied), list(scale[:1])),
                gamma,
                satisfied,
                scale,
            )
            beside = rao_blackwell[
                (rao_blackwell["metric"] == SATISFACTION) & (rao_blackwell["group"] == "overall")
            ]
            refusal = pd.concat([refusal, beside.assign(metric=WITH_PHASE_TWO)], ignore_index=True)
        headline = pd.concat([headline, refusal], ignore_index=True)
        overall = headline[(headline["metric"] == SATISFACTION) & (headline["group"] == "overall")]
        third_party = analysis.Estimate(
            **{k: float(overall.iloc[0][k]) for k in ("estimate", "se", "ci_low", "ci_high")},
            deff=float("nan"),
            df=float(overall.iloc[0]["df"]),
            n=int(overall.iloc[0]["n"]),
        )
        paired = analysis.paired_difference(design, satisfied)
        compared = analysis.compare_cases(design.data, satisfied, scale=study.scale)
        units = analysis.compare_units(
            frame,
            design,
            UNIT,
            satisfied_codes=satisfied,
            q=FDR_Q,
            interviews=interviewed,
            seed=study.id,
            method=method,
            interviewer=INTERVIEWER,
            start=start,
        )
        if two_phase:  # the rate gap's valid test after phase 2, beside the verdict
            units = units.join(combination_by_unit(expanded, units))
        names = frame.drop_duplicates(UNIT).set_index(UNIT)["organisation"]
        units.insert(0, "name", units.index.map(names))
        by_phone = design.data[design.data["mode"] != "web"]  # web answers have no surveyor to check
        surveyors = analysis.surveyor_effects(
            by_phone,
            surveyor="surveyor",
            strata="stratum",
            satisfied_codes=satisfied,
            q=FDR_Q,
            attempts="attempts",
            rating="system_rating",
            who="who_rated" if "who_rated" in by_phone.columns else None,
        )
    nonresponse = (
        analysis.nonresponse_bias_table(cases[cases["eligible"]], "respondent", list(BIAS_VARIABLES))
        if design is not None
        else pd.DataFrame()
    )
    return StudyAnalysis(
        study.id,
        study.name,
        satisfied,
        cases,
        frame.drop(columns=list(UNREAD_FRAME_COLUMNS), errors="ignore"),
        table,
        rates,
        headline,
        float(frame_satisfied.mean()) if len(frame) else float("nan"),
        third_party,
        paired,
        compared,
        units,
        surveyors,
        nonresponse,
        classes,
        design.data if design is not None else cases.iloc[0:0],
        len(whole) - len(frame),
        gamma,
        method,
        source,
        two_phase,
        numeric,
        expanded=expanded,
        phase_effect=effect,
        rao_blackwell=rao_blackwell,
    )


def satisfied_definition(codes: tuple[str, ...], scale: str = "justice3", lang: str = "zh") -> str:
    labels = [SCALES[scale].label(code, lang) for code in codes]
    return " + ".join(labels)


def phase_one_sample(
    cases: pd.DataFrame, sample_design: SampleDesign, frame_counts: dict[str, int], scale: Sequence[str]
) -> analysis.AdjustedSample | None:
    """After a phase 2, phase 1's cases alone with the weights phase 1 gave them
    (`phase_two.phase_one_cases`), adjusted for nonresponse as the study's cases are: the sample the
    headline is estimated from. None without a phase 2 or a phase-1 respondent. ``cases``: the
    analysis dataset before the nonresponse adjustment.

    Why: phase 2 is called weeks after phase 1, about services just as old; where memory of a good
    service fades its answers are lower for that alone, and the Rao–Blackwell weights, which count them
    as phase 1's would have been, pull the 满意率 down: in simulation by 2–3 points at a fade of 5
    points a week under the evidence rule and 5 under the rate rule, its interval covering the truth in
    0.69–0.81 and 0.17–0.20 of studies. Phase 1 alone is design-unbiased whatever phase 2's answers
    did; its interval covered 0.935–0.96 in every world simulated, at 9–11% more width where the
    phases agree (ARCHITECTURE.md, "The headline after a phase 2 is phase 1's")."""
    first = phase_two.phase_one_cases(cases, sample_design)
    if first is None or not (first["respondent"] & (first["aapor_group"] != "NE")).any():
        return None
    return analysis.adjusted_sample(
        first,
        frame_counts,
        events_col="person_events",
        rating_order=scale,
        min_respondents=MIN_CLASS_RESPONDENTS,
    )


def rao_blackwell_rows(
    adjusted: analysis.AdjustedSample,
    first: pd.DataFrame,
    variances: pd.Series | None,
    gamma: float,
    satisfied: tuple[str, ...],
    scale: Sequence[str],
) -> pd.DataFrame:
    """After a phase 2, the overall rows from every case by the Rao–Blackwell weights (``adjusted``),
    their intervals by the decomposition of phase 1's (``first``, the headline's rows;
    `analysis.two_phase_variance`; the jackknife alone is too narrow after a phase 2), and the refusal
    range on them: the 满意率 with phase 2's cases beside the headline, and the headline reports of
    content version 21 and before printed (`headline_figures`)."""
    rows = analysis.replicate_headline(
        adjusted, satisfied_codes=satisfied, top_codes=scale[:1], interviewer=INTERVIEWER, by=()
    )
    if variances is not None:
        rows = decomposed_headline(rows, first, variances)
    refusal = refusal_sensitivity(adjusted, gamma, satisfied_codes=satisfied, interviewer=INTERVIEWER)
    return pd.concat([rows, refusal], ignore_index=True)


def headline_figures(result: StudyAnalysis, before_phase_one_headline: bool = False) -> dict[str, str]:
    """The published headline numbers, rounded as printed (what `verify` compares). With
    ``before_phase_one_headline``, after a phase 2, those a report of content version 21 or before
    printed: the Rao–Blackwell rows as the headline and phase 1's 满意率 beside them."""
    figures = {"system_rate": f"{result.system_rate:.4f}"}
    headline = result.headline
    if before_phase_one_headline and result.rao_blackwell is not None:
        first = headline[(headline["metric"] == SATISFACTION) & (headline["group"] == "overall")]
        headline = pd.concat([result.rao_blackwell, first.assign(metric=PHASE_ONE_ONLY)], ignore_index=True)
    overall = headline[headline["group"] == "overall"]
    for row in overall.itertuples():
        figures[METRIC_KEYS.get(str(row.metric), str(row.metric))] = (
            f"{row.estimate:.4f} [{row.ci_low:.4f}, {row.ci_high:.4f}] n={int(row.n)}"
        )
    figures["flagged_units"] = ",".join(sorted(map(str, result.flagged_units.index)))
    return figures


def interviewer_words(headline: pd.DataFrame, lang: str = "zh") -> str:
    """What the interviewers' variance component did to the headline 满意率's interval, in one
    sentence ("" where the headline has no such column or fewer than two surveyors asked)."""
    rows = headline[(headline["metric"] == SATISFACTION) & (headline["group"] == "overall")]
    if rows.empty or "interviewers" not in rows or not rows.iloc[0]["interviewers"] >= 2:
        return ""
    row = rows.iloc[0]
    k, rho = int(row["interviewers"]), float(row["interviewer_rho"])
    before, after = 100 * float(row["se_sampling"]), 100 * float(row["se"])
    if float(row["se_interviewer"]) == 0 and not np.isfinite(rho):
        return (
            f"访员间差异无法估计：{k} 名电话访员没有访问过系统评价相同的受访者，其差异与受访者构成无法分开，区间未计入这一部分。"
            if lang == "zh"
            else f"Differences between interviewers could not be estimated: the {k} telephone surveyors "
            "called no citizens the system rated alike, so their differences cannot be told apart from "
            "whom they called, and the interval does not include them."
        )
    if float(row["se_interviewer"]) == 0:
        return (
            f"区间已计入访员间差异：{k} 名电话访员在系统评价相同的受访者中，满意率差异未超出随机波动"
            "（访员内相关 ρ 估计为 0），区间未因此加宽。"
            if lang == "zh"
            else f"Intervals allow for differences between interviewers: among citizens the system rated "
            f"alike, the {k} telephone surveyors' satisfaction rates differ no more than chance would make "
            "them (intra-interviewer correlation estimated at 0), so the interval is not widened."
        )
    spread = 100 * float(row.get("interviewer_sd", float("nan")))
    plan = (
        (
            f"访员之间的差异约为满意比例的 {spread:.1f} 个百分点（标准差），可作为下一次调查确定访员人数的依据。"
            if lang == "zh"
            else f" The surveyors' shifts have an SD of about {spread:.1f} points of the satisfied share: "
            "the figure to plan the next study's number of surveyors with."
        )
        if np.isfinite(spread)
        else ""
    )
    return (
        f"区间已计入访员间差异：{k} 名电话访员（在系统评价相同的受访者中比较），满意率的访员内相关 "
        f"ρ = {rho:.3f}，标准误由 {before:.1f} 增至 {after:.1f} 个百分点；访员越少，这一部分越难估准，区间也就越宽。"
        if lang == "zh"
        else f"Intervals allow for differences between interviewers: {k} telephone surveyors, compared on "
        "citizens the system rated alike; intra-interviewer correlation of the satisfaction "
        f"rate ρ = {rho:.3f}, which raises its standard error from {before:.1f} to {after:.1f} points; the "
        "fewer the surveyors, the less precisely this part is known and the wider the interval."
    ) + plan


def percent_text(x: float) -> str:
    """A share as the summary prints it (one decimal), "—" where there is none."""
    return "—" if x is None or not np.isfinite(x) else f"{100 * x:.1f}%"


#: The verdict methods and their sources as the summary and the pages word them.
VERDICT_WORDS = {
    studies.EMPIRICAL_NULL: {
        "en": "empirical null (each unit's exact tests against its domain's honest gap and backgrounds, BH)",
        "zh": "经验零分布（按本领域诚实差距与背景逐单位精确检验，BH 校正）",
    },
    studies.POSTERIOR: {
        "en": "posterior (empirical-Bayes model of all the evidence; flags while the flagged units' mean "
        "probability of being honest stays ≤ q)",
        "zh": "后验模型（综合全部证据的经验贝叶斯模型；被标记单位属于诚实单位的平均概率不超过 q）",
    },
}
SOURCE_WORDS = {
    "requested": {"en": "chosen for this analysis", "zh": "本次分析选定"},
    "setting": {"en": "the study's setting", "zh": "本调查的设置"},
    "phase2": {
        "en": "the study has a phase 2: the empirical null would also test the units it passed over on their "
        "phase-1 answers alone, which together can be anti-conservative",
        "zh": "本调查有第二阶段抽样：经验零分布还会仅凭第一阶段回答检验第二阶段未选中的单位，合起来可能偏于宽松",
    },
    "default": {
        "en": "the default: neither the study nor this analysis chose a method",
        "zh": "默认方法：本调查与本次分析均未选定方法",
    },
}


def verdict_line(result: StudyAnalysis, lang: str = "en") -> str:
    """One line naming the unit verdict method and why it was used."""
    method = VERDICT_WORDS[result.verdict_method][lang]
    source = SOURCE_WORDS[result.verdict_source][lang]
    return (
        f"单位判定方法：{method}（{source}）" if lang == "zh" else f"Unit verdict method: {method} ({source})"
    )


def posterior_words(row: pd.Series, lang: str = "zh") -> tuple[str, str]:
    """A posterior verdict's likeliest mechanism and its driving evidence with the Bayes factor's
    strength, in `lang` ("" where the row has none): what the page and the report print beside a unit.
    The mechanism only for a flagged unit: beside a unit not flagged, "how it inflates" would read as an
    accusation the verdict does not make (as its inflation estimate would read as a bound that clears it,
    `analysis.verdicts.UNFLAGGED_ESTIMATE`); the evidence is the unit's own and stays."""
    from analysis.verdicts import MECHANISM_LABELS, SIGN_LABELS, STRENGTH, bayes_strength

    flagged = bool(row.get("flagged", False))
    label = (
        MECHANISM_LABELS.get(str(row.get("posterior_mechanism", "") or "").split(" ")[0]) if flagged else None
    )
    driver = str(row.get("driver", "") or "")
    if driver not in SIGN_LABELS:
        return (label[lang] if label else ""), ""
    strength = STRENGTH[bayes_strength(row.get(f"bf_{driver}"))][lang]
    evidence = (
        f"{SIGN_LABELS[driver][lang]}（{strength}）"
        if lang == "zh"
        else f"{SIGN_LABELS[driver][lang]} ({strength})"
    )
    return (label[lang] if label else ""), evidence


def posterior_summary(row: pd.Series) -> str:
    """A flagged unit's posterior figures for the summary line."""
    mechanism, _ = posterior_words(row, "en")
    if who_rated_flag(row):  # the evidence is who rated, not the rate gap: said first, the rise after
        return (
            f"; P(inflated) {percent_text(row.get('prob_inflated', np.nan))}, flagged mainly on who rated, not the rate gap; "
            f"those ratings raise the published rate by "
            f"{_points(row.get('posterior_inflation', np.nan))} points (95% posterior interval "
            f"{posterior_interval(row, 'en')})" + (f", likeliest: {mechanism}" if mechanism else "")
        )
    return (
        f"; P(inflated) {percent_text(row.get('prob_inflated', np.nan))}, inflation "
        f"{_points(row.get('posterior_inflation', np.nan))} points (95% posterior interval "
        f"{posterior_interval(row, 'en')})" + (f", likeliest: {mechanism}" if mechanism else "")
    )


def _points(x: float) -> str:
    return "—" if x is None or not np.isfinite(x) else f"{100 * x:+.1f}"


def summary_text(result: StudyAnalysis) -> str:
    lines = []
    released = len(result.cases)
    completes = int((result.cases["disposition"] == "1.1").sum())
    lines.append(
        f"Study {result.study_name}: {released} cases released, {completes} complete interviews, "
        f"AAPOR RR1 {percent_text(result.rates.get('RR1'))}, RR3 {percent_text(result.rates.get('RR3'))}"
    )
    definition = satisfied_definition(result.satisfied_codes)
    lines.append(
        f"满意率 ({definition}): system {percent_text(result.system_rate)} over the {len(result.frame):,} "
        f"eligible rated events (a census; {result.excluded_events:,} excluded by the study's rules)"
    )
    if result.third_party is not None:
        tp = result.third_party
        lines.append(
            f"        third-party {percent_text(tp.estimate)} (95% CI {percent_text(tp.ci_low)}–{percent_text(tp.ci_high)}, n={tp.n}), "
            "per event, jackknife interval"
            + ("; after a phase 2, from phase 1's cases alone" if result.rao_blackwell is not None else "")
        )
        said = interviewer_words(result.headline, "en")
        if said:
            lines.append(f"        {said}")
        overall = result.headline[result.headline["group"] == "overall"].set_index("metric")
        for metric, words in (
            (analysis.DK_AS_DISSATISFIED, "说不清 counted as 不满意"),
            (analysis.TOP_BOX, "top box"),
            (WITH_PHASE_TWO, "with phase 2's cases (Rao–Blackwell weights; interval by the decomposition)"),
        ):
            if metric in overall.index:
                row = overall.loc[metric]
                lines.append(
                    f"        sensitivity, {words}: {percent_text(row['estimate'])} "
                    f"(95% CI {percent_text(row['ci_low'])}–{percent_text(row['ci_high'])})"
                )
        agree = phase_effect_sentence(result.phase_effect, "en")
        if agree:
            lines.append(f"        {agree}")
        if REFUSAL_LOW in overall.index and REFUSAL_HIGH in overall.index:
            low, high = overall.loc[REFUSAL_LOW], overall.loc[REFUSAL_HIGH]
            lines.append(
                f"        sensitivity, nonrespondents' odds of being satisfied up to {result.refusal_gamma:g}× lower/"
                f"higher: {percent_text(low['estimate'])}–{percent_text(high['estimate'])} "
                f"(95% CI {percent_text(low['ci_low'])}–{percent_text(high['ci_high'])})"
            )
    if result.paired_difference is not None:
        pdiff = result.paired_difference
        lines.append(
            f"        paired difference system − callback on the same cases: "
            f"{100 * pdiff.estimate:+.1f} points (95% CI {100 * pdiff.ci_low:+.1f} to "
            f"{100 * pdiff.ci_high:+.1f})"
        )
    flagged = result.flagged_units
    posterior = result.verdict_method == studies.POSTERIOR
    lines.append(verdict_line(result))
    if "status" in result.units.columns:
        insufficient = int((result.units["status"] == "insufficient_evidence").sum())
        lines.append(f"Insufficient evidence (never flagged, never cleared): {insufficient} units")
        held = int(result.units.get("surveyor_held", pd.Series(dtype=bool)).fillna(False).astype(bool).sum())
        if held:
            lines.append(
                f"        of all units, {held} judged without the answers of surveyors who record "
                "satisfaction or who rated differently from others on like records"
            )
            unexamined = unexamined_proxy_count(result.units)
            if unexamined:
                lines.append(
                    f"        of them, {unexamined} not flagged on their rate gap, with proxy rating not "
                    "examined: nobody else asked them who rated (have another surveyor call some of their cases)"
                )
    lines += phase_two_lines(result.units, strata=result.expanded)
    rule = (
        f"Sun & Cai: mean lfdr of the flagged ≤ {FDR_Q}, each unit's ≤ {LFDR_FLOOR}"
        if posterior
        else f"BH q ≤ {FDR_Q}"
    )
    lines.append(f"Units flagged as inflated (organisations, {rule}): {len(flagged)}")
    shown = flagged.head(FLAGGED_SHOWN)
    for row in shown.itertuples():
        driver = SIGN_LABELS.get(str(getattr(row, "driver", "") or ""))
        lines.append(
            f"  {row.Index} {row.name}: system {percent_text(row.system_rate)}, third-party "
            f"{percent_text(row.third_party)} (95% CI {percent_text(row.ci_low)}–{percent_text(row.ci_high)}, "
            f"{int(row.respondents)} respondents)"
            + (posterior_summary(flagged.loc[row.Index]) if posterior else "")
            + (f"; main evidence: {driver['en']}" if driver else "")
        )
    if len(flagged) > len(shown):
        lines.append(
            f"  … and {len(flagged) - len(shown)} more: the report and the comparison page list every unit"
        )
    lines += surveyor_lines(result.surveyors)
    return "\n".join(lines)


#: How the summary names the report check's measures (`analysis.surveyor_checks.EFFECT_MEASURES`).
SURVEYOR_MEASURE_NAMES = {
    "satisfied": "satisfaction rate",
    "dk_refused": "can't say",
    "who_rated": "someone else or nobody rated",
}


def surveyor_lines(surveyors: pd.DataFrame) -> list[str]:
    """The report check's flagged surveyors, each with the measures it rests on, the surveyor's share
    and the peers' on cases like theirs; nothing where no surveyor was compared."""
    if surveyors.empty:
        return []
    rows = []
    for person, row in surveyors.iterrows():
        found = [
            f"{label} {percent_text(row[f'{name}_rate'])} vs peers {percent_text(row[f'{name}_peers'])}"
            for name, label in SURVEYOR_MEASURE_NAMES.items()
            if bool(row.get(f"{name}_flagged", False))
        ]
        if found:
            rows.append(f"  {person}: " + "; ".join(found))
    head = (
        f"Surveyors unlike their peers on comparable cases (BH q ≤ {FDR_Q}; listen back first): {len(rows)}"
    )
    return [head, *rows]


#: Notes, and free text (the person's own words may name people or places; coded, they reach the report
#: only as themes and scrubbed quotes).
EXPORT_COLUMNS_DROPPED = ("intro", "closing", "comment", "unsatisfied_reason_other")


def pseudonymised(data: pd.DataFrame, study: Study) -> pd.DataFrame:
    """`data` with `record_id` (which leads back to the person in the rating system) replaced by a
    study-specific pseudonym: a keyed hash, stable within the study, unlinkable without the match key."""
    from survey_app.security.fieldcrypto import match_key, pseudonym

    if "record_id" not in data.columns:
        return data
    key = match_key()
    position = list(data.columns).index("record_id")
    out = data.drop(columns=["record_id"])
    out.insert(position, "pseudonym", [pseudonym(study.id, str(r), key) for r in data["record_id"]])
    return out


def export_analysis_dataset(session: Session, actor, study: Study, path) -> Any:
    """Write the analysis dataset (every released case, weights, dispositions, answers; no personal data
    and no free-text comments) as CSV, Excel, SPSS .sav or Stata .dta, chosen by the suffix. Audited."""
    from survey_app.security import audit
    from survey_app.services.auth import require

    require(actor, "researcher", "reviewer", "auditor", "admin")
    result = analyse(session, study)
    data = analysis.analysis_dataset(result.cases).drop(columns=list(EXPORT_COLUMNS_DROPPED), errors="ignore")
    data = pseudonymised(data, study)
    from survey_app.services.export_labels import study_labels

    value_labels, variable_labels = study_labels(session, study, data)
    written = analysis.export_dataset(data, path, value_labels=value_labels, variable_labels=variable_labels)
    audit.record(
        session,
        actor.username,
        "dataset.exported",
        study_id=study.id,
        entity="study",
        entity_id=study.id,
        file=str(written),
        rows=len(data),
        columns=len(data.columns),
    )
    return written


#: What a reviewer may see of a unit's cases: design, disposition, system rating and the callback answers.
DRILL_COLUMNS = (
    "case_id",
    "stratum",
    "district",
    "domain",
    "channel",
    "service_date",
    "system_rating",
    "disposition",
    "identity",
    "received_service",
    "who_rated",
    "staff_asked_rating",
    "sat_overall",
    "nr_weight",
)


def unit_cases(result: StudyAnalysis, unit_id: str) -> pd.DataFrame:
    """The released cases of one organisation with their flags; no names, numbers or free text."""
    cases = result.cases[result.cases[UNIT] == unit_id]
    table = cases[[c for c in DRILL_COLUMNS if c in cases.columns]].copy()
    flags = result.cases_compared.flags
    if len(flags):
        table = table.join(flags.reindex(table.index).fillna(False).astype(bool))
    return table.reset_index(drop=True)


def unit_explanation(result: StudyAnalysis, unit_id: str, lang: str = "zh") -> list[str]:
    """The plain-language explanation of one organisation's verdict (`analysis.explain_unit`)."""
    if unit_id not in result.units.index:
        raise KeyError(f"unit {unit_id!r} is not in study {result.study_name!r}")
    return analysis.explain_unit(result.units.loc[unit_id], lang, q=FDR_Q)


def filter_units(result: StudyAnalysis, **levels: str | None) -> pd.DataFrame:
    """The unit table restricted to organisations of the chosen district, domain or channel."""
    frame = result.frame
    mask = pd.Series(True, index=frame.index)
    for column, level in levels.items():
        if level:
            mask &= frame[column] == level
    keep = frame.loc[mask, UNIT].unique()
    return result.units[result.units.index.isin(keep)]
