"""The app's strings for referral and remediation (整改), zh and en; merged into `i18n.STRINGS`."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "referral.page": {"zh": "转办与整改", "en": "Referrals and remediation"},
    "referral.firewall": {
        "zh": "转办单只含联系方式、所办事项和当事人对问题的原话，不含评价结果、其他回答或任何单位的满意度数字。"
        "联系方式默认隐去，查看完整信息会记入审计日志。",
        "en": "A referral holds only contact details, the service and the person's own words about the "
        "problem: no rating, no other answer, no unit's satisfaction figures. Contact details are masked; "
        "every full view is written to the audit log.",
    },
    "referral.organisation_of": {"zh": "本单位：{organisation}", "en": "Your organisation: {organisation}"},
    "referral.create": {"zh": "为所选项目生成转办单", "en": "Create referrals for the chosen study"},
    "referral.create_help": {
        "zh": "为总体评价低于“满意”、且同意由责任单位联系的受访者生成转办单；已生成的不会重复生成。",
        "en": "Refers every respondent below 'satisfied' who agreed to be contacted; referrals made before "
        "are not made again.",
    },
    "referral.created": {
        "zh": "已生成 {count} 张转办单。",
        "en": "{count} referrals created.",
        "en_one": "{count} referral created.",
        "plural": "count",
    },
    "referral.none": {"zh": "暂无转办单。", "en": "No referrals yet."},
    "referral.list": {"zh": "转办单", "en": "Referrals"},
    "referral.counts": {
        "zh": "共 {total} 张：待办 {open}，办理中 {progress}，已办结 {closed}，逾期 {overdue}。",
        "en": "{total} in all: open {open}, in progress {progress}, closed {closed}, overdue {overdue}.",
    },
    "referral.pick": {"zh": "选择转办单", "en": "Choose a referral"},
    "referral.detail": {"zh": "转办单 {ref_no}", "en": "Referral {ref_no}"},
    "referral.problem": {"zh": "当事人反映的问题", "en": "The problem in the person's words"},
    "referral.no_problem": {"zh": "（当事人未描述）", "en": "(not described)"},
    "referral.reveal": {"zh": "查看完整联系方式（记入审计）", "en": "Show full contact details (audited)"},
    "referral.contact": {"zh": "联系人：{name}　电话：{phone}", "en": "Contact: {name}, phone {phone}"},
    "referral.action_form": {"zh": "记录整改措施", "en": "Record the action taken"},
    "referral.action": {"zh": "整改措施", "en": "Action"},
    "referral.action_note": {"zh": "整改情况说明", "en": "What was done"},
    "referral.save_action": {"zh": "保存整改措施", "en": "Save the action"},
    "referral.action_saved": {"zh": "已记录转办单 {ref_no} 的整改措施。", "en": "Action saved on {ref_no}."},
    "referral.close_form": {"zh": "办结", "en": "Close"},
    "referral.closure_note": {"zh": "办结说明", "en": "Closing note"},
    "referral.close": {"zh": "办结转办单", "en": "Close the referral"},
    "referral.closed_done": {"zh": "转办单 {ref_no} 已办结。", "en": "Referral {ref_no} closed."},
    "referral.recallback_form": {"zh": "整改后回访", "en": "Call back after remediation"},
    "referral.recallback_help": {
        "zh": "整改办结后再次致电当事人：“对这次问题的处理结果，您现在是否满意？”",
        "en": "After closure, call the person again: 'How satisfied are you now with how your problem "
        "was handled?'",
    },
    "referral.recallback_rating": {"zh": "整改后满意度", "en": "Satisfaction now"},
    "referral.recallback_note": {"zh": "回访备注", "en": "Note"},
    "referral.save_recallback": {"zh": "保存回访结果", "en": "Save the call back"},
    "referral.recallback_saved": {
        "zh": "已记录转办单 {ref_no} 的回访结果。",
        "en": "Call back saved on {ref_no}.",
    },
    "referral.not_closed": {"zh": "办结后才能回访。", "en": "Call back once the referral is closed."},
    "referral.is_closed": {"zh": "本转办单已办结。", "en": "This referral is closed."},
    "referral.dk": {"zh": "说不清", "en": "Can't say"},
    "referral.refused": {"zh": "拒答", "en": "Refused"},
    # statuses and actions as table values
    "referral.status.open": {"zh": "待办", "en": "open"},
    "referral.status.in_progress": {"zh": "办理中", "en": "in progress"},
    "referral.status.closed": {"zh": "已办结", "en": "closed"},
    "referral.action.continued_service": {"zh": "延续服务", "en": "continued service"},
    "referral.action.supplementary_service": {"zh": "补充服务", "en": "supplementary service"},
    "referral.action.other": {"zh": "其他", "en": "other"},
    "referral.yes": {"zh": "是", "en": "yes"},
    "referral.no": {"zh": "否", "en": "no"},
    # table headers
    "referral.col.ref_no": {"zh": "转办单号", "en": "Referral"},
    "referral.col.organisation": {"zh": "责任单位", "en": "Organisation"},
    "referral.col.domain": {"zh": "业务领域", "en": "Domain"},
    "referral.col.service_date": {"zh": "服务日期", "en": "Service date"},
    "referral.col.name": {"zh": "联系人", "en": "Contact"},
    "referral.col.phone": {"zh": "电话", "en": "Phone"},
    "referral.col.problem": {"zh": "反映的问题", "en": "Problem"},
    "referral.col.due": {"zh": "办理期限", "en": "Due"},
    "referral.col.status": {"zh": "状态", "en": "Status"},
    "referral.col.action": {"zh": "整改措施", "en": "Action"},
    "referral.col.overdue": {"zh": "逾期", "en": "Overdue"},
    "referral.col.closed_at": {"zh": "办结时间", "en": "Closed"},
    "referral.col.recallback": {"zh": "整改后满意度", "en": "Satisfaction after"},
    # the admin's user form
    "referral.organisation_id": {
        "zh": "所属机构编号（整改责任单位必填，如 ORG0001）",
        "en": "Organisation id (required for a responsible office, e.g. ORG0001)",
    },
    "referral.move_organisation": {"zh": "更改所属机构", "en": "Move to another organisation"},
    "referral.new_organisation": {"zh": "新的所属机构编号", "en": "New organisation id"},
    "referral.moved": {
        "zh": "{name} 现属机构 {organisation}；此前的登录已全部失效，只能看到新机构的转办单。",
        "en": "{name} now answers for {organisation}; every earlier login has ended, and only the new "
        "organisation's referrals are visible.",
    },
}
