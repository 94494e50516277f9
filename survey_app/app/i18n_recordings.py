"""The app's strings for call recordings and click-to-dial, zh and en; merged into `i18n.STRINGS`."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    # click-to-dial, after the audited reveal
    "recording.dial": {"zh": "📞 拨打 {phone}", "en": "📞 Call {phone}"},
    # the surveyor's panel on the interview page
    "recording.panel": {"zh": "通话录音与录音告知", "en": "Call recording and consent script"},
    "recording.script_intro": {
        "zh": "录音前请向受访者宣读以下录音告知：",
        "en": "Before recording, read this consent script (in Chinese) to the respondent:",
    },
    "recording.consent_read": {
        "zh": "我已向受访者宣读录音告知，受访者未反对录音",
        "en": "I read the consent script and the respondent did not object to the recording",
    },
    "recording.file": {
        "zh": "本次通话的录音（wav、mp3、m4a、ogg，最大 {mb} MB）",
        "en": "This call's recording (wav, mp3, m4a, ogg, at most {mb} MB)",
    },
    "recording.attach": {"zh": "上传录音", "en": "Attach the recording"},
    "recording.attached": {
        "zh": "录音已加密保存（SHA-256 {sha}…），将随本次呼叫结果一并记录。",
        "en": "Recording stored encrypted (SHA-256 {sha}…); it belongs to this call's outcome.",
    },
    "recording.has_one": {
        "zh": "本次通话已有录音（{seconds}），再次上传将替换。",
        "en": "This call already has a recording ({seconds}); attaching another replaces it.",
    },
    "recording.choose_file": {"zh": "请先选择录音文件。", "en": "Choose the recording file first."},
    # the supervisor's page
    "recording.page": {"zh": "录音回听", "en": "Recordings"},
    "recording.none": {"zh": "本调查项目还没有通话录音。", "en": "This study has no call recordings yet."},
    "recording.list": {"zh": "通话录音", "en": "Call recordings"},
    "recording.list_help": {
        "zh": "录音加密保存；每次播放都记入审计日志。“待记录”表示访员尚未保存该次呼叫结果。",
        "en": "Recordings are stored encrypted; every playback is audited. 'Pending' means the surveyor "
        "has not saved that call's outcome yet.",
    },
    "recording.choose": {"zh": "选择录音", "en": "Choose a recording"},
    "recording.option": {
        "zh": "录音 {id} · 个案 {case} · 第 {attempt} 次呼叫",
        "en": "Recording {id} · case {case} · attempt {attempt}",
    },
    "recording.play": {"zh": "播放录音（记入审计日志）", "en": "Play (audited)"},
    "recording.played": {
        "zh": "正在播放录音 {id}（已记入审计日志）。",
        "en": "Playing recording {id} (audited).",
    },
    "recording.purged": {
        "zh": "该录音已随个人信息按保存期限删除。",
        "en": "This recording was purged with the study's personal data.",
    },
    "recording.interview": {"zh": "该个案的访问记录", "en": "The case's interview"},
    "recording.no_interview": {"zh": "该个案没有访问记录。", "en": "This case has no interview."},
    "recording.consent": {"zh": "录音告知", "en": "Consent script"},
    "recording.consent_surveyor": {"zh": "访员宣读", "en": "read by the surveyor"},
    "recording.consent_pbx": {"zh": "交换机语音播报", "en": "announced by the PBX"},
    "recording.sha256": {"zh": "SHA-256：{sha}", "en": "SHA-256: {sha}"},
    "recording.item": {"zh": "题目", "en": "Item"},
    "recording.answer": {"zh": "回答", "en": "Answer"},
    "recording.seconds": {"zh": "{seconds:.0f} 秒", "en": "{seconds:.0f} s"},
    # table columns and values
    "recording.col.recording": {"zh": "录音编号", "en": "Recording"},
    "recording.col.case_id": {"zh": "个案", "en": "Case"},
    "recording.col.attempt": {"zh": "呼叫次序", "en": "Attempt"},
    "recording.col.disposition": {"zh": "呼叫结果", "en": "Outcome"},
    "recording.col.surveyor": {"zh": "访员", "en": "Surveyor"},
    "recording.col.attached_by": {"zh": "上传人", "en": "Attached by"},
    "recording.col.source": {"zh": "来源", "en": "Source"},
    "recording.col.consent": {"zh": "录音告知", "en": "Consent"},
    "recording.col.seconds": {"zh": "时长（秒）", "en": "Seconds"},
    "recording.col.attached_at": {"zh": "保存时间", "en": "Stored at"},
    "recording.col.status": {"zh": "状态", "en": "Status"},
    "recording.source.upload": {"zh": "访员上传", "en": "surveyor upload"},
    "recording.source.pbx": {"zh": "交换机匹配", "en": "PBX match"},
    "recording.status.pending": {"zh": "待记录", "en": "pending"},
    "recording.status.attached": {"zh": "已关联", "en": "attached"},
    "recording.status.purged": {"zh": "已删除", "en": "purged"},
}
