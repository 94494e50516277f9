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
    "app.logged_out_elsewhere": {
        "zh": "您已在其他窗口或设备上退出登录，请重新登录。",
        "en": "You logged out in another tab or on another device; please log in again.",
    },
    "app.organisation_changed": {
        "zh": "您所属的机构已变更，请重新登录。",
        "en": "Your organisation has changed; please log in again.",
    },
    "app.choose_study": {"zh": "请先在左侧选择调查项目。", "en": "Choose a study in the sidebar first."},
    # login
    "login.title": {"zh": "登录", "en": "Log in"},
    "login.username": {"zh": "用户名", "en": "User name"},
    "login.password": {"zh": "密码", "en": "Password"},
    "login.submit": {"zh": "登录", "en": "Log in"},
    "login.failed": {"zh": "用户名或密码错误。", "en": "Wrong user name or password."},
    "login.expired": {
        "zh": "登录已过期或已失效，请重新登录。",
        "en": "Your session has expired or is no longer valid; please log in again.",
    },
    "login.intro": {
        "zh": "回访（Huifang）用于第三方电话回访核查司法行政服务评价的真实性。",
        "en": "Huifang checks the satisfaction ratings of justice services by independent callbacks.",
    },
    "tables.download": {"zh": "下载此表（CSV）", "en": "Download this table (CSV)"},
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
    "common.choose": {"zh": "请选择", "en": "Choose"},
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
    "studies.current_state": {"zh": "当前状态：{state}", "en": "Current state: {state}"},
    "studies.reopen": {"zh": "重新开启调查", "en": "Reopen the study"},
    "studies.reopen_reason": {
        "zh": "重新开启的原因（记入审计日志）",
        "en": "Why the study is reopened (goes into the audit log)",
    },
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
    "sample.unit": {"zh": "抽样单位", "en": "Sampling unit"},
    "sample.unit_person": {"zh": "人（每个电话号码一个个案）", "en": "Person (one case per phone number)"},
    "sample.unit_event": {"zh": "服务事项", "en": "Service event"},
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
    "sample.method_proportional": {"zh": "按比例分配", "en": "Proportional"},
    "sample.method_equal": {"zh": "等额分配", "en": "Equal"},
    "sample.method_neyman": {"zh": "奈曼最优分配", "en": "Neyman"},
    "sample.method_optimal": {"zh": "考虑成本的最优分配", "en": "Optimal (with costs)"},
    "sample.method_audit": {"zh": "单位审计分配", "en": "Audit units"},
    "sample.method_given": {"zh": "指定分配", "en": "Given"},
    "sample.inflation": {"zh": "需能检出的虚高（百分点）", "en": "Inflation to detect (points)"},
    "sample.inflation_help": {
        "zh": "仅用于「单位审计分配」：样本量 n 为总预算，每个审计单位分到以 80% 把握检出该幅度虚高所需的个案；放不下的单位会列出。",
        "en": "Audit units only: n is the budget; each audited unit gets the cases that detect this inflation "
        "with 80% power; units that do not fit are listed.",
    },
    "sample.mdi_help": {
        "zh": "最小可检出虚高（mdi）：把该层作为一个单位审计时，以 80% 把握能检出的系统满意率虚高幅度（单侧精确二项检验，α = 0.10 ÷ 审计单位数，按预期完成数计算）。这是抽样方案的口径：分析时，每个单位的判定说明给出后验判定自身仅凭满意率差距的最小可检出虚高；在模拟研究中，两者在约 110 位受访者时相近（中位数 0.23 与 0.25），当虚高多伴有他人代评等迹象时，后者更大（迹象另有检出力）。",
        "en": "Minimum detectable inflation (mdi): the inflation of the system 满意率 a stratum audited as a unit "
        "would reveal with 80% power (one-sided exact binomial test, α = 0.10 ÷ units audited, at the "
        "expected completes). This is the plan's figure: in the analysis each unit's explanation gives the "
        "posterior verdict's own MDI from the rate gap alone; in simulated studies the two are close at ~110 "
        "respondents (0.23 and 0.25), and the verdict's is larger where inflation mostly comes with signs such as "
        "someone else rating (which the verdict finds on their own).",
    },
    "sample.phase2_done": {
        "zh": "第二阶段（种子 {seed}）：{selected} 个单位未能在第一阶段排除，{units} 个单位追加 {cases} 个个案。",
        "en": "Phase 2 (seed {seed}): {selected} units not cleared by phase 1; {cases} cases added in {units} units.",
    },
    "phase2.title": {"zh": "第二阶段抽样（两阶段自适应）", "en": "Phase 2 (two-phase adaptive sampling)"},
    "phase2.help": {
        "zh": "第一阶段全部个案结束后，把剩余预算追加给第一阶段未能排除虚高的单位（按证据评分最高的 J 个，或按满意率规则）。"
        "各个案的权重按两阶段的实际入样概率计算，总体满意率估计保持设计无偏；方案与种子随抽样设计保存，“核验样本”可重现。",
        "en": "Once every phase-1 case is final, the rest of the budget goes to the units phase 1 could not "
        "clear (the J highest evidence scores, or the rate rule). Rao–Blackwell weights keep the headline "
        "design-unbiased; the rule and seed are stored with the design and 'verify the sample' re-draws it.",
    },
    "phase2.when": {
        "zh": "第二阶段只能在实地调查期间抽取（本项目现为“{state}”）。",
        "en": "Phase 2 is drawn during fieldwork (this study is {state}).",
    },
    "phase2.budget": {"zh": "第二阶段预算（个案数）", "en": "Phase-2 budget (cases)"},
    "phase2.seed": {"zh": "第二阶段随机种子（记录在案）", "en": "Phase-2 seed (recorded)"},
    "phase2.rule": {"zh": "选择规则", "en": "Selection rule"},
    "phase2.rule_evidence": {
        "zh": "证据评分（满意率差距、他人代评、未评价、服务未发生、工作人员要求评价）",
        "en": "Evidence score (rate gap, someone else rated, not rated, service denied, staff asked)",
    },
    "phase2.rule_rate": {"zh": "仅按满意率（未能排除虚高的单位）", "en": "Rate only (units not cleared)"},
    "phase2.top": {"zh": "证据评分最高的单位数 J", "en": "Units with the highest scores (J)"},
    "phase2.inflation": {"zh": "要检出的虚高幅度 δ", "en": "Inflation to detect (δ)"},
    "phase2.allocation": {"zh": "预算分配", "en": "Sharing the budget"},
    "phase2.allocation_need": {"zh": "按检出所需个案数比例", "en": "In proportion to the cases each needs"},
    "phase2.allocation_equal": {"zh": "平均分配", "en": "In equal parts"},
    "phase2.draw": {"zh": "抽取第二阶段", "en": "Draw phase 2"},
    "phase2.leaning": {
        "zh": "其中 {count} 个单位的回访大多出自同一访员（{units}）：请主管在“实地进度”页面把这些单位新增的个案交给其他访员。"
        "若该访员的记录方式与其他访员不同，判定时只计入其他访员的答案，由该访员回访的新个案将不起作用。",
        "en": "{count} of these units are called mostly by one surveyor ({units}): a supervisor should hand their "
        "new cases to other surveyors on the Fieldwork progress page. If that surveyor records differently from "
        "the others, the verdict reads only the others' answers, and new cases that surveyor calls will not count.",
    },
    "phase2.drawn": {
        "zh": "第二阶段已抽取（种子 {seed}）：{audited} 个审计单位中选中 {selected} 个，{units} 个单位追加 {cases} 个个案"
        "（预算未用 {unused} 个）。",
        "en": "Phase 2 drawn (seed {seed}): {selected} of {audited} audited units selected; {cases} cases added "
        "in {units} units ({unused} of the budget unused).",
    },
    "sample.drawn_at": {"zh": "抽样时间（上海）", "en": "Drawn (Shanghai)"},
    "sample.fingerprint": {
        "zh": "样本指纹 SHA-256：{sha}（第 {frame} 号抽样框）",
        "en": "Sample SHA-256: {sha} (frame {frame})",
    },
    "sample.all_parameters": {"zh": "全部抽样参数（技术细节）", "en": "All design parameters (technical)"},
    "sample.replan_info": {
        "zh": "本项目已抽样，不能重新抽取（需要更多个案时请在实地进度页释放后备样本）。下面仍可试算其他方案，供下一轮调查参考。",
        "en": "This study's sample is drawn and cannot be redrawn (release reserves on the progress page for "
        "more cases). You can still plan other designs below, for the next round.",
    },
    "sample.surveyors": {"zh": "计划安排的电话访员人数", "en": "Telephone surveyors you plan to have"},
    "sample.plan_help": {
        "zh": "N_h：层内可抽单位数；n_h：释放样本数；预期误差：按预期应答率估计的 95% 置信区间半宽（百分点）。",
        "en": "N_h: units in the stratum; n_h: cases released; expected margin: half-width of the 95% confidence "
        "interval at the expected response rate (percentage points).",
    },
    "sample.few_completes": {
        "zh": "{total} 个层中有 {count} 个层预期完成访问不足 {least} 个（最大预期误差 {worst}）：这些层单独的估计不可靠。请减少分层变量、合并小层或增加样本量。",
        "en": "{count} of {total} strata expect fewer than {least} completes (largest expected margin {worst}): "
        "their own estimates are unreliable. Use fewer strata variables, merge small strata or raise n.",
    },
    "sample.chart_limit": {
        "zh": "图中显示样本量最大的 {shown} 个层（共 {total} 个），完整列表见上表。",
        "en": "The chart shows the {shown} largest of {total} strata; the table lists them all.",
    },
    "sample.cost": {"zh": "每个个案成本", "en": "Cost per case"},
    "sample.cost_help": {
        "zh": "考虑成本的最优分配：n_h ∝ N_h·S_h/√c_h。请填写各层每个个案的相对成本（如外区回访成本更高），再点“按成本重新计算”。",
        "en": "Optimal allocation: n_h ∝ N_h·S_h/√c_h. Give each stratum's relative cost per case, then press "
        "“Recompute with these costs”.",
    },
    "sample.cost_apply": {"zh": "按成本重新计算", "en": "Recompute with these costs"},
    "sample.cost_applied": {
        "zh": "已采用这些成本：请再点“生成方案”。",
        "en": "Costs taken: press “Plan” again.",
    },
    "sample.cost_one_variable": {
        "zh": "考虑成本的最优分配在页面上只支持一个分层变量；多个分层变量请改用命令行。",
        "en": "Optimal allocation with costs takes one strata variable in the app; use the command line for more.",
    },
    "sample.do_not_call": {"zh": "免打扰名单", "en": "Do-not-call list"},
    "sample.do_not_call_help": {
        "zh": "名单中的电话号码不会被抽中，后备样本释放时也会排除。每行一个号码，或上传文本/CSV 文件（每行一个号码）；"
        "保存会替换整个名单。数据库只保存号码的带密钥散列值和数量，审计日志只记录数量和指纹。",
        "en": "Numbers on the list are never drawn or released. One number a line, or upload a text/CSV file "
        "(one number a line); saving replaces the whole list. The database keeps only keyed hashes of the "
        "numbers and their count; the audit log records only the count and a fingerprint.",
    },
    "sample.do_not_call_file": {
        "zh": "或上传号码文件（.txt / .csv）",
        "en": "Or upload a file of numbers (.txt / .csv)",
    },
    "sample.do_not_call_masked": {"zh": "（{numbers}）", "en": " ({numbers})"},
    "sample.do_not_call_count": {
        "zh": "当前名单共 {count} 个号码。",
        "en": "The list holds {count} numbers.",
        "en_one": "The list holds {count} number.",
        "plural": "count",
    },
    "sample.do_not_call_numbers": {"zh": "电话号码（每行一个）", "en": "Phone numbers (one a line)"},
    "sample.do_not_call_save": {"zh": "保存名单", "en": "Save the list"},
    "sample.do_not_call_saved": {
        "zh": "免打扰名单已保存，共 {count} 个号码。",
        "en": "Do-not-call list saved: {count} numbers.",
        "en_one": "Do-not-call list saved: {count} number.",
        "plural": "count",
    },
    "sample.released": {
        "zh": "已释放 {count} 个个案。",
        "en": "Released {count} cases.",
        "en_one": "Released {count} case.",
        "plural": "count",
    },
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
    "progress.reassign": {"zh": "改派个案", "en": "Reassign a case"},
    "progress.anyone": {"zh": "（任何访员）", "en": "(any surveyor)"},
    "progress.case_id": {"zh": "个案编号", "en": "Case id"},
    "progress.to": {"zh": "改派给", "en": "To"},
    "progress.reason": {"zh": "原因（记入审计日志）", "en": "Reason (goes into the audit log)"},
    "progress.one_surveyor": {
        "zh": "{who} 现在负责或已回访 {unit} 已释放个案 {cases} 个中的 {theirs} 个，完成了其 {interviews} 次访谈中的 "
        "{called} 次。一个单位的回访若大多出自同一访员，"
        "该访员的记录方式就无法与单位的实际情况区分；若其记录与其他访员不同，判定时会不计入这些回访答案。"
        "请把该单位其余的个案交给其他访员。",
        "en": "{who} now holds or has called {theirs} of the {cases} released cases of {unit}, and did {called} of "
        "its {interviews} interviews. When most of a unit's "
        "callbacks come from one surveyor, that surveyor's way of recording cannot be told from the unit itself; "
        "if it differs from the others', the verdict will leave these answers out. Give the unit's other cases to "
        "other surveyors.",
    },
    "progress.reassigned": {"zh": "个案 {case} 已改派给 {to}。", "en": "Case {case} reassigned to {to}."},
    "progress.leaning": {"zh": "回访大多出自同一访员的单位", "en": "Units called mostly by one surveyor"},
    "progress.leaning_help": {
        "zh": "这些单位已释放的个案中，至少三分之二由同一访员负责或已回访，或其已完成的访谈中至少三分之二出自同一访员"
        "（后来释放给所有访员的个案，如第二阶段样本，不会改变这一点）。该访员的记录方式与单位的实际情况无法区分；"
        "若其记录与其他访员不同，判定时不计入其回访答案，只计入其他访员的答案。请把这些单位尚未回访的个案交给其他访员；"
        "已没有未回访个案的单位，可先释放其所在抽样层的后备样本。",
        "en": "At least two thirds of these units' released cases are held or have been called by one surveyor, or "
        "two thirds of their interviews were done by one surveyor (cases released later to anyone, such as a phase "
        "2, do not change that). That surveyor's way of recording cannot be told from the unit itself; if it "
        "differs from the others', the verdict "
        "leaves that surveyor's answers out and reads only the others'. Hand these units' uncalled cases to other "
        "surveyors; for a unit with none left, release reserve cases of its stratum first.",
    },
    "progress.leaning_unit": {"zh": "单位", "en": "Unit"},
    "progress.leaning_surveyor": {"zh": "访员", "en": "Surveyor"},
    "progress.leaning_theirs": {"zh": "其负责或已回访", "en": "Theirs"},
    "progress.leaning_cases": {"zh": "已释放个案", "en": "Released cases"},
    "progress.leaning_called": {"zh": "其完成的访谈", "en": "Interviews by them"},
    "progress.leaning_interviews": {"zh": "已完成访谈", "en": "Interviews"},
    "progress.leaning_open": {"zh": "可改派的未回访个案", "en": "Uncalled cases to hand on"},
    "progress.spread_units": {"zh": "改派这些单位的未回访个案", "en": "Hand on the uncalled cases of"},
    "progress.spread": {"zh": "交给其他访员", "en": "Give them to other surveyors"},
    "progress.spread_done": {
        "zh": "{unit} 的 {count} 个个案已交给其他访员（{to}）。",
        "en": "{count} cases of {unit} given to other surveyors ({to}).",
    },
    "progress.share": {"zh": "占比", "en": "Share"},
    "progress.stratum": {"zh": "层", "en": "Stratum"},
    "progress.replicate": {"zh": "批次", "en": "Replicate"},
    "progress.surveyor": {"zh": "访员", "en": "Surveyor"},
    "progress.cases": {"zh": "个案", "en": "Cases"},
    "progress.attempted": {"zh": "已拨打个案", "en": "Attempted"},
    "progress.contacts": {"zh": "接触", "en": "Contacts"},
    "progress.partials": {"zh": "部分完成", "en": "Partials"},
    "progress.refusals": {"zh": "拒访/中断", "en": "Refusals"},
    "progress.flags": {"zh": "质量提示", "en": "Quality flags"},
    "progress.no_flags": {"zh": "没有质量提示。", "en": "No quality flags."},
    "progress.rates_help": {
        "zh": "按 AAPOR 标准定义（2023 年第 10 版）计算，视为调查此刻结束。I 完成，P 部分完成，R 拒访/中断，NC 未接触，O 其他，UH/UO 资格未知，e 为资格未知个案中估计合格的比例。",
        "en": "AAPOR Standard Definitions (10th edition, 2023), as if fieldwork stopped now. I complete, P partial, "
        "R refusal/break-off, NC non-contact, O other, UH/UO unknown eligibility, e the estimated eligible "
        "share of the unknowns.",
    },
    "progress.rate": {"zh": "比率", "en": "Rate"},
    "progress.rate_value": {"zh": "数值", "en": "Value"},
    "progress.definition": {"zh": "定义", "en": "Definition"},
    "aapor.RR1": {
        "zh": "应答率1 = I ÷ (I+P+R+NC+O+UH+UO)，最保守",
        "en": "Response rate 1 = I / (I+P+R+NC+O+UH+UO), the strictest",
    },
    "aapor.RR2": {
        "zh": "应答率2 = (I+P) ÷ (I+P+R+NC+O+UH+UO)，部分完成也计入",
        "en": "Response rate 2 = (I+P) / (I+P+R+NC+O+UH+UO), partials count",
    },
    "aapor.RR3": {
        "zh": "应答率3 = I ÷ (I+P+R+NC+O+e·(UH+UO))",
        "en": "Response rate 3 = I / (I+P+R+NC+O+e(UH+UO))",
    },
    "aapor.RR4": {
        "zh": "应答率4 = (I+P) ÷ (I+P+R+NC+O+e·(UH+UO))",
        "en": "Response rate 4 = (I+P) / (I+P+R+NC+O+e(UH+UO))",
    },
    "aapor.RR5": {
        "zh": "应答率5 = I ÷ (I+P+R+NC+O)，假定资格未知者均不合格",
        "en": "Response rate 5 = I / (I+P+R+NC+O), unknowns taken as ineligible",
    },
    "aapor.RR6": {"zh": "应答率6 = (I+P) ÷ (I+P+R+NC+O)", "en": "Response rate 6 = (I+P) / (I+P+R+NC+O)"},
    "aapor.COOP1": {
        "zh": "合作率1 = I ÷ (I+P+R+O)：接触到的合格者中完成访问的比例",
        "en": "Cooperation rate 1 = I / (I+P+R+O): completes among those reached",
    },
    "aapor.REF1": {"zh": "拒访率1 = R ÷ (I+P+R+NC+O+UH+UO)", "en": "Refusal rate 1 = R / (I+P+R+NC+O+UH+UO)"},
    "aapor.CON1": {
        "zh": "接触率1 = (I+P+R+O) ÷ (I+P+R+NC+O+UH+UO)",
        "en": "Contact rate 1 = (I+P+R+O) / (I+P+R+NC+O+UH+UO)",
    },
    "flag.short": {"zh": "访问过短", "en": "Short interview"},
    "flag.straightlining": {
        "zh": "满意度题答案完全相同（该访员此类访问多于可比个案上的其他访员）",
        "en": "Straight-lining (this surveyor, more often than peers)",
    },
    "flag.surveyor_effect": {"zh": "访员效应", "en": "Surveyor effect"},
    "flag.who_rated_effect": {"zh": "“由谁评价”回答异常", "en": "Who-rated answers unlike peers'"},
    "progress.flags_help": {
        "zh": "质量提示只是线索，不是结论：请抽取回访核实子样本，记录核实结果。",
        "en": "A quality flag is a lead, not a finding: draw a re-contact sub-sample and record what it finds.",
    },
    "progress.notes": {"zh": "访员拨打备注", "en": "Surveyors' call notes"},
    "progress.no_notes": {"zh": "暂无拨打备注。", "en": "No call notes yet."},
    "progress.attempt_no": {"zh": "第几次拨打", "en": "Attempt"},
    "progress.recontact": {"zh": "回访核实（复核访问真实性）", "en": "Re-contact verification"},
    "progress.recontact_help": {
        "zh": "按种子抽取复核子样本：一半被标记的访问，另加每位访员随机一个完成访问；再致电核实并记录结论（记入审计日志）。",
        "en": "Draw a seeded sub-sample — half the flagged interviews plus one random complete per surveyor — "
        "call them back and record what you find (audited).",
    },
    "progress.recontact_draw": {"zh": "抽取复核子样本", "en": "Draw the re-contact sub-sample"},
    "progress.recontact_drawn": {"zh": "已抽取复核子样本。", "en": "Re-contact sub-sample drawn."},
    "progress.verdict": {"zh": "核实结论", "en": "Verdict"},
    "progress.record_verdict": {"zh": "保存核实结论", "en": "Save the verdict"},
    "progress.verdict_recorded": {
        "zh": "已记录个案 {case} 的核实结论。",
        "en": "Verdict for case {case} recorded.",
    },
    # comparison
    "comparison.headline": {"zh": "核心指标", "en": "Headline figures"},
    "frames.mapping_help": {
        "zh": "核对列映射：每个 Huifang 字段取自导出文件的哪一列（已按列名与上次导入猜测；不用的选“—”）。",
        "en": "Check the column mapping: which export column each Huifang field comes from (guessed from "
        "the headers and the last import; “—” for none).",
    },
    "frames.required_help": {
        "zh": "带 * 的字段为必填：导出文件必须有对应的列。",
        "en": "Fields marked * are required: the export must have a column for each.",
    },
    "frames.required_missing": {
        "zh": "以下必填字段还没有对应的列：{fields}",
        "en": "These required fields have no column yet: {fields}",
    },
    "frames.sha_help": {
        "zh": "源文件指纹是上传文件逐字节的 SHA-256（可用 sha256sum 自行核对）；规范化抽样框指纹是校验、规范化后的记录内容的 SHA-256，与文件编码和列顺序无关。",
        "en": "The source file SHA-256 is over the uploaded file's bytes (check it with sha256sum); the "
        "normalised frame SHA-256 is over the validated, normalised records, whatever the file's encoding "
        "or column order.",
    },
    "frames.detected": {"zh": "检测到的编码：{encoding}", "en": "Detected encoding: {encoding}"},
    "frames.preview": {"zh": "前 5 行预览（个人信息已脱敏）", "en": "First 5 rows (personal data masked)"},
    "frames.preview_broken": {
        "zh": "第 {row} 行无法拆分成列，导入时会被拒绝：{reason}",
        "en": "Row {row} cannot be split into columns; the import will reject it: {reason}",
    },
    "comparison.all": {"zh": "全部", "en": "All"},
    "sample.risk": {
        "zh": "风险导向抽样（疑似虚高机构单独成层）",
        "en": "Risk targeting (suspicious organisations as own strata)",
    },
    "sample.risk_level": {"zh": "风险导向的层级", "en": "Risk targeting level"},
    "sample.risk_level_organisation_id": {"zh": "机构", "en": "Organisations"},
    "sample.risk_level_staff_id": {"zh": "工作人员", "en": "Staff members"},
    "sample.risk_level_help": {
        "zh": "选“工作人员”时，疑似虚高的工作人员各自成层；配合“核查分配”可为逐人判定提供足够的受访者"
        "（演示数据上 2,000 个个案：可判定 67 名、标记 30 名，均为真实虚高；按机构的方案只有 11 名）。",
        "en": "With “Staff members”, each suspicious staff member gets a stratum; with the audit allocation this "
        "gives members enough respondents to be judged one by one (on the demo's frame, 2,000 cases: 67 "
        "judged, 30 flagged, all inflating; 11 under the office-level design).",
    },
    "sample.risk_help": {
        "zh": "系统满意率 ≥ 93% 且记录 ≥ 30 条的机构各自成层，其余记录按所选第一个分层变量分层；权数自动校正过度抽样。",
        "en": "Organisations with a system 满意率 ≥ 93% over ≥ 30 records each get a stratum; other records are "
        "stratified by the first chosen variable. The weights undo the oversampling.",
    },
    "progress.release_strata": {
        "zh": "只在这些层释放（不选则全部层）",
        "en": "Release only in these strata (none chosen: all strata)",
    },
    "comparison.drill": {"zh": "单位明细（已脱敏）", "en": "Unit detail (masked)"},
    "sample.staff_judged": {
        "zh": "工作人员层面：按此方案和预计应答率，框中 {named} 名工作人员中预计约 {judged} 名能有 {least} 位以上受访者，"
        "可被逐人判定；其余将是“证据不足”（样本按分层抽取，不按人）。",
        "en": "Staff level: under this plan and its expected response rate, about {judged} of the frame's {named} "
        "staff members are expected to reach {least} respondents and can be judged one by one; the others will "
        "have insufficient evidence (the sample is drawn by stratum, not by person).",
    },
    "comparison.staff": {"zh": "按工作人员判定", "en": "Staff members"},
    "comparison.staff_help": {
        "zh": "每名工作人员按其经办事项的评价记录与回访，用与机构相同的方法判定。样本按机构抽取，"
        "多数工作人员的受访者太少，属于“证据不足”：既不标记，也不认定为没有问题。",
        "en": "Each staff member is judged on the ratings and callbacks of the events they served, by the "
        "organisations' method. The sample is drawn per office, so most staff members have too few "
        "respondents and have insufficient evidence: neither flagged nor cleared.",
    },
    "comparison.staff_run": {"zh": "显示工作人员判定", "en": "Show the staff members' verdicts"},
    "comparison.staff_counts": {
        "zh": "框中工作人员 {named} 名，有回访 {called} 名，证据足以判定 {judged} 名，标记 {flagged} 名。",
        "en": "{named} staff members in the frame, {called} with a callback, {judged} with enough evidence "
        "to judge, {flagged} flagged.",
    },
    "comparison.staff_unnamed": {
        "zh": "{count} 条评价记录未填写工作人员编号，不参与本层判定。",
        "en": "{count} rating records name no staff member and are left out of this level.",
    },
    "comparison.staff_member": {"zh": "工作人员", "en": "Staff member"},
    "comparison.staff_office_flagged": {"zh": "所在机构被标记", "en": "Office flagged"},
    "comparison.staff_export": {"zh": "下载工作人员判定（CSV）", "en": "Download staff verdicts (CSV)"},
    "comparison.drill_help": {
        "zh": "该单位入样个案的系统评价与回访答案；不含姓名、电话与自由文本。",
        "en": "The unit's sampled cases: system rating and callback answers; no names, numbers or free text.",
    },
    "plan.section": {"zh": "规划下一期", "en": "Plan the next study"},
    "plan.help": {
        "zh": "按本期结果，计算下一期每个区（或领域、渠道）需要多少个回答和个案，才能以所选把握度发现满意率下降或上升所选的幅度"
        "（按“与上一期对比”的同一方法判定）。若本期区间过宽，下一期无论调查多少都难以此把握度发现，表中如实说明。",
        "en": "From this study, the answers and cases each district (or domain, or channel) needs in the next study "
        "for a fall or rise of the chosen size in its 满意率 to be found with the chosen power, judged as "
        "“Against an earlier study” judges it. Where this study's own interval leaves too little room, no next "
        "study can find it, and the table says so.",
    },
    "plan.change": {"zh": "要发现的变化（百分点）", "en": "Change to find (points)"},
    "plan.group": {"zh": "分组", "en": "Grouping"},
    "plan.power": {"zh": "把握度", "en": "Power"},
    "plan.show": {"zh": "计算规划", "en": "Compute the plan"},
    "plan.level": {
        "zh": "每组按双侧显著性水平 0.05/{k} = {alpha} 判定（{k} 组间 5% 错误发现率、仅一组变化时最难的情形），把握度 {power}；"
        "每个回答所需个案数与设计效应取自本期（设计效应不小于 1）。",
        "en": "Each group is judged at the two-sided level 0.05/{k} = {alpha} (a false discovery rate of 5% over "
        "{k} groups, when one alone changes: the hardest case), with power {power}; cases per answer and design "
        "effects are this study's (a design effect never below 1).",
    },
    "plan.overall": {
        "zh": "总体满意率 {estimate}%：发现下降需 {fall}；发现上升需 {rise}。",
        "en": "Overall 满意率 {estimate}%: a fall needs {fall}; a rise needs {rise}.",
    },
    "plan.totals": {
        "zh": "可规划的 {planned} 组共需释放 {cases} 个个案（每组取下降与上升中较大者）；{unplanned} 组在此变化幅度下无法规划。",
        "en": "The {planned} groups with a size need {cases} cases released (the larger of fall and rise); "
        "{unplanned} cannot be planned at this change.",
    },
    "plan.beyond_frame": {
        "zh": "以下各组所需个案多于本期抽样框中的记录数，抽样前请核对下一期导出数据：{groups}",
        "en": "These groups need more cases than this study's frame held; check the next export before the "
        "draw: {groups}",
    },
    "plan.col_frame_records": {"zh": "本期抽样框记录数", "en": "Records in this study's frame"},
    "plan.col_level": {"zh": "组别", "en": "Group"},
    "plan.col_estimate": {"zh": "本期满意率", "en": "This study"},
    "plan.col_low": {"zh": "95% 下限", "en": "95% lower"},
    "plan.col_high": {"zh": "95% 上限", "en": "95% upper"},
    "plan.col_n": {"zh": "本期回答数", "en": "Answers now"},
    "plan.col_deff": {"zh": "设计效应", "en": "Design effect"},
    "plan.col_fall_answers": {"zh": "发现下降所需回答", "en": "Answers for a fall"},
    "plan.col_fall_cases": {"zh": "发现下降所需个案", "en": "Cases for a fall"},
    "plan.col_fall_limit": {"zh": "无法规划下降的原因", "en": "Why no size for a fall"},
    "plan.col_rise_answers": {"zh": "发现上升所需回答", "en": "Answers for a rise"},
    "plan.col_rise_cases": {"zh": "发现上升所需个案", "en": "Cases for a rise"},
    "plan.col_rise_limit": {"zh": "无法规划上升的原因", "en": "Why no size for a rise"},
    "plan.col_same_size_fall": {"zh": "同等规模可发现的下降", "en": "Fall found at this size"},
    "plan.col_same_size_rise": {"zh": "同等规模可发现的上升", "en": "Rise found at this size"},
    "waves.section": {"zh": "与上一期对比", "en": "Against an earlier study"},
    "waves.help": {
        "zh": "选择上一期调查（同一评价系统、较早时段），逐区、逐领域、逐渠道比较各项比率的变化，并跟踪两期中被标记的机构。"
        "变化的区间由两期各自的区间合成；在每项指标的各区（或各领域、各渠道）之间按 5% 的错误发现率标注“上升”或“下降”。"
        "未标注不等于没有变化；访问方式或应答者构成的变化本身也会改变比率。",
        "en": "Pick an earlier study of the same rating system to compare each rate by district, domain and "
        "channel, and to follow the units flagged in either study. Each change's interval is built from the two "
        "studies' own intervals; rises and falls are marked at a false discovery rate of 5% among each metric's "
        "districts, domains or channels. An unmarked change is not shown to be zero, and a change of mode or of "
        "who answered moves a rate by itself.",
    },
    "waves.pick": {"zh": "上一期调查", "en": "Earlier study"},
    "waves.alone": {
        "zh": "数据库中没有其他调查可供对比。",
        "en": "The database holds no other study to compare with.",
    },
    "waves.no_data": {
        "zh": "调查“{name}”还没有可分析的回访。",
        "en": "Study “{name}” has no callback to analyse yet.",
    },
    "waves.counts": {
        "zh": "与“{earlier}”相比：上升 {rose} 项，下降 {fell} 项，无明确变化 {unclear} 项，其余 {other} 项无法比较（样本过少、仅一期有或口径不同）。",
        "en": "Against “{earlier}”: {rose} rose, {fell} fell, {unclear} with no clear change, {other} not compared "
        "(too few answers, in one study only, or defined differently).",
    },
    "waves.units": {"zh": "两期中被标记的机构", "en": "Units flagged in either study"},
    "waves.no_units": {"zh": "两期均无被标记的机构。", "en": "No unit was flagged in either study."},
    "waves.by_staff": {
        "zh": "按工作人员跟踪（而非机构）",
        "en": "Follow up staff members (not organisations)",
    },
    "waves.staff": {"zh": "两期中被标记的工作人员", "en": "Staff members flagged in either study"},
    "waves.no_staff": {
        "zh": "两期均无被标记的工作人员。",
        "en": "No staff member was flagged in either study.",
    },
    "waves.units_help": {
        "zh": "“不再标记”指本期没有虚高的证据，并不证明问题已整改；本期未判定的机构（未入样或证据不足）如实列出。",
        "en": "“No longer flagged” means no evidence of inflation in the later study, not proof it stopped; units "
        "the later study could not judge (not sampled, or too little evidence) are listed as such.",
    },
    "waves.verdict_rose": {"zh": "上升", "en": "rose"},
    "waves.verdict_fell": {"zh": "下降", "en": "fell"},
    "waves.verdict_no_clear_change": {"zh": "无明确变化", "en": "no clear change"},
    "waves.verdict_insufficient": {"zh": "样本过少", "en": "too few answers"},
    "waves.verdict_only_earlier": {"zh": "仅上期有", "en": "earlier study only"},
    "waves.verdict_only_later": {"zh": "仅本期有", "en": "this study only"},
    "waves.verdict_redefined": {"zh": "口径不同", "en": "defined differently"},
    "waves.group_overall": {"zh": "总体", "en": "overall"},
    "waves.group_district": {"zh": "区", "en": "district"},
    "waves.group_domain": {"zh": "领域", "en": "domain"},
    "waves.group_channel": {"zh": "渠道", "en": "channel"},
    "waves.status_flagged": {"zh": "标记", "en": "flagged"},
    "waves.status_no_evidence": {"zh": "无虚高证据", "en": "no evidence"},
    "waves.status_insufficient_evidence": {"zh": "证据不足", "en": "insufficient evidence"},
    "waves.status_not_surveyed": {"zh": "未入样", "en": "not surveyed"},
    "waves.status_absent": {"zh": "不在该期", "en": "not in that study"},
    "waves.status_still_flagged": {"zh": "仍被标记", "en": "still flagged"},
    "waves.status_no_longer_flagged": {"zh": "不再标记", "en": "no longer flagged"},
    "waves.status_not_judged_later": {"zh": "本期未判定", "en": "not judged in this study"},
    "waves.status_newly_flagged": {"zh": "新标记", "en": "newly flagged"},
    "waves.col_metric": {"zh": "指标", "en": "Metric"},
    "waves.col_group": {"zh": "分组", "en": "Grouping"},
    "waves.col_level": {"zh": "组别", "en": "Group"},
    "waves.col_earlier": {"zh": "上期", "en": "Earlier"},
    "waves.col_later": {"zh": "本期", "en": "This study"},
    "waves.col_change": {"zh": "变化", "en": "Change"},
    "waves.col_change_low": {"zh": "变化下限", "en": "Change, lower"},
    "waves.col_change_high": {"zh": "变化上限", "en": "Change, upper"},
    "waves.col_q_value": {"zh": "q 值", "en": "q-value"},
    "waves.col_verdict": {"zh": "结论", "en": "Verdict"},
    "waves.col_system_earlier": {"zh": "上期系统满意率", "en": "Published, earlier"},
    "waves.col_system_later": {"zh": "本期系统满意率", "en": "Published, this study"},
    "waves.col_gap_change": {"zh": "系统与回访差距的变化", "en": "Change of the published − callback gap"},
    "waves.col_unit": {"zh": "机构编号", "en": "Unit"},
    "waves.col_name": {"zh": "机构", "en": "Name"},
    "waves.col_domain": {"zh": "领域", "en": "Domain"},
    "waves.col_earlier_status": {"zh": "上期状态", "en": "Earlier status"},
    "waves.col_later_status": {"zh": "本期状态", "en": "Status now"},
    "waves.col_outcome": {"zh": "跟踪结果", "en": "Follow-up"},
    "waves.col_earlier_name": {"zh": "上期名称（不同时）", "en": "Earlier name (where it differs)"},
    "waves.col_earlier_inflation": {"zh": "上期估计虚高", "en": "Inflation, earlier"},
    "waves.col_later_inflation": {"zh": "本期估计虚高", "en": "Inflation, this study"},
    "comparison.exports": {"zh": "导出", "en": "Exports"},
    "comparison.export_units": {"zh": "下载分单位对比（CSV）", "en": "Download the unit comparison (CSV)"},
    "comparison.export_headline": {"zh": "下载核心指标（CSV）", "en": "Download the headline figures (CSV)"},
    "comparison.report": {"zh": "对比报告（PDF）", "en": "Comparison report (PDF)"},
    "comparison.report_generate": {"zh": "生成对比报告", "en": "Generate the comparison report"},
    "comparison.report_current": {
        "zh": "报告按生成时的数据计算，包括尚未计入本页的 {changes} 项变更，其数字可能与本页不同。",
        "en": "The report is computed from the data as it is when generated, the {changes} changes not yet "
        "on this page included, so its figures may differ from the page's.",
    },
    "comparison.system": {"zh": "系统满意率", "en": "System 满意率"},
    "comparison.third_party_estimate": {"zh": "第三方回访估计", "en": "Third-party estimate"},
    "comparison.by_group_help": {
        "zh": "系统满意率为评价系统全部记录（普查，无抽样误差）；第三方估计为加权回访结果及其 95% 置信区间。知晓率与首选率没有系统对应值。",
        "en": "The system 满意率 is over all the rating system's records (a census, no sampling error); the "
        "third-party estimate is the weighted callback result with its 95% confidence interval. 知晓率 and "
        "首选率 have no system counterpart.",
    },
    "comparison.third_party": {"zh": "第三方满意率", "en": "Third-party 满意率"},
    "comparison.by_unit": {"zh": "分单位对比", "en": "By unit"},
    "comparison.unit": {"zh": "单位", "en": "Unit"},
    "comparison.flagged": {"zh": "疑似虚高单位", "en": "Units flagged as inflated"},
    "comparison.districts": {"zh": "分区对比：系统与回访", "en": "Districts: system against callbacks"},
    "comparison.districts_chart": {
        "zh": "各区系统满意率（红色菱形）与回访满意率（蓝点，含 95% 置信区间），按差距排序。",
        "en": "System 满意率 (red diamond) and callback 满意率 (blue dot, with 95% CI) by district, largest gap first.",
    },
    "comparison.districts_map": {
        "zh": "颜色 = 系统满意率 − 回访满意率（百分点）：绿 ≤ 0，黄 0–3，橙 3–6，红 > 6，灰 = 无回访回答；"
        "粗黑框 = 系统满意率超出该区回访区间上限。与 PDF 报告中的地图相同。",
        "en": "Colour = system minus callback 满意率 (points): green ≤ 0, yellow 0–3, orange 3–6, red > 6, grey = "
        "no callback answers; thick border = system rate above the district's callback interval. The same map "
        "as in the PDF report.",
    },
    "comparison.no_flags": {"zh": "没有单位被标记。", "en": "No unit is flagged."},
    "comparison.no_data": {
        "zh": "尚无完成的访问，无法比较。",
        "en": "No completed interviews yet to compare.",
    },
    "comparison.level": {"zh": "比较层级", "en": "Compare by"},
    "comparison.definition": {"zh": "满意率定义：{codes}", "en": "满意率 counts: {codes}"},
    "comparison.refusal_range": {
        "zh": "拒访敏感性范围（Γ = {gamma}：未应答者满意的几率至多比同类应答者低或高 {gamma} 倍）："
        "{low} – {high}，含置信区间 {ci_low} – {ci_high}。",
        "en": "Refusal range (Γ = {gamma}: nonrespondents' odds of being satisfied up to {gamma} times lower "
        "or higher than respondents' of their class): {low} – {high}, with intervals {ci_low} – {ci_high}.",
    },
    "comparison.metric": {"zh": "指标", "en": "Figure"},
    "gamma.title": {"zh": "拒访敏感性范围 Γ", "en": "Refusal range Γ"},
    "gamma.label": {"zh": "Γ（1 到 10）", "en": "Γ (1 to 10)"},
    "gamma.help": {
        "zh": "未应答者满意的几率至多比同类应答者低或高 Γ 倍时，总体满意率的范围。1 表示不设范围，默认 2。"
        "修改会记入审计日志，之后的分析、报告和核验都使用新值。",
        "en": "The headline 满意率 if nonrespondents' odds of being satisfied were up to Γ times lower or higher "
        "than respondents' of their class. 1 = no range, 2 = the default. A change is audited; later "
        "analyses, reports and verification use the new value.",
    },
    "gamma.save": {"zh": "保存 Γ", "en": "Save Γ"},
    "gamma.saved": {
        "zh": "拒访敏感性范围 Γ 已由 {before} 改为 {after}。",
        "en": "Refusal range Γ changed from {before} to {after}.",
    },
    "gamma.who": {
        "zh": "Γ 是调查项目的设置，由研究人员在“调查项目”页修改。",
        "en": "Γ is a study setting; a researcher changes it on the Studies page.",
    },
    "comparison.estimate": {"zh": "估计值", "en": "Estimate"},
    "comparison.ci_low": {"zh": "95% 置信下限", "en": "95% CI low"},
    "comparison.ci_high": {"zh": "95% 置信上限", "en": "95% CI high"},
    "comparison.respondents": {"zh": "受访人数", "en": "Respondents"},
    "comparison.p_adjusted": {"zh": "满意率差异 p（BH 校正）", "en": "Rate difference p (BH)"},
    "comparison.paired_p_adjusted": {"zh": "配对比较 p（BH 校正）", "en": "Paired p (BH)"},
    "comparison.not_own": {"zh": "非本人评价数", "en": "Not rated by the person"},
    "comparison.evidence_p_adjusted": {"zh": "综合证据 p（BH 校正）", "en": "Combined evidence p (BH)"},
    "comparison.with_phase_two": {
        "zh": "计入第二阶段样本（Rao–Blackwell 权数）的满意率。本调查有第二阶段抽样，上面的第三方满意率只用第一阶段样本："
        "第二阶段比第一阶段晚数周回访，若对服务的满意记忆随时间淡化，其回答仅因此就会偏低，会拉低计入它的满意率。两者相差越大，回访时间的影响越大。",
        "en": "满意率 with phase 2's cases too (Rao–Blackwell weights). This study has a phase 2, and the third-party "
        "满意率 above comes from phase 1's cases alone: phase 2 is called weeks later, and where memory of a good service "
        "fades its answers are lower for that alone and pull this figure down. The further apart the two, the more "
        "the timing moved it.",
    },
    "comparison.waiting": {
        "zh": "本页的分析截至 {at}（上海时间）。此后本调查又有 {changes} 项变更（拨打记录、回答等），尚未计入；"
        "点“更新分析”重新计算（需数秒）。",
        "en": "This page's analysis is as of {at} (Shanghai time). {changes} changes to this study since then "
        "(call attempts, answers and the like) are not in it yet; “Update the analysis” recomputes it (a few "
        "seconds).",
    },
    "comparison.update": {"zh": "更新分析", "en": "Update the analysis"},
    "comparison.census": {
        "zh": "评价系统全部记录（普查，无抽样误差）",
        "en": "all the rating system's records (a census, no sampling error)",
    },
    "comparison.paired": {
        "zh": "同一批样本个案上，系统评价减第三方回答的满意率差：{estimate} 个百分点（95% CI {low} 至 {high}）",
        "en": "On the same sampled cases, system minus callback 满意率: {estimate} points (95% CI {low} to {high})",
    },
    "comparison.chart_limit": {
        "zh": "图中先列被标记的单位，再按系统满意率高出收缩估计的幅度排列，显示 {shown} 个（共 {total} 个）。",
        "en": "The chart lists flagged units first, then by how far the system rate exceeds the shrunken "
        "estimate: {shown} of {total} units.",
    },
    "comparison.fdr": {
        "zh": "单位标记按 Benjamini–Hochberg 方法控制错误发现率（q = {q}）。",
        "en": "Units are flagged with the false discovery rate controlled by Benjamini–Hochberg (q = {q}).",
    },
    # unit verdict method (analysis_service.resolve_verdict)
    "verdict.label": {"zh": "单位判定方法", "en": "Unit verdict method"},
    "verdict.study": {"zh": "本调查的方法（{method}）", "en": "The study's method ({method})"},
    "verdict.empirical_null": {"zh": "经验零分布检验", "en": "Empirical null"},
    "verdict.posterior": {"zh": "后验模型", "en": "Posterior model"},
    "verdict.help": {
        "zh": "经验零分布：逐单位与本领域诚实单位比较的精确检验，按 BH 控制错误发现率。后验模型：综合回访满意率、"
        "他人代评、未评价、工作人员要求评价、未接受服务等全部证据的经验贝叶斯模型，给出每个单位虚高的概率。"
        "经验零分布的检验有效，但发现的虚高单位远少于后验模型：在每单位约 16 名受访者的模拟中，"
        "虚高 20 个百分点的单位它只发现 9%，后验模型发现 52%。"
        "选择只影响本页显示；报告采用本调查设置的方法。",
        "en": "Empirical null: exact tests of each unit against its domain's honest units, with the false "
        "discovery rate controlled by BH. Posterior: an empirical-Bayes model of all the evidence (callback "
        "rate, rated by someone else, not rated, staff asked, service denied) giving each unit's probability "
        "of inflation. The empirical null is valid but finds far fewer inflating units: in simulations at ~16 "
        "respondents a unit, 0.09 of the units inflating by 20 points against the posterior's 0.52. The choice "
        "changes this page only; reports use the study's method.",
    },
    "verdict.phase2": {
        "zh": "本调查有第二阶段抽样：经验零分布还会仅凭第一阶段回答检验第二阶段未选中的单位，合起来可能偏于宽松，"
        "因此判定只用后验模型。",
        "en": "This study has a phase 2: the empirical null would also test the units phase 2 passed over on "
        "their phase-1 answers alone, which together can be anti-conservative; the verdict uses the posterior "
        "model only.",
    },
    "verdict.used": {
        "zh": "本页判定方法：{method}（{source}）。",
        "en": "Verdicts on this page: {method} ({source}).",
    },
    "verdict.source_requested": {"zh": "本页选定", "en": "chosen on this page"},
    "verdict.source_setting": {"zh": "本调查的设置", "en": "the study's setting"},
    "verdict.source_phase2": {"zh": "因有第二阶段抽样", "en": "because of the phase 2"},
    "verdict.source_default": {"zh": "默认方法", "en": "the default"},
    "verdict.default": {
        "zh": "默认（后验模型）",
        "en": "Default (posterior model)",
    },
    "verdict.setting_help": {
        "zh": "此后的分析、报告与核验都采用此方法。有第二阶段抽样时总是采用后验模型。",
        "en": "Later analyses, reports and verification use this method. After a phase 2 the posterior model is always used.",
    },
    "verdict.setting_save": {"zh": "保存判定方法", "en": "Save the verdict method"},
    "verdict.saved": {
        "zh": "本调查的判定方法已改为：{method}",
        "en": "The study's verdict method is now: {method}",
    },
    "verdict.who": {
        "zh": "报告采用本调查设置的判定方法，由研究人员在“调查项目”页修改。",
        "en": "Reports use the study's verdict method; a researcher changes it on the Studies page.",
    },
    "verdict.rule": {
        "zh": "后验模型按被标记单位属于诚实单位的平均后验概率不超过 q = {q} 标记；证据不足的单位既不标记也不认定为没有问题。"
        "95% 后验区间由单位的后验分布读出并放宽两端；在模拟研究中，它覆盖了 92%–99% 被标记虚高单位的真实抬高幅度。",
        "en": "The posterior model flags units while the flagged units' mean posterior probability of being "
        "honest stays at most q = {q}; units with insufficient evidence are neither flagged nor cleared. The 95% "
        "posterior interval is read off the unit's posterior law with widened tails; in simulated studies it covered the "
        "true rise of 92–99% of the flagged inflating units.",
    },
    "verdict.table": {"zh": "各单位判定（后验模型）", "en": "Unit verdicts (posterior model)"},
    "verdict.status": {"zh": "判定", "en": "Verdict"},
    "verdict.status_flagged": {"zh": "疑似虚高", "en": "flagged"},
    "verdict.status_flagged_who_rated": {
        "zh": "疑似非本人评价",
        "en": "flagged: ratings not the clients' own",
    },
    "verdict.status_no_evidence": {"zh": "未发现足够证据", "en": "not enough evidence"},
    "verdict.status_insufficient_evidence": {"zh": "证据不足", "en": "insufficient evidence"},
    "verdict.status_not_surveyed": {"zh": "未回访", "en": "not surveyed"},
    "verdict.prob_inflated": {"zh": "虚高概率", "en": "Probability of inflation"},
    "verdict.inflation": {"zh": "估计虚高（百分点）", "en": "Estimated inflation (points)"},
    "verdict.interval": {"zh": "95% 后验区间", "en": "95% posterior interval"},
    "verdict.mechanism": {"zh": "最可能的方式", "en": "Likeliest mechanism"},
    "verdict.evidence": {"zh": "主要证据（强度）", "en": "Main evidence (strength)"},
    "verdict.mdi": {"zh": "最小可检出虚高（仅凭满意率差距，百分点）", "en": "MDI, rate gap alone (points)"},
    "verdict.explanation": {"zh": "说明", "en": "Explanation"},
    "verdict.insufficient": {
        "zh": "证据不足的单位：{count} 个（回访太少，既不标记也不认定为没有问题）。",
        "en": "Units with insufficient evidence: {count} (too few callbacks; neither flagged nor cleared).",
    },
    "verdict.proxy_unexamined": {
        "zh": "其中 {count} 个单位未被标记只因满意率差距不足以证明虚高：“由谁评价”只由被搁置的访员问过，他人代评没有得到检验。"
        "请安排另一位访员回访这些单位的部分个案。",
        "en": "Of them, {count} units are not flagged only because their rate gap does not show inflation: only "
        "surveyors set aside asked them who rated, so proxy rating was not examined. Have another surveyor call "
        "back some of their cases.",
    },
    "verdict.held": {
        "zh": "{count} 个单位的判定不计入部分回访答案（满意度或“由谁评价”）：取得这些答案的访员在同类个案上的记录与其他访员不同，"
        "只计入记录方式与他人一致的访员所得的答案（见各单位的说明）。",
        "en": "{count} units are judged without some answers (satisfaction or who rated) of surveyors who record "
        "differently from others on like cases, only on those of surveyors who record like their peers (see "
        "each unit's explanation).",
    },
    "verdict.combination": {"zh": "第二阶段单位的满意率差距检验", "en": "Phase-2 units: the rate gap's test"},
    "verdict.combination_staff": {
        "zh": "第二阶段扩充的工作人员：满意率差距检验",
        "en": "Staff members phase 2 expanded: the rate gap's test",
    },
    "verdict.combination_help": {
        "zh": "两阶段检验：合并第二阶段扩充单位两个阶段的全部回答，与本领域估计的诚实差距（及诚实单位之间的离散）比较；"
        "未被选中的单位视为已排除（p = 1），因此只要第二阶段的回答与第一阶段的可比，检验仍然成立。"
        "回访较晚的单位，按第一阶段测得的记忆淡化速度预期其满意率相应变化，检验已计入（测得时见“回访较晚的预期变化”一栏）。与判定并列，仅供参考。"
        "应读 BH 校正后的 p：扩充的单位越多，偶然偏小的原始 p 就越多。",
        "en": "The two-phase test: all answers of both phases of a unit phase 2 expanded, against the domain's "
        "estimated honest gap (and honest units' spread); a unit phase 2 passed over counts as cleared "
        "(p = 1), which keeps the test valid as long as phase 2's answers are like phase 1's would have been. "
        "A unit called later is expected to answer lower by the fade phase 1 measured, and the test allows for "
        'it (where measured, the column "Expected for lateness"). Shown beside the verdict, not in it. Read the BH-adjusted p: '
        "the more units phase 2 expanded, the more raw p-values are small by chance.",
    },
    "verdict.phase2_cases": {"zh": "第二阶段个案", "en": "Phase-2 cases"},
    "verdict.combination_p": {"zh": "两阶段检验 p", "en": "Two-phase p"},
    "verdict.combination_p_adjusted": {"zh": "两阶段检验 p（BH 校正）", "en": "Two-phase p (BH)"},
    "verdict.fade_allowance": {"zh": "回访较晚的预期变化（百分点）", "en": "Expected for lateness (points)"},
    # reports
    "reports.generate": {"zh": "生成 PDF 报告", "en": "Generate the PDF report"},
    "reports.download": {"zh": "下载报告", "en": "Download the report"},
    "reports.sha": {"zh": "报告 SHA-256：{sha}", "en": "Report SHA-256: {sha}"},
    "reports.sha_help": {
        "zh": "这是下载的 PDF 文件本身的 SHA-256（可用 sha256sum 核对，发布时公布此值）。PDF 封面上的“内容指纹”是另一回事："
        "它是报告所含数据与数字的指纹，与排版、字体无关，用于证明两份版式不同的报告内容一致。",
        "en": "This is the SHA-256 of the PDF file itself (check it with sha256sum; publish this one). The "
        "“content fingerprint” on the PDF's cover is different: it covers the data and figures the report "
        "holds, whatever the layout or fonts, and shows that two differently typeset reports say the same.",
    },
    "reports.summary_ok": {"zh": "全部 {total} 项核验通过。", "en": "All {total} checks hold."},
    "reports.summary_failed": {
        "zh": "{total} 项核验中有 {failed} 项不通过，详见下表。",
        "en": "{failed} of {total} checks fail; see the table.",
    },
    "reports.verify": {"zh": "运行核验", "en": "Run the verification"},
    "reports.published_pdf": {
        "zh": "已发布的报告 PDF（可选）：核对其哈希及其印出的已签名链末端",
        "en": "The published report PDF (optional): its hash and the signed chain head it printed are checked",
    },
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
    "users.inactive": {"zh": "已停用", "en": "Deactivated"},
    "users.manage": {"zh": "停用 / 启用 / 重置密码", "en": "Deactivate, activate, reset password"},
    "users.pick": {"zh": "选择用户", "en": "User"},
    "users.deactivate": {"zh": "停用", "en": "Deactivate"},
    "users.activate": {"zh": "启用", "en": "Activate"},
    "users.new_password": {"zh": "新密码", "en": "New password"},
    "users.reset": {"zh": "重置密码", "en": "Reset the password"},
    "users.done": {"zh": "已完成：{name}", "en": "Done: {name}"},
    "users.password_short": {"zh": "密码至少 8 个字符。", "en": "A password needs at least 8 characters."},
    # questionnaire designer
    "page.designer": {"zh": "问卷设计", "en": "Questionnaire designer"},
    "designer.start": {
        "zh": "新建问卷版本（内置模板或导入文件）",
        "en": "New version (built-in template or a file)",
    },
    "designer.from_template": {
        "zh": "从内置模板 {name} 新建",
        "en": "Start from the built-in template {name}",
    },
    "designer.import": {
        "zh": "导入问卷文件（JSON / YAML / XLSForm .xlsx）",
        "en": "Import a questionnaire file (JSON / YAML / XLSForm .xlsx)",
    },
    "designer.import_failed": {
        "zh": "无法导入，未保存任何内容：{error}",
        "en": "Cannot import, nothing saved: {error}",
    },
    "designer.import_warning": {"zh": "未导入：{warning}", "en": "Not imported: {warning}"},
    "designer.import_clean": {
        "zh": "问卷 {name} 可完整导入。",
        "en": "Questionnaire {name} imports completely.",
    },
    "designer.import_save": {"zh": "导入为新版本", "en": "Import as a new version"},
    "designer.no_versions": {
        "zh": "本项目还没有问卷版本：请从内置模板新建或导入文件。",
        "en": "This study has no questionnaire version yet: start from the template or import a file.",
    },
    "designer.version": {"zh": "问卷版本", "en": "Version"},
    "designer.version_label": {
        "zh": "{name} 第 {version} 版（{state}）",
        "en": "{name} v{version} ({state})",
    },
    "designer.frozen": {"zh": "已冻结", "en": "frozen"},
    "designer.draft": {"zh": "草稿", "en": "draft"},
    "designer.tab_edit": {"zh": "编辑", "en": "Edit"},
    "designer.tab_preview": {"zh": "预览", "en": "Preview"},
    "designer.tab_history": {"zh": "版本历史", "en": "History"},
    "designer.tab_files": {"zh": "导出", "en": "Export"},
    "designer.frozen_info": {
        "zh": "{name} 第 {version} 版已冻结（实地调查使用此版本），不能修改。如需修改，请基于此版本新建版本。",
        "en": "{name} v{version} is frozen (fieldwork uses it) and cannot be edited; make a new version to change it.",
    },
    "designer.new_version": {"zh": "基于此版本新建版本", "en": "Make a new version from this one"},
    "designer.pick_item": {"zh": "选择题目", "en": "Item"},
    "designer.move_up": {"zh": "上移", "en": "Move up"},
    "designer.move_down": {"zh": "下移", "en": "Move down"},
    "designer.delete_item": {"zh": "删除题目", "en": "Delete the item"},
    "designer.delete_choice": {"zh": "删除选项", "en": "Delete the choice"},
    "designer.section": {"zh": "部分", "en": "Section"},
    "designer.new_section": {"zh": "或新建部分（名称）", "en": "Or a new section (name)"},
    "designer.ungrouped": {"zh": "（未分组）", "en": "(ungrouped)"},
    "designer.item_name": {"zh": "题目名称（变量名）", "en": "Item name"},
    "designer.type": {"zh": "题型", "en": "Type"},
    "designer.label_zh": {"zh": "题目文字（中文）", "en": "Text (Chinese)"},
    "designer.label_en": {"zh": "题目文字（英文）", "en": "Text (English)"},
    "designer.hint_zh": {"zh": "提示（中文）", "en": "Hint (Chinese)"},
    "designer.hint_en": {"zh": "提示（英文）", "en": "Hint (English)"},
    "designer.relevant": {"zh": "显示条件", "en": "Relevance"},
    "designer.constraint": {
        "zh": "答案约束（用 . 表示本题答案）",
        "en": "Constraint (. is the answer)",
    },
    "designer.required": {"zh": "必答", "en": "Required"},
    "designer.required_if": {"zh": "必答条件（表达式，可空）", "en": "Required when (expression, optional)"},
    "designer.allow_dk": {"zh": "允许“说不清”", "en": "Allow “can't say”"},
    "designer.allow_refused": {"zh": "允许“拒答”", "en": "Allow “refused”"},
    "designer.minimum": {"zh": "最小值", "en": "Minimum"},
    "designer.maximum": {"zh": "最大值", "en": "Maximum"},
    "designer.calculate": {"zh": "计算表达式（仅计算题）", "en": "Calculation (calculate items only)"},
    "designer.not_a_number": {"zh": "{field}不是数字：{value}", "en": "{field} is not a number: {value}"},
    "designer.expression_error": {
        "zh": "{field} 表达式有误{where}：{message}",
        "en": "The {field} expression is wrong{where}: {message}",
    },
    "designer.at_character": {"zh": "（第 {position} 个字符）", "en": " (character {position})"},
    "designer.apply": {"zh": "应用修改", "en": "Apply the changes"},
    "designer.fix_first": {
        "zh": "请先改正上面标出的错误；未应用任何修改。",
        "en": "Fix the errors marked above first; nothing was changed.",
    },
    "designer.edit_failed": {"zh": "修改未被接受：{error}", "en": "The change was refused: {error}"},
    "designer.choices": {"zh": "{name} 的选项", "en": "Choices of {name}"},
    "designer.pick_choice": {"zh": "选择选项", "en": "Choice"},
    "designer.code": {"zh": "代码", "en": "Code"},
    "designer.apply_choice": {"zh": "保存选项文字", "en": "Apply the choice's text"},
    "designer.add_choice": {"zh": "添加选项", "en": "Add the choice"},
    "designer.add_item": {"zh": "添加题目", "en": "Add an item"},
    "designer.choices_lines": {
        "zh": "选项（单选/多选题，每行一个：代码 中文标签 | English label）",
        "en": "Choices (single/multiple: one a line, code 中文标签 | English label)",
    },
    "designer.add": {"zh": "添加", "en": "Add"},
    "designer.name_needed": {"zh": "请填写题目名称。", "en": "Give the item a name."},
    "designer.unsaved": {"zh": "有尚未保存的修改。", "en": "There are unsaved changes."},
    "designer.unsaved_changes": {"zh": "查看未保存的修改", "en": "Show the unsaved changes"},
    "designer.save": {"zh": "保存草稿", "en": "Save the draft"},
    "designer.save_new": {"zh": "另存为新版本", "en": "Save as a new version"},
    "designer.freeze": {"zh": "冻结此版本", "en": "Freeze this version"},
    "designer.discard": {"zh": "放弃修改", "en": "Discard the changes"},
    "designer.nothing_to_save": {"zh": "没有需要保存的修改。", "en": "Nothing to save."},
    "designer.save_before_freeze": {"zh": "请先保存修改再冻结。", "en": "Save the changes before freezing."},
    "designer.saved": {"zh": "已保存 {name} 第 {version} 版。", "en": "Saved {name} v{version}."},
    "designer.saved_new": {"zh": "已保存为 {name} 第 {version} 版。", "en": "Saved as {name} v{version}."},
    "designer.frozen_done": {"zh": "{name} 第 {version} 版已冻结。", "en": "{name} v{version} is frozen."},
    "designer.preview_case": {"zh": "示例个案：{case}", "en": "Example case: {case}"},
    "designer.preview_progress": {
        "zh": "已答 {done} 题 · 当前题目 {name}",
        "en": "{done} answered · item {name}",
    },
    "designer.preview_restart": {"zh": "重新开始预览", "en": "Restart the preview"},
    "designer.one_version": {"zh": "只有一个版本，无可比较。", "en": "Only one version: nothing to compare."},
    "designer.diff_from": {"zh": "比较：旧版本", "en": "Compare: older version"},
    "designer.diff_to": {"zh": "新版本", "en": "newer version"},
    "designer.no_changes": {"zh": "两个版本没有差别。", "en": "The two versions are the same."},
    "designer.where": {"zh": "位置", "en": "Where"},
    "designer.field": {"zh": "字段", "en": "Field"},
    "designer.kind": {"zh": "变化", "en": "Change"},
    "designer.old": {"zh": "原值", "en": "Before"},
    "designer.new": {"zh": "新值", "en": "After"},
    "designer.export_note": {
        "zh": "导出已保存的 {name} 第 {version} 版（未保存的修改不含在内）。",
        "en": "Exports the saved {name} v{version} (unsaved changes are not included).",
    },
    "designer.download": {"zh": "下载 {format}", "en": "Download {format}"},
    "designer.sections": {"zh": "部分（分组）", "en": "Sections"},
    "designer.pick_section": {"zh": "选择部分", "en": "Section"},
    "designer.section_zh": {"zh": "部分标题（中文）", "en": "Section title (Chinese)"},
    "designer.section_en": {"zh": "部分标题（英文）", "en": "Section title (English)"},
    "designer.apply_section": {"zh": "应用部分修改", "en": "Apply to the section"},
    "designer.delete_section": {"zh": "删除部分", "en": "Delete the section"},
    "designer.confirm_delete_section": {
        "zh": "确认删除此部分及其 {count} 道题目",
        "en": "Yes, delete this section and its {count} items",
        "en_one": "Yes, delete this section and its {count} item",
        "plural": "count",
    },
    "designer.settings": {"zh": "问卷标题与量表", "en": "Title and rating scale"},
    "designer.title_zh": {"zh": "问卷标题（中文）", "en": "Title (Chinese)"},
    "designer.title_en": {"zh": "问卷标题（英文）", "en": "Title (English)"},
    "designer.rating_scale": {"zh": "评价题默认量表", "en": "Rating scale of rating items"},
    "designer.apply_settings": {"zh": "应用标题与量表", "en": "Apply title and scale"},
    "designer.item_scale": {"zh": "本题量表", "en": "Scale of this item"},
    "designer.scale_default": {"zh": "问卷默认（{scale}）", "en": "The questionnaire's ({scale})"},
    "designer.preview_failed": {"zh": "无法预览：{error}", "en": "Cannot preview: {error}"},
    "designer.pending": {
        "zh": "本题有尚未应用的修改（{fields}）：请点击“应用修改”。",
        "en": "This item has changes not applied yet ({fields}): press “Apply the changes”.",
    },
}


def t(key: str, lang: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """The string `key` in `lang` (Chinese when missing), with `{name}` placeholders filled.

    Chinese has no plural; English does. An entry whose English depends on a number names that
    placeholder under "plural" and gives the singular as "en_one" ("Released 1 case.", not "1 cases").
    """
    entry = STRINGS.get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry[DEFAULT_LANGUAGE]
    if lang == "en" and "plural" in entry and values.get(entry["plural"]) == 1:
        text = entry["en_one"]
    return text.format(**values) if values else text


def _merge_capability_strings() -> None:
    """Each issue-14 capability keeps its strings in a module of its own; a key defined twice is a bug."""
    from survey_app.app import i18n_coding, i18n_day, i18n_recordings, i18n_referrals, i18n_web

    for module in (i18n_web, i18n_referrals, i18n_coding, i18n_recordings, i18n_day):
        clash = STRINGS.keys() & module.STRINGS.keys()
        if clash:
            raise RuntimeError(f"{module.__name__} defines keys already in i18n.STRINGS: {sorted(clash)}")
        STRINGS.update(module.STRINGS)


_merge_capability_strings()
