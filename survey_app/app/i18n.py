"""Every string the app shows, in Chinese (the default) and English, in one table.

Pages call `t("key", **values)`; the language is the one chosen in the sidebar. A key missing in a
language falls back to Chinese, and a missing key shows itself, so a forgotten string is visible.
"""

from __future__ import annotations

LANGUAGES: dict[str, str] = {"zh": "中文", "en": "English"}
DEFAULT_LANGUAGE = "zh"

STRINGS: dict[str, dict[str, str]] = {
    # frame of the app
    "app.title": {"zh": "回访 · 第三方满意度核查", "en": "Huifang · third-party rating check"},
    "app.language": {"zh": "语言 / Language", "en": "Language / 语言"},
    "app.study": {"zh": "调查项目", "en": "Study"},
    "app.no_studies": {"zh": "还没有调查项目。", "en": "There are no studies yet."},
    "app.signed_in_as": {"zh": "当前用户：{name}（{role}）", "en": "Signed in as {name} ({role})"},
    "app.logout": {"zh": "退出登录", "en": "Log out"},
    "app.database": {"zh": "数据库：{where}", "en": "Database: {where}"},
    "app.database_error": {"zh": "无法打开数据库：{error}", "en": "Cannot open the database: {error}"},
    "app.no_pages": {
        "zh": "角色“{role}”在本系统中没有可用页面。请联系管理员为您分配角色。",
        "en": "The role '{role}' has no pages in Huifang. Ask an administrator to give you a role.",
    },
    "app.session_ended": {
        "zh": "您的账号已停用或不存在，请重新登录。",
        "en": "Your account is deactivated or no longer exists; please log in again.",
    },
    "app.choose_study": {"zh": "请先在左侧选择调查项目。", "en": "Choose a study in the sidebar first."},
    # login
    "login.title": {"zh": "登录", "en": "Log in"},
    "login.username": {"zh": "用户名", "en": "User name"},
    "login.password": {"zh": "密码", "en": "Password"},
    "login.submit": {"zh": "登录", "en": "Log in"},
    "login.failed": {"zh": "用户名或密码错误。", "en": "Wrong user name or password."},
    "login.intro": {
        "zh": "回访（Huifang）用于第三方电话回访核查司法行政服务评价的真实性。",
        "en": "Huifang checks the satisfaction ratings of justice services by independent callbacks.",
    },
    # page titles
    "page.studies": {"zh": "调查项目", "en": "Studies"},
    "page.frames": {"zh": "抽样框导入", "en": "Frames"},
    "page.sample": {"zh": "样本设计与抽取", "en": "Sample design"},
    "page.queue": {"zh": "我的呼叫队列", "en": "My call queue"},
    "page.interview": {"zh": "访问", "en": "Interview"},
    "page.progress": {"zh": "实地进度", "en": "Fieldwork progress"},
    "page.comparison": {"zh": "评价对比", "en": "Comparison"},
    "page.reports": {"zh": "报告与核验", "en": "Reports and verification"},
    "page.users": {"zh": "用户管理", "en": "Users"},
    "page.no_role": {"zh": "无可用页面", "en": "No pages"},
    # common
    "common.id": {"zh": "编号", "en": "ID"},
    "common.name": {"zh": "名称", "en": "Name"},
    "common.title": {"zh": "标题", "en": "Title"},
    "common.state": {"zh": "状态", "en": "State"},
    "common.created": {"zh": "创建时间", "en": "Created"},
    "common.saved": {"zh": "已保存。", "en": "Saved."},
    "common.not_available": {
        "zh": "此功能尚不可用：{what}",
        "en": "Not available yet: {what}",
    },
    # studies
    "studies.list": {"zh": "全部调查项目", "en": "All studies"},
    "studies.create": {"zh": "新建调查项目", "en": "Create a study"},
    "studies.name": {"zh": "项目代号（字母、数字，不可为纯数字）", "en": "Short name (not a number)"},
    "studies.title_field": {"zh": "项目标题", "en": "Title"},
    "studies.scale": {"zh": "评价量表", "en": "Rating scale"},
    "studies.satisfied": {"zh": "计入满意率的评价", "en": "Ratings that count as satisfied"},
    "studies.submit": {"zh": "创建", "en": "Create"},
    "studies.created": {"zh": "已创建调查项目 {name}。", "en": "Study {name} created."},
    "studies.questionnaire": {"zh": "问卷版本", "en": "Questionnaire versions"},
    "studies.attach_template": {
        "zh": "附加内置回访问卷（justice-callback）并冻结",
        "en": "Attach the built-in callback questionnaire (justice-callback) and freeze it",
    },
    "studies.attached": {"zh": "已附加问卷 {name} 第 {version} 版。", "en": "Attached {name} v{version}."},
    "studies.start_fieldwork": {"zh": "开始实地调查", "en": "Start fieldwork"},
    "studies.close": {"zh": "结束调查", "en": "Close the study"},
    "studies.state_changed": {"zh": "项目状态已改为 {state}。", "en": "The study is now in {state}."},
    "studies.no_versions": {"zh": "尚无问卷版本。", "en": "No questionnaire versions yet."},
    # frames
    "frames.upload": {
        "zh": "上传评价系统导出文件（CSV / XLSX / Parquet）",
        "en": "Upload a rating-system export",
    },
    "frames.encoding": {"zh": "文件编码", "en": "Encoding"},
    "frames.encoding_auto": {"zh": "自动检测", "en": "Detect"},
    "frames.import": {"zh": "校验并导入", "en": "Validate and import"},
    "frames.imported": {
        "zh": "已导入 {rows} 条记录，{rejected} 条被拒绝。",
        "en": "Imported {rows} records; {rejected} rejected.",
    },
    "frames.import_failed": {
        "zh": "导入失败，未写入任何数据：{error}",
        "en": "Import failed, nothing stored: {error}",
    },
    "frames.list": {"zh": "已导入的抽样框", "en": "Imported frames"},
    "frames.none": {"zh": "本项目尚未导入抽样框。", "en": "This study has no frame yet."},
    "frames.report": {"zh": "校验报告（第 {id} 号抽样框）", "en": "Validation report (frame {id})"},
    "frames.no_issues": {"zh": "没有被拒绝或修正的行。", "en": "No rejected or repaired rows."},
    "frames.download_issues": {"zh": "下载被拒绝的行（CSV）", "en": "Download the rejected rows (CSV)"},
    "frames.source_sha": {"zh": "源文件指纹 SHA-256", "en": "Source file SHA-256"},
    "frames.frame_sha": {"zh": "规范化抽样框指纹 SHA-256", "en": "Normalised frame SHA-256"},
    "frames.summary": {"zh": "抽样框构成", "en": "Frame composition"},
    # sample
    "sample.strata": {"zh": "分层变量", "en": "Strata"},
    "sample.n": {"zh": "样本量（释放个案数）", "en": "Sample size (cases to release)"},
    "sample.method": {"zh": "分配方法", "en": "Allocation"},
    "sample.minimum": {"zh": "每层最少", "en": "Minimum per stratum"},
    "sample.reserve": {"zh": "后备样本比例", "en": "Reserve share"},
    "sample.response_rate": {"zh": "预期应答率", "en": "Expected response rate"},
    "sample.seed": {"zh": "随机种子", "en": "Seed"},
    "sample.plan": {"zh": "生成方案", "en": "Plan"},
    "sample.draw": {"zh": "按此方案抽样", "en": "Draw this sample"},
    "sample.drawn": {"zh": "已抽取样本，种子 {seed}。", "en": "Sample drawn with seed {seed}."},
    "sample.current": {"zh": "当前样本", "en": "Current sample"},
    "sample.none": {"zh": "尚未抽样。", "en": "No sample yet."},
    "sample.verify": {"zh": "重新抽样核验", "en": "Verify by re-drawing"},
    "sample.release": {
        "zh": "释放后备样本（第 {replicate} 批）",
        "en": "Release reserve replicate {replicate}",
    },
    "sample.released": {"zh": "已释放 {count} 个个案。", "en": "Released {count} cases."},
    # queue
    "queue.counts": {"zh": "待呼叫", "en": "Waiting"},
    "queue.appointments_due": {"zh": "到期预约", "en": "Appointments due"},
    "queue.fresh": {"zh": "新个案", "en": "Fresh cases"},
    "queue.retries_due": {"zh": "待重拨", "en": "Retries due"},
    "queue.abandoned_claims": {"zh": "超时未处理", "en": "Abandoned claims"},
    "queue.held": {"zh": "我正在处理", "en": "Held by me"},
    "queue.next": {"zh": "下一个个案", "en": "Next case"},
    "queue.empty": {"zh": "目前没有需要拨打的个案。", "en": "No case is due now."},
    "queue.case": {"zh": "个案 {id}", "en": "Case {id}"},
    "queue.recipient": {"zh": "服务对象", "en": "Recipient"},
    "queue.phone": {"zh": "联系电话", "en": "Phone"},
    "queue.reveal": {"zh": "显示完整号码（将被记录）", "en": "Reveal the number (logged)"},
    "queue.domain": {"zh": "业务领域", "en": "Domain"},
    "queue.channel": {"zh": "评价渠道", "en": "Channel"},
    "queue.event_type": {"zh": "事项类型", "en": "Event type"},
    "queue.district": {"zh": "所属区", "en": "District"},
    "queue.organisation": {"zh": "机构", "en": "Organisation"},
    "queue.service_date": {"zh": "服务日期", "en": "Service date"},
    "queue.attempts": {"zh": "已拨打次数", "en": "Attempts"},
    "queue.appointment": {"zh": "预约时间", "en": "Appointment"},
    "queue.start_interview": {"zh": "开始 / 继续访问", "en": "Start or resume the interview"},
    "queue.outcome": {"zh": "记录本次拨打结果", "en": "Record this call's outcome"},
    "queue.disposition": {"zh": "结果（AAPOR 代码）", "en": "Outcome (AAPOR code)"},
    "queue.appointment_date": {"zh": "预约日期", "en": "Appointment date"},
    "queue.appointment_time": {"zh": "预约时间（上海时间）", "en": "Appointment time (Shanghai)"},
    "queue.note": {"zh": "备注", "en": "Note"},
    "queue.record": {"zh": "保存结果", "en": "Save the outcome"},
    "queue.recorded": {"zh": "已记录：{label}", "en": "Recorded: {label}"},
    "queue.release": {"zh": "退回队列（不计拨打）", "en": "Return to the queue (no attempt)"},
    "queue.released": {"zh": "个案已退回队列。", "en": "The case is back in the queue."},
    "queue.no_held": {"zh": "您当前没有正在处理的个案。", "en": "You hold no case at the moment."},
    "queue.blinding": {
        "zh": "为避免影响受访者，本页面不显示系统评价结果。",
        "en": "The system's rating is not shown here, so that it cannot sway the interview.",
    },
    # interview
    "interview.no_case": {
        "zh": "您当前没有正在处理的个案，请先在“我的呼叫队列”领取。",
        "en": "You hold no case; take one from “My call queue” first.",
    },
    "interview.progress": {"zh": "已答 {done} 题 · 个案 {case}", "en": "{done} answered · case {case}"},
    "interview.next": {"zh": "下一题", "en": "Next"},
    "interview.continue": {"zh": "已读完，继续", "en": "Read out — continue"},
    "interview.back": {"zh": "上一题", "en": "Back"},
    "interview.ended": {"zh": "受访者结束通话", "en": "Respondent ended the call"},
    "interview.ended_done": {"zh": "访问已结束（{code}）。", "en": "The interview ended ({code})."},
    "interview.complete": {"zh": "访问已完成，感谢！", "en": "The interview is complete. Thank you!"},
    "interview.special": {"zh": "特殊回答", "en": "Special answer"},
    "interview.none": {"zh": "（无）", "en": "(none)"},
    "interview.choose": {"zh": "请选择一个选项。", "en": "Choose an option."},
    "interview.invalid": {"zh": "答案无效，未保存：{error}", "en": "Invalid answer, nothing saved: {error}"},
    "interview.changing": {
        "zh": "正在修改之前的回答；保存后将回到未答的题目。",
        "en": "Changing an earlier answer; after saving you return to the first unanswered item.",
    },
    "interview.not_open": {"zh": "无法打开访问：{error}", "en": "Cannot open the interview: {error}"},
    # progress
    "progress.released": {"zh": "已释放个案", "en": "Cases released"},
    "progress.attempts": {"zh": "拨打次数", "en": "Attempts"},
    "progress.completes": {"zh": "完成访问", "en": "Completes"},
    "progress.finalised": {"zh": "已结案", "en": "Finalised"},
    "progress.by_stratum": {"zh": "按层", "en": "By stratum"},
    "progress.by_replicate": {"zh": "按批次", "en": "By replicate"},
    "progress.by_surveyor": {"zh": "按访员", "en": "By surveyor"},
    "progress.rates": {"zh": "AAPOR 比率", "en": "AAPOR rates"},
    "progress.dispositions": {"zh": "结果分布", "en": "Outcomes"},
    "progress.no_sample": {"zh": "本项目尚未抽样。", "en": "This study has no sample yet."},
    "progress.flags": {"zh": "质量提示", "en": "Quality flags"},
    "progress.no_flags": {"zh": "没有质量提示。", "en": "No quality flags."},
    # comparison
    "comparison.headline": {"zh": "核心指标", "en": "Headline figures"},
    "comparison.system": {"zh": "系统满意率", "en": "System 满意率"},
    "comparison.third_party": {"zh": "第三方满意率", "en": "Third-party 满意率"},
    "comparison.by_unit": {"zh": "分单位对比", "en": "By unit"},
    "comparison.unit": {"zh": "单位", "en": "Unit"},
    "comparison.flagged": {"zh": "疑似虚高单位", "en": "Units flagged as inflated"},
    "comparison.no_flags": {"zh": "没有单位被标记。", "en": "No unit is flagged."},
    "comparison.no_data": {
        "zh": "尚无完成的访问，无法比较。",
        "en": "No completed interviews yet to compare.",
    },
    "comparison.level": {"zh": "比较层级", "en": "Compare by"},
    "comparison.definition": {"zh": "满意率定义：{codes}", "en": "满意率 counts: {codes}"},
    "comparison.census": {
        "zh": "评价系统全部记录（普查，无抽样误差）",
        "en": "all the rating system's records (a census, no sampling error)",
    },
    "comparison.paired": {
        "zh": "同一批样本个案上，系统评价减第三方回答的满意率差：{estimate} 个百分点（95% CI {low} 至 {high}）",
        "en": "On the same sampled cases, system minus callback 满意率: {estimate} points (95% CI {low} to {high})",
    },
    "comparison.chart_limit": {
        "zh": "图中显示差值最大的 {shown} 个单位（共 {total} 个）。",
        "en": "The chart shows the {shown} units with the largest differences (of {total}).",
    },
    "comparison.fdr": {
        "zh": "单位标记按 Benjamini–Hochberg 方法控制错误发现率（q = {q}）。",
        "en": "Units are flagged with the false discovery rate controlled by Benjamini–Hochberg (q = {q}).",
    },
    # reports
    "reports.generate": {"zh": "生成 PDF 报告", "en": "Generate the PDF report"},
    "reports.download": {"zh": "下载报告", "en": "Download the report"},
    "reports.sha": {"zh": "报告 SHA-256：{sha}", "en": "Report SHA-256: {sha}"},
    "reports.verify": {"zh": "运行核验", "en": "Run the verification"},
    "reports.check": {"zh": "检查项", "en": "Check"},
    "reports.result": {"zh": "结果", "en": "Result"},
    "reports.detail": {"zh": "说明", "en": "Detail"},
    "reports.ok": {"zh": "通过", "en": "holds"},
    "reports.failed": {"zh": "不通过", "en": "fails"},
    "reports.language": {"zh": "报告语言", "en": "Report language"},
    # users
    "users.list": {"zh": "全部用户", "en": "All users"},
    "users.create": {"zh": "新建用户", "en": "Create a user"},
    "users.username": {"zh": "用户名", "en": "User name"},
    "users.display_name": {"zh": "显示名", "en": "Display name"},
    "users.role": {"zh": "角色", "en": "Role"},
    "users.password": {"zh": "初始密码", "en": "Initial password"},
    "users.surveyor_no": {"zh": "访员工号（仅访员）", "en": "Surveyor number (surveyors only)"},
    "users.submit": {"zh": "创建用户", "en": "Create the user"},
    "users.created": {"zh": "已创建用户 {name}。", "en": "User {name} created."},
    "users.active": {"zh": "启用", "en": "Active"},
    "users.manage": {"zh": "停用 / 启用 / 重置密码", "en": "Deactivate, activate, reset password"},
    "users.pick": {"zh": "选择用户", "en": "User"},
    "users.deactivate": {"zh": "停用", "en": "Deactivate"},
    "users.activate": {"zh": "启用", "en": "Activate"},
    "users.new_password": {"zh": "新密码", "en": "New password"},
    "users.reset": {"zh": "重置密码", "en": "Reset the password"},
    "users.done": {"zh": "已完成：{name}", "en": "Done: {name}"},
    "users.password_short": {"zh": "密码至少 8 个字符。", "en": "A password needs at least 8 characters."},
}


def t(key: str, lang: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """The string `key` in `lang` (Chinese when missing), with `{name}` placeholders filled."""
    entry = STRINGS.get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry[DEFAULT_LANGUAGE]
    return text.format(**values) if values else text
