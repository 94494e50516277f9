"""Turn the results of `analysis` into report content parts.

Duck-typed on purpose: these read attributes and columns by name and import nothing from the
statistics modules, so the renderer stays decoupled. Each function names the `analysis` result it
expects; a missing attribute or column raises ReportContentError naming it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from analysis.report.content import (
    AREA_COLUMNS,
    AREA_LEVELS,
    REASON_COLUMNS,
    SURVEYOR_MEASURES,
    UNIT_COLUMNS,
    Agreement,
    Estimate,
    TestResult,
)
from analysis.report.errors import ReportContentError
from sampling.vocabulary import DISTRICTS, DOMAINS

#: `analysis.headline()` metric names → ReportContent headline keys.
HEADLINE_METRICS = {"满意率": "satisfaction", "知晓率": "awareness", "首选率": "first_choice"}
RATE_PREFIXES = ("RR", "COOP", "REF", "CON")


def _get(obj: Any, name: str, source: str) -> Any:
    try:
        return obj[name] if isinstance(obj, Mapping) else getattr(obj, name)
    except (KeyError, AttributeError):
        raise ReportContentError(
            source, f"has no {name!r}", "Pass the result object analysis returns."
        ) from None


def _columns(table: pd.DataFrame, columns: tuple[str, ...], source: str) -> None:
    missing = [column for column in columns if column not in table.columns]
    if missing:
        raise ReportContentError(
            source, f"lacks column(s) {', '.join(missing)}", "Pass analysis' table unchanged."
        )


def estimate_of(result: Any, source: str = "estimate") -> Estimate:
    """From `analysis.Estimate` (or anything with estimate, ci_low, ci_high, n)."""
    return Estimate(
        estimate=float(_get(result, "estimate", source)),
        ci_low=float(_get(result, "ci_low", source)),
        ci_high=float(_get(result, "ci_high", source)),
        n=int(_get(result, "n", source)),
    )


def test_of(result: Any, source: str = "test") -> TestResult:
    """From `analysis.agreement.TestResult` (statistic, df, p_value)."""
    return TestResult(
        statistic=float(_get(result, "statistic", source)),
        df=float(_get(result, "df", source)),
        p_value=float(_get(result, "p_value", source)),
    )


def agreement_of(result: Any) -> Agreement:
    """From `analysis.Agreement` (kappa, kappa_ci, weighted_kappa, weighted_kappa_ci, tests, n)."""
    n = int(_get(result, "n", "agreement"))
    kappa_low, kappa_high = _get(result, "kappa_ci", "agreement")
    weighted_low, weighted_high = _get(result, "weighted_kappa_ci", "agreement")
    return Agreement(
        kappa=Estimate(float(_get(result, "kappa", "agreement")), float(kappa_low), float(kappa_high), n),
        weighted_kappa=Estimate(
            float(_get(result, "weighted_kappa", "agreement")), float(weighted_low), float(weighted_high), n
        ),
        bowker=test_of(_get(result, "bowker", "agreement"), "agreement.bowker"),
        stuart_maxwell=test_of(_get(result, "stuart_maxwell", "agreement"), "agreement.stuart_maxwell"),
        mcnemar=test_of(_get(result, "mcnemar", "agreement"), "agreement.mcnemar"),
    )


def rates_of(rates: Mapping[str, Any]) -> dict[str, float]:
    """The AAPOR rates of `analysis.aapor_rates()` in print order, without its bookkeeping keys."""
    return {name: float(value) for name, value in rates.items() if name.startswith(RATE_PREFIXES)}


def headline_of(table: pd.DataFrame) -> tuple[dict[str, Estimate], dict[str, pd.DataFrame]]:
    """From `analysis.headline()`: the three headline Estimates and the 满意率 tables by group.

    Returns (headline, {"district": …, "domain": …, "channel": …}) with `GROUP_COLUMNS` tables.
    """
    _columns(table, ("metric", "group", "level", "estimate", "ci_low", "ci_high", "n"), "headline table")
    overall = table[table["group"] == "overall"]
    headline = {}
    for metric, key in HEADLINE_METRICS.items():
        rows = overall[overall["metric"] == metric]
        if rows.empty:
            raise ReportContentError(
                "headline table", f"has no overall row for {metric}", "Run analysis.headline()."
            )
        headline[key] = estimate_of(rows.iloc[0].to_dict(), f"headline table, {metric}")
    groups = {}
    satisfaction = table[table["metric"] == "满意率"]
    for group in ("district", "domain", "channel"):
        rows = satisfaction[satisfaction["group"] == group]
        groups[group] = pd.DataFrame(
            {
                "group": rows["level"].astype(str).to_numpy(),
                "estimate": rows["estimate"].astype(float).to_numpy(),
                "ci_low": rows["ci_low"].astype(float).to_numpy(),
                "ci_high": rows["ci_high"].astype(float).to_numpy(),
                "n": rows["n"].fillna(0).astype(int).to_numpy(),
            }
        )
    return headline, groups


def units_of(
    table: pd.DataFrame,
    names: Mapping[Any, str] | None = None,
    evidence: pd.DataFrame | None = None,
    places: pd.DataFrame | None = None,
    explanations: Mapping[Any, str] | None = None,
) -> pd.DataFrame:
    """From `analysis.compare_units()` (indexed by unit id) to `UNIT_COLUMNS`.

    `names` maps a unit id to the label printed (e.g. "ORG0007 徐汇区公证处"); `evidence` is indexed by
    unit id with `rated_by_other` and `service_denied` case counts (e.g. `case_flags` summed by unit);
    `places` is indexed by unit id with `district` and `domain`, copied as the optional columns the
    district pages read; `explanations` maps a unit id to the sentences explaining its verdict.
    """
    _columns(
        table,
        ("respondents", "system_rate", "third_party", "ci_low", "ci_high", "difference", "difference_low",
         "difference_high", "p_value", "p_adjusted", "shrunk_rate", "flagged"),
        "compare_units table",
    )  # fmt: skip
    ids = list(table.index)
    counts = evidence if evidence is not None else pd.DataFrame(index=table.index)
    if evidence is not None:
        _columns(evidence, ("rated_by_other", "service_denied"), "unit evidence")

    def count(column: str) -> list[int]:
        if column not in counts.columns:
            return [0] * len(ids)
        return [int(value) for value in counts[column].reindex(ids).fillna(0)]

    result = pd.DataFrame(
        {
            "unit": [str((names or {}).get(unit, unit)) for unit in ids],
            "n": table["respondents"].fillna(0).astype(int).to_numpy(),
            "system_rate": table["system_rate"].astype(float).to_numpy(),
            "third_party_rate": table["third_party"].astype(float).to_numpy(),
            "third_party_ci_low": table["ci_low"].astype(float).to_numpy(),
            "third_party_ci_high": table["ci_high"].astype(float).to_numpy(),
            "difference": table["difference"].astype(float).to_numpy(),
            "diff_ci_low": table["difference_low"].astype(float).to_numpy(),
            "diff_ci_high": table["difference_high"].astype(float).to_numpy(),
            "p_value": table["p_value"].astype(float).to_numpy(),
            "q_value": table["p_adjusted"].astype(float).to_numpy(),
            "shrunk_rate": table["shrunk_rate"].astype(float).to_numpy(),
            "rated_by_other": count("rated_by_other"),
            "service_denied": count("service_denied"),
            "flagged": table["flagged"].fillna(False).astype(bool).to_numpy(),
        },
        columns=list(UNIT_COLUMNS),
    )
    for column in ("inflation", "inflation_low", "inflation_high", "prob_inflated"):
        if column in table.columns:  # the unit verdict model's estimates, when it gives them
            result[column] = table[column].astype(float).to_numpy()
    if "status" in table.columns:
        result["status"] = table["status"].fillna("").astype(str).to_numpy()
    if explanations is not None:
        result["explanation"] = [str(explanations.get(unit, "") or "") for unit in ids]
    if places is not None:
        _columns(places, ("district", "domain"), "unit places")
        for column in ("district", "domain"):
            result[column] = [str(value) for value in places[column].reindex(ids).fillna("")]
    return result


def surveyor_checks_of(
    effects: pd.DataFrame, median_minutes: Mapping[Any, float] | None = None
) -> pd.DataFrame:
    """From `analysis.surveyor_effects()` (indexed by surveyor) to `SURVEYOR_COLUMNS` and
    `SURVEYOR_OPTIONAL_COLUMNS`.

    p is the 满意率 test against peers on comparable cases, `*_peers` what the peers recorded on cases
    like the surveyor's; a surveyor is flagged when the 满意率, the 说不清/拒答 share or (where asked)
    the share saying someone else rated or nobody did differs after BH, and `flagged_on` names which.
    `median_minutes` comes from the interviews' paradata.
    """
    _columns(
        effects,
        ("interviews", "satisfied_rate", "satisfied_peers", "dk_refused_rate", "dk_refused_peers",
         "satisfied_p_value", "satisfied_flagged", "dk_refused_flagged"),
        "surveyor_effects table",
    )  # fmt: skip
    minutes = median_minutes or {}
    nothing = pd.Series(math.nan, index=effects.index)
    never = pd.Series(False, index=effects.index)
    flags = pd.DataFrame(
        {name: effects.get(f"{name}_flagged", never).fillna(False).astype(bool) for name in SURVEYOR_MEASURES}
    )
    return pd.DataFrame(
        {
            "surveyor": [str(person) for person in effects.index],
            "interviews": effects["interviews"].astype(int).to_numpy(),
            "median_minutes": [float(minutes.get(person, math.nan)) for person in effects.index],
            "dk_share": effects["dk_refused_rate"].astype(float).to_numpy(),
            "dk_peers": effects["dk_refused_peers"].astype(float).to_numpy(),
            "satisfied_rate": effects["satisfied_rate"].astype(float).to_numpy(),
            "satisfied_peers": effects["satisfied_peers"].astype(float).to_numpy(),
            "p_value": effects["satisfied_p_value"].astype(float).to_numpy(),
            "flagged": flags.any(axis=1).to_numpy(),
            "who_share": effects.get("who_rated_rate", nothing).astype(float).to_numpy(),
            "who_peers": effects.get("who_rated_peers", nothing).astype(float).to_numpy(),
            "flagged_on": [",".join(flags.columns[row]) for row in flags.to_numpy()],
        }
    )


_AREA_METRICS = {"满意率": "", "知晓率": "awareness", "首选率": "first_choice"}


def areas_of(headline: pd.DataFrame, system_rates: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """`AREA_COLUMNS` per district and domain, from `analysis.headline()` (by district and domain),
    `system_rates` (`level`, `area`, `system_rate`: the census rate of the frame's records there) and
    the report's `units` table with its `district`/`domain` columns (units tested and flagged there)."""
    _columns(headline, ("metric", "group", "level", "estimate", "ci_low", "ci_high", "n"), "headline table")
    _columns(system_rates, ("level", "area", "system_rate"), "system rates by area")
    rows = []
    for level in AREA_LEVELS:
        part = headline[headline["group"] == level]
        names = list(dict.fromkeys(part["level"].astype(str)))
        census = system_rates[system_rates["level"] == level].set_index("area")["system_rate"]
        tested = units[units["n"] > 0] if level in units.columns else units.iloc[0:0]
        if "status" in tested.columns:  # the verdict model's: only the units it could test
            tested = tested[tested["status"].isin(["flagged", "no_evidence"]) | tested["flagged"]]
        for name in names:
            row: dict[str, Any] = {"level": level, "area": name}
            row["system_rate"] = float(census.get(name, math.nan))
            for metric, prefix in _AREA_METRICS.items():
                found = part[(part["metric"] == metric) & (part["level"].astype(str) == name)]
                values = found.iloc[0] if len(found) else None
                key = prefix or "estimate"
                row[key] = float(values["estimate"]) if values is not None else math.nan
                row[f"{prefix}_ci_low" if prefix else "ci_low"] = (
                    float(values["ci_low"]) if values is not None else math.nan
                )
                row[f"{prefix}_ci_high" if prefix else "ci_high"] = (
                    float(values["ci_high"]) if values is not None else math.nan
                )
                if not prefix:
                    row["n"] = int(values["n"]) if values is not None and not pd.isna(values["n"]) else 0
            here = tested[tested[level].astype(str) == name] if len(tested) else tested
            row["units_tested"] = len(here)
            row["units_flagged"] = int(here["flagged"].astype(bool).sum()) if len(here) else 0
            rows.append(row)
    table = pd.DataFrame(rows, columns=list(AREA_COLUMNS))
    order = {name: position for position, name in enumerate([*DISTRICTS, *DOMAINS])}
    rank = table["area"].map(lambda name: order.get(name, len(order)))
    return (
        table.assign(_rank=rank)
        .sort_values(["level", "_rank", "area"], kind="stable")
        .drop(columns=["_rank"])
        .reset_index(drop=True)
    )


def reasons_of(
    answers: pd.DataFrame, labels: Mapping[str, str], item: str = "unsatisfied_reason"
) -> pd.DataFrame:
    """`REASON_COLUMNS`: respondents' reasons for dissatisfaction counted for the city, each district and
    each domain (unweighted counts of people). Special answers (can't say, refused) are not reasons and
    are left out; a code without a label prints as given."""
    _columns(answers, (item, "district", "domain"), "answers")
    given = answers[answers[item].notna() & answers[item].astype(str).isin(list(labels))]
    rows: list[dict[str, Any]] = []

    def add(level: str, area: str, part: pd.DataFrame) -> None:
        counts = part[item].astype(str).value_counts()
        for code, count in sorted(counts.items(), key=lambda pair: (-pair[1], list(labels).index(pair[0]))):
            rows.append({"level": level, "area": area, "reason": labels[code], "count": int(count)})

    add("city", "", given)
    for level in AREA_LEVELS:
        for area, part in given.groupby(level, sort=True):
            add(level, str(area), part)
    return pd.DataFrame(rows, columns=list(REASON_COLUMNS))
