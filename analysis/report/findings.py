"""The executive summary and the district pages in words: sentences written from the numbers.

Officials read sentences, not tables. Every sentence here is chosen by a rule on the figures and
filled with them, never written by hand for a study, so the wording is tested once for all studies.
The rules:

- A headline figure is "estimate (level interval low–high, n answers)".
- The system rate is compared with the third-party interval: above its upper end → "clearly higher
  than the callbacks"; inside → "consistent within sampling error"; below its lower end → "lower".
- The paired difference (system − callback on the same cases) says "higher overall" only when its
  interval excludes 0.
- The comparison counts flagged units (0 / 1 / many have their own sentence) among those tested and
  names the largest gaps; the evidence counts (rated by someone else, service denied) follow.
- An area is "above/below the city" only when the city's estimate lies outside the area's interval
  (a conservative reading: the area is part of the city, so the two are not independent).
- "How sure" gives the expected false alarms among the flags (flags × FDR level), the small units and
  the nonresponse check; "what it does not prove" is always printed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from analysis.report.content import Estimate, ReportContent
from analysis.report.formatting import (
    format_ci,
    format_count,
    format_number,
    format_p,
    format_points,
    format_rate,
    plural,
)
from analysis.report.i18n import group_name, unit_name

Position = Literal["above", "within", "below", "unknown"]
#: How many units or areas a sentence names before it stops listing.
NAMED = 3

_T: dict[str, tuple[str, str]] = {
    "sat": (
        "回访测得的满意率为 {est}（{level} 置信区间 {low}–{high}，基于 {n} 个有效回答）。",
        "The callbacks put the satisfaction rate at {est} ({level} confidence interval {low}–{high}, "
        "from {n} answers).",
    ),
    "system_above": (
        "系统记录的满意率为 {sys}，高于这一区间的上限：系统数字明显高于市民在回访中的说法。",
        "The system records {sys}, above the interval's upper end: the system's figure is clearly higher "
        "than what citizens said when called back.",
    ),
    "system_within": (
        "系统记录的满意率为 {sys}，落在这一区间内：在抽样误差范围内与回访结果一致。",
        "The system records {sys}, inside the interval: consistent with the callbacks within sampling error.",
    ),
    "system_below": (
        "系统记录的满意率为 {sys}，低于这一区间的下限：系统数字反而低于回访结果。",
        "The system records {sys}, below the interval's lower end: the system's figure is lower than the "
        "callbacks.",
    ),
    "system_unknown": (
        "系统记录的满意率为 {sys}；回访回答不足，无法比较。",
        "The system records {sys}; there are too few callback answers to compare.",
    ),
    "awareness": (
        "知晓率（知道 12348 公共法律服务热线）为 {est}（区间 {low}–{high}，{n} 个回答）。",
        "Awareness of the 12348 public legal service line is {est} (interval {low}–{high}, {n} answers).",
    ),
    "first_choice": (
        "首选率（遇到法律问题首先想到公共法律服务）为 {est}（区间 {low}–{high}，{n} 个回答）。",
        "First choice of public legal services for a legal problem is {est} (interval {low}–{high}, "
        "{n} answers).",
    ),
    "paired_higher": (
        "在同一批回访对象中，系统评价为满意的比例比本人回答高 {d} 个百分点（区间 {low} 至 {high}），"
        "区间不含 0：系统评价整体偏高。",
        "On the same cases, the system rating is satisfied {d} points more often than the person's own "
        "answer (interval {low} to {high}); the interval excludes 0: the system's ratings are higher "
        "overall.",
    ),
    "paired_lower": (
        "在同一批回访对象中，系统评价为满意的比例比本人回答低 {d} 个百分点（区间 {low} 至 {high}），"
        "区间不含 0：系统评价整体偏低。",
        "On the same cases, the system rating is satisfied {d} points less often than the person's own "
        "answer (interval {low} to {high}); the interval excludes 0: the system's ratings are lower overall.",
    ),
    "paired_unclear": (
        "在同一批回访对象中，系统评价与本人回答之差为 {d} 个百分点（区间 {low} 至 {high}），"
        "区间包含 0：不能确定系统评价整体偏高或偏低。",
        "On the same cases, system rating minus the person's own answer is {d} points (interval {low} to "
        "{high}); the interval includes 0: we cannot say the system's ratings are higher or lower overall.",
    ),
    "flagged_none": (
        "在 {tested} {mw}{unit}中，没有一{mw1}的系统满意率在统计上明显高于回访结果"
        "（错误发现率控制在 {fdr}）。",
        "Of the {tested} {unit} tested, none has a system rate clearly above its callback results "
        "(false discovery rate controlled at {fdr}).",
    ),
    "flagged_one": (
        "在 {tested} {mw}{unit}中，有 1 {mw}的系统满意率明显高于回访结果（错误发现率控制在 {fdr}）：{names}。",
        "Of the {tested} {unit} tested, 1 has a system rate clearly above its callback results (false "
        "discovery rate controlled at {fdr}): {names}.",
    ),
    "flagged_many": (
        "在 {tested} {mw}{unit}中，有 {flagged} {mw}的系统满意率明显高于回访结果（错误发现率控制在 {fdr}）。"
        "差距最大的是：{names}。",
        "Of the {tested} {unit} tested, {flagged} have a system rate clearly above their callback results "
        "(false discovery rate controlled at {fdr}). The largest gaps: {names}.",
    ),
    "flagged_one_posterior": (
        "在 {tested} {mw}{unit}中，后验模型标记了 1 {mw}（被标记单位属于诚实单位的平均后验概率不超过 {fdr}）：{names}。",
        "Of the {tested} {unit} tested, the posterior model flags 1 (the flagged units' mean posterior "
        "probability of being honest at most {fdr}): {names}.",
    ),
    "flagged_many_posterior": (
        "在 {tested} {mw}{unit}中，后验模型标记了 {flagged} {mw}（被标记单位属于诚实单位的平均后验概率不超过 {fdr}）。"
        "差距最大的是：{names}。",
        "Of the {tested} {unit} tested, the posterior model flags {flagged} (the flagged units' mean "
        "posterior probability of being honest at most {fdr}). The largest gaps: {names}.",
    ),
    "unit_gap": ("{name}（系统 {sys}，回访 {tp}）", "{name} (system {sys}, callbacks {tp})"),
    "unit_gap_who_rated": (
        "{name}（系统 {sys}，回访 {tp}；主要依据是受访者说评价不是本人作出的，而非满意率差距）",
        "{name} (system {sys}, callbacks {tp}; flagged mainly because respondents say the ratings were not "
        "their own, not for the rate gap)",
    ),
    "unit_gap_inflation": (
        "{name}（系统 {sys}，回访 {tp}，估计虚高 {inf} 个百分点）",
        "{name} (system {sys}, callbacks {tp}, estimated inflation {inf} points)",
    ),
    "insufficient": (
        "另有 {small} {mw}{unit}证据不足（回答太少，或检验能力不足以发现明显虚高）：既未被标记，也不能认为没有问题。",
        "Another {small} {unit} {have} insufficient evidence (too few answers, or too little power to detect "
        "a clear inflation): neither flagged nor cleared.",
    ),
    "proxy_unexamined": (
        "另有 {k} {mw}{unit}未被标记只因满意率差距不足以证明虚高：问过其“由谁评价”的只有记录方式与他人不同、答案被搁置的访员，"
        "他人代评没有得到检验（见各单位的说明）。",
        "Another {k} {unit} {were} not flagged only because the rate gap did not show inflation, while only "
        "surveyors whose answers were set aside, as they record who rated unlike their peers, asked who rated "
        "there: proxy rating was not examined (see each unit's explanation).",
    ),
    "step_insufficient": (
        "对证据不足的 {small} {mw}{unit}，在下一轮回访中增加样本，以便得出结论。",
        "Sample more in the next round for the {small} {unit} with insufficient evidence, so that they can "
        "be judged.",
    ),
    "evidence": (
        "在被标记{unit}的受访者中，{other} 人表示评价不是本人作出的，{denied} 人表示没有接受过这项服务。",
        "Among the flagged {possessive} respondents, {other} said someone else gave the rating and {denied} "
        "said they never received the service.",
    ),
    "areas_above": (
        "分区看，{k} 个区的系统满意率高于本区回访结果的区间上限：{names}。",
        "By district, {k} districts have a system rate above the upper end of their callback interval: "
        "{names}.",
    ),
    "areas_above_one": (
        "分区看，{k} 个区的系统满意率高于本区回访结果的区间上限：{names}。",
        "By district, 1 district has a system rate above the upper end of its callback interval: {names}.",
    ),
    "areas_none": (
        "分区看，没有一个区的系统满意率超出本区回访结果的置信区间上限。",
        "By district, no district has a system rate above the upper end of its callback interval.",
    ),
    "area_gap": ("{name}（{gap} 个百分点）", "{name} ({gap} points)"),
    "basis": (
        "以上结论基于 {n} 个完成的回访（应答率 {rate_name} 为 {rate}）。每个区间有 {level} 的把握包含真实值。",
        "These findings rest on {n} completed callbacks (response rate {rate_name} {rate}). Each interval "
        "contains the true value with {level} confidence.",
    ),
    "false_alarms": (
        "按所控制的错误发现率，被标记的 {flagged} {mw}{unit}中预计至多约 {expected} {mw}是误报，"
        "因此每一{mw1}在问责前都需要核实。",
        "At the false discovery rate used, at most about {expected} of the {flagged} flagged {unit} are "
        "expected to be false alarms, so each needs checking before anyone is held to account.",
    ),
    "false_alarms_few": (
        "按所控制的错误发现率，被标记的 {flagged} {mw}{unit}中预计误报不到 1 {mw}，"
        "但每一{mw1}在问责前仍需要核实。",
        "At the false discovery rate used, fewer than one of the {flagged} flagged {unit} is expected to be "
        "a false alarm, but each still needs checking before anyone is held to account.",
    ),
    "small_units": (
        "{small} {mw}{unit}的有效回答少于 {min_n} 个，其结果不确定性很大，不能据此排名。",
        "{small} {unit} {have} fewer than {min_n} answers; such results are very uncertain and must not be "
        "used for ranking.",
    ),
    "nonresponse_differs": (
        "应答者与未应答者的系统满意率差异显著（p = {p}），结果可能受无应答影响。",
        "Respondents and nonrespondents differ significantly in their system rate (p = {p}); the results "
        "may be affected by nonresponse.",
    ),
    "nonresponse_similar": (
        "应答者与未应答者的系统满意率未见显著差异（p = {p}）。",
        "Respondents and nonrespondents do not differ significantly in their system rate (p = {p}).",
    ),
    "refusal_range": (
        "若未应答者满意的几率（odds）在同一调整类应答者的 1/{gamma} 到 {gamma} 倍之间（即拒访与是否满意有关），"
        "满意率在 {low} {low_ci} 到 {high} {high_ci} 之间；这是敏感性分析，不是估计值。",
        "If nonrespondents' odds of being satisfied lie between 1/{gamma} and {gamma} times those of respondents "
        "in the same weighting class (refusal tied to satisfaction itself), the 满意率 lies between {low} "
        "{low_ci} and {high} {high_ci}; a sensitivity range, not an estimate.",
    ),
    "not_proof": (
        "回访结果与系统评价不一致，说明系统数字可能偏高，但不能证明评价被篡改或由工作人员代评，"
        "也不能据此认定具体责任人。",
        "A gap between the callbacks and the system shows the system's figure may be inflated; it does not "
        "prove that ratings were altered or given by staff, and it does not identify who is responsible.",
    ),
    "not_flagged_not_sound": (
        "未被标记不等于没有问题：回答较少的{unit}检验能力很低。",
        "Not flagged is not the same as sound: tests on {unit} with few answers have little power.",
    ),
    "recall": (
        "回访记录的是受访者现在的说法，记忆偏差和顾虑都可能影响回答。",
        "The callbacks record what people say now; memory and reluctance can colour their answers.",
    ),
    "step_audit": (
        "对被标记的 {flagged} {mw}{unit}调取原始评价记录（评价时间、终端、经办人员）开展专项核查，优先核查：{names}。",
        "Pull the original rating records (time, device, staff member) of the {flagged} flagged {unit} "
        "and audit them, starting with: {names}.",
    ),
    "staff_none": (
        "按工作人员判定：{judged} 名证据足以判定的工作人员中，无人被标记（共 {named} 名，其余回访太少）。",
        "Judged one by one, none of the {judged} staff members with enough evidence is flagged ({named} in "
        "all; the others have too few callbacks).",
    ),
    "staff_flagged_offices": (
        "按工作人员判定：{judged} 名证据足以判定的工作人员中，{flagged} 名被标记，所在机构均已被标记，"
        "标记指出了机构内的具体人员：{names}（共 {named} 名，其余回访太少）。",
        "Judged one by one, {flagged} of the {judged} staff members with enough evidence {are} flagged, all in "
        "offices flagged too, which names the people within them: {names} ({named} in all; the others have too "
        "few callbacks).",
    ),
    "staff_flagged": (
        "按工作人员判定：{judged} 名证据足以判定的工作人员中，{flagged} 名被标记，其中 {alone} 名所在机构未被标记："
        "{names}（共 {named} 名，其余回访太少）。",
        "Judged one by one, {flagged} of the {judged} staff members with enough evidence {are} flagged, "
        "{alone} of them in an office not flagged: {names} ({named} in all; the others have too few callbacks).",
    ),
    "step_staff": (
        "被标记的工作人员中有 {alone} 名所在机构未被标记（{names}）：核查应针对其本人经办事项的评价记录，而非整个机构。",
        "{alone} flagged staff {members} {work} in an office not flagged ({names}): audit the ratings of the "
        "events {they} served, not the whole office.",
    ),
    "step_proxy": (
        "针对 {other} 例“他人代评”和 {asked} 例“工作人员要求给出评价”，重申评价须由服务对象本人自愿作出。",
        "Following {other} {other_cases} rated by someone else and {asked} {asked_cases} where staff asked for "
        "the rating, restate that ratings must be given freely by the service user.",
    ),
    "step_reasons": (
        "针对不满意的主要原因（{reasons}）制定整改措施，并在下一轮回访中复查。",
        "Act on the main reasons for dissatisfaction ({reasons}) and check again in the next round.",
    ),
    "step_small": (
        "对回答不足 {min_n} 个的 {small} {mw}{unit}，在下一轮回访中增加样本，以便得出结论。",
        "Sample more in the next round for the {small} {unit} with fewer than {min_n} answers, so that "
        "they can be judged.",
    ),
    "step_routine": (
        "未发现需要专项核查的{unit}：维持常规回访抽查。",
        "No {unit} call for a special audit: keep the routine callback checks.",
    ),
    "step_districts": (
        "各区的结果见分区页，可单独打印存入各区考核档案。",
        "Each district's results are on its own page, printable alone for its assessment file.",
    ),
    # -- area pages --------------------------------------------------------------------------------
    "area_sat": (
        "{area}回访测得的满意率为 {est}（区间 {low}–{high}，{n} 个回答），全市为 {city}；{relation}",
        "In {area} the callbacks put the satisfaction rate at {est} (interval {low}–{high}, {n} answers), "
        "against {city} for the city; {relation}",
    ),
    "rel_above": ("明显高于全市。", "clearly above the city."),
    "rel_below": ("明显低于全市。", "clearly below the city."),
    "rel_same": ("与全市没有明显差别。", "no clear difference from the city."),
    "rel_unknown": ("回答太少，无法与全市比较。", "too few answers to compare with the city."),
    "area_gap_line": (
        "本{level}系统与回访的差距为 {gap} 个百分点，全市为 {city_gap} 个百分点。",
        "The gap between system and callbacks is {gap} points here and {city_gap} points for the city.",
    ),
    "area_metric": (
        "{metric}为 {est}（区间 {low}–{high}），全市为 {city}；{relation}",
        "{metric} is {est} (interval {low}–{high}) against {city} for the city; {relation}",
    ),
    "area_insufficient": (
        "另有 {small} {mw}证据不足（图中灰色），既未被标记，也不能认为没有问题。",
        "Another {small} {have} insufficient evidence (grey in the chart): neither flagged nor cleared.",
    ),
    "area_units_none": (
        "本{level}没有可检验的{unit}（没有回访回答）。",
        "No {unit} here could be tested (no callback answers).",
    ),
    "area_flagged_none": (
        "本{level}检验了 {tested} {mw}{unit}，没有一{mw1}的系统满意率明显高于回访结果。",
        "{tested} {unit} {were} tested here; none has a system rate clearly above its callback results.",
    ),
    "area_flagged": (
        "本{level}检验了 {tested} {mw}{unit}，其中 {flagged} {mw}的系统满意率明显高于回访结果，证据见下表。",
        "{tested} {unit} {were} tested here; {flagged} {flagged_have} a system rate clearly above "
        "{flagged_their} callback results, with the evidence below.",
    ),
    "area_reasons": (
        "说明了不满意原因的 {total} 位受访者中，最常提到的是：{reasons}。",
        "Of the {total} {respondents} who gave a reason for dissatisfaction, the most common {were}: "
        "{reasons}.",
    ),
    "area_reasons_none": (
        "本{level}没有受访者说明不满意的原因。",
        "No respondent here gave a reason for dissatisfaction.",
    ),
    "reason_count": ("{reason}（{count} 人）", "{reason} ({count})"),
    "metric_awareness": ("知晓率", "Awareness"),
    "metric_first_choice": ("首选率", "First choice"),
    "level_district": ("区", "district"),
    "level_domain": ("领域", "domain"),
}

#: Chinese measure words for counting units: 家 organisations, 名 staff, 个 districts and domains.
_MEASURE = {"organisation": "家", "staff": "名"}
#: one compared unit in English (`unit_name` gives the plural)
_SINGULAR = {
    "organisation": "organisation",
    "staff": "staff member",
    "district": "district",
    "domain": "service domain",
}


def _t(key: str, lang: str, **values: object) -> str:
    template = _T[key][0 if lang == "zh" else 1]
    return template.format(**values)


def _join(parts: list[str], lang: str) -> str:
    """A list of names; "；" in Chinese because names and reasons may contain "、" themselves."""
    return ("；" if lang == "zh" else "; ").join(parts)


def _sentences(parts: list[str], lang: str) -> str:
    return ("" if lang == "zh" else " ").join(parts)


def position(system_rate: float, low: float, high: float) -> Position:
    """Where a census rate lies against an interval: above its upper end, within, or below."""
    if any(math.isnan(value) for value in (system_rate, low, high)):
        return "unknown"
    if system_rate > high:
        return "above"
    if system_rate < low:
        return "below"
    return "within"


def relation(city: float, low: float, high: float) -> str:
    """An area against the city: 'above'/'below' when the city lies outside the area's interval."""
    where = position(city, low, high)
    return {"above": "rel_below", "below": "rel_above", "within": "rel_same", "unknown": "rel_unknown"}[where]


@dataclass(frozen=True)
class Findings:
    """The executive summary's sentences, by the question each part answers."""

    headline: tuple[str, ...]
    comparison: tuple[str, ...]
    certainty: tuple[str, ...]
    not_proved: tuple[str, ...]
    next_steps: tuple[str, ...]


class _Words:
    def __init__(self, content: ReportContent) -> None:
        self.content = content
        self.lang = content.language
        self.level = format_rate(content.method.confidence_level, 0)
        unit_level = content.comparison.unit_level
        self.unit = unit_name(unit_level, self.lang)
        self.unit_one = _SINGULAR.get(unit_level, self.unit)
        measure = _MEASURE.get(unit_level, "个")
        self.mw = {"mw": measure, "mw1": measure, "unit": self.unit}

    def t(self, key: str, **values: object) -> str:
        return _t(key, self.lang, **values)

    def counted(self, count: int) -> dict[str, str]:
        """The words that go with `count` units: measure words in Chinese, number agreement in English
        ("1 organisation was", "2 organisations were")."""
        if self.lang == "zh":
            return dict(self.mw)
        unit = plural(count, self.unit_one, self.unit)
        return {
            **self.mw,
            "unit": unit,
            "have": plural(count, "has", "have"),
            "were": plural(count, "was", "were"),
            "possessive": unit + ("'s" if count == 1 else "'"),
        }

    def estimate(self, key: str, value: Estimate) -> str:
        return self.t(
            key,
            est=format_rate(value.estimate),
            low=format_rate(value.ci_low),
            high=format_rate(value.ci_high),
            n=format_count(value.n),
            level=self.level,
        )

    def unit_gaps(self, units: pd.DataFrame, figures: bool = True) -> str:
        """The units with the largest gaps, named (with their two rates when `figures`)."""
        ordered = units.sort_values(["difference", "unit"], ascending=[False, True], kind="stable")
        named = []
        for row in ordered.head(NAMED).to_dict("records"):
            inflation = row.get("inflation", math.nan)
            values = {
                "name": str(row["unit"]),
                "sys": format_rate(row["system_rate"]),
                "tp": format_rate(row["third_party_rate"]),
            }
            if not figures:
                named.append(values["name"])
            elif bool(row.get("who_rated_flag", False)):  # its evidence is who rated: no rate inflation
                named.append(self.t("unit_gap_who_rated", **values))
            elif inflation == inflation:  # the verdict model's estimate, when given
                named.append(self.t("unit_gap_inflation", inf=format_points(inflation), **values))
            else:
                named.append(self.t("unit_gap", **values))
        return _join(named, self.lang)

    def reasons(self, level: str, area: str) -> tuple[int, str]:
        if self.content.areas is None:
            return 0, ""
        table = self.content.areas.reasons_of(level, area)
        named = [
            self.t("reason_count", reason=str(row.reason), count=format_count(row.count))
            for row in table.head(NAMED).itertuples()
        ]
        return int(table["count"].sum()), _join(named, self.lang)


def executive_summary(content: ReportContent) -> Findings:
    """The summary page's sentences, from the content's figures (see the module's rules)."""
    words = _Words(content)
    comparison, results = content.comparison, content.results
    third = comparison.third_party
    where = position(comparison.system_rate, third.ci_low, third.ci_high)
    headline = [
        _sentences(
            [
                words.estimate("sat", third),
                words.t(f"system_{where}", sys=format_rate(comparison.system_rate)),
            ],
            words.lang,
        ),
        words.estimate("awareness", results.headline["awareness"]),
        words.estimate("first_choice", results.headline["first_choice"]),
    ]
    paired = comparison.paired_difference
    if not (math.isnan(paired.ci_low) or math.isnan(paired.ci_high)):
        key = (
            "paired_higher"
            if paired.ci_low > 0
            else "paired_lower"
            if paired.ci_high < 0
            else "paired_unclear"
        )
        shown = abs(paired.estimate) if key != "paired_unclear" else paired.estimate
        headline.append(
            words.t(
                key,
                d=format_points(shown).lstrip("+"),
                low=format_points(paired.ci_low),
                high=format_points(paired.ci_high),
            )
        )

    units = comparison.units[comparison.units["n"] > 0]
    # With the unit verdict model's `status`, only units it could test count as tested; the others are
    # "insufficient evidence" (neither flagged nor cleared). Without it, small units are those below the
    # study's minimum number of answers.
    verdicts = "status" in units.columns
    if verdicts:
        small = int((units["status"] == "insufficient_evidence").sum())
        units = units[units["status"].isin(["flagged", "no_evidence"]) | units["flagged"]]
    else:
        small = int((units["n"] < comparison.small_unit_min_n).sum())
    flagged = comparison.flagged_units
    fdr = format_number(comparison.fdr_level, 2)
    count_key = "flagged_none" if flagged.empty else "flagged_one" if len(flagged) == 1 else "flagged_many"
    if comparison.verdict_method == "posterior" and not flagged.empty:  # flags are not rate gaps alone
        count_key += "_posterior"
    found = [
        words.t(
            count_key,
            tested=format_count(len(units)),
            flagged=format_count(len(flagged)),
            fdr=fdr,
            names=words.unit_gaps(flagged),
            **words.counted(len(units)),
        )
    ]
    other, denied = int(flagged["rated_by_other"].sum()), int(flagged["service_denied"].sum())
    if len(flagged) and other + denied:
        found.append(
            words.t(
                "evidence",
                other=format_count(other),
                denied=format_count(denied),
                **words.counted(len(flagged)),
            )
        )
    found += _staff_found(content, words)
    if content.areas is not None:
        districts = content.areas.rows("district")
        above = districts[districts["system_rate"] > districts["ci_high"]].assign(
            gap=lambda t: t["system_rate"] - t["estimate"]
        )
        if above.empty:
            found.append(words.t("areas_none"))
        else:
            above = above.sort_values(["gap", "area"], ascending=[False, True], kind="stable")
            names = [
                words.t("area_gap", name=group_name(str(row.area), words.lang), gap=format_points(row.gap))
                for row in above.head(NAMED).itertuples()
            ]
            key = "areas_above" if len(above) > 1 or words.lang == "zh" else "areas_above_one"
            found.append(words.t(key, k=format_count(len(above)), names=_join(names, words.lang)))

    rate_name, rate = response_rate(content)
    check = content.method.nonresponse
    certainty = [
        words.t(
            "basis",
            n=format_count(check.respondents),
            rate_name=rate_name,
            rate=format_rate(rate),
            level=words.level,
        )
    ]
    if len(flagged):
        expected = len(flagged) * comparison.fdr_level
        certainty.append(
            words.t(
                "false_alarms" if expected >= 1 else "false_alarms_few",
                flagged=format_count(len(flagged)),
                expected=format_number(expected, 1),
                **words.counted(len(flagged)),
            )
        )
    if small and verdicts:
        certainty.append(words.t("insufficient", small=format_count(small), **words.counted(small)))
    elif small:
        certainty.append(
            words.t(
                "small_units",
                small=format_count(small),
                min_n=comparison.small_unit_min_n,
                **words.counted(small),
            )
        )
    unexamined = int(units["proxy_unexamined"].eq(True).sum()) if "proxy_unexamined" in units.columns else 0
    if unexamined:
        certainty.append(words.t("proxy_unexamined", k=format_count(unexamined), **words.counted(unexamined)))
    if not math.isnan(check.p_value):
        key = "nonresponse_differs" if check.p_value < 0.05 else "nonresponse_similar"
        certainty.append(words.t(key, p=format_p(check.p_value)))
    if check.refusal_low is not None and check.refusal_high is not None:
        low, high = check.refusal_low, check.refusal_high
        certainty.append(
            words.t(
                "refusal_range",
                gamma=f"{check.refusal_gamma:g}",
                low=format_rate(low.estimate),
                low_ci=format_ci(low.ci_low, low.ci_high),
                high=format_rate(high.estimate),
                high_ci=format_ci(high.ci_low, high.ci_high),
            )
        )

    not_proved = [words.t("not_proof"), words.t("not_flagged_not_sound", unit=words.unit), words.t("recall")]

    steps = []
    if len(flagged):
        steps.append(
            words.t(
                "step_audit",
                flagged=format_count(len(flagged)),
                names=words.unit_gaps(flagged, figures=False),
                **words.counted(len(flagged)),
            )
        )
    proxies = int(comparison.case_flags.get("rated_by_other", 0))
    asked = int(comparison.case_flags.get("staff_asked_rating", comparison.case_flags.get("staff_asked", 0)))
    if proxies + asked:
        steps.append(
            words.t(
                "step_proxy",
                other=format_count(proxies),
                asked=format_count(asked),
                other_cases=plural(proxies, "case"),
                asked_cases=plural(asked, "case"),
            )
        )
    steps += _staff_steps(content, words)
    total, reasons = words.reasons("city", "")
    if total:
        steps.append(words.t("step_reasons", reasons=reasons))
    if small:
        key = "step_insufficient" if verdicts else "step_small"
        steps.append(
            words.t(key, small=format_count(small), min_n=comparison.small_unit_min_n, **words.counted(small))
        )
    if flagged.empty:
        steps.append(words.t("step_routine", unit=words.unit))
    if content.areas is not None and len(content.areas.rows("district")):
        steps.append(words.t("step_districts"))
    return Findings(tuple(headline), tuple(found), tuple(certainty), tuple(not_proved), tuple(steps))


def _staff_alone(content: ReportContent) -> pd.DataFrame:
    """The flagged staff members whose office is not flagged, by id."""
    assert content.staff is not None
    flagged = content.staff.flagged
    return flagged[~flagged["organisation_flagged"].astype(bool)].sort_values("unit", kind="stable")


def _member_ids(members: pd.DataFrame, lang: str) -> str:
    """The first `NAMED` members' ids ("ORG0044-S01"), the rest counted by "…"."""
    ids = [str(unit).split(" ")[0] for unit in members["unit"].head(NAMED)]
    return _join(ids, lang) + ("…" if len(members) > NAMED else "")


def _staff_found(content: ReportContent, words: _Words) -> list[str]:
    """The staff level in one sentence (none without it): how many members were judged and flagged,
    and the flagged ones in offices not flagged, named — those the organisation level cannot point at."""
    staff = content.staff
    if staff is None:
        return []
    counts = {"judged": format_count(staff.judged), "named": format_count(staff.named)}
    if staff.flagged.empty:
        return [words.t("staff_none", **counts)]
    alone = _staff_alone(content)
    listed = alone if len(alone) else staff.flagged.sort_values("unit", kind="stable")
    return [
        words.t(
            "staff_flagged" if len(alone) else "staff_flagged_offices",
            flagged=format_count(len(staff.flagged)),
            alone=format_count(len(alone)),
            names=_member_ids(listed, words.lang),
            are=plural(len(staff.flagged), "is", "are"),
            **counts,
        )
    ]


def _staff_steps(content: ReportContent, words: _Words) -> list[str]:
    """A step for the flagged staff members in offices not flagged: audit the person's events."""
    if content.staff is None:
        return []
    alone = _staff_alone(content)
    if alone.empty:
        return []
    count = len(alone)
    return [
        words.t(
            "step_staff",
            alone=format_count(count),
            names=_member_ids(alone, words.lang),
            members=plural(count, "member", "members"),
            work=plural(count, "works", "work"),
            they=plural(count, "this person", "they"),
        )
    ]


def area_findings(content: ReportContent, level: str, area: str) -> dict[str, tuple[str, ...]]:
    """A district's (or domain's) page in words: 'rates' (its figures against the city), 'units' (what
    the comparison found there) and 'reasons' (why people were dissatisfied)."""
    words = _Words(content)
    if content.areas is None or content.areas.row(level, area) is None:
        raise KeyError(f"{level} {area!r} has no figures")
    row = content.areas.row(level, area)
    city = content.results.headline
    place = group_name(area, words.lang)
    level_word = words.t(f"level_{level}")
    rates = [
        _sentences(
            [
                words.t(
                    "area_sat",
                    area=place,
                    est=format_rate(row["estimate"]),
                    low=format_rate(row["ci_low"]),
                    high=format_rate(row["ci_high"]),
                    n=format_count(row["n"]),
                    city=format_rate(city["satisfaction"].estimate),
                    relation=words.t(relation(city["satisfaction"].estimate, row["ci_low"], row["ci_high"])),
                ),
                words.t(
                    f"system_{position(row['system_rate'], row['ci_low'], row['ci_high'])}",
                    sys=format_rate(row["system_rate"]),
                ),
            ],
            words.lang,
        ),
        words.t(
            "area_gap_line",
            level=level_word,
            gap=format_points(row["system_rate"] - row["estimate"]),
            city_gap=format_points(content.comparison.system_rate - city["satisfaction"].estimate),
        ),
    ]
    for key in ("awareness", "first_choice"):
        rates.append(
            words.t(
                "area_metric",
                metric=words.t(f"metric_{key}"),
                est=format_rate(row[key]),
                low=format_rate(row[f"{key}_ci_low"]),
                high=format_rate(row[f"{key}_ci_high"]),
                city=format_rate(city[key].estimate),
                relation=words.t(relation(city[key].estimate, row[f"{key}_ci_low"], row[f"{key}_ci_high"])),
            )
        )
    tested, flagged = int(row["units_tested"]), int(row["units_flagged"])
    if tested == 0:
        units = words.t("area_units_none", level=level_word, unit=words.unit)
    else:
        key = "area_flagged" if flagged else "area_flagged_none"
        units = words.t(
            key,
            level=level_word,
            tested=format_count(tested),
            flagged=format_count(flagged),
            flagged_have=plural(flagged, "has", "have"),
            flagged_their=plural(flagged, "its", "their"),
            **words.counted(tested),
        )
    all_units = content.comparison.units
    if "status" in all_units.columns and level in all_units.columns:
        here = all_units[(all_units[level].astype(str) == area) & (all_units["n"] > 0)]
        insufficient = int((here["status"] == "insufficient_evidence").sum())
        if insufficient:
            units = _sentences(
                [
                    units,
                    words.t(
                        "area_insufficient", small=format_count(insufficient), **words.counted(insufficient)
                    ),
                ],
                words.lang,
            )
    total, reasons = words.reasons(level, area)
    reason = (
        words.t(
            "area_reasons",
            total=format_count(total),
            reasons=reasons,
            respondents=plural(total, "respondent"),
            were=plural(total, "was", "were"),
        )
        if total
        else words.t("area_reasons_none", level=level_word)
    )
    return {"rates": tuple(rates), "units": (units,), "reasons": (reason,)}


def response_rate(content: ReportContent) -> tuple[str, float]:
    """The response rate the report quotes: AAPOR RR3 when given, else RR1, else the first rate."""
    rates = content.method.fieldwork.rates
    for name in ("RR3", "RR1"):
        if name in rates:
            return name, rates[name]
    name = next(iter(rates), "RR")
    return name, rates.get(name, float("nan"))
