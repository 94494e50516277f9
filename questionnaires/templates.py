"""Built-in questionnaires. `justice-callback` is the bilingual callback of ARCHITECTURE.md.

Item names and codes of `justice-callback` are a contract with `fixtures` and `analysis`: change
wording freely, never names or codes.

Flow: intro → identity (no: not the person, straight to closing) → received_service (no: the
service never happened — a finding — straight to closing) → who_rated, staff_asked_rating (only when
the service was received) → the seven rating items (received or can't say) → unsatisfied_reason
(overall rating on the dissatisfied side) → referral_consent and, on yes, referral_problem (overall
rating below 满意: may the responsible organisation contact them, and about what) → awareness, first
choice, comment → closing, which every path reaches.

Versions: a built-in version is never edited in place once published (fieldwork may have frozen it);
each later version is the one before it, frozen, `new_version()`ed and edited with `editing`'s
functions (`_VERSIONS`), so every earlier version can still be built (`template(..., version=1)`):
1 the callback above; 2 adds "其他（请注明）" to `unsatisfied_reason` with the open text item
`unsatisfied_reason_other`, asked only when it is chosen (issue 14: a reason in the person's words to
code); 3 words the texts a surveyor reads aloud or follows for the web (`Item.modes`): a
self-completion intro and closing, and hints addressed to the respondent instead of the surveyor.
The items' own texts stay the call script.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from questionnaires.editing import add_item, update_choice, update_item
from questionnaires.model import Choice, Item, Questionnaire, Section, Settings
from sampling.vocabulary import SCALES

_RATING_ITEMS: tuple[tuple[str, str, str], ...] = (
    ("sat_attitude", "服务态度", "staff attitude"),
    ("sat_efficiency", "办事效率", "efficiency"),
    ("sat_professional", "专业能力", "professional competence"),
    ("sat_result", "办理结果", "the result"),
    ("sat_environment", "办事环境和便捷程度", "the environment and convenience"),
    ("sat_integrity", "清正廉洁", "integrity"),
)

IDENTIFIED = "${identity} = 'yes'"
RECEIVED = "${received_service} = 'yes'"
RECEIVED_OR_UNSURE = "${received_service} in ('yes', 'dk')"


def _choices(*pairs: tuple[str, str, str]) -> tuple[Choice, ...]:
    return tuple(Choice(code=code, label={"zh": zh, "en": en}) for code, zh, en in pairs)


YES_NO = _choices(("yes", "是", "Yes"), ("no", "否", "No"))


def justice_callback(scale: str = "justice3", version: int | None = None) -> Questionnaire:
    """The callback questionnaire of the justice-service rating check, on the study's rating scale: the
    latest version, or an earlier one by number (each built from the one before, see the docstring)."""
    wanted = LATEST_VERSION if version is None else version
    if not 1 <= wanted <= LATEST_VERSION:
        raise KeyError(f"justice-callback has no version {version!r}; versions 1–{LATEST_VERSION}")
    questionnaire = _first_version(scale)
    for edit in _VERSIONS[: wanted - 1]:
        questionnaire = edit(questionnaire.freeze().new_version())
    return questionnaire


def _first_version(scale: str) -> Questionnaire:
    """Version 1, as published (never edit it: a later version is an edit in `_VERSIONS`)."""
    if scale not in SCALES:
        raise KeyError(f"unknown rating scale {scale!r}; known: {', '.join(SCALES)}")
    dissatisfied = tuple(code for code in SCALES[scale].codes if "dissatisfied" in code)
    unsatisfied_when = (
        f"${{sat_overall}} = '{dissatisfied[0]}'"
        if len(dissatisfied) == 1
        else "${sat_overall} in (" + ", ".join(f"'{code}'" for code in dissatisfied) + ")"
    )
    opening = Section(
        name="opening",
        label={"zh": "开场与身份确认", "en": "Opening and identity"},
        items=(
            Item(
                name="intro",
                type="note",
                label={
                    "zh": "您好！我是受上海市司法局人事处委托开展第三方满意度调查的访员，工号${surveyor_no}。"
                    "本次回访只用于了解公共法律服务的真实情况，大约需要3分钟，您的回答将严格保密。",
                    "en": "Hello! I am an interviewer of an independent survey commissioned by the personnel "
                    "office (人事处) of the Shanghai Municipal Bureau of Justice (上海市司法局), interviewer "
                    "number ${surveyor_no}. This short call (about 3 minutes) is only about how public legal "
                    "services really went; your answers are kept strictly confidential.",
                },
            ),
            Item(
                name="identity",
                type="single",
                label={
                    "zh": "请问您是办理该项业务的当事人本人吗？",
                    "en": "Are you the person who used this service yourself?",
                },
                hint={
                    "zh": "如不是本人，感谢对方后结束访问。",
                    "en": "If not, thank them and end the call.",
                },
                choices=_choices(("yes", "是本人", "Yes, it is me"), ("no", "不是本人", "No, not me")),
                required=True,
            ),
        ),
    )
    verification = Section(
        name="verification",
        label={"zh": "服务与评价核实", "en": "Verification of the service and the rating"},
        relevant=IDENTIFIED,
        items=(
            Item(
                name="received_service",
                type="single",
                label={
                    "zh": "请问您是否在${service_date}通过${channel}办理过${domain}相关业务？",
                    "en": "Did you receive ${domain} service on ${service_date} via ${channel}?",
                },
                choices=YES_NO,
                allow_dk=True,
                required=True,
            ),
            Item(
                name="who_rated",
                type="single",
                label={
                    "zh": "这次服务结束后的满意度评价，是您本人做的，还是别人代您做的，或者您没有评价过？",
                    "en": "After this service, did you rate it yourself, did someone else rate it for you, "
                    "or did you not rate it at all?",
                },
                choices=_choices(
                    ("self", "本人评价", "I rated it myself"),
                    ("other", "他人代为评价", "Someone else rated it for me"),
                    ("not_rated", "没有评价", "I did not rate it"),
                ),
                allow_dk=True,
                relevant=RECEIVED,
                required=True,
            ),
            Item(
                name="staff_asked_rating",
                type="single",
                label={
                    "zh": "办理过程中，工作人员是否要求或暗示您给出某种评价（例如“满意”）？",
                    "en": "During the service, did staff ask or hint that you should give a particular "
                    "rating (for example 'satisfied')?",
                },
                choices=YES_NO,
                allow_dk=True,
                relevant=RECEIVED,
                required=True,
            ),
        ),
    )
    ratings = tuple(
        Item(
            name=name,
            type="rating",
            label={
                "zh": f"您对这次${{domain}}服务的{zh}是否满意？",
                "en": f"How satisfied are you with {en} of this ${{domain}} service?",
            },
            allow_dk=True,
            relevant=RECEIVED_OR_UNSURE,
            required=True,
        )
        for name, zh, en in _RATING_ITEMS
    )
    codes = SCALES[scale].codes
    not_fully = codes[codes.index("satisfied") + 1 :] if "satisfied" in codes else dissatisfied
    referral_when = "${sat_overall} in (" + ", ".join(f"'{code}'" for code in not_fully) + ")"
    satisfaction = Section(
        name="satisfaction",
        label={"zh": "满意度", "en": "Satisfaction"},
        relevant=IDENTIFIED,
        items=(
            *ratings,
            Item(
                name="sat_overall",
                type="rating",
                label={
                    "zh": "总体来说，您对这次${domain}服务是否满意？",
                    "en": "Overall, how satisfied are you with this ${domain} service?",
                },
                hint={
                    "zh": "请逐一读出选项，包括“说不清”。",
                    "en": "Read out every option, including 'can't say'.",
                },
                allow_dk=True,
                relevant=RECEIVED_OR_UNSURE,
                required=True,
            ),
            Item(
                name="unsatisfied_reason",
                type="single",
                label={
                    "zh": "您不满意的主要原因是什么？",
                    "en": "What is the main reason you are not satisfied?",
                },
                choices=_choices(
                    ("attitude", "服务态度不好", "Staff attitude"),
                    ("efficiency", "办事效率低、拖延", "Slow or delayed"),
                    ("professional", "专业能力不足", "Lack of competence"),
                    ("result", "对办理结果不满意", "The result"),
                    ("environment", "办事环境差或不方便", "Environment or inconvenience"),
                    ("integrity", "存在不廉洁问题", "Integrity problems"),
                    ("other", "其他原因", "Other"),
                ),
                allow_dk=True,
                allow_refused=True,
                relevant=unsatisfied_when,
                required=True,
            ),
            Item(
                name="referral_consent",
                type="single",
                label={
                    "zh": "您是否同意我们把您反映的问题转给${organisation}，由他们就此问题与您联系？",
                    "en": "May we pass your problem on to ${organisation}, so that they contact you about it?",
                },
                hint={
                    "zh": "只转交联系方式、所办事项和您对问题的描述，不转交您的评价和其他回答。",
                    "en": "Only your contact details, the service and your description of the problem are "
                    "passed on, never your ratings or other answers.",
                },
                choices=YES_NO,
                relevant=referral_when,
            ),
            Item(
                name="referral_problem",
                type="text",
                label={
                    "zh": "请您简要说说遇到的问题，我们会原话转给责任单位。",
                    "en": "Please describe the problem briefly; we pass it on in your words.",
                },
                relevant="${referral_consent} = 'yes'",
            ),
        ),
    )
    awareness = Section(
        name="awareness",
        label={"zh": "知晓与首选", "en": "Awareness and first choice"},
        relevant=IDENTIFIED,
        items=(
            Item(
                name="aware_12348",
                type="single",
                label={
                    "zh": "您是否知道12348公共法律服务热线？",
                    "en": "Do you know the 12348 public legal service hotline?",
                },
                choices=YES_NO,
                relevant=RECEIVED_OR_UNSURE,
                required=True,
            ),
            Item(
                name="aware_public_legal",
                type="single",
                label={
                    "zh": "您是否知道身边的公共法律服务中心（站、室）可以提供免费法律咨询？",
                    "en": "Do you know that public legal service centres near you give free legal advice?",
                },
                choices=YES_NO,
                relevant=RECEIVED_OR_UNSURE,
                required=True,
            ),
            Item(
                name="first_choice",
                type="single",
                label={
                    "zh": "今后如果遇到法律问题，您首先会选择哪种途径？",
                    "en": "If you have a legal problem in future, where will you turn first?",
                },
                choices=_choices(
                    (
                        "public_legal",
                        "公共法律服务（12348热线、公共法律服务中心等）",
                        "Public legal services",
                    ),
                    ("private_lawyer", "自行聘请律师", "A private lawyer"),
                    ("other", "其他途径", "Other"),
                ),
                allow_dk=True,
                relevant=RECEIVED_OR_UNSURE,
                required=True,
            ),
        ),
    )
    closing = Section(
        name="ending",
        label={"zh": "意见与结束", "en": "Comment and closing"},
        items=(
            Item(
                name="comment",
                type="text",
                label={
                    "zh": "您对司法行政部门的公共法律服务还有什么意见或建议吗？",
                    "en": "Do you have any comments or suggestions on public legal services?",
                },
                relevant=f"{IDENTIFIED} and {RECEIVED_OR_UNSURE}",
            ),
            Item(
                name="closing",
                type="note",
                label={
                    "zh": "访问到此结束，感谢您的支持，祝您生活愉快，再见！",
                    "en": "That is all. Thank you for your help, and goodbye!",
                },
            ),
        ),
    )
    return Questionnaire(
        id="justice-callback",
        version=1,
        title={"zh": "司法行政服务满意度回访问卷", "en": "Justice service satisfaction callback"},
        settings=Settings(default_language="zh", rating_scale=scale),
        sections=(opening, verification, satisfaction, awareness, closing),
    )


def _other_please_specify(questionnaire: Questionnaire) -> Questionnaire:
    """Version 2: "other" reason becomes "other, please specify", followed by the reason in the
    person's words — free text for comment coding, asked only when "other" is chosen."""
    edited = update_choice(
        questionnaire,
        "unsatisfied_reason",
        "other",
        label={"zh": "其他（请注明）", "en": "Other (please specify)"},
    )
    section = edited.section_of("unsatisfied_reason")
    position = [item.name for item in section.items].index("unsatisfied_reason") + 1
    specify = Item(
        name=OTHER_REASON_ITEM,
        type="text",
        label={
            "zh": "请您具体说说是什么原因让您不满意。",
            "en": "Please tell us in your own words what made you dissatisfied.",
        },
        hint={
            "zh": "请按受访者原话记录。",
            "en": "Write down the respondent's own words.",
        },
        relevant="${unsatisfied_reason} = 'other'",
    )
    return add_item(edited, specify, section=section.name, position=position)


#: Version 3: what the respondent reads on the web page where the surveyor reads a call script.
WEB_WORDING: dict[str, dict[str, dict[str, str]]] = {
    "intro": {
        "label": {
            "zh": "您好！这是受上海市司法局人事处委托开展的第三方满意度调查。本问卷只用于了解公共法律服务的"
            "真实情况，大约需要3分钟，您的回答将严格保密。请根据您本人的亲身经历作答。",
            "en": "Hello! This is an independent survey commissioned by the personnel office (人事处) of "
            "the Shanghai Municipal Bureau of Justice (上海市司法局). It is only about how public legal "
            "services really went, takes about 3 minutes, and your answers are kept strictly "
            "confidential. Please answer from your own experience.",
        },
    },
    "identity": {
        "hint": {
            "zh": "如果您不是办理该项业务的当事人，请选择“不是本人”，问卷随即结束。",
            "en": "If you are not the person who used this service, choose 'No, not me' and the "
            "questionnaire ends.",
        },
    },
    "sat_overall": {
        "hint": {
            "zh": "如果难以评价，可以选择“说不清”。",
            "en": "If you cannot say, choose 'Can't say'.",
        },
    },
    "unsatisfied_reason_other": {
        "hint": {"zh": "请用您自己的话填写。", "en": "Please write it in your own words."},
    },
    "closing": {
        "label": {
            "zh": "问卷到此结束，感谢您的支持！请点击下方按钮提交问卷。",
            "en": "That is all. Thank you for your help! Press the button below to submit the questionnaire.",
        },
    },
}


def _worded_for_the_web(questionnaire: Questionnaire) -> Questionnaire:
    """Version 3: the web page's own wording of the call script's texts (`WEB_WORDING`)."""
    for name, wording in WEB_WORDING.items():
        questionnaire = update_item(questionnaire, name, modes={"web": wording})
    return questionnaire


#: The open text behind "其他（请注明）" of `unsatisfied_reason` (version 2 on).
OTHER_REASON_ITEM = "unsatisfied_reason_other"

#: Each later version as an edit of the one before it: index 0 makes version 2.
_VERSIONS: tuple[Callable[[Questionnaire], Questionnaire], ...] = (
    _other_please_specify,
    _worded_for_the_web,
)
LATEST_VERSION = 1 + len(_VERSIONS)

#: A plausible case for previews in the designer (no personal data).
EXAMPLE_CASE: dict[str, object] = {
    "domain": "公证",
    "channel": "热线平台",
    "event_type": "服务",
    "service_date": date(2025, 4, 18),
    "organisation": "上海市东方公证处",
    "district": "黄浦区",
    "surveyor_no": "S001",
}

#: The items a referral is made from; they stay out of every analysis export (the identity firewall).
REFERRAL_ITEMS: tuple[str, ...] = ("referral_consent", "referral_problem")

TEMPLATES: dict[str, Callable[..., Questionnaire]] = {"justice-callback": justice_callback}


def template(name: str, *, scale: str = "justice3", version: int | None = None) -> Questionnaire:
    """A built-in questionnaire by name, e.g. template("justice-callback", scale="haochaping5"): its
    latest version, or an earlier published one with `version=`."""
    if name not in TEMPLATES:
        raise KeyError(f"unknown template {name!r}; known: {', '.join(TEMPLATES)}")
    return TEMPLATES[name](scale, version)
