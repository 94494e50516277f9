"""The app's strings added for issue 13's last stumbles (mapping form, recent contacts, weighting,
uploader texts), zh and en; merged into `i18n.STRINGS`."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "frames.column_twice": {
        "zh": "导出列“{column}”被同时选为多个字段（{fields}）：一列只能对应一个字段。",
        "en": "The export column “{column}” is chosen for several fields ({fields}): a column holds one field.",
    },
    "sample.recent": {"zh": "近期已联系人员排除", "en": "People contacted recently"},
    "sample.recent_help": {
        "zh": "排除在抽样日之前 N 天内已被其他调查项目联系过的人（按号码的密钥哈希匹配，不读取号码），"
        "以减轻受访者负担。0 表示不排除。抽样后规则固定，重新抽验时沿用抽样时的名单。",
        "en": "Leave out people another study reached in the N days before the draw (matched by the keyed "
        "hash of their number, never the number), to spare respondents. 0 turns it off. Once the sample is "
        "drawn the rule and its list stay as drawn, for every re-draw.",
    },
    "sample.recent_days": {"zh": "排除天数 N", "en": "Days N"},
    "sample.recent_save": {"zh": "保存排除规则", "en": "Save the rule"},
    "sample.recent_saved": {
        "zh": "已保存：排除近 {days} 天内已被联系的人。",
        "en": "Saved: people contacted in the last {days} days are left out.",
    },
    "sample.recent_now": {
        "zh": "按当前规则（近 {days} 天），抽样框中有 {count} 条记录的服务对象已被其他项目联系，将被排除。",
        "en": "With the current rule ({days} days), {count} frame records belong to people other studies "
        "reached; they are left out.",
    },
    "sample.recent_off": {"zh": "当前不排除近期已联系的人。", "en": "Nobody is left out for recent contact."},
    "sample.recent_drawn": {
        "zh": "抽样时（{as_of}）排除了近 {days} 天内已被联系的 {count} 条记录。",
        "en": "The draw ({as_of}) left out {count} records of people reached in the {days} days before.",
    },
    "reports.not_applicable": {"zh": "不适用", "en": "not applicable"},
    "reports.not_applicable_help": {
        "zh": "另有 {count} 项不适用：尚未生成报告，没有已发布的数字和报告可核对；不计为不通过。",
        "en": "{count} more checks do not apply: no report was built yet, so nothing published can be "
        "checked; they do not count as failures.",
    },
    "comparison.calibration": {
        "zh": "加权方法敏感性：事后分层与迭代比例调整",
        "en": "Weighting sensitivity: post-stratification and raking",
    },
    "comparison.calibration_help": {
        "zh": "核心指标的权数已按系统评价校准并做了无应答调整。这里再让受访者在所选变量上与抽样框的合格事件数一致，"
        "看满意率是否随之变化；区间为线性化方法。这是敏感性分析，不替代核心指标。",
        "en": "The headline's weights are already calibrated to the system ratings and adjusted for nonresponse. "
        "Here the respondents are also made to match the frame's eligible events on the chosen variables, to "
        "see whether 满意率 moves; intervals by linearisation. A sensitivity check, not a replacement.",
    },
    "comparison.calibration_method": {"zh": "方法", "en": "Method"},
    "comparison.calibration_poststratify": {
        "zh": "事后分层（一个变量）",
        "en": "Post-stratify (one variable)",
    },
    "comparison.calibration_rake": {
        "zh": "迭代比例调整（一个或多个变量）",
        "en": "Rake (one or more variables)",
    },
    "comparison.calibration_variables": {"zh": "与抽样框对齐的变量", "en": "Variables matched to the frame"},
    "comparison.calibration_run": {"zh": "计算", "en": "Compute"},
    "comparison.calibration_headline": {
        "zh": "核心指标（倾向调整，JKn 区间）",
        "en": "Headline (propensity, JKn)",
    },
    "comparison.calibration_uncalibrated": {
        "zh": "同一权数，线性化区间（未再校准）",
        "en": "Same weights, linearised (not calibrated further)",
    },
    "comparison.calibration_weights": {"zh": "权数", "en": "Weights"},
    "comparison.calibration_result": {
        "zh": "按{variables}{method}后，满意率为 {estimate}（95% 置信区间 {low}–{high}），与核心指标相差 {points} 个百分点。",
        "en": "{method} to {variables}: 满意率 {estimate} (95% CI {low}–{high}), {points} points from the headline.",
    },
    "comparison.calibration_short_poststratify": {"zh": "事后分层", "en": "Post-stratified"},
    "comparison.calibration_short_rake": {"zh": "迭代比例调整", "en": "Raked"},
    "upload.button": {"zh": "选择文件", "en": "Upload"},
    "upload.limit": {"zh": "单个文件不超过 200MB", "en": "200MB per file"},
}
