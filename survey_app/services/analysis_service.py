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
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

import analysis
from analysis.sensitivity import DEFAULT_GAMMA, REFUSAL_HIGH, REFUSAL_LOW, refusal_sensitivity
from analysis.verdicts import SIGN_LABELS
from sampling.vocabulary import SCALES
from survey_app.services import datasets, studies
from survey_app.services import dispositions as dispo
from survey_app.services.auth import require
from survey_app.services.samples import current_design
from survey_app.storage.models import Exclusion, Study, User

#: False discovery rate at which units are flagged.
FDR_Q = 0.10
FLAGGED_SHOWN = 15  # the summary's list; the report and the comparison page have every unit
#: Unit level of the headline comparison.
UNIT = "organisation_id"
#: Γ of the refusal range of a study without the setting (`studies.refusal_gamma`): nonrespondents' odds
#: of being satisfied up to Γ times lower or higher than respondents' of the same response class.
REFUSAL_GAMMA = DEFAULT_GAMMA
#: Fewest respondents in a response class (classes never cross system-rating groups).
MIN_CLASS_RESPONDENTS = 20
#: `analysis.headline`'s metric names, and the keys the report uses for them.
SATISFACTION, AWARENESS, FIRST_CHOICE = "满意率", "知晓率", "首选率"
METRIC_KEYS = {
    SATISFACTION: "satisfaction",
    AWARENESS: "awareness",
    FIRST_CHOICE: "first_choice",
    analysis.DK_AS_DISSATISFIED: "satisfaction_dk_as_dissatisfied",
    analysis.TOP_BOX: "satisfaction_top_box",
    REFUSAL_LOW: "satisfaction_refusal_low",
    REFUSAL_HIGH: "satisfaction_refusal_high",
}
BIAS_VARIABLES = ("district", "domain", "channel", "event_type", "system_satisfied")


@dataclass
class StudyAnalysis:
    study_id: int
    study_name: str
    satisfied_codes: tuple[str, ...]
    cases: pd.DataFrame  # every released case, with weights and answers (no personal data)
    frame: pd.DataFrame  # the frame's eligible events after the study's exclusions (no personal data)
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
    nonresponse_classes: pd.DataFrame
    respondents: pd.DataFrame  # the design's rows: eligible respondents with their final weights
    excluded_events: int = 0  # frame events left out by the study's exclusions (not in either side)
    refusal_gamma: float = REFUSAL_GAMMA  # the study's Γ of the refusal range (`studies.refusal_gamma`)

    @property
    def flagged_units(self) -> pd.DataFrame:
        return self.units[self.units["flagged"].fillna(False).astype(bool)]


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


def eligible_frame(session: Session, study: Study, frame: pd.DataFrame) -> pd.DataFrame:
    """The frame's events that the sample represents: every record the study's exclusions left in."""
    design = current_design(session, study)
    excluded = set(session.scalars(select(Exclusion.record_id).where(Exclusion.design_id == design.id)))
    return frame[~frame["record_id"].isin(excluded)].reset_index(drop=True)


def analyse(session: Session, study: Study, actor: User | None = None) -> StudyAnalysis:
    """Everything the reviewer, the report and `huifang analyse` show, from the stored study.

    With an `actor` (the app), the role is checked here; the command line acts with the database
    file's own access rights and passes none. Surveyors never see results (blinding)."""
    if actor is not None:
        require(actor, *READER_ROLES)
    satisfied = tuple(study.satisfied_codes)
    gamma = studies.refusal_gamma(study)
    cases = datasets.analysis_dataset(session, study)
    whole = datasets.frame_table(session, study)
    frame = eligible_frame(session, study, whole)
    cases["system_satisfied"] = cases["system_rating"].isin(satisfied)
    frame_satisfied = frame["system_rating"].isin(satisfied)
    table = disposition_table(cases)
    rates = analysis.aapor_rates(dispo.group_counts(list(cases["disposition"])))
    eligible_respondents = cases["respondent"] & (cases["aapor_group"] != "NE")
    scale = SCALES[study.scale].codes
    if eligible_respondents.any():
        adjusted = analysis.adjusted_sample(
            cases,
            frame["system_rating"].value_counts().to_dict(),
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
    if design is None:
        headline = pd.DataFrame(columns=["metric", "group", "level", "estimate", "ci_low", "ci_high", "n"])
        third_party = paired = None
        compared = analysis.CaseComparison(pd.DataFrame(), None, pd.DataFrame(), pd.Series(dtype=int))
        units, surveyors = empty_units, pd.DataFrame()
    else:
        headline = analysis.replicate_headline(adjusted, satisfied_codes=satisfied, top_codes=scale[:1])
        refusal = refusal_sensitivity(adjusted, gamma, satisfied_codes=satisfied)
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
        )
        names = frame.drop_duplicates(UNIT).set_index(UNIT)["organisation"]
        units.insert(0, "name", units.index.map(names))
        by_phone = design.data[design.data["mode"] != "web"]  # web answers have no surveyor to check
        surveyors = analysis.surveyor_effects(
            by_phone, surveyor="surveyor", strata="stratum", satisfied_codes=satisfied, q=FDR_Q
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
        frame,
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
    )


def satisfied_definition(codes: tuple[str, ...], scale: str = "justice3", lang: str = "zh") -> str:
    labels = [SCALES[scale].label(code, lang) for code in codes]
    return " + ".join(labels)


def headline_figures(result: StudyAnalysis) -> dict[str, str]:
    """The published headline numbers, rounded as printed (what `verify` compares)."""
    figures = {"system_rate": f"{result.system_rate:.4f}"}
    overall = result.headline[result.headline["group"] == "overall"]
    for row in overall.itertuples():
        figures[METRIC_KEYS.get(str(row.metric), str(row.metric))] = (
            f"{row.estimate:.4f} [{row.ci_low:.4f}, {row.ci_high:.4f}] n={int(row.n)}"
        )
    figures["flagged_units"] = ",".join(sorted(map(str, result.flagged_units.index)))
    return figures


def _pct(x: float) -> str:
    return "—" if x is None or not np.isfinite(x) else f"{100 * x:.1f}%"


def summary_text(result: StudyAnalysis) -> str:
    lines = []
    released = len(result.cases)
    completes = int((result.cases["disposition"] == "1.1").sum())
    lines.append(
        f"Study {result.study_name}: {released} cases released, {completes} complete interviews, "
        f"AAPOR RR1 {_pct(result.rates.get('RR1'))}, RR3 {_pct(result.rates.get('RR3'))}"
    )
    definition = satisfied_definition(result.satisfied_codes)
    lines.append(
        f"满意率 ({definition}): system {_pct(result.system_rate)} over the {len(result.frame):,} "
        f"eligible rated events (a census; {result.excluded_events:,} excluded by the study's rules)"
    )
    if result.third_party is not None:
        tp = result.third_party
        lines.append(
            f"        third-party {_pct(tp.estimate)} (95% CI {_pct(tp.ci_low)}–{_pct(tp.ci_high)}, n={tp.n}), "
            "per event, jackknife interval"
        )
        overall = result.headline[result.headline["group"] == "overall"].set_index("metric")
        for metric, words in (
            (analysis.DK_AS_DISSATISFIED, "说不清 counted as 不满意"),
            (analysis.TOP_BOX, "top box"),
        ):
            if metric in overall.index:
                row = overall.loc[metric]
                lines.append(
                    f"        sensitivity, {words}: {_pct(row['estimate'])} "
                    f"(95% CI {_pct(row['ci_low'])}–{_pct(row['ci_high'])})"
                )
        if REFUSAL_LOW in overall.index and REFUSAL_HIGH in overall.index:
            low, high = overall.loc[REFUSAL_LOW], overall.loc[REFUSAL_HIGH]
            lines.append(
                f"        sensitivity, nonrespondents' odds of being satisfied up to {result.refusal_gamma:g}× lower/"
                f"higher: {_pct(low['estimate'])}–{_pct(high['estimate'])} "
                f"(95% CI {_pct(low['ci_low'])}–{_pct(high['ci_high'])})"
            )
    if result.paired_difference is not None:
        pdiff = result.paired_difference
        lines.append(
            f"        paired difference system − callback on the same cases: "
            f"{100 * pdiff.estimate:+.1f} points (95% CI {100 * pdiff.ci_low:+.1f} to "
            f"{100 * pdiff.ci_high:+.1f})"
        )
    flagged = result.flagged_units
    lines.append(f"Units flagged as inflated (organisations, BH q ≤ {FDR_Q}): {len(flagged)}")
    shown = flagged.head(FLAGGED_SHOWN)
    for row in shown.itertuples():
        driver = SIGN_LABELS.get(str(getattr(row, "driver", "") or ""))
        lines.append(
            f"  {row.Index} {row.name}: system {_pct(row.system_rate)}, third-party "
            f"{_pct(row.third_party)} (95% CI {_pct(row.ci_low)}–{_pct(row.ci_high)}, "
            f"{int(row.respondents)} respondents)" + (f"; main evidence: {driver['en']}" if driver else "")
        )
    if len(flagged) > len(shown):
        lines.append(
            f"  … and {len(flagged) - len(shown)} more: the report and the comparison page list every unit"
        )
    return "\n".join(lines)


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
