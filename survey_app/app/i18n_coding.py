"""The app's strings for open-comment coding, zh and en; merged into `i18n.STRINGS`."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "coding.page": {"zh": "意见编码", "en": "Comment coding"},
    "coding.intro": {
        "zh": "为受访者的意见和建议编码。文本已去除姓名、电话、证件号和地址；分词建议仅供参考，请逐条采纳或拒绝。",
        "en": "Code the respondents' comments and suggestions. Names, phone and ID numbers and addresses are "
        "removed from the texts; the word-segmentation suggestions are only suggestions: accept or reject each.",
    },
    "coding.tab_code": {"zh": "编码", "en": "Code"},
    "coding.tab_agreement": {"zh": "编码一致性", "en": "Agreement"},
    "coding.tab_adjudicate": {"zh": "分歧裁决", "en": "Adjudication"},
    "coding.tab_frequencies": {"zh": "主题频数", "en": "Theme frequencies"},
    "coding.pass": {"zh": "编码轮次", "en": "Pass"},
    "coding.pass_first": {"zh": "第一编码", "en": "First coding"},
    "coding.pass_second": {
        "zh": "第二编码（盲编，看不到第一编码结果）",
        "en": "Second coding (blind to the first)",
    },
    "coding.metric_comments": {"zh": "意见条数", "en": "Comments"},
    "coding.metric_coded": {"zh": "已编码", "en": "Coded"},
    "coding.metric_sample": {"zh": "双重编码样本", "en": "Double-coding sample"},
    "coding.metric_double": {"zh": "已双重编码", "en": "Coded twice"},
    "coding.metric_open": {"zh": "待裁决分歧", "en": "Open disagreements"},
    "coding.none_waiting": {"zh": "没有等待您编码的意见。", "en": "No comment is waiting for you."},
    "coding.none_second": {
        "zh": "没有等待您第二编码的意见（需先抽取双重编码样本，且该意见由其他研究员完成第一编码）。",
        "en": "No comment is waiting for your second coding (draw the double-coding sample first; another "
        "researcher must have coded the comment first).",
    },
    "coding.choose": {"zh": "选择意见（共 {n} 条待编码）", "en": "Choose a comment ({n} waiting)"},
    "coding.question_comment": {"zh": "意见建议", "en": "Comment"},
    "coding.question_unsatisfied_reason": {"zh": "不满意原因", "en": "Reason for dissatisfaction"},
    "coding.item": {"zh": "访问 {interview} · {question}", "en": "Interview {interview} · {question}"},
    "coding.suggestions": {"zh": "分词建议（勾选即采纳）", "en": "Suggestions (tick to accept)"},
    "coding.no_suggestions": {"zh": "没有分词建议。", "en": "No suggestion."},
    "coding.matched": {"zh": "{label}（关键词：{words}）", "en": "{label} (keywords: {words})"},
    "coding.more_codes": {"zh": "添加其他代码", "en": "Add other codes"},
    "coding.save": {"zh": "保存编码", "en": "Save codes"},
    "coding.saved": {
        "zh": "已保存访问 {interview} 的编码。",
        "en": "Saved the codes of interview {interview}.",
    },
    "coding.sample_header": {"zh": "双重编码样本", "en": "Double-coding sample"},
    "coding.sample_seed": {"zh": "随机种子", "en": "Seed"},
    "coding.sample_share": {"zh": "抽取比例", "en": "Share drawn"},
    "coding.sample_draw": {"zh": "抽取样本", "en": "Draw the sample"},
    "coding.sample_drawn": {
        "zh": "已用随机种子 {seed} 抽取 {n} 条意见用于双重编码。",
        "en": "Drew {n} comments for double coding with seed {seed}.",
    },
    "coding.sample_current": {
        "zh": "当前样本：{n} 条意见，随机种子 {seed}。",
        "en": "Current sample: {n} comments, seed {seed}.",
    },
    "coding.no_kappa": {
        "zh": "还没有由两名编码员编码的意见，无法计算一致性。",
        "en": "No comment has been coded by two coders yet, so agreement cannot be computed.",
    },
    "coding.kappa_caption": {
        "zh": "每个代码按“是否使用”计算科恩 κ 系数（多标签编码逐码二分），区间为 95% 正态区间；"
        "两名编码员均未使用的代码没有 κ 系数。",
        "en": "Cohen's kappa per code, each code as used or not (multi-label coding, one yes/no per code), "
        "with 95% normal intervals; a code neither coder used has no kappa.",
    },
    "coding.col_label": {"zh": "代码", "en": "Code"},
    "coding.col_n": {"zh": "双编条数", "en": "Coded twice"},
    "coding.col_both": {"zh": "均使用", "en": "Both"},
    "coding.col_first_only": {"zh": "仅第一编码", "en": "First only"},
    "coding.col_second_only": {"zh": "仅第二编码", "en": "Second only"},
    "coding.col_agreement": {"zh": "一致率", "en": "Agreement"},
    "coding.col_kappa": {"zh": "κ 系数", "en": "Kappa"},
    "coding.col_ci_low": {"zh": "区间下限", "en": "CI low"},
    "coding.col_ci_high": {"zh": "区间上限", "en": "CI high"},
    "coding.col_group": {"zh": "范围", "en": "Group"},
    "coding.col_theme": {"zh": "主题", "en": "Theme"},
    "coding.col_mentions": {"zh": "提及条数", "en": "Mentions"},
    "coding.col_comments": {"zh": "有意见人数", "en": "Commenters"},
    "coding.col_estimate": {"zh": "加权占比", "en": "Weighted share"},
    "coding.col_text": {"zh": "意见（已脱敏）", "en": "Comment (anonymised)"},
    "coding.col_first": {"zh": "第一编码", "en": "First coder"},
    "coding.col_second": {"zh": "第二编码", "en": "Second coder"},
    "coding.col_decision": {"zh": "裁决", "en": "Decision"},
    "coding.yes": {"zh": "使用", "en": "Applies"},
    "coding.no": {"zh": "不使用", "en": "Does not apply"},
    "coding.undecided": {"zh": "未裁决", "en": "Not decided"},
    "coding.no_disagreements": {"zh": "没有编码分歧。", "en": "The coders do not disagree."},
    "coding.disagreement": {"zh": "选择分歧", "en": "Choose a disagreement"},
    "coding.applies": {"zh": "该代码是否适用", "en": "Does the code apply?"},
    "coding.note": {"zh": "裁决说明（可选）", "en": "Note (optional)"},
    "coding.adjudicate": {"zh": "保存裁决", "en": "Save the decision"},
    "coding.adjudicated": {"zh": "已保存裁决。", "en": "Decision saved."},
    "coding.by": {"zh": "按", "en": "By"},
    "coding.by_overall": {"zh": "总体", "en": "Overall"},
    "coding.by_organisation": {"zh": "机构", "en": "Organisation"},
    "coding.by_district": {"zh": "区", "en": "District"},
    "coding.by_domain": {"zh": "业务领域", "en": "Service domain"},
    "coding.overall": {"zh": "总体", "en": "Overall"},
    "coding.frequencies_caption": {
        "zh": "占比为有意见的受访者中提及该主题者的加权比例（权重与满意率相同），区间为 95% 置信区间。",
        "en": "The weighted share of commenting respondents who mention the theme (the same weights as the "
        "satisfaction rate), with 95% confidence intervals.",
    },
    "coding.no_frequencies": {
        "zh": "还没有可加权的已编码意见（需要有受访者完成访问并且意见已编码）。",
        "en": "No coded comment to weight yet (respondents must have completed interviews and their comments "
        "must be coded).",
    },
    "coding.download": {"zh": "下载主题频数表（CSV）", "en": "Download the theme frequencies (CSV)"},
}
