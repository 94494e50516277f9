"""The app's strings for self-completion by link, SMS invitations and mixed mode, zh and en; merged into `i18n.STRINGS`."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "web.title": {"zh": "服务满意度调查", "en": "Service satisfaction survey"},
    "web.intro": {
        "zh": "受上海市司法局委托的第三方满意度调查。您的回答只用于了解服务的真实情况，约需 3 分钟。",
        "en": "An independent satisfaction survey commissioned by the Shanghai Justice Bureau. Your answers "
        "are used only to learn how the service really went; it takes about 3 minutes.",
    },
    "web.language": {"zh": "语言 / Language", "en": "Language / 语言"},
    "web.identity": {
        "zh": "为确认是您本人，请输入接收短信的手机号码的后四位。",
        "en": "To confirm it is you, type the last four digits of the mobile number that received the message.",
    },
    "web.last_four": {"zh": "手机号码后四位", "en": "Last four digits of your number"},
    "web.verify": {"zh": "确认并开始", "en": "Confirm and start"},
    "web.wrong_digits": {
        "zh": "号码后四位不正确，请再试一次。",
        "en": "Those are not the last four digits; please try again.",
    },
    "web.progress": {
        "zh": "已答 {done} 题，可随时关闭页面，稍后用同一链接继续。",
        "en": "{done} answered; you may close this page and continue later with the same link.",
    },
    "web.next": {"zh": "下一题", "en": "Next"},
    "web.continue": {"zh": "继续", "en": "Continue"},
    "web.back": {"zh": "上一题", "en": "Back"},
    "web.changing": {
        "zh": "您正在修改之前的回答。",
        "en": "You are changing an earlier answer.",
    },
    "web.choose": {"zh": "请选择一个选项。", "en": "Please choose an option."},
    "web.invalid": {"zh": "答案无效，未保存：{error}", "en": "Invalid answer, nothing saved: {error}"},
    "web.thanks": {
        "zh": "问卷已提交，感谢您的参与！此链接已失效。",
        "en": "Your answers are submitted. Thank you! This link no longer works.",
    },
    "web.no_link": {"zh": "该链接无效。", "en": "This link is not valid."},
    "web.outcomes_title": {"zh": "网上邀请结果", "en": "Web invitations"},
    "web.outcomes_help": {
        "zh": "AAPOR 网络调查结果代码；链接 {days} 天内有效，逾期未答的个案进入电话回访队列。",
        "en": "AAPOR internet-survey outcome codes; links run {days} days, then unanswered cases join the call queue.",
    },
    "web.code": {"zh": "代码", "en": "Code"},
    "web.outcome": {"zh": "结果", "en": "Outcome"},
    "web.count": {"zh": "数量", "en": "Count"},
    "web.outcome_waiting": {"zh": "链接仍有效，等待作答", "en": "Link still open, waiting"},
}
