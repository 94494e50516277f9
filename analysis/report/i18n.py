"""Every fixed string of the report, in Chinese and English. Templates use str.format fields."""

from __future__ import annotations

from sampling.vocabulary import CHANNELS, DISTRICT_EN, DOMAINS

STRINGS: dict[str, dict[str, str]] = {
    "zh": {
        "title_full": "满意度评价真实性第三方回访调查报告",
        "title_comparison": "满意度评价比对报告（人事处版）",
        "page_footer": "第 {page} 页 / 共 {pages} 页",
        "cover_study": "调查项目",
        "cover_study_id": "项目编号",
        "cover_commissioned": "委托单位",
        "cover_surveyor": "调查机构",
        "cover_generated": "生成时间",
        "cover_kind": "报告类型",
        "kind_full": "完整报告",
        "kind_comparison": "比对报告（不含个人信息）",
        "cover_fingerprint": "内容指纹（SHA-256）",
        "cover_pipl": "个人信息处理说明（《个人信息保护法》第二十一条受托处理）",
        "pipl_purpose": "处理目的",
        "pipl_retention": "保存期限",
        "pipl_safeguards": "保护措施",
        "font_fallback_note": "注意：未找到可嵌入的 TrueType 中文字体，本报告使用阅读器内置字体 {font}（未嵌入），"
        "个别阅读器可能无法正确显示中文。安装 fonts-wqy-microhei 或设置 HUIFANG_CJK_FONT 后重新生成。",
        "summary": "摘要",
        "summary_intro": "本页列出主要结果。区间为 {level} 置信区间；n 为计入分母的有效回答数。",
        "metric": "指标",
        "estimate": "估计值",
        "ci": "置信区间",
        "n": "n",
        "metric_satisfaction": "满意率",
        "metric_awareness": "知晓率",
        "metric_first_choice": "首选率",
        "system_rate": "系统满意率（剔除排除规则后的全部合格评价）",
        "third_party_rate": "第三方满意率",
        "paired_difference": "配对差值（系统 − 回访，百分点）",
        "flagged_units": "显著偏高的{unit}数（BH 校正，q ≤ {fdr}）",
        "units_tested": "检验的{unit}数",
        "response_rate": "应答率 {name}",
        "frame_fingerprint": "抽样框指纹",
        "sample_fingerprint": "样本指纹",
        "key_figures": "主要数字",
        "fingerprints": "指纹",
        "method": "调查方法",
        "frame": "抽样框",
        "frame_file": "文件",
        "frame_rows": "记录数",
        "frame_eligible": "排除后记录数",
        "source_sha256": "原始文件 SHA-256",
        "frame_sha256": "抽样框 SHA-256",
        "exclusions": "排除记录",
        "reason": "原因",
        "count": "数量",
        "design": "抽样设计",
        "strata": "分层",
        "allocation": "样本分配",
        "seed": "随机种子",
        "stratum": "层",
        "N_h": "总体数 N_h",
        "n_h": "样本数 n_h",
        "released": "已发放",
        "completes": "完成访问",
        "questionnaire": "问卷",
        "questionnaire_line": "{name}，版本 {version}，SHA-256 {sha}",
        "questionnaire_line_short": "{name}，版本 {version}（指纹见附录）",
        "fingerprints_in_appendix": "各项指纹见附录“核验指纹”。",
        "fieldwork": "实地访问",
        "fieldwork_dates": "访问日期：{start} 至 {end}",
        "dispositions": "访问结果（AAPOR 处置代码）",
        "code": "代码",
        "label": "说明",
        "aapor_rates": "AAPOR 比率",
        "rate": "比率",
        "value": "数值",
        "weighting": "加权",
        "definition": "满意率的定义",
        "definition_text": "满意率 = 回答为“{codes}”的人数 ÷ 在评价量表（{scale}）上作答的人数。"
        "“说不清”和“拒答”是有效回答，但不计入分母，另行统计。",
        "results": "调查结果",
        "headline": "主要指标",
        "by_district": "分区结果（满意率）",
        "by_domain": "分业务领域结果（满意率）",
        "by_channel": "分渠道结果（满意率）",
        "group": "分组",
        "chart_by_district": "图 {number}  各区满意率及置信区间",
        "chart_units": "图 {number}  各{unit}系统满意率（◆）与第三方满意率（●，含置信区间）",
        "sum_headline": "主要数字",
        "sum_comparison": "比对发现",
        "sum_certainty": "结论的把握",
        "sum_not_proved": "不能说明什么",
        "sum_next": "建议的下一步",
        "chart_districts_compared": "图 {number}  各区系统满意率（◆）与回访满意率（●，含置信区间）；红色区名：系统满意率超出回访区间上限",
        "chart_map": "图 {number}  上海各区系统满意率与回访满意率之差（百分点）",
        "chart_flagged": "图 {number}  被标记的{unit}：系统满意率（◆）与回访满意率（●，含置信区间），右侧为证据",
        "flagged_evidence": "{n} 个回答 · 他人代评 {other} · 否认服务 {denied}",
        "flagged_evidence_inflation": "{n} 个回答 · 估计虚高 {inflation} 点 · 他人代评 {other} · 否认服务 {denied}",
        "flagged_evidence_who_rated": "{n} 个回答 · 疑似非本人评价 · 他人代评 {other} · 否认服务 {denied}",
        "legend_callback": "回访满意率及置信区间",
        "areas": "分区结果",
        "areas_intro": "每个区一页，可单独打印存入该区考核档案。区间为 95% 置信区间；“全市”为全市回访结果。",
        "area_title": "{area}",
        "area_scope_line": "{study} · 生成时间 {generated}",
        "area_figures": "本{level}与全市",
        "area_units": "本{level}各{unit}（按系统与回访之差排序）",
        "area_flagged": "本{level}被标记的{unit}及证据",
        "area_reasons": "不满意的主要原因",
        "area_metric": "指标",
        "area_here": "本{level}",
        "area_city": "全市",
        "area_gap": "差距（系统 − 回访，百分点）",
        "area_reason_share": "占说明原因者",
        "area_city_share": "全市占比",
        "area_reasons_note": "原因为受访者人数（未加权）；“说不清”和“拒答”不计入。",
        "chart_area_units": "图 {number}  {area}各{unit}：系统满意率（◆）与回访满意率（●，含置信区间）；"
        "红色：被标记；灰色：证据不足",
        "level_district": "区",
        "level_domain": "领域",
        "paired_note": "在 {total} 个同时有系统评价和回访评价的案例中，系统为满意而本人回答不满意的有 {b} 个，"
        "系统为不满意而本人回答满意的有 {c} 个。前者明显多于后者，说明系统评价偏高。",
        "paired_note_balanced": "在 {total} 个同时有系统评价和回访评价的案例中，系统为满意而本人回答不满意的有 {b} 个，"
        "系统为不满意而本人回答满意的有 {c} 个。",
        "agreement_note": "系统评价与本人回答的一致程度为 kappa = {kappa}，按常用标准属于“{band}”一致；"
        "两者分布的差异{verdict}（检验统计量见附录）。",
        "agreement_differs": "显著（p {p}）",
        "agreement_similar": "不显著（p {p}）",
        "kappa_poor": "很差",
        "kappa_slight": "轻微",
        "kappa_fair": "一般",
        "kappa_moderate": "中等",
        "kappa_substantial": "较强",
        "kappa_almost_perfect": "几乎完全",
        "flagged_note": "表中 q 值为经 Benjamini–Hochberg 校正的 p 值，q ≤ {fdr} 即被标记；“他人代评”“否认接受服务”为回访中"
        "受访者本人的说法，是评价可能不真实的直接证据。",
        "units_note": "红色行为被标记的{unit}。回答少于 {min_n} 个的{unit}区间很宽，其排名没有意义。",
        "verdict_method": "单位判定方法：{method}（{source}）。",
        "verdict_empirical_null": "经验零分布检验（逐单位与本领域诚实单位比较的精确检验，Benjamini–Hochberg 校正）",
        "verdict_posterior": "后验模型（综合回访满意率与各项迹象的经验贝叶斯模型，给出每个单位虚高的概率）",
        "verdict_source_requested": "本次分析选定",
        "verdict_source_setting": "本调查的设置",
        "verdict_source_phase2": "本调查有第二阶段抽样：经验零分布还会仅凭第一阶段回答检验第二阶段未选中的单位，合起来可能偏于宽松，故只用后验模型",
        "verdict_source_default": "单阶段调查的默认方法",
        "no_flagged_posterior": "后验模型没有标记任何{unit}。",
        "posterior_note": "后验模型按被标记单位属于诚实单位的平均后验概率不超过 {fdr}、且每个被标记单位都更可能虚高而非诚实来标记；"
        "虚高概率 = 1 − 属于诚实单位的后验概率；估计虚高为后验中位数，方括号内为 95% 后验区间：由单位的后验分布读出，两端放宽，以计入混合权重本身是估计值（经验贝叶斯）的不确定性；在模拟研究中，它覆盖了 92%–99% 被标记虚高单位的真实抬高幅度；“主要证据”为贝叶斯因子最大的一项，"
        "强度按贝叶斯因子（Kass–Raftery）划分：大于 3 为中等，大于 20 为强，大于 150 为很强。各被标记单位的说明给出其全部证据、"
        "本判定在本单位样本下仅凭满意率差距的最小可检出虚高（以 80% 把握检出；更小的虚高可能存在而未被发现，他人代评等迹象还能揭示更多），以及标记不能证明什么：标记是统计证据，不是违规的证明。",
        "capped_note": "“或更高”：后验区间达到模型允许的最大虚高，真实的虚高可能更大。",
        "unflagged_note": "未被标记的单位不给出估计虚高：在模拟研究中，确有虚高却未被标记的单位，其后验区间只覆盖了 40%–77% "
        "的真实抬高幅度；未被标记不等于没有虚高。",
        "who_rated_note": "“疑似非本人评价”：标记的主要依据是受访者说评价由他人作出或本人未评价，而非满意率差距；表中的估计虚高是这些评价"
        "使公布的满意率抬高的幅度，本单位的评价本来几乎都是满意时接近 0，但抬高小不等于没有问题。",
        "or_more": "或更高",
        "verdict_status": "判定",
        "status_flagged": "疑似虚高",
        "status_flagged_who_rated": "疑似非本人评价",
        "status_no_evidence": "未发现足够证据",
        "status_insufficient_evidence": "证据不足",
        "status_not_surveyed": "未回访",
        "prob_inflated": "虚高概率",
        "inflation_cri": "估计虚高 [95% 后验区间]",
        "mdi_rate_gap": "最小可检出虚高",
        "mdi_note": "最小可检出虚高：本判定仅凭满意率差距（不计他人代评等迹象）、以 80% 把握能检出的虚高，单位为百分点；"
        "“>50”表示即使虚高 50 个百分点也检不出。未被标记的单位可能藏有小于此数的虚高：未被标记不等于没有问题。",
        "mechanism": "最可能的方式",
        "evidence": "主要证据（强度）",
        "insufficient_note": "{k} 个{unit}证据不足（回访太少）：既不标记，也不认定为没有问题。",
        "held_note": "{k} 个{unit}的部分或全部回访答案不计入判定：回访它们的访员在同领域、同系统评价的个案上记录的满意率"
        "（或“由谁评价”的回答）与其他访员不同，访员的记录方式与单位的实际情况无法区分；记录方式与他人一致的访员回访这些个案太少，"
        "不足以判定。它们只按其余证据判定，不能据此标记的既不标记，也不认定为没有问题：",
        "staff_heading": "按工作人员判定：被标记的工作人员",
        "staff_counts": "每名工作人员按其经办事项的评价记录与回访，用与机构相同的方法判定。抽样框中共有 {named} 名工作人员，"
        "其中 {called} 名有回访、{judged} 名证据足以判定；样本按机构抽取，其余工作人员证据不足：既不标记，也不认定为没有问题。",
        "staff_unnamed": "{count} 条评价记录未填写工作人员编号，不参与本层判定。",
        "staff_none": "没有工作人员被标记。",
        "staff_member": "工作人员",
        # what a flag on a staff member does not say about the person (also the page's last sentence)
        "staff_caveat": "工作人员层面的标记针对的是此人经办事项的评价记录：它不证明是此人本人改动或代为评价（评价终端、"
        "窗口可能由他人操作），应先调取这些记录的原始评价信息（时间、设备）再作判断。",
        "staff_office_flagged": "（所在机构也被标记）",
        "phase2_heading": "第二阶段单位的满意率差距检验",
        "staff_phase2_heading": "第二阶段扩充的工作人员：满意率差距检验",
        "staff_phase2_counts": "第二阶段扩充了 {expanded} 名工作人员，其中 {flagged} 名被标记。下表只列被标记者的两阶段检验；"
        "未被标记者只计数、不列名（评审页面列出全部）。",
        "phase2_cases": "第二阶段个案",
        "combination_p": "两阶段检验 p",
        "combination_p_adjusted": "p（BH 校正）",
        "fade_allowance": "回访较晚的预期变化（百分点）",
        "phase2_note": "两阶段检验：合并第二阶段扩充单位两个阶段的全部回答，与本领域估计的诚实差距（及诚实单位之间的离散）比较；"
        "第二阶段未选中的单位视为已排除（p = 1），因此尽管第二阶段选中的是第一阶段回答不佳的单位，检验仍然成立——前提是第二阶段的回答与第一阶段的可比。"
        "第二阶段在服务后更晚才回访，对服务的满意记忆若随时间淡化，仅此一点就会使其回答偏低：检验按第一阶段自身回答测得的淡化速度（连同其不确定性），依每个单位回答的早晚校正了诚实差距（测得时见“回访较晚的预期变化”一栏）；"
        "第一阶段看不到的淡化（例如只在其回访之后才开始的）未被校正。与判定并列，不计入判定。"
        "校正后的 p 按 Benjamini–Hochberg 方法在全部审计单位上校正了多重比较，应读它而不是原始 p：扩充的单位越多，偶然偏小的原始 p 就越多。",
        "phase2_days": "扩充单位的回访距服务日期的中位天数：第一阶段 {first} 天，第二阶段 {second} 天。",
        "phase2_fade": "第一阶段中，系统评价为满意的记录上回答满意的比例，服务后每晚一周变化 {points} 个百分点（95% 置信区间 {low} 至 {high}，单位内比较，{answers} 个回答）；上表的检验已按此校正。",
        "phase2_effect": "第二阶段的回答与第一阶段是否一致：按设计权重，含第二阶段的满意率减去仅第一阶段样本的满意率为 {points} 个百分点 {ci}，p = {p}（第二阶段 {answers} 个回答）。"
        "总体满意率只用第一阶段样本，不受第二阶段回访时间的影响；p 小于 {level} 说明较晚的第二阶段回访本身改变了回答（例如对服务的记忆淡化），"
        "而扩展单位的两阶段检验把两阶段的回答当作同一样本，其较小的 p 值应谨慎解读。p 较大并不证明两阶段一致。",
        "phase2_fade_domains": "各领域分别测得（每周百分点，95% 置信区间）：{domains}。每个单位的检验按其所在领域测得的淡化校正；第一阶段回访单位不足 {units} 个的领域按全体的淡化校正，并计入领域间的差异。",
        "phase2_later": "第二阶段的回访明显晚于第一阶段。检验已按第一阶段测得的淡化校正，但第一阶段看不到的淡化（只在其回访之后才开始的）仍会使第二阶段的回答偏低，上表中较小的 p 值应谨慎解读。"
        "判定在模拟中经受住了这种淡化（第二阶段系统评价为满意的记录上，十分之一的满意回答变为不满意：即使按第一阶段测得的淡化校正，两阶段检验仍在 7%–20% 的诚实研究中误指诚实单位，判定至多 3%）。",
        "phase2_later_unmeasured": "第二阶段的回访明显晚于第一阶段，而第一阶段的回答不足以测出记忆淡化的速度，检验未作校正：对服务的满意记忆若随时间淡化，仅此一点就会使第二阶段的回答偏低，上表中较小的 p 值应谨慎解读。"
        "判定在模拟中经受住了这种淡化（第二阶段系统评价为满意的记录上，十分之一的满意回答变为不满意：两阶段检验在 13%–23% 的诚实研究中误指诚实单位，判定至多 3%）。",
        "surveyor_note_none": "没有访员的{measures}与可比个案（同一抽样层、系统评价相同、拨打次数同为 1–2 次或 3 次以上）上的其他访员明显不同：回访结果不像是由个别访员造成的。",
        "surveyor_note": "{k} 名访员的{measures}与可比个案（同一抽样层、系统评价相同、拨打次数同为 1–2 次或 3 次以上）上的其他访员明显不同，应复听其录音后再使用其访问。",
        "surveyor_note_none_compared": "在能与其他访员比较的访员中，没有人的{measures}与可比个案（同一抽样层、系统评价相同、拨打次数同为 1–2 次或 3 次以上）上的其他访员明显不同。",
        "surveyor_alone": "{k} 名访员回访的个案没有其他访员回访过同类个案（括号内为“–”），无法检验：他们的记录方式与所回访单位的实际情况无法区分。"
        "单位判定已考虑这一点：回访答案主要来自记录方式与其他访员不同的访员的单位，这些访员所得的答案不计入判定（见各单位的说明）。"
        "安排访员时应让每人回访多个单位的个案。",
        "case_flags_note": "每个数字为回访中出现该情况的案例数；一个案例可有多项标记。",
        "group_note": "满意率最高的是{high}（{high_rate}），最低的是{low}（{low_rate}）；回答少的组区间很宽，组间差异不一定显著。",
        "headline_note": "以上为加权估计；区间为 {level} 置信区间，n 为计入分母的有效回答数。",
        "rates_note": "应答率 {name} 为 {rate}：在可能合格的样本中，约每 100 个有 {per100} 个完成了访问。",
        "test_statistics": "检验统计量",
        "exclusions_note": "被排除的记录不参与抽样，也不计入系统满意率。",
        "strata_note": "共 {k} 层，发放 {released} 个样本，完成 {completes} 个访问（{share}）。"
        "完成数很少的层，其估计不确定性较大。",
        "dispositions_note": "发放的 {total} 个样本中，完成访问 {complete} 个，确认不符合资格 {ineligible} 个"
        "（号码错误、非本人或否认接受过服务）；其余为拒访、未接通或资格未知。",
        "test_statistics_note": "kappa 衡量系统评价与回访回答的一致程度（1 = 完全一致，0 = 与随机一致）；Bowker 与 Stuart–Maxwell "
        "检验两者的分布是否相同，McNemar 检验“满意 / 不满意”的两类不一致是否一样多。",
        "attestations": "签名与附加核验",
        "legend_system": "系统满意率",
        "legend_third_party": "第三方满意率及置信区间",
        "comparison": "系统评价与回访结果比对",
        "comparison_intro": "系统满意率为全部评价的普查值，无抽样误差；第三方满意率为加权估计。"
        "配对差值按同一样本案例计算系统评价与回访回答之差，并给出基于设计的置信区间。",
        "paired_table": "配对表（行：系统评价；列：回访回答；单位：案例数）",
        "system_rating": "系统评价",
        "agreement": "一致性统计",
        "statistic": "统计量",
        "df": "自由度",
        "p": "p 值",
        "q": "q 值",
        "kappa": "Cohen's kappa",
        "weighted_kappa": "加权 kappa",
        "bowker": "Bowker 对称性检验",
        "stuart_maxwell": "Stuart–Maxwell 边际同质性检验",
        "mcnemar": "McNemar 检验（满意 / 不满意）",
        "flagged_table": "显著偏高的{unit}及证据",
        "no_flagged": "没有{unit}在 BH 校正后显著偏高。",
        "unit": "单位",
        "system": "系统",
        "third_party": "第三方",
        "difference_ci": "差值 [CI]（百分点）",
        "shrunk": "收缩估计",
        "rated_by_other": "他人代评",
        "service_denied": "否认接受服务",
        "all_units": "全部{unit}比对",
        "surveyor_checks": "访员效应检查",
        "surveyor": "访员",
        "interviews": "访问数",
        "median_minutes": "时长中位数（分钟）",
        "dk_share": "“说不清”比例（可比个案上其他访员）",
        "surveyor_measures": "满意率或“说不清”比例",
        "surveyor_measures_who": "满意率、“说不清”比例或回答“他人评价/未评价”的比例",
        "surveyor_measure_satisfied": "满意率",
        "surveyor_measure_dk_refused": "说不清",
        "surveyor_measure_who_rated": "由谁评价",
        "list_separator": "、",
        "surveyor_flagged_on": "{flag}：{measures}",
        "who_share": "“他人评价/未评价”比例（可比个案上其他访员）",
        "satisfied_rate": "满意率（可比个案上其他访员）",
        "flagged": "标记",
        "case_flags": "案例标记",
        "flag": "标记",
        "flag_rated_by_other": "他人代评",
        "flag_service_denied": "否认接受服务",
        "flag_rating_contradicted": "评价与回访矛盾",
        "flag_staff_asked_rating": "工作人员要求给出评价",
        "flag_not_rated": "本人未评价",
        "flag_staff_asked": "工作人员要求给出评价",
        "flag_contradicted": "评价与回访矛盾",
        "flag_any_flag": "至少一项标记",
        "limitations": "局限性说明",
        "limit_nonresponse": "无应答：应答率 {rate_name} 为 {rate}。应答者的系统满意率为 {resp}（{n_resp} 例），"
        "无应答者为 {nonresp}（{n_nonresp} 例），差异检验 p = {p}。{verdict}"
        "可观测特征只能检查和调整部分无应答偏差，与未观测特征相关的偏差无法排除。",
        "nonresponse_differs": "两者差异显著，估计可能受无应答影响。",
        "nonresponse_similar": "两者未见显著差异。",
        "limit_small_units": "小样本：{small} 个{unit}的有效回答少于 {min_n} 个，其估计值不稳定，"
        "报告给出收缩估计，不宜据此排名。",
        "limit_multiple": "多重检验：共检验 {tests} 个{unit}，采用 Benjamini–Hochberg 方法将错误发现率控制在 "
        "{fdr}；被标记的 {flagged} 个{unit}中，预期误报不超过约 {expected} 个。",
        "limit_multiple_none": "多重检验：共检验 {tests} 个{unit}，采用 Benjamini–Hochberg 方法将错误发现率控制在 "
        "{fdr}；没有{unit}被标记。未被标记不等于没有问题：小样本单位的检验功效很低。",
        "appendix": "附录：审计与核验",
        "audit": "审计日志摘要",
        "audit_entries": "日志条目数",
        "audit_chain_head": "哈希链末端",
        "audit_first": "第一条",
        "audit_last": "最后一条",
        "action": "操作",
        "verification": "核验指纹",
        "fp_frame": "抽样框",
        "fp_source": "原始文件",
        "fp_sample": "样本",
        "fp_answers": "回答",
        "fp_questionnaire": "问卷",
        "fp_content": "报告内容",
        "how_to_verify": "如何核验",
        "verify_text": "在 Huifang 中运行下面的命令。它重新计算抽样框指纹，按记录的种子重新抽样并比对，"
        "检查审计日志哈希链，依据存储的回答重新计算主要指标，重新生成本报告并比对其 SHA-256，"
        "逐项说明哪些核验通过、哪些未通过。",
        "unit_organisation": "机构",
        "unit_staff": "工作人员",
        "unit_district": "区",
        "unit_domain": "业务领域",
        "yes": "是",
        "no": "否",
        "na": "不适用",
    },
    "en": {
        "title_full": "Third-party callback survey: are the satisfaction ratings true?",
        "title_comparison": "Comparison of satisfaction ratings (personnel office edition)",
        "page_footer": "Page {page} of {pages}",
        "cover_study": "Study",
        "cover_study_id": "Study ID",
        "cover_commissioned": "Commissioned by",
        "cover_surveyor": "Surveyor",
        "cover_generated": "Generated",
        "cover_kind": "Report",
        "kind_full": "Full report",
        "kind_comparison": "Comparison report (no personal data)",
        "cover_fingerprint": "Content fingerprint (SHA-256)",
        "cover_pipl": "Personal information (PIPL art. 21, entrusted processing)",
        "pipl_purpose": "Purpose",
        "pipl_retention": "Retention",
        "pipl_safeguards": "Safeguards",
        "font_fallback_note": "Note: no embeddable TrueType CJK font was found; this report uses the viewer's "
        "built-in font {font} (not embedded), so some viewers may not show Chinese correctly. Install "
        "fonts-wqy-microhei or set HUIFANG_CJK_FONT and generate it again.",
        "summary": "Summary",
        "summary_intro": "The main results on one page. Intervals are {level} confidence intervals; n is the "
        "number of answers in the denominator.",
        "metric": "Metric",
        "estimate": "Estimate",
        "ci": "Confidence interval",
        "n": "n",
        "metric_satisfaction": "Satisfaction rate (满意率)",
        "metric_awareness": "Awareness rate (知晓率)",
        "metric_first_choice": "First-choice rate (首选率)",
        "system_rate": "System satisfaction rate (all eligible ratings after exclusions)",
        "third_party_rate": "Third-party satisfaction rate",
        "paired_difference": "Paired difference (system − callback, points)",
        "flagged_units": "Units ({unit}) significantly above (BH, q ≤ {fdr})",
        "units_tested": "Units ({unit}) tested",
        "response_rate": "Response rate {name}",
        "frame_fingerprint": "Frame fingerprint",
        "sample_fingerprint": "Sample fingerprint",
        "key_figures": "Key figures",
        "fingerprints": "Fingerprints",
        "method": "Method",
        "frame": "Sampling frame",
        "frame_file": "File",
        "frame_rows": "Rows",
        "frame_eligible": "Rows after exclusions",
        "source_sha256": "Source file SHA-256",
        "frame_sha256": "Frame SHA-256",
        "exclusions": "Excluded rows",
        "reason": "Reason",
        "count": "Count",
        "design": "Sample design",
        "strata": "Strata",
        "allocation": "Allocation",
        "seed": "Random seed",
        "stratum": "Stratum",
        "N_h": "Population N_h",
        "n_h": "Sample n_h",
        "released": "Released",
        "completes": "Completes",
        "questionnaire": "Questionnaire",
        "questionnaire_line": "{name}, version {version}, SHA-256 {sha}",
        "questionnaire_line_short": "{name}, version {version} (fingerprint in the appendix)",
        "fingerprints_in_appendix": "Every fingerprint is in the appendix (verification fingerprints).",
        "fieldwork": "Fieldwork",
        "fieldwork_dates": "Fieldwork from {start} to {end}",
        "dispositions": "Final dispositions (AAPOR codes)",
        "code": "Code",
        "label": "Meaning",
        "aapor_rates": "AAPOR rates",
        "rate": "Rate",
        "value": "Value",
        "weighting": "Weighting",
        "definition": "Definition of the satisfaction rate",
        "definition_text": "Satisfaction rate = answers '{codes}' ÷ answers on the rating scale ({scale}). "
        "'Can't say' and 'refused' are answers, but they are left out of the denominator and counted "
        "separately.",
        "results": "Results",
        "headline": "Headline figures",
        "by_district": "By district (satisfaction rate)",
        "by_domain": "By service domain (satisfaction rate)",
        "by_channel": "By channel (satisfaction rate)",
        "group": "Group",
        "chart_by_district": "Figure {number}  Satisfaction rate by district with confidence intervals",
        "chart_units": "Figure {number}  System rate (◆) and third-party rate (●, with CI) by {unit}",
        "sum_headline": "Headline figures",
        "sum_comparison": "What the comparison found",
        "sum_certainty": "How sure we are",
        "sum_not_proved": "What this does not prove",
        "sum_next": "Recommended next steps",
        "chart_districts_compared": "Figure {number}  System rate (◆) and callback rate (●, with CI) by district; "
        "red name: system rate above the callback interval",
        "chart_map": "Figure {number}  Shanghai's districts: system rate minus callback rate (points)",
        "chart_flagged": "Figure {number}  Flagged {unit}: system rate (◆) and callback rate (●, with CI); "
        "evidence on the right",
        "flagged_evidence": "n={n} · rated by other {other} · denied {denied}",
        "flagged_evidence_inflation": "n={n} · inflation {inflation} · by other {other} · denied {denied}",
        "flagged_evidence_who_rated": "n={n} · not the clients' own ratings · by other {other} · denied {denied}",
        "legend_callback": "Callback rate with CI",
        "areas": "Results by district",
        "areas_intro": "One page per district, printable alone for the district's assessment file. Intervals "
        "are 95% confidence intervals; 'city' is the callback result for all of Shanghai.",
        "area_title": "{area}",
        "area_scope_line": "{study} · generated {generated}",
        "area_figures": "This {level} and the city",
        "area_units": "{unit} in this {level} (by system − callback gap)",
        "area_flagged": "Flagged {unit} in this {level}, with evidence",
        "area_reasons": "Main reasons for dissatisfaction",
        "area_metric": "Metric",
        "area_here": "This {level}",
        "area_city": "City",
        "area_gap": "Gap (system − callback, points)",
        "area_reason_share": "Share of reasons",
        "area_city_share": "City share",
        "area_reasons_note": "Counts of respondents (unweighted); 'can't say' and 'refused' are left out.",
        "chart_area_units": "Figure {number}  {unit} in {area}: system rate (◆) and callback rate (●, with CI); "
        "red: flagged; grey: insufficient evidence",
        "level_district": "district",
        "level_domain": "domain",
        "paired_note": "Of {total} cases with both a system rating and a callback answer, {b} were satisfied in "
        "the system but not when called back, and {c} the other way round. The first clearly outnumber the "
        "second: the system's ratings are higher.",
        "paired_note_balanced": "Of {total} cases with both a system rating and a callback answer, {b} were "
        "satisfied in the system but not when called back, and {c} the other way round.",
        "agreement_note": "System ratings and callback answers agree with kappa = {kappa}, '{band}' agreement by "
        "the usual bands; the two distributions differ {verdict} (test statistics in the appendix).",
        "agreement_differs": "significantly (p {p})",
        "agreement_similar": "not significantly (p {p})",
        "kappa_poor": "poor",
        "kappa_slight": "slight",
        "kappa_fair": "fair",
        "kappa_moderate": "moderate",
        "kappa_substantial": "substantial",
        "kappa_almost_perfect": "almost perfect",
        "flagged_note": "q is the Benjamini–Hochberg adjusted p-value; q ≤ {fdr} flags a unit. 'Rated by "
        "other' and 'service denied' are what the respondents themselves said: direct evidence that a "
        "rating may not be true.",
        "units_note": "Red rows are flagged {unit}. {unit} with fewer than {min_n} answers have wide "
        "intervals; their rank means nothing.",
        "verdict_method": "Unit verdict method: {method} ({source}).",
        "verdict_empirical_null": "empirical null (exact tests of each unit against its domain's honest units, "
        "Benjamini–Hochberg correction)",
        "verdict_posterior": "posterior model (an empirical-Bayes model of the callback rate and every sign, "
        "giving each unit's probability of inflation)",
        "verdict_source_requested": "chosen for this analysis",
        "verdict_source_setting": "the study's setting",
        "verdict_source_phase2": "the study has a phase 2, and the empirical null would also test the units "
        "phase 2 passed over on their phase-1 answers alone, which together can be anti-conservative, so only "
        "the posterior model is used",
        "verdict_source_default": "the default of a one-phase study",
        "no_flagged_posterior": "The posterior model flags no unit ({unit}).",
        "posterior_note": "The posterior model flags units while the flagged units' mean posterior probability "
        "of being honest stays at most {fdr}, and only units more likely inflating than honest; probability of "
        "inflation = 1 − the posterior probability of being honest; the estimated inflation is the posterior "
        "median with its 95% posterior interval in brackets, read off the unit's posterior law with its tails "
        "widened for the uncertainty of the estimated mixing weights (empirical Bayes): in simulated studies it "
        "covered the true "
        "rise of 92–99% of the flagged inflating units; the main evidence is the piece with the largest "
        "Bayes factor, its strength by the Bayes factor (Kass–Raftery): above 3 moderate, above 20 strong, above "
        "150 very strong. Each flagged unit's explanation gives all its evidence, this verdict's minimum detectable "
        "inflation from the rate gap alone in its sample (found with 80% probability; a smaller inflation may exist "
        "unseen, and signs such as someone else rating can reveal more) and what a flag does not prove: it is "
        "statistical evidence, not proof of misconduct.",
        "capped_note": "“or more”: the posterior interval reaches the largest inflation the model allows; the "
        "true inflation may be larger.",
        "unflagged_note": "A unit not flagged gets no inflation estimate: in simulated studies, for units that did "
        "inflate but were not flagged, the posterior interval covered only 40–77% of the true rises; not flagged "
        "is not cleared.",
        "who_rated_note": "“flagged: ratings not the clients' own”: the flag rests mainly on respondents saying "
        "someone else rated or they never rated, not on the rate gap; the estimated inflation is how much those ratings "
        "raise the published rate, near 0 where the unit's ratings are nearly all satisfied anyway — a small "
        "rise does not clear the unit.",
        "or_more": "or more",
        "verdict_status": "Verdict",
        "status_flagged": "flagged",
        "status_flagged_who_rated": "flagged: ratings not the clients' own",
        "status_no_evidence": "not enough evidence",
        "status_insufficient_evidence": "insufficient evidence",
        "status_not_surveyed": "not surveyed",
        "prob_inflated": "P(inflated)",
        "inflation_cri": "Inflation [95% posterior interval]",
        "mdi_rate_gap": "MDI",
        "mdi_note": "MDI: the inflation, in points, this verdict finds with 80% probability from the rate gap alone "
        "(without signs such as someone else rating); “>50”: not even 50 points. A unit not flagged may "
        "hide an inflation smaller than this: not flagged is not cleared.",
        "mechanism": "Likeliest mechanism",
        "evidence": "Main evidence (strength)",
        "insufficient_note": "{k} units ({unit}) had insufficient evidence (too few callbacks): neither flagged "
        "nor cleared.",
        "held_note": "Some or all callback answers of {k} units ({unit}) are left out of their verdicts: the "
        "surveyors who took them record satisfaction (or who rated) differently from others on records of the "
        "same domain and system rating, so the way they were recorded cannot be told from the units themselves, and surveyors "
        "who record like their peers called too few of these cases to judge them. They are judged on the other "
        "evidence; those it does not flag are neither flagged nor cleared:",
        "staff_heading": "Staff members flagged",
        "staff_counts": "Each staff member is judged on the ratings and callbacks of the events they served, by the "
        "organisations' method. The frame names {named} staff members, {called} with a callback and {judged} with "
        "enough evidence to be judged; the sample is drawn per office, so the others have insufficient evidence: "
        "neither flagged nor cleared.",
        "staff_unnamed": "{count} rating records name no staff member and are left out of this level.",
        "staff_none": "No staff member is flagged.",
        "staff_member": "Staff member",
        "staff_caveat": "A staff-level flag is about the ratings of the events this person served: it does not prove "
        "that this person changed or gave them (a terminal or window may be worked by others); pull the "
        "original rating records (time, device) before any judgement.",
        "staff_office_flagged": " (office flagged too)",
        "phase2_heading": "Phase-2 units: the rate gap's test",
        "staff_phase2_heading": "Staff members phase 2 expanded: the rate gap's test",
        "staff_phase2_counts": "Phase 2 expanded {expanded} staff members, {flagged} of them flagged. The table lists "
        "the flagged ones' two-phase test only; members not flagged are counted, not named (the reviewer's "
        "page lists them all).",
        "phase2_cases": "Phase-2 cases",
        "combination_p": "Two-phase p",
        "combination_p_adjusted": "p (BH-adjusted)",
        "fade_allowance": "Expected for lateness (points)",
        "phase2_note": "The two-phase test: all answers of both phases of a unit phase 2 expanded, against the "
        "domain's estimated honest gap (and honest units' spread); a unit phase 2 passed over counts as cleared "
        "(p = 1), which keeps the test valid although phase 2 chose units whose phase-1 answers looked bad — "
        "provided phase 2's answers are like phase 1's would have been. Phase 2 is called later after the service, "
        "and where memory of a good service fades, that alone lowers its answers: the test allows for the fade "
        "phase 1's own answers show (with its uncertainty), moving each unit's honest gap by how late its "
        'answers came (where measured, the column "Expected for lateness"); a fade phase 1 cannot see, such as one that begins only after its calls, is not allowed '
        "for. Shown beside the verdict, not in it. The BH-adjusted p corrects for testing many units at once "
        "(Benjamini–Hochberg over every audited unit): read it, not the raw p — the more units phase 2 "
        "expanded, the more raw p-values are small by chance.",
        "phase2_days": "The expanded units were called a median of {first} days after the service in phase 1, "
        "{second} in phase 2.",
        "phase2_fade": "In phase 1, the share of satisfied answers on records rated satisfied changed by {points} "
        "points for each week later after the service (95% CI {low} to {high}, within units, {answers} answers); "
        "the test above allows for it.",
        "phase2_effect": "Do phase 2's answers agree with phase 1's? On the design weights, the 满意率 with phase 2 less "
        "the one from phase 1's cases alone is {points} points {ci}, p = {p} ({answers} phase-2 answers). The headline comes "
        "from phase 1's cases alone, which phase 2's timing cannot move. A p below {level} says that phase 2's later calls "
        "themselves moved the answers (a fading memory of the service, say), and the two-phase test of the expanded units "
        "reads both phases' answers as one sample: read its small p-values with caution. A larger p does not prove the "
        "phases agree.",
        "phase2_fade_domains": "By domain (points a week, 95% CI): {domains}. Each unit's test allows for the fade "
        "measured in its own domain; a domain with fewer than {units} units answering in phase 1 gets the whole study's, "
        "widened by how far the domains differ.",
        "phase2_later": "Phase 2 was called much later than phase 1. The test allows for the fade phase 1 measured, "
        "but a fade phase 1 cannot see (one that begins only after its calls) would still lower phase 2's "
        "answers, so read a small p above with caution. The verdict held up against such "
        "a fade in simulation (a tenth of the satisfied answers on phase 2's records rated satisfied turned: the "
        "two-phase test, even allowing for the fade phase 1 measured, accused an honest unit in 7–20% of honest "
        "studies, the verdict in at most 3%).",
        "phase2_later_unmeasured": "Phase 2 was called much later than phase 1, and phase 1's answers were too "
        "few to measure a fade, so the test does not allow for one: where memory of a good service fades, that "
        "alone lowers phase 2's answers, so read a small p above with caution. The verdict held up against such "
        "a fade in simulation (a tenth of the satisfied answers on phase 2's records rated satisfied turned: the "
        "two-phase test accused an honest unit in 13–23% of honest studies, the verdict in at most 3%).",
        "surveyor_note_none": "No surveyor's {measures} differs clearly from their "
        "peers on comparable cases (the same stratum and system rating, and 1–2 or 3+ call attempts alike): the "
        "results do not look like the work of one surveyor.",
        "surveyor_note": "{k} surveyors differ clearly from their peers on comparable cases (the same stratum "
        "and system rating, and 1–2 or 3+ call attempts alike) in {measures}; listen to their recordings before using their interviews.",
        "surveyor_note_none_compared": "Of the surveyors who could be compared with others, none differs clearly "
        "from their peers on comparable cases (the same stratum and system rating, and 1–2 or 3+ call attempts "
        "alike) in {measures}.",
        "surveyor_alone": "{k} surveyor(s) called cases no other surveyor called anything like (peers shown as "
        "'–'), so they could not be checked: their way of recording cannot be told from the units they called. "
        "The unit verdicts allow for it: a unit whose answers come mostly from a surveyor who records "
        "differently from the others is judged without them (see each unit's explanation). Give each "
        "surveyor cases from several units.",
        "case_flags_note": "Each number counts the cases where the callback found this; a case can carry "
        "several flags.",
        "group_note": "The highest rate is {high} ({high_rate}), the lowest {low} ({low_rate}); small groups "
        "have wide intervals, so differences between groups are not necessarily significant.",
        "headline_note": "Weighted estimates; intervals are {level} confidence intervals, n is the number of "
        "answers in the denominator.",
        "rates_note": "Response rate {name} is {rate}: of every 100 sampled cases likely to be eligible, about "
        "{per100} completed the interview.",
        "test_statistics": "Test statistics",
        "exclusions_note": "Excluded records are neither sampled nor counted in the system rate.",
        "strata_note": "{k} strata; {released} cases released and {completes} interviews completed ({share}). "
        "Strata with few completes have uncertain estimates.",
        "dispositions_note": "Of the {total} cases released, {complete} completed the interview and {ineligible} "
        "were found not eligible (wrong number, not the person, or the service never happened); the rest "
        "refused, were not reached or are of unknown eligibility.",
        "test_statistics_note": "Kappa measures agreement between system ratings and callback answers (1 = "
        "perfect, 0 = chance); Bowker and Stuart–Maxwell test whether the two distributions are the same, "
        "McNemar whether both kinds of satisfied/not disagreement are equally common.",
        "attestations": "Signatures and further checks",
        "legend_system": "System rate",
        "legend_third_party": "Third-party rate with CI",
        "comparison": "System ratings compared with the callbacks",
        "comparison_intro": "The system rate is a census of all ratings and has no sampling error; the "
        "third-party rate is a weighted estimate. The paired difference compares, on the same sampled "
        "cases, the system rating with the callback answer, with a design-based interval.",
        "paired_table": "Paired table (rows: system rating; columns: callback answer; cases)",
        "system_rating": "System rating",
        "agreement": "Agreement",
        "statistic": "Statistic",
        "df": "df",
        "p": "p",
        "q": "q",
        "kappa": "Cohen's kappa",
        "weighted_kappa": "Weighted kappa",
        "bowker": "Bowker test of symmetry",
        "stuart_maxwell": "Stuart–Maxwell test of marginal homogeneity",
        "mcnemar": "McNemar test (satisfied / not)",
        "flagged_table": "Units ({unit}) significantly above, with evidence",
        "no_flagged": "No unit ({unit}) is significantly above after BH correction.",
        "unit": "Unit",
        "system": "System",
        "third_party": "Third party",
        "difference_ci": "Difference [CI] (points)",
        "shrunk": "Shrunk",
        "rated_by_other": "Rated by other",
        "service_denied": "Service denied",
        "all_units": "All units ({unit})",
        "surveyor_checks": "Surveyor-effect checks",
        "surveyor": "Surveyor",
        "interviews": "Interviews",
        "median_minutes": "Median minutes",
        "dk_share": "'Can't say' share (peers on comparable cases)",
        "surveyor_measures": "satisfaction rate or 'can't say' share",
        "surveyor_measures_who": "satisfaction rate, 'can't say' share or share saying someone else or nobody rated",
        "surveyor_measure_satisfied": "satisfaction",
        "surveyor_measure_dk_refused": "can't say",
        "surveyor_measure_who_rated": "who rated",
        "list_separator": ", ",
        "surveyor_flagged_on": "{flag}: {measures}",
        "who_share": "'Someone else / nobody rated' share (peers on comparable cases)",
        "satisfied_rate": "Satisfaction rate (peers on comparable cases)",
        "flagged": "Flagged",
        "case_flags": "Case flags",
        "flag": "Flag",
        "flag_rated_by_other": "Rated by someone else",
        "flag_service_denied": "Service denied",
        "flag_rating_contradicted": "Rating contradicted",
        "flag_staff_asked_rating": "Staff asked for a rating",
        "flag_not_rated": "Did not rate",
        "flag_staff_asked": "Staff asked for a rating",
        "flag_contradicted": "Rating contradicted",
        "flag_any_flag": "Any flag",
        "limitations": "Limitations",
        "limit_nonresponse": "Nonresponse: the response rate {rate_name} is {rate}. The system satisfaction "
        "rate is {resp} among respondents ({n_resp} cases) and {nonresp} among nonrespondents "
        "({n_nonresp} cases), test p = {p}. {verdict}Observed characteristics can reveal and adjust only part "
        "of any nonresponse bias; bias linked to unobserved characteristics cannot be ruled out.",
        "nonresponse_differs": "The difference is significant: estimates may be affected by nonresponse. ",
        "nonresponse_similar": "The two do not differ significantly. ",
        "limit_small_units": "Small units: {small} {small_units} ({unit}) {small_have} fewer than {min_n} "
        "answers; such estimates are unstable, the report gives shrunk estimates and they should not be ranked.",
        "limit_multiple": "Multiple testing: {tests} {tested_units} ({unit}) {tested_were} tested; the "
        "Benjamini–Hochberg procedure keeps the false discovery rate at {fdr}; of the {flagged} flagged "
        "{flagged_units}, about {expected} or fewer are expected to be false alarms.",
        "limit_multiple_none": "Multiple testing: {tests} {tested_units} ({unit}) {tested_were} tested; the "
        "Benjamini–Hochberg "
        "procedure keeps the false discovery rate at {fdr}; no unit was flagged. Not flagged is not the same "
        "as sound: tests on small units have little power.",
        "appendix": "Appendix: audit and verification",
        "audit": "Audit trail summary",
        "audit_entries": "Entries",
        "audit_chain_head": "Hash chain head",
        "audit_first": "First entry",
        "audit_last": "Last entry",
        "action": "Action",
        "verification": "Verification fingerprints",
        "fp_frame": "Frame",
        "fp_source": "Source file",
        "fp_sample": "Sample",
        "fp_answers": "Answers",
        "fp_questionnaire": "Questionnaire",
        "fp_content": "Report content",
        "how_to_verify": "How to verify",
        "verify_text": "Run the command below in Huifang. It recomputes the frame fingerprint, re-draws the "
        "sample from the stored seed and compares it, checks the audit hash chain, recomputes the headline "
        "figures from the stored answers, rebuilds this report and compares its SHA-256, and says check by "
        "check what holds and what does not.",
        "unit_organisation": "organisations",
        "unit_staff": "staff members",
        "unit_district": "districts",
        "unit_domain": "service domains",
        "yes": "yes",
        "no": "no",
        "na": "n/a",
    },
}

_GROUP_NAMES_EN = {**DISTRICT_EN, **DOMAINS, **CHANNELS}

#: AAPOR final disposition codes for telephone surveys (Standard Definitions), used when the content
#: leaves a disposition's label empty.
AAPOR_LABELS: dict[str, tuple[str, str]] = {
    "1.0": ("访问", "Interview"),
    "1.1": ("完成访问", "Complete"),
    "1.2": ("部分完成", "Partial"),
    "2.0": ("符合资格、未访问", "Eligible, non-interview"),
    "2.10": ("拒访与中断", "Refusal and break-off"),
    "2.11": ("拒访", "Refusal"),
    "2.12": ("中断", "Break-off"),
    "2.20": ("未接触", "Non-contact"),
    "2.30": ("其他", "Other"),
    "3.0": ("资格未知", "Unknown eligibility"),
    "3.10": ("资格未知（家户 / 号码）", "Unknown if housing unit / number"),
    "3.20": ("资格未知（其他）", "Unknown, other"),
    "4.0": ("不符合资格", "Not eligible"),
    "4.10": ("不符合资格（号码或对象不符）", "Not eligible (wrong number or person)"),
    "4.70": ("不符合资格（无合格对象）", "No eligible respondent"),
    "4.90": ("不符合资格（其他）", "Not eligible, other"),
}


def text(key: str, lang: str, **values: object) -> str:
    """The fixed string `key` in `lang`, with template fields filled."""
    template = STRINGS[lang][key]
    return template.format(**values) if values else template


def group_name(name: str, lang: str) -> str:
    """A district, domain or channel in the report's language (unknown names as given)."""
    if lang == "en":
        return _GROUP_NAMES_EN.get(name, name)
    return name


def flag_name(flag: str, lang: str) -> str:
    return STRINGS[lang].get(f"flag_{flag}", flag)


def unit_name(level: str, lang: str) -> str:
    """What a compared unit is ("organisation" → 机构), or the level as given when unknown."""
    return STRINGS[lang].get(f"unit_{level}", level)


def disposition_label(code: str, lang: str) -> str:
    """AAPOR's meaning of a disposition code in `lang`, or the code itself when unknown."""
    labels = AAPOR_LABELS.get(str(code))
    if labels is None:
        return str(code)
    return labels[0] if lang == "zh" else labels[1]
