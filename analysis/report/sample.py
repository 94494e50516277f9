"""A realistic, fully populated example `ReportContent`, for tests, the benchmark and demos.

The numbers are made up but coherent (tables add up, rates follow from the dispositions, intervals
contain their estimates); they are NOT statistics products of `analysis` and prove nothing about them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math

import numpy as np
import pandas as pd
from scipy import stats

from analysis.report.content import (
    AREA_COLUMNS,
    Agreement,
    Areas,
    AuditSummary,
    Comparison,
    DesignInfo,
    Estimate,
    FieldworkInfo,
    FrameInfo,
    MethodInfo,
    NonresponseCheck,
    QuestionnaireInfo,
    ReportContent,
    Results,
    StudyInfo,
    TestResult,
)
from sampling.vocabulary import CHANNELS, DISTRICTS, DOMAINS

Z95 = 1.959963984540054
ORG_KINDS = ("公证处", "律师事务所", "司法鉴定所", "法律援助中心", "司法所", "人民调解委员会")


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _wilson(successes: float, n: float, deff: float = 1.0) -> tuple[float, float]:
    if n <= 0:
        return math.nan, math.nan
    n_eff = n / deff
    p = successes / n
    centre = (p + Z95**2 / (2 * n_eff)) / (1 + Z95**2 / n_eff)
    half = Z95 * math.sqrt(p * (1 - p) / n_eff + Z95**2 / (4 * n_eff**2)) / (1 + Z95**2 / n_eff)
    return max(0.0, centre - half), min(1.0, centre + half)


def _estimate(successes: int, n: int, deff: float = 1.3) -> Estimate:
    low, high = _wilson(successes, n, deff)
    return Estimate(successes / n if n else math.nan, low, high, int(n))


def _split(total: int, weights: np.ndarray) -> np.ndarray:
    """Integers proportional to `weights` that add up to `total` (largest remainder)."""
    raw = total * weights / weights.sum()
    counts = np.floor(raw).astype(int)
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[: total - counts.sum()]] += 1
    return counts


def _bh(p_values: np.ndarray) -> np.ndarray:
    order = np.argsort(p_values, kind="stable")
    ranked = p_values[order] * len(p_values) / np.arange(1, len(p_values) + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    result = np.empty_like(q)
    result[order] = np.minimum(q, 1.0)
    return result


def _group_table(names: list[str], n_total: int, rng: np.random.Generator, centre: float) -> pd.DataFrame:
    sizes = _split(n_total, rng.gamma(4.0, 1.0, len(names)))
    rows = []
    for name, n in zip(names, sizes, strict=True):
        successes = int(rng.binomial(n, np.clip(rng.normal(centre, 0.03), 0.5, 0.99))) if n else 0
        estimate = _estimate(successes, int(n))
        rows.append([name, estimate.estimate, estimate.ci_low, estimate.ci_high, int(n)])
    return pd.DataFrame(rows, columns=["group", "estimate", "ci_low", "ci_high", "n"])


REASONS = (
    ("办事效率低、拖延", "Slow or delayed"),
    ("服务态度不好", "Staff attitude"),
    ("对办理结果不满意", "The result"),
    ("专业能力不足", "Lack of competence"),
    ("办事环境差或不方便", "Environment or inconvenience"),
    ("其他原因", "Other"),
)


def _areas(
    results: dict[str, pd.DataFrame], units: pd.DataFrame, rng: np.random.Generator, zh: bool
) -> Areas:
    """Made-up but coherent area figures: each district's and domain's 满意率 row as in the group
    tables, a system rate a few points above it, and the units tested and flagged there."""
    rows, reasons = [], []
    city_reasons = np.zeros(len(REASONS), dtype=int)
    for level, table in results.items():
        for group in table.itertuples():
            n = int(group.n)
            awareness = (
                _estimate(int(rng.binomial(n, 0.62)), n) if n else Estimate(math.nan, math.nan, math.nan, 0)
            )
            first = (
                _estimate(int(rng.binomial(n, 0.48)), n) if n else Estimate(math.nan, math.nan, math.nan, 0)
            )
            here = units[(units[level] == group.group) & (units["n"] > 0)]
            system = float(np.clip(group.estimate + rng.normal(0.04, 0.03), 0, 1)) if n else math.nan
            rows.append(
                [level, group.group, system, group.estimate, group.ci_low, group.ci_high, n,
                 awareness.estimate, awareness.ci_low, awareness.ci_high,
                 first.estimate, first.ci_low, first.ci_high, len(here), int(here["flagged"].sum())]
            )  # fmt: skip
            unhappy = rng.multinomial(
                int(n * (1 - group.estimate)) if n else 0, [0.3, 0.2, 0.2, 0.1, 0.1, 0.1]
            )
            if level == "district":
                city_reasons += unhappy
            for (label_zh, label_en), count in zip(REASONS, unhappy, strict=True):
                if count:
                    reasons.append([level, group.group, label_zh if zh else label_en, int(count)])
    for (label_zh, label_en), count in zip(REASONS, city_reasons, strict=True):
        reasons.append(["city", "", label_zh if zh else label_en, int(count)])
    return Areas(
        table=pd.DataFrame(rows, columns=list(AREA_COLUMNS)),
        reasons=pd.DataFrame(reasons, columns=["level", "area", "reason", "count"]),
    )


def _agreement(paired: np.ndarray) -> Agreement:
    """Agreement statistics of the 3×3 (scale) part of the paired table."""
    table = paired[:, :3].astype(float)
    total = table.sum()
    observed = np.trace(table) / total
    expected = (table.sum(axis=1) @ table.sum(axis=0)) / total**2
    kappa = (observed - expected) / (1 - expected)
    weights = 1 - np.abs(np.subtract.outer(np.arange(3), np.arange(3))) / 2
    observed_w = (weights * table).sum() / total
    expected_w = (weights * np.outer(table.sum(axis=1), table.sum(axis=0))).sum() / total**2
    weighted = (observed_w - expected_w) / (1 - expected_w)
    se = math.sqrt(observed * (1 - observed) / (total * (1 - expected) ** 2))
    upper = [(i, j) for i in range(3) for j in range(i + 1, 3) if table[i, j] + table[j, i] > 0]
    bowker = sum((table[i, j] - table[j, i]) ** 2 / (table[i, j] + table[j, i]) for i, j in upper)
    difference = (table.sum(axis=1) - table.sum(axis=0))[:2]
    covariance = -(table + table.T)[:2, :2]
    np.fill_diagonal(covariance, (table.sum(axis=1) + table.sum(axis=0) - 2 * np.diag(table))[:2])
    stuart = float(difference @ np.linalg.solve(covariance, difference))
    b = table[:2, 2].sum()
    c = table[2, :2].sum()
    mcnemar = (b - c) ** 2 / (b + c)
    return Agreement(
        kappa=Estimate(kappa, kappa - Z95 * se, kappa + Z95 * se, int(total)),
        weighted_kappa=Estimate(weighted, weighted - Z95 * se * 1.1, weighted + Z95 * se * 1.1, int(total)),
        bowker=TestResult(float(bowker), len(upper), float(stats.chi2.sf(bowker, len(upper)))),
        stuart_maxwell=TestResult(stuart, 2, float(stats.chi2.sf(stuart, 2))),
        mcnemar=TestResult(float(mcnemar), 1, float(stats.chi2.sf(mcnemar, 1))),
    )


def sample_content(
    n_units: int = 24,
    n_interviews: int = 1500,
    *,
    seed: int = 20261126,
    lang: str = "zh",
    kind: str = "full",
    n_strata: int | None = None,
    scope: tuple[tuple[str, str], ...] = (),
) -> ReportContent:
    """An example report content: `n_units` organisations, `n_interviews` completes, made-up numbers.

    `n_strata` (default: district × domain, 153) sets the length of the strata table; `scope` makes it
    a district or domain variant.
    """
    rng = np.random.default_rng(seed)
    zh = lang == "zh"
    districts = list(DISTRICTS)
    strata_names = [f"{district} × {domain}" for district in districts for domain in DOMAINS]
    if n_strata is not None:
        strata_names = [
            strata_names[i % len(strata_names)] + ("" if i < len(strata_names) else f" #{i}")
            for i in range(n_strata)
        ]

    # Design: population, completes, releases and draws per stratum, all adding up.
    population = np.maximum(rng.lognormal(5.0, 0.9, len(strata_names)).astype(int), 12)
    completes = _split(n_interviews, population.astype(float))
    released = np.minimum(
        np.ceil(completes / rng.uniform(0.45, 0.65, len(completes))).astype(int), population
    )
    completes = np.minimum(completes, released)
    drawn = np.minimum(np.ceil(released * 1.2).astype(int), population)
    strata = pd.DataFrame(
        {
            "stratum": strata_names,
            "N_h": population,
            "n_h": drawn,
            "released": released,
            "completes": completes,
        }
    )
    interviews = int(completes.sum())

    # Dispositions and AAPOR rates (Standard Definitions, with e = estimated eligible share of unknowns).
    total_released = int(released.sum())
    partial = int(interviews * 0.02)
    rest = total_released - interviews - partial
    refusal, noncontact, other, unknown, ineligible = _split(rest, np.array([0.32, 0.38, 0.05, 0.12, 0.13]))
    codes = ["1.1", "1.2", "2.10", "2.20", "2.30", "3.10", "4.10"]
    labels_zh = [
        "完成访问",
        "部分完成",
        "拒访与中断",
        "未接通",
        "其他未访问",
        "资格未知（始终未接通）",
        "不符合资格（非本人、否认接受服务）",
    ]
    labels_en = [
        "Complete",
        "Partial",
        "Refusal and break-off",
        "Non-contact",
        "Other non-interview",
        "Unknown eligibility (never answered)",
        "Not eligible (wrong person, service denied)",
    ]
    counts = [interviews, partial, refusal, noncontact, other, unknown, ineligible]
    dispositions = pd.DataFrame({"code": codes, "label": labels_zh if zh else labels_en, "count": counts})
    i, p, r, nc, o, u = interviews, partial, refusal, noncontact, other, unknown
    e = (i + p + r + nc + o) / (i + p + r + nc + o + ineligible)
    base = (i + p) + (r + nc + o)
    rates = {
        "RR1": i / (base + u),
        "RR2": (i + p) / (base + u),
        "RR3": i / (base + e * u),
        "RR4": (i + p) / (base + e * u),
        "RR5": i / base,
        "RR6": (i + p) / base,
        "COOP1": i / ((i + p) + r + o),
        "REF1": r / (base + u),
        "CON1": ((i + p) + r + o) / (base + u),
    }

    # Units: organisations with interviews, system (census) and third-party rates.
    unit_names = [
        f"ORG{k + 1:04d} {districts[k % len(districts)]}{ORG_KINDS[k % len(ORG_KINDS)]}"
        for k in range(n_units)
    ]
    unit_n = _split(interviews, rng.gamma(1.5, 1.0, n_units) + 0.05)
    inflated = rng.random(n_units) < 0.12
    true_rate = np.where(inflated, rng.uniform(0.60, 0.75, n_units), rng.uniform(0.78, 0.90, n_units))
    system_rate = np.where(
        inflated, rng.uniform(0.985, 1.0, n_units), np.clip(true_rate + rng.normal(0.05, 0.02, n_units), 0, 1)
    )
    satisfied = rng.binomial(unit_n, true_rate)
    third = np.divide(satisfied, unit_n, out=np.full(n_units, np.nan), where=unit_n > 0)
    se = np.sqrt(np.where(unit_n > 0, third * (1 - third) * 1.3 / np.maximum(unit_n, 1), np.nan))
    se = np.maximum(se, 0.5 / np.maximum(unit_n, 1))
    difference = system_rate - third
    p_values = np.where(unit_n > 0, stats.norm.sf(difference / se), 1.0)
    q_values = _bh(p_values)
    prior = satisfied.sum() / max(unit_n.sum(), 1)
    shrunk = (satisfied + 20 * prior) / (unit_n + 20)
    cis = [_wilson(s, n, 1.3) for s, n in zip(satisfied, unit_n, strict=True)]
    units = pd.DataFrame(
        {
            "unit": unit_names,
            "n": unit_n,
            "system_rate": system_rate,
            "third_party_rate": third,
            "third_party_ci_low": [low for low, _ in cis],
            "third_party_ci_high": [high for _, high in cis],
            "difference": difference,
            "diff_ci_low": difference - Z95 * se,
            "diff_ci_high": difference + Z95 * se,
            "p_value": p_values,
            "q_value": q_values,
            "shrunk_rate": shrunk,
            "rated_by_other": rng.binomial(unit_n, np.where(inflated, 0.14, 0.02)),
            "service_denied": rng.binomial(unit_n, np.where(inflated, 0.05, 0.008)),
            "flagged": q_values <= 0.05,
            "district": [districts[k % len(districts)] for k in range(n_units)],
            "domain": [list(DOMAINS)[k % len(DOMAINS)] for k in range(n_units)],
        }
    )

    # Paired table: system rating (rows) × callback answer (columns, with can't-say).
    probabilities = np.array([[0.70, 0.16, 0.10, 0.04], [0.30, 0.45, 0.20, 0.05], [0.10, 0.20, 0.65, 0.05]])
    row_totals = _split(interviews, np.array([0.80, 0.10, 0.10]))
    paired_counts = np.vstack(
        [rng.multinomial(total, row) for total, row in zip(row_totals, probabilities, strict=True)]
    )
    paired = pd.DataFrame(
        paired_counts,
        index=pd.Index(["satisfied", "basically_satisfied", "dissatisfied"], name="system"),
        columns=pd.Index(["satisfied", "basically_satisfied", "dissatisfied", "dk"], name="callback"),
    )
    answered = int(paired_counts[:, :3].sum())
    callback_satisfied = int(paired_counts[:, :2].sum())
    third_party = _estimate(callback_satisfied, answered)
    system_sat = float(np.average(system_rate, weights=np.maximum(unit_n, 1)))
    paired_diff = (paired_counts[:2, 2].sum() - paired_counts[2, :2].sum()) / answered
    paired_se = math.sqrt((paired_counts[:2, 2].sum() + paired_counts[2, :2].sum()) * 1.3) / answered

    surveyors = max(6, interviews // 400)
    surveyor_n = _split(interviews, rng.uniform(0.7, 1.3, surveyors))
    odd = rng.integers(surveyors)
    surveyor_checks = pd.DataFrame(
        {
            "surveyor": [f"S{k + 1:02d}" for k in range(surveyors)],
            "interviews": surveyor_n,
            "median_minutes": np.where(
                np.arange(surveyors) == odd, 3.1, rng.normal(6.8, 0.6, surveyors)
            ).round(1),
            "dk_share": rng.uniform(0.02, 0.07, surveyors),
            "dk_peers": np.full(surveyors, 0.045),
            "satisfied_rate": np.where(np.arange(surveyors) == odd, 0.98, rng.normal(0.86, 0.02, surveyors)),
            "satisfied_peers": np.full(surveyors, 0.86),
            "p_value": np.where(np.arange(surveyors) == odd, 0.0004, rng.uniform(0.08, 0.9, surveyors)),
            "flagged": np.arange(surveyors) == odd,
        }
    )
    who = np.random.default_rng([seed, 3])  # its own stream: the other numbers stay as they were
    surveyor_checks["who_share"] = who.uniform(0.05, 0.11, surveyors)
    surveyor_checks["who_peers"] = np.full(surveyors, 0.08)
    surveyor_checks["flagged_on"] = np.where(np.arange(surveyors) == odd, "satisfied", "")

    start = dt.date(2026, 10, 12)
    generated = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    actions = pd.DataFrame(
        {
            "action": [
                "frame.imported",
                "sample.drawn",
                "questionnaire.frozen",
                "case.assigned",
                "phone.revealed",
                "attempt.recorded",
                "answer.saved",
                "interview.completed",
                "report.generated",
            ],
            "count": [
                1,
                1,
                1,
                total_released,
                int(total_released * 2.1),
                int(total_released * 2.3),
                interviews * 17,
                interviews,
                3,
            ],
        }
    )
    frame_rows = int(population.sum())
    exclusions = pd.DataFrame(
        {
            "reason": [
                "电话号码无效",
                "重复电话号码（同一调查内去重）",
                "投诉未办结",
                "免打扰名单",
                "近期已回访（90 天内）",
            ]
            if zh
            else [
                "Invalid phone number",
                "Duplicate phone number (within the study)",
                "Open complaint",
                "Do-not-call list",
                "Called in a recent study (90 days)",
            ],
            "count": (frame_rows * np.array([0.021, 0.064, 0.004, 0.002, 0.011])).astype(int),
        }
    )
    nonrespondents = total_released - interviews - ineligible
    by_district = _group_table(districts, answered, rng, third_party.estimate)
    by_domain = _group_table(list(DOMAINS), answered, rng, third_party.estimate)
    by_channel = _group_table(list(CHANNELS), answered, rng, third_party.estimate)
    areas = _areas({"district": by_district, "domain": by_domain}, units, np.random.default_rng(seed + 1), zh)
    return ReportContent(
        study=StudyInfo(
            study_id="HF-2026-04",
            name="2026 年第四季度公共法律服务满意度评价回访"
            if zh
            else "Callback check of public legal service ratings, 2026 Q4",
            commissioning_body="上海市司法局人事处"
            if zh
            else "Personnel Office, Shanghai Municipal Bureau of Justice",
            surveyor_organisation="某第三方调查机构（示例）" if zh else "Example third-party survey agency",
            purpose="核实满意度评价的真实性并独立测量满意度；仅用于本项调查。"
            if zh
            else "To check whether ratings are true and to measure satisfaction independently; used for this study only.",
            retention="项目结束后 90 天内删除电话号码与姓名。"
            if zh
            else "Phone numbers and names are deleted within 90 days of the study's close.",
            safeguards="号码默认遮蔽、逐条显示并记录；数据库加密；访问按角色控制；审计日志哈希链。"
            if zh
            else "Numbers masked by default, revealed one at a time and logged; encrypted storage; role-based access; hash-chained audit log.",
        ),
        generated_at=generated,
        language=lang,
        kind=kind,
        method=MethodInfo(
            frame=FrameInfo(
                file_name="评价数据导出_2026Q3.csv",
                rows=frame_rows + int(exclusions["count"].sum()),
                eligible_rows=frame_rows,
                source_sha256=_sha(f"{seed}-source"),
                frame_sha256=_sha(f"{seed}-frame"),
                exclusions=exclusions,
            ),
            design=DesignInfo(
                strata_description="区 × 业务领域" if zh else "District × service domain",
                allocation="比例分配，每层至少 2 例（最大余数取整）"
                if zh
                else "Proportional, at least 2 per stratum (largest remainder)",
                seed=seed,
                sample_sha256=_sha(f"{seed}-sample"),
                strata=strata,
            ),
            questionnaire=QuestionnaireInfo(
                name="justice-callback", version="1.2.0", sha256=_sha(f"{seed}-questionnaire")
            ),
            fieldwork=FieldworkInfo(
                start=start, end=start + dt.timedelta(days=24), dispositions=dispositions, rates=rates
            ),
            weighting="设计权重 = 1/π（π = n_h/N_h）；在加权类别（区 × 系统评价）内按应答率调整无应答；未作校准。"
            if zh
            else "Design weight = 1/π (π = n_h/N_h); nonresponse adjusted within weighting classes (district × system rating); not calibrated.",
            scale="justice3",
            satisfied_codes=("satisfied", "basically_satisfied"),
            confidence_level=0.95,
            nonresponse=NonresponseCheck(
                respondents=interviews,
                nonrespondents=nonrespondents,
                respondent_system_rate=float(paired_counts[:2].sum() / interviews),
                nonrespondent_system_rate=float(paired_counts[:2].sum() / interviews) - 0.006,
                p_value=0.41,
            ),
        ),
        results=Results(
            headline={
                "satisfaction": third_party,
                "awareness": _estimate(int(rng.binomial(interviews, 0.62)), interviews),
                "first_choice": _estimate(int(rng.binomial(interviews - 40, 0.48)), interviews - 40),
            },
            by_district=by_district,
            by_domain=by_domain,
            by_channel=by_channel,
        ),
        comparison=Comparison(
            unit_level="organisation",
            system_rate=system_sat,
            third_party=third_party,
            paired_difference=Estimate(
                paired_diff, paired_diff - Z95 * paired_se, paired_diff + Z95 * paired_se, answered
            ),
            paired=paired,
            agreement=_agreement(paired_counts),
            units=units,
            fdr_level=0.05,
            small_unit_min_n=20,
            surveyor_checks=surveyor_checks,
            case_flags={
                "rated_by_other": int(units["rated_by_other"].sum()),
                "service_denied": int(units["service_denied"].sum()),
                "rating_contradicted": int(paired_counts[:2, 2].sum()),
                "staff_asked_rating": int(interviews * 0.03),
                "not_rated": int(interviews * 0.05),
            },
        ),
        audit=AuditSummary(
            entries=int(actions["count"].sum()),
            by_action=actions,
            chain_head_sha256=_sha(f"{seed}-chain"),
            first_entry=dt.datetime(2026, 10, 8, 10, 2, 11, tzinfo=dt.timezone(dt.timedelta(hours=8))),
            last_entry=generated,
            answers_sha256=_sha(f"{seed}-answers"),
        ),
        areas=areas,
        scope=scope,
    )
