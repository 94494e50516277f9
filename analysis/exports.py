"""Exports of the analysis dataset for analysts who live in Excel, SPSS or Stata.

No personal data leaves: `export_dataset` refuses a table that still has a personal field
(`sampling.vocabulary.PERSONAL_FIELDS`); `analysis_dataset` drops them. Coded answers keep their
codes in CSV and Excel (with a `labels` sheet); in SPSS `.sav` and Stata `.dta` they become integer
codes 1…k, in the scale's or questionnaire's order, with the Chinese labels as value labels, and
every column carries a Chinese variable label (`VARIABLE_LABELS`, or the caller's: the questionnaire's
item texts), cut to what each format stores (`fitted_label`).
CSV and Excel cells that start like a formula are neutralised (`sampling.cells`, the OWASP rule).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from analysis.errors import ExportError
from sampling.cells import write_csv, xlsx_bytes
from sampling.vocabulary import PERSONAL_FIELDS, SCALES

#: Chinese labels of the justice-callback codes that are not scale levels.
ANSWER_LABELS: dict[str, str] = {
    "yes": "是",
    "no": "否",
    "dk": "说不清",
    "refused": "拒答",
    "self": "本人",
    "other": "他人代评",
    "not_rated": "未评价",
    "public_legal": "公共法律服务",
    "private_lawyer": "私人律师",
}

FORMATS = ("csv", "xlsx", "sav", "dta")

#: Chinese variable labels of the columns every analysis dataset has (design, frame, weights, outcome).
VARIABLE_LABELS: dict[str, str] = {
    "case_id": "个案编号",
    "pseudonym": "记录假名（本项目内稳定，无法回溯到个人）",
    "stratum": "抽样层",
    "replicate": "释放批次",
    "selection_order": "抽中顺序",
    "inclusion_prob": "入样概率",
    "design_weight": "设计权重",
    "pooled_weight": "两阶段合并前的设计权重",
    "person_events": "本人在抽样框中的事件数",
    "state": "个案状态",
    "attempts": "拨打次数",
    "final_disposition": "最终处置代码（AAPOR）",
    "disposition": "处置代码（AAPOR，未拨打为 3.11）",
    "aapor_group": "AAPOR 结果组",
    "event_type": "事项类型",
    "domain": "业务领域",
    "channel": "评价渠道",
    "district": "所属区",
    "organisation_id": "机构编号",
    "organisation": "机构名称",
    "staff_id": "工作人员编号",
    "service_date": "服务日期",
    "rating_time": "评价时间",
    "system_rating": "系统评价结果",
    "N_h": "层内总体数 N_h",
    "interview_id": "访问编号",
    "status": "访问状态",
    "started_at": "访问开始时间（UTC）",
    "ended_at": "访问结束时间（UTC）",
    "questionnaire_version_id": "问卷版本编号",
    "mode": "作答方式（cati 电话回访 / web 网上自填）",
    "surveyor": "访员",
    "duration_minutes": "访问时长（分钟）",
    "respondent": "是否完成访问（1.1 或 1.2）",
    "system_satisfied": "系统评价为满意",
    "eligible": "是否合格（非 4.x）",
    "responded": "是否应答",
    "base_weight": "基础权重",
    "rating_group": "系统评价组（加权类别）",
    "propensity": "应答倾向估计",
    "nr_class": "无应答调整类别",
    "nr_factor": "无应答调整系数",
    "cal_weight": "校准权重",
    "nr_weight": "最终分析权重（校准与无应答调整后）",
}

#: AAPOR's outcome groups in words (Standard Definitions).
AAPOR_GROUP_LABELS: dict[str, str] = {
    "I": "I 完成访问",
    "P": "P 部分完成",
    "R": "R 拒访或中断",
    "NC": "NC 未接触到本人",
    "O": "O 其他合格未访",
    "UH": "UH 资格未知（未接通）",
    "UO": "UO 资格未知（其他）",
    "NE": "NE 不合格",
}

#: How long a label may be (what each format stores; longer ones are cut with "…", never refused):
#: Stata counts characters, SPSS bytes of UTF-8 (pyreadstat cuts them silently, mid-character).
_LIMITS = {
    "dta": {"variable": (80, None), "value": (80, None)},
    "sav": {"variable": (None, 255), "value": (None, 120)},
}


def fitted_label(label: str, kind: str, what: str) -> str:
    """`label` cut to what a .dta or .sav file stores for a variable or value label, ending in "…"."""
    chars, size = _LIMITS.get(kind, {}).get(what, (None, None))

    def fits(text: str) -> bool:
        return (chars is None or len(text) <= chars) and (size is None or len(text.encode()) <= size)

    if fits(label):
        return label
    cut = label
    while cut and not fits(cut + "…"):
        cut = cut[:-1]
    return cut + "…"


def ordered_code_labels(labels: Mapping[str, str]) -> dict[str, str]:
    """Dotted codes (AAPOR's 1.1, 2.11, 3.18 …) in numeric order, each labelled "code text"."""

    def order(code: str) -> tuple:
        return tuple(int(p) if p.isdigit() else p for p in str(code).split("."))

    return {code: f"{code} {labels[code]}" for code in sorted(labels, key=order)}


def default_variable_labels(data: pd.DataFrame) -> dict[str, str]:
    """The Chinese variable label of every column `VARIABLE_LABELS` knows."""
    return {column: VARIABLE_LABELS[column] for column in data.columns if column in VARIABLE_LABELS}


def analysis_dataset(cases: pd.DataFrame, drop: tuple[str, ...] = PERSONAL_FIELDS) -> pd.DataFrame:
    """The cases without personal fields (names, phone numbers)."""
    return cases.drop(columns=[c for c in drop if c in cases.columns])


def default_value_labels(data: pd.DataFrame) -> dict[str, dict[str, str]]:
    """Value labels for every text column whose values are all known scale or answer codes, in order."""
    known: dict[str, str] = {}
    for scale in SCALES.values():
        for level in scale.levels:
            known.setdefault(level.code, level.zh)
    known.update(ANSWER_LABELS)
    order = list(known)
    labels = {}
    for column in data.columns:
        series = data[column]
        if pd.api.types.is_string_dtype(series) or isinstance(series.dtype, pd.CategoricalDtype):
            values = set(data[column].dropna().astype(str))
            if values and values <= set(known):
                labels[column] = {code: known[code] for code in order if code in values}
    return labels


def _numeric_coded(data: pd.DataFrame, value_labels: Mapping[str, Mapping[str, str]]):
    coded = data.copy()
    numeric_labels = {}
    for column, labels in value_labels.items():
        codes = {code: i + 1 for i, code in enumerate(labels)}
        unknown = set(coded[column].dropna().astype(str)) - set(codes)
        if unknown:
            raise ExportError(f"column {column!r} has value {sorted(unknown)[0]!r} without a label; add it")
        coded[column] = coded[column].map(codes).astype("float")
        numeric_labels[column] = {codes[code]: label for code, label in labels.items()}
    return coded, numeric_labels


def export_dataset(
    data: pd.DataFrame,
    path: str | Path,
    value_labels: Mapping[str, Mapping[str, str]] | None = None,
    variable_labels: Mapping[str, str] | None = None,
) -> Path:
    """Write `data` as .csv, .xlsx, .sav or .dta (chosen by the suffix) with labels; return the path."""
    import pyreadstat

    path = Path(path)
    kind = path.suffix.lower().lstrip(".")
    if kind not in FORMATS:
        raise ExportError(f"{path.name}: unknown export format; use one of .{', .'.join(FORMATS)}")
    personal = [c for c in PERSONAL_FIELDS if c in data.columns]
    if personal:
        raise ExportError(
            f"the dataset still holds personal data ({', '.join(personal)}); use analysis_dataset()"
        )
    value_labels = default_value_labels(data) if value_labels is None else dict(value_labels)
    variable_labels = default_variable_labels(data) if variable_labels is None else dict(variable_labels)
    if kind == "csv":
        write_csv(data, path)
    elif kind == "xlsx":
        rows = [
            {"variable": column, "code": code, "label": label}
            for column, labels in value_labels.items()
            for code, label in labels.items()
        ]
        labels_sheet = pd.DataFrame(rows, columns=["variable", "code", "label"])
        path.write_bytes(xlsx_bytes({"data": data, "labels": labels_sheet}))
    else:
        coded, numeric_labels = _numeric_coded(data, value_labels)
        for column in coded.columns:
            if coded[column].dtype == bool or str(coded[column].dtype) == "boolean":
                coded[column] = coded[column].astype(float)
        labels = [fitted_label(variable_labels.get(c, ""), kind, "variable") for c in coded.columns]
        numeric_labels = {
            column: {code: fitted_label(text, kind, "value") for code, text in texts.items()}
            for column, texts in numeric_labels.items()
        }
        writer = pyreadstat.write_sav if kind == "sav" else pyreadstat.write_dta
        writer(coded, str(path), column_labels=labels, variable_value_labels=numeric_labels)
    return path
