"""The words of the libraries' reports in the reader's language: frame fields and validation reasons.

`sampling` writes its validation reasons in English (the command line's language, and the words its
tests pin). The app shows them in Chinese by pattern, keeping every number, code and masked value of
the original; a reason no pattern knows is shown as it is, never dropped.
"""

from __future__ import annotations

import re

from sampling.vocabulary import REQUIRED_FIELDS

FIELD_LABELS: dict[str, tuple[str, str]] = {
    "record_id": ("记录编号", "Record id"),
    "event_type": ("事项类型", "Event type"),
    "domain": ("业务领域", "Domain"),
    "channel": ("评价渠道", "Channel"),
    "district": ("所属区", "District"),
    "district_code": ("区划代码", "District code"),
    "organisation_id": ("机构编号", "Organisation id"),
    "organisation": ("机构名称", "Organisation"),
    "staff_id": ("工作人员编号", "Staff id"),
    "service_date": ("服务日期", "Service date"),
    "rating_time": ("评价时间", "Rating time"),
    "system_rating": ("评价结果", "System rating"),
    "recipient_name": ("服务对象姓名", "Recipient's name"),
    "phone": ("联系电话", "Phone"),
    "complaint_open": ("投诉未办结", "Open complaint"),
    "row": ("整行", "Whole row"),
}

#: (pattern on the English reason, Chinese template with the pattern's groups)
REASONS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), zh)
    for p, zh in (
        (r"^missing value$", "缺少必填值"),
        (r"^invalid phone number: not a phone number$", "电话号码无效：不是电话号码"),
        (
            r"^invalid phone number: not a mainland China number \((.+)\)$",
            r"电话号码无效：不是中国大陆号码（\1）",
        ),
        (
            r"^invalid phone number: not a valid mainland China number \(unassigned prefix or wrong length\)$",
            "电话号码无效：号段未分配或位数不对",
        ),
        (
            r"^invalid phone number: not a mobile or fixed-line number.*$",
            "电话号码无效：服务号或免费号码无法回访",
        ),
        (r"^invalid phone number: (.+)$", r"电话号码无效：\1"),
        (r"^normalised to (.+)$", r"已规范为 \1"),
        (r"^placeholder (.+) read as a missing value$", r"占位符 \1 按缺失值处理"),
        (r"^duplicate record id \(first seen on row (\d+)\)$", r"记录编号重复（首次出现在第 \1 行）"),
        (r"^unknown district \(.*\)$", "未知的区（不是上海 16 个区或市局）"),
        (r"^old or short name mapped to (.+)$", r"旧区名或简称，已改为 \1"),
        (r"^district code (\S+) is (.+), but the district is (.+)$", r"区划代码 \1 对应\2，但所属区为 \3"),
        (r"^unknown district code (\S+) \(the district is (.+)\)$", r"未知的区划代码 \1（所属区为 \2）"),
        (r"^unknown rating label \(scale \S+: (.+)\)$", r"未知的评价结果（应为：\1）"),
        (r"^rating time before the service date \((.+)\)$", r"评价时间早于服务日期（\1）"),
        (r"^unparsable date \(use YYYY-MM-DD\)$", "无法识别的日期（请用 YYYY-MM-DD 格式）"),
        (r"^date in the future \(after (.+)\)$", r"日期在未来（晚于 \1）"),
        (r"^implausible date \(before (.+?),.*\)$", r"日期不合理（早于评价系统启用的 \1）"),
        (r"^not a yes/no value \(是/否\)$", "不是“是/否”值"),
        (r"^value longer than ([\d,]+) characters.*$", r"内容超过 \1 个字符"),
        (
            r"^characters cleaned.*$",
            "已清理字符（删除不可见或改变方向的字符，全角或其他文字的数字和字母已改为半角）",
        ),
        (r"^row cannot be split into columns: (.+)$", r"该行无法拆分成列：\1"),
    )
]


def field_label(field: str, lang: str) -> str:
    """A frame field as its readers call it (联系电话 for phone); unknown names unchanged."""
    texts = FIELD_LABELS.get(field)
    if texts is None:
        return field
    return texts[0] if lang == "zh" else texts[1]


def field_option(field: str, lang: str) -> str:
    """A mapping target as offered in the mapping table: code, label, and * when the field is required."""
    star = " *" if field in REQUIRED_FIELDS else ""
    return f"{field_label(field, lang)} · {field}{star}"


def reason_text(reason: object, lang: str) -> str:
    """A validation reason in `lang`; the English original when no pattern knows it."""
    if not isinstance(reason, str):
        return ""
    if lang != "zh":
        return reason
    for pattern, template in REASONS:
        match = pattern.match(reason)
        if match:
            return match.expand(template)
    return reason


FLAGS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), zh)
    for p, zh in (
        (r"^([\d.]+) min, under the ([\d.]+) min threshold$", r"用时 \1 分钟，低于 \2 分钟的下限"),
        (r"^the same answer \((\w+)\) to every satisfaction item$", r"所有满意度题都回答同一选项（\1）"),
        (
            r"^满意 share (\S+) vs peers (\S+) in the same strata \((higher|lower); CMH p=(\S+), "
            r"BH-adjusted (\S+), n=(\d+)\)$",
            r"“满意”占比 \1，同层其他访员 \2（\3；CMH 检验 p=\4，BH 校正后 \5，n=\6）",
        ),
    )
]
_DIRECTION = {"higher": "偏高", "lower": "偏低"}


def flag_text(detail: str, lang: str) -> str:
    """A quality flag's detail in `lang`; the original when no pattern knows it."""
    if lang != "zh":
        return detail
    for pattern, template in FLAGS:
        match = pattern.match(detail)
        if match:
            text = match.expand(template)
            for english, chinese in _DIRECTION.items():
                text = text.replace(f"（{english}；", f"（{chinese}；")
            return text
    return detail


def why_text(why: str, lang: str) -> str:
    """Why a case is in the re-contact sub-sample ("flagged", "random check of NAME") in `lang`."""
    if lang != "zh":
        return why
    if why == "flagged":
        return "被标记"
    if why.startswith("random check of "):
        return f"随机抽查访员 {why.removeprefix('random check of ')}"
    return why


CHECK_NAMES: dict[str, str] = {
    "frame file": "抽样框文件",
    "stored frame": "已存储的抽样框",
    "sample re-draw": "样本重抽核对",
    "audit chain": "审计日志哈希链",
    "answers": "访问答案",
    "headline figures": "核心指标",
    "report": "报告",
}

CHECKS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), zh)
    for p, zh in (
        (r"^(.+) unchanged \(SHA-256 (\w+)…\)$", r"\1 未被改动（SHA-256 \2…）"),
        (r"^(\d+) records match fingerprint (\w+)…$", r"\1 条记录与指纹 \2… 一致"),
        (r"^(\d+) stored answers match their audit-log digests$", r"\1 个已存答案与审计日志中的摘要一致"),
        (r"^no report was built yet.*$", "尚未生成报告，没有可核对的已发布数字"),
        (
            r"^(.+) is not at (.+): cannot re-check it here.*$",
            r"\1 不在 \2，无法在此重新核对（请用 --frame 指定文件）",
        ),
        (
            r"^(.+) has SHA-256 (\w+), but (\w+) was imported: the file was changed after import$",
            r"\1 的 SHA-256 为 \2，导入时为 \3：文件在导入后被改动",
        ),
        (
            r"^the (\d+) stored records fingerprint to (\w+), not (\w+): records were changed in the database$",
            r"已存储的 \1 条记录指纹为 \2，而非 \3：数据库中的记录被改动",
        ),
        (
            r"^interview (\d+), item (\w+): the stored answer was never recorded in the audit log$",
            r"访问 \1 的题目 \2：该答案从未记入审计日志",
        ),
        (
            r"^interview (\d+), item (\w+): the stored answer differs from what was recorded$",
            r"访问 \1 的题目 \2：已存答案与记录不符",
        ),
        (
            r"^rebuilding the (\w+) report \((\w+)\) gives SHA-256 (\w+), not the published (\w+)$",
            r"重新生成报告得到 SHA-256 \3，与已发布的 \4 不同",
        ),
    )
]


def check_name(name: str, lang: str) -> str:
    """A verification check's name in `lang`."""
    return CHECK_NAMES.get(name, name) if lang == "zh" else name


def check_text(detail: str, lang: str) -> str:
    """A verification check's detail in `lang`; the original when no pattern knows it."""
    if lang != "zh":
        return detail
    for pattern, template in CHECKS:
        match = pattern.match(detail)
        if match:
            return match.expand(template)
    return detail
