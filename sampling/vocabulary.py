"""The frame's vocabulary: districts, domains, channels, event types, rating scales, header synonyms.

Kept as data in one place so that the loader, the synthetic exports and the app agree on spelling.
Scales are data, not code: a study picks one and declares which codes count as satisfied.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Shanghai's 16 districts with their administrative codes, plus the municipal bureau (市局).
DISTRICTS: dict[str, str] = {
    "黄浦区": "310101",
    "徐汇区": "310104",
    "长宁区": "310105",
    "静安区": "310106",
    "普陀区": "310107",
    "虹口区": "310109",
    "杨浦区": "310110",
    "闵行区": "310112",
    "宝山区": "310113",
    "嘉定区": "310114",
    "浦东新区": "310115",
    "金山区": "310116",
    "松江区": "310117",
    "青浦区": "310118",
    "奉贤区": "310120",
    "崇明区": "310151",
    "市局": "310000",
}

DISTRICT_EN: dict[str, str] = {
    "黄浦区": "Huangpu",
    "徐汇区": "Xuhui",
    "长宁区": "Changning",
    "静安区": "Jing'an",
    "普陀区": "Putuo",
    "虹口区": "Hongkou",
    "杨浦区": "Yangpu",
    "闵行区": "Minhang",
    "宝山区": "Baoshan",
    "嘉定区": "Jiading",
    "浦东新区": "Pudong",
    "金山区": "Jinshan",
    "松江区": "Songjiang",
    "青浦区": "Qingpu",
    "奉贤区": "Fengxian",
    "崇明区": "Chongming",
    "市局": "Municipal bureau",
}

#: Names still found in old exports, mapped rather than rejected (闸北 merged into 静安 in 2015).
DISTRICT_ALIASES: dict[str, str] = {
    "闸北区": "静安区",
    "闸北": "静安区",
    "崇明县": "崇明区",
    "南汇区": "浦东新区",
    "卢湾区": "黄浦区",
    "浦东": "浦东新区",
    "上海市司法局": "市局",
    "市级": "市局",
    **{name.removesuffix("区"): name for name in DISTRICTS if name.endswith("区")},
    **{code: name for name, code in DISTRICTS.items()},
}

DOMAINS: dict[str, str] = {
    "律师": "Lawyers",
    "公证": "Notary",
    "司法鉴定": "Judicial appraisal",
    "仲裁": "Arbitration",
    "人民调解": "People's mediation",
    "法律援助": "Legal aid",
    "基层法律服务": "Grassroots legal services",
    "法治宣传": "Legal publicity",
    "法律职业资格考试": "Legal qualification exam",
}

CHANNELS: dict[str, str] = {
    "网络平台": "Web / mobile",
    "实体平台": "Service window",
    "热线平台": "12348 hotline",
}

EVENT_TYPES: dict[str, str] = {
    "服务": "Service",
    "行政审批": "Administrative approval",
    "投诉处理": "Complaint handling",
}


@dataclass(frozen=True)
class ScaleLevel:
    code: str
    zh: str
    en: str


@dataclass(frozen=True)
class RatingScale:
    """An ordered rating scale, best level first."""

    name: str
    levels: tuple[ScaleLevel, ...]

    @property
    def codes(self) -> list[str]:
        return [level.code for level in self.levels]

    def label(self, code: str, lang: str = "zh") -> str:
        for level in self.levels:
            if level.code == code:
                return level.zh if lang == "zh" else level.en
        raise KeyError(code)

    def code_for(self, label: str) -> str | None:
        """The code for an export's label (Chinese, English or the code itself), or None."""
        wanted = str(label).strip().lower()
        for level in self.levels:
            if wanted in (level.code, level.zh.lower(), level.en.lower()):
                return level.code
        return None


SCALES: dict[str, RatingScale] = {
    "justice3": RatingScale(
        "justice3",
        (
            ScaleLevel("satisfied", "满意", "Satisfied"),
            ScaleLevel("basically_satisfied", "基本满意", "Basically satisfied"),
            ScaleLevel("dissatisfied", "不满意", "Dissatisfied"),
        ),
    ),
    "haochaping5": RatingScale(
        "haochaping5",
        (
            ScaleLevel("very_satisfied", "非常满意", "Very satisfied"),
            ScaleLevel("satisfied", "满意", "Satisfied"),
            ScaleLevel("basically_satisfied", "基本满意", "Basically satisfied"),
            ScaleLevel("dissatisfied", "不满意", "Dissatisfied"),
            ScaleLevel("very_dissatisfied", "非常不满意", "Very dissatisfied"),
        ),
    ),
}

#: Default 满意率 definition: 满意 + 基本满意. A study may declare ("satisfied",) instead.
DEFAULT_SATISFIED_CODES: tuple[str, ...] = ("satisfied", "basically_satisfied")

#: Answers that are real answers but not opinions on the scale.
DONT_KNOW = "dk"
REFUSED = "refused"

#: Huifang's canonical frame fields, in export order.
FRAME_FIELDS: tuple[str, ...] = (
    "record_id",
    "event_type",
    "domain",
    "channel",
    "district",
    "district_code",
    "organisation_id",
    "organisation",
    "staff_id",
    "service_date",
    "rating_time",
    "system_rating",
    "recipient_name",
    "phone",
    "complaint_open",
)

#: Fields every frame must have; the others are optional.
REQUIRED_FIELDS: tuple[str, ...] = (
    "record_id",
    "domain",
    "channel",
    "district",
    "organisation",
    "staff_id",
    "service_date",
    "system_rating",
    "phone",
)

#: Fields that hold personal data and are masked wherever they are not needed.
PERSONAL_FIELDS: tuple[str, ...] = ("recipient_name", "phone")

#: Header synonyms seen in exports (Chinese or English) → canonical field. Matching ignores case,
#: surrounding spaces and a UTF-8 BOM.
HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "record_id": ("记录编号", "评价编号", "业务编号", "流水号", "record_id", "id", "record id"),
    "event_type": ("事项类型", "类型", "event_type", "event type", "type"),
    "domain": ("业务领域", "领域", "业务类别", "业务类型", "domain", "service domain"),
    "channel": ("评价渠道", "渠道", "服务渠道", "平台", "channel", "platform"),
    "district": ("所属区", "区", "区县", "行政区", "district"),
    "district_code": ("区划代码", "行政区划代码", "district_code", "district code"),
    "organisation_id": ("机构编号", "机构代码", "organisation_id", "organization_id", "org_id"),
    "organisation": ("机构名称", "机构", "服务机构", "organisation", "organization", "org"),
    "staff_id": ("工作人员编号", "工作人员", "工作人员工号", "承办人编号", "staff_id", "staff id", "staff"),
    "service_date": ("服务日期", "办理日期", "service_date", "service date"),
    "rating_time": ("评价时间", "rating_time", "rating time", "rated_at"),
    "system_rating": ("评价结果", "满意度", "评价", "system_rating", "rating"),
    "recipient_name": ("服务对象姓名", "姓名", "当事人", "recipient_name", "name"),
    "phone": ("联系电话", "手机号码", "电话", "手机", "phone", "mobile", "telephone"),
    "complaint_open": ("投诉未办结", "complaint_open", "complaint open", "open complaint"),
}

#: The Chinese headers the synthetic export writes (the first synonym of each field).
EXPORT_HEADERS: dict[str, str] = {field: names[0] for field, names in HEADER_SYNONYMS.items()}


def canonical_district(name: str) -> str | None:
    """The canonical district name for an export's spelling, or None when it is unknown."""
    text = str(name).strip()
    if text in DISTRICTS:
        return text
    return DISTRICT_ALIASES.get(text)
