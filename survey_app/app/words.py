"""The words of the libraries' reports in the reader's language: frame fields and validation reasons.

`sampling` writes its validation reasons in English (the command line's language, and the words its
tests pin). The app shows them in Chinese by pattern, keeping every number, code and masked value of
the original; a reason no pattern knows is shown as it is, never dropped.
"""

from __future__ import annotations

import re

from sampling.vocabulary import REQUIRED_FIELDS, SCALES

Patterns = list[tuple[re.Pattern[str], str]]


def _translated(text: str, patterns: Patterns) -> str | None:
    """`text` rewritten by the first pattern that matches it in full, or None."""
    for pattern, template in patterns:
        match = pattern.match(text)
        if match:
            return match.expand(template)
    return None


FIELD_LABELS: dict[str, tuple[str, str]] = {
    "record_id": ("记录编号", "Record id"),
    "event_type": ("事项类型", "Event type"),
    "domain": ("业务领域", "Domain"),
    "channel": ("评价渠道", "Channel"),
    "district": ("所属区", "District"),
    "district_code": ("区划代码", "District code"),
    "organisation_id": ("机构编号", "Organisation id"),
    "organisation": ("机构名称", "Organisation"),
    "staff_id": ("工作人员编号", "Staff id"),
    "service_date": ("服务日期", "Service date"),
    "rating_time": ("评价时间", "Rating time"),
    "system_rating": ("评价结果", "System rating"),
    "recipient_name": ("服务对象姓名", "Recipient's name"),
    "phone": ("联系电话", "Phone"),
    "complaint_open": ("投诉未办结", "Open complaint"),
    "row": ("整行", "Whole row"),
    "(file)": ("整个文件", "Whole file"),
    "(no header)": ("无表头的列", "Column without a header"),
}

#: (pattern on the English reason, Chinese template with the pattern's groups)
REASONS: Patterns = [
    (re.compile(p), zh)
    for p, zh in (
        (r"^missing value$", "缺少必填值"),
        (r"^invalid phone number: not a phone number$", "电话号码无效：不是电话号码"),
        (
            r"^invalid phone number: not a mainland China number \((.+)\)$",
            r"电话号码无效：不是中国大陆号码（\1）",
        ),
        (
            r"^invalid phone number: not a valid mainland China number \(unassigned prefix or wrong length\)$",
            "电话号码无效：号段未分配或位数不对",
        ),
        (
            r"^invalid phone number: not a mobile or fixed-line number.*$",
            "电话号码无效：服务号或免费号码无法回访",
        ),
        (r"^invalid phone number: (.+)$", r"电话号码无效：\1"),
        (r"^normalised to (.+)$", r"已规范为 \1"),
        (r"^placeholder (.+) read as a missing value$", r"占位符 \1 按缺失值处理"),
        (r"^duplicate record id \(first seen on row (\d+)\)$", r"记录编号重复（首次出现在第 \1 行）"),
        (r"^unknown district \(.*\)$", "未知的区（不是上海 16 个区或市局）"),
        (r"^old or short name mapped to (.+)$", r"旧区名或简称，已改为 \1"),
        (r"^district code (\S+) is (.+), but the district is (.+)$", r"区划代码 \1 对应\2，但所属区为 \3"),
        (r"^unknown district code (\S+) \(the district is (.+)\)$", r"未知的区划代码 \1（所属区为 \2）"),
        (r"^unknown rating label \(scale \S+: (.+)\)$", r"未知的评价结果（应为：\1）"),
        (r"^rating time before the service date \((.+)\)$", r"评价时间早于服务日期（\1）"),
        (r"^unparsable date \(use YYYY-MM-DD\)$", "无法识别的日期（请用 YYYY-MM-DD 格式）"),
        (r"^date in the future \(after (.+)\)$", r"日期在未来（晚于 \1）"),
        (r"^implausible date \(before (.+?),.*\)$", r"日期不合理（早于评价系统启用的 \1）"),
        (r"^not a yes/no value \(是/否\)$", "不是“是/否”值"),
        (r"^value longer than ([\d,]+) characters.*$", r"内容超过 \1 个字符"),
        (
            r"^characters cleaned.*$",
            "已清理字符（删除不可见或改变方向的字符，全角或其他文字的数字和字母已改为半角）",
        ),
    )
]


def field_label(field: str, lang: str) -> str:
    """A frame field as its readers call it (联系电话 for phone); unknown names unchanged."""
    texts = FIELD_LABELS.get(field)
    if texts is None:
        return field
    return texts[0] if lang == "zh" else texts[1]


def field_option(field: str, lang: str) -> str:
    """A mapping target as offered in the mapping table: code, label, and * when the field is required."""
    star = " *" if field in REQUIRED_FIELDS else ""
    return f"{field_label(field, lang)} · {field}{star}"


def reason_text(reason: object, lang: str) -> str:
    """A validation reason in `lang`; the English original when no pattern knows it."""
    if not isinstance(reason, str):
        return ""
    if lang != "zh":
        return reason
    return _translated(reason, REASONS) or loader_text(reason, lang)


#: The frame loader's sentences (``sampling.reading``, ``quotes``, ``frame``, ``errors``): the reasons a
#: row is rejected or a cell flagged, and the problem and fix of a refused file. A group is itself
#: looked up here (a field named inside a reason, the tail added when a quote joined rows), so a
#: sentence built of parts is translated part by part; a group no pattern knows (a value, a number, a
#: library's own message) is kept as it is. tests/app/test_loader_words.py holds every sentence the
#: loader's source can write against these patterns.
LOADER: Patterns = [
    (re.compile(p), zh)
    for p, zh in (
        # rows that cannot be split into columns, and the fields they name
        (r"row cannot be split into columns: (.+)", r"该行无法拆分成列：\1"),
        (r"(\d+) columns where the header has (\d+)(.*)", r"\1 列，而表头有 \2 列\3"),
        (
            r"; rows (\d+)–(\d+) were read as one row because a quote \(\"\) opened on row (\d+) is not closed "
            r"on its own line — fix the quote",
            r'；第 \1–\2 行被读成了一行，因为第 \3 行开始的引号（"）没有在该行闭合——请修正该引号',
        ),
        (
            r"(.+) has text after its closing quote on row (\d+); a quote inside a value must be doubled "
            r"\(\"\"\) and the whole value quoted(.*)",
            r'\1在第 \2 行的结尾引号之后还有文字；值中的引号须写成两个（""），并给整个值加上引号\3',
        ),
        (
            r"; rows (\d+)–(\d+) were read as one row because of that quote — fix the quote",
            r"；第 \1–\2 行因这个引号被读成了一行——请修正该引号",
        ),
        (
            r"(.+) has a value longer than ([\d,]+) characters, which no frame field holds",
            r"\1的值超过 \2 个字符，抽样框中没有这么长的字段",
        ),
        (r"field '(.*)' \(column (\d+)\)", r"字段“\1”（第 \2 列）"),
        (r"column (\d+) \(beyond the header's (\d+) columns\)", r"第 \1 列（超出表头的 \2 列）"),
        # files refused for their quotes
        (
            r"row (\d+), (.+?): a quote \(\"\) opens a value that is still open after ([\d,]+) characters "
            r"\(rows (\d+)–(\d+)\), so the lines after it would be read as one value",
            r'第 \1 行，\2：引号（"）开始的值在 \3 个字符之后仍未闭合（第 \4–\5 行），其后各行会被读成一个值',
        ),
        (
            r"row (\d+), (.+?): a quote \(\"\) opens a value that is never closed, so (.+) would be read as "
            r"one value",
            r'第 \1 行，\2：引号（"）开始的值始终没有闭合，\3会被读成一个值',
        ),
        (r"rows (\d+)–(\d+) \(the rest of the file\)", r"第 \1–\2 行（文件的其余部分）"),
        (r"the rest of the line", "该行的其余部分"),
        (
            r"Close the quote, or double it \(\"\"\) if it is part of the value, and export again\.",
            '请闭合该引号；如果引号是值的一部分，请写成两个（""），然后重新导出。',
        ),
        (r"row (\d+) \(the header row\), (.+?): (.+)", r"第 \1 行（表头行），\2：\3"),
        (r"text after a closing quote", "结尾引号之后还有文字"),
        (r"a quote not closed", "引号没有闭合"),
        (r"a value too long", "值太长"),
        (
            r"Fix the header's quotes \(a quote inside a name is doubled: \"\"\)\.",
            '请修正表头中的引号（名称中的引号须写成两个：""）。',
        ),
        # what kind of file it is
        (r"the file is empty", "文件是空的"),
        (r"Export the frame again; it must have a header row\.", "请重新导出抽样框；文件须有表头行。"),
        (r"this workbook is protected by a password \(encrypted\)", "该工作簿设有密码（已加密）"),
        (
            r"Open it in Excel or WPS, remove the password \(File › Info › Protect Workbook\) and save it as "
            r"\.xlsx or CSV\.",
            "请在 Excel 或 WPS 中打开，取消密码（文件 › 信息 › 保护工作簿）后另存为 .xlsx 或 CSV。",
        ),
        (r"this is an old Excel \.xls workbook", "这是旧版 Excel 的 .xls 工作簿"),
        (
            r"Open it in Excel or WPS and save it as \.xlsx or CSV\.",
            "请在 Excel 或 WPS 中打开并另存为 .xlsx 或 CSV。",
        ),
        (r"cannot open the file \((.+)\)", r"无法打开文件（\1）"),
        (r"Check the path\.", "请检查路径。"),
        (r"this is a folder, not a file", "这是文件夹，不是文件"),
        (r"Give the path of the export file\.", "请给出导出文件的路径。"),
        (
            r"this is (.+), not a regular file \(reading it could wait forever\)",
            r"这是\1，不是普通文件（读取它可能无限等待）",
        ),
        (r"a named pipe", "命名管道"),
        (r"a device or socket", "设备或套接字"),
        (r"Save the export as a file and give its path\.", "请把导出内容保存为文件，并给出它的路径。"),
        (r"the file is (.+), more than the limit of (.+)", r"文件大小为 \1，超过上限 \2"),
        (
            r"Split the export, or raise FrameLimits\.max_file_bytes if the file is genuine\.",
            "请拆分导出文件；如果文件确实无误，可调高 FrameLimits.max_file_bytes。",
        ),
        (
            r"this is neither text \(CSV\) nor an XLSX or Parquet file \(it holds binary zero bytes\)",
            "这既不是文本（CSV），也不是 XLSX 或 Parquet 文件（其中有二进制零字节）",
        ),
        (
            r"Export the frame as CSV \(UTF-8 or GBK\), XLSX or Parquet\.",
            "请将抽样框导出为 CSV（UTF-8 或 GBK）、XLSX 或 Parquet。",
        ),
        (r"Export the frame as CSV, XLSX or Parquet\.", "请将抽样框导出为 CSV、XLSX 或 Parquet。"),
        # encodings
        (
            r"row (\d+)(?: \(byte (\d+)\))?: a zero byte \(\\x00\), which a text file does not contain",
            r"第 \1 行：零字节（\x00），文本文件中不应有这种字节",
        ),
        (
            r"The file is damaged or not a CSV; export it again as UTF-8 CSV\.",
            "文件已损坏或不是 CSV；请重新导出为 UTF-8 CSV。",
        ),
        (
            r"row (\d+) \(byte (\d+)\): the bytes (.+) are not (\S+) text(.*), and no single encoding reads the "
            r"whole file \(it may mix encodings or be damaged\)",
            r"第 \1 行（第 \2 字节）：字节 \3 不是 \4 文本\5，也没有一种编码能读通整个文件（文件可能混用了编码，或已损坏）",
        ),
        (
            r"row (\d+) \(byte (\d+)\): the bytes (.+) are not valid (\S+?)(| \(.*\))",
            r"第 \1 行（第 \2 字节）：字节 \3 不是有效的 \4\5",
        ),
        (r" \(the file ends in the middle of a character\)", "（文件在一个字符中间结束）"),
        (
            r"Open it in a text editor or Excel and save it again as UTF-8 CSV, or pass its encoding\.",
            "请在文本编辑器或 Excel 中打开，另存为 UTF-8 CSV，或指定文件的编码。",
        ),
        (
            r"Pass the file's encoding explicitly \(encoding='gb18030' or 'utf-8'\), or export it again as "
            r"UTF-8\.",
            "请明确指定文件的编码（gb18030 或 utf-8），或重新导出为 UTF-8。",
        ),
        (r"(.+) is not an encoding Huifang knows", r"\1 不是 Huifang 支持的编码"),
        (
            r"Use utf-8, gbk, gb18030, big5 or utf-16 \(or leave it out to detect it\)\.",
            "请使用 utf-8、gbk、gb18030、big5 或 utf-16（或不指定，由系统识别）。",
        ),
        # the header, the columns and the lines
        (r"row 1 \(the header row\) cannot be split \((.+)\)", r"第 1 行（表头行）无法拆分（\1）"),
        (r"Check its quotes\.", "请检查其中的引号。"),
        (r"row 1 \(the header row\) is empty", "第 1 行（表头行）是空的"),
        (r"Put the column names in the first row\.", "请在第一行写上列名。"),
        (
            r"row 1 has (at least )?([\d,]+) columns, more than the limit of ([\d,]+)",
            r"第 1 行有 \2 列，超过上限 \3 列",
        ),
        (r"the file has ([\d,]+) columns, more than the limit of ([\d,]+)", r"文件有 \1 列，超过上限 \2 列"),
        (
            r"Export only the frame's columns, or raise FrameLimits\.max_columns\.",
            "请只导出抽样框的列，或调高 FrameLimits.max_columns。",
        ),
        (
            r"Write only the frame's columns, or raise FrameLimits\.max_columns\.",
            "请只写出抽样框的列，或调高 FrameLimits.max_columns。",
        ),
        (
            r"row (\d+) is (.+) long, more than the limit of (.+) for one line",
            r"第 \1 行长 \2，超过单行上限 \3",
        ),
        (
            r"A value this long is not a frame field; check the row, or raise FrameLimits\.max_line_bytes\.",
            "这么长的值不会是抽样框字段；请检查该行，或调高 FrameLimits.max_line_bytes。",
        ),
        (r"row (\d+) cannot be split into columns \((.+)\)", r"第 \1 行无法拆分成列（\2）"),
        (r"the CSV cannot be parsed \((.+)\)", r"无法解析该 CSV（\1）"),
        (r"Check quoting and delimiters\.", "请检查引号和分隔符。"),
        (
            r"the header (.+) appears twice \(columns (\d+) and (\d+)\)",
            r"表头 \1 出现了两次（第 \2 列和第 \3 列）",
        ),
        (
            r"Rename or delete one of the two columns, so that each field has one column\.",
            "请重命名或删除其中一列，使每个字段只有一列。",
        ),
        (
            r"(.+): headers (.+) could each be '(.+)'; say which one holds it \(map the other to None\), so that "
            r"no column is dropped unseen\.",
            r"\1：表头 \2 都可能是字段 \3；请指明哪一列是该字段（把另一列映射为“不导入”），以免有列被悄悄丢掉。",
        ),
        (r"('.+') and ('.+')", r"\1 和 \2"),
        (r"unknown rating scale (.+); choose one of (.+)", r"未知的评价量表 \1；可选：\2"),
        (r"required field\(s\) missing: (.+)", r"缺少必填字段：\1"),
        (
            r"The file's headers are: (.*)\. Rename a column or pass a mapping \{export header: field\} for each "
            r"missing field\.",
            r"文件的表头为：\1。请重命名列，或为每个缺少的字段指定映射（导出表头 → 字段）。",
        ),
        # workbooks and Parquet files
        (r"the workbook is damaged \((.+)\)", r"工作簿已损坏（\1）"),
        (r"the workbook cannot be read \((.+)\)", r"无法读取工作簿（\1）"),
        (r"Open it in Excel and save it again\.", "请在 Excel 中打开并重新保存。"),
        (r"the workbook unpacks to (.+), more than the limit of (.+)", r"工作簿解压后为 \1，超过上限 \2"),
        (
            r"Export the frame as CSV, or raise FrameLimits\.max_xlsx_unpacked_bytes if it is genuine\.",
            "请将抽样框导出为 CSV；如果工作簿确实无误，可调高 FrameLimits.max_xlsx_unpacked_bytes。",
        ),
        (r"this zip file is not an Excel workbook", "这个压缩文件不是 Excel 工作簿"),
        (r"the workbook has no worksheet", "工作簿中没有工作表"),
        (r"Put the frame on the first sheet\.", "请把抽样框放在第一个工作表。"),
        (
            r"sheet '(.+)' \((\d+) filled rows\) was not read: only the first sheet '(.+)' is the frame; move the "
            r"rows there \(or export one CSV\) if they belong to it",
            r"工作表“\1”（\2 行有内容）没有读取：只有第一个工作表“\3”是抽样框；如果这些行属于抽样框，请移到该表（或导出为一个 CSV）",
        ),
        (
            r"a number Excel cannot hold exactly \(more than 15 digits, so it was rounded\); format the column as "
            r"text in Excel and export again",
            "Excel 无法精确保存的数字（超过 15 位，已被四舍五入）；请在 Excel 中把该列设为文本格式后重新导出",
        ),
        (
            r"a value in a column without a header \(the header has (\d+) columns\)",
            r"没有表头的列中有值（表头只有 \1 列）",
        ),
        (
            r"a formula without a saved result \(the cell reads as empty\); open the workbook in Excel, let it "
            r"calculate and save it",
            "公式没有保存计算结果（单元格读作空）；请在 Excel 中打开工作簿，计算后保存",
        ),
        (r"the Parquet file cannot be read \((.+)\)", r"无法读取该 Parquet 文件（\1）"),
        (r"Write it again\.", "请重新写出该文件。"),
        (
            r"column\(s\) (.+) hold lists, structures or raw bytes, not values",
            r"列 \1 存放的是列表、结构或原始字节，不是值",
        ),
        (r"Write each frame field as text, a number or a date\.", "请把每个抽样框字段写成文本、数字或日期。"),
        (
            r"a floating-point number that cannot hold this value exactly \(more than 15 digits\); write the "
            r"column as text",
            "浮点数无法精确保存这个值（超过 15 位）；请把该列写成文本",
        ),
        (
            r"a line break or control character inside the value \(a quote left open joins lines\)",
            "值中有换行符或控制字符（没有闭合的引号会把多行连在一起）",
        ),
        (r"(.+)… \(([\d,]+) characters\)", r"\1…（共 \2 个字符）"),
        # how the file's lines became records (the report's line about the whole file)
        (r"(\d+) (?:lines|rows) in the file: (.+)", r"文件共 \1 行：\2"),
        (r"(\d+) (?:lines|rows)", r"\1 行"),
        (r"the header and (\d+) records(.*)", r"表头和 \1 条记录\2"),
        (r", (\d+) blank (?:lines|rows) skipped(.*)", r"，跳过 \1 个空行\2"),
        (
            r", (\d+) (?:lines|rows) joined to the record before them \(quoted line breaks\)",
            r"，\1 行并入前一条记录（引号内的换行）",
        ),
    )
]
_GROUP = re.compile(r"\\(\d+)")


def loader_text(text: str, lang: str, depth: int = 0) -> str:
    """A sentence of the frame loader in `lang`, part by part (``LOADER``); the original when no pattern
    knows it."""
    if lang != "zh" or depth > 4:
        return text
    for pattern, template in LOADER:
        match = pattern.fullmatch(text)
        if match:
            parts = [_loader_part(g, lang, depth + 1) for g in match.groups()]
            return _GROUP.sub(lambda m, parts=parts: parts[int(m.group(1)) - 1], template)
    return text


def _loader_part(group: str | None, lang: str, depth: int) -> str:
    """A part of a loader sentence: a frame field's code by its label, else looked up in turn."""
    if not group:
        return ""
    return field_label(group, lang) if group in FIELD_LABELS else loader_text(group, lang, depth)


def frame_error_text(error: Exception, lang: str) -> str:
    """A refused frame file (``FrameError``: path, problem, fix) or mapping in `lang`, in the same one
    sentence as the English; the missing required fields by their labels."""
    from sampling.errors import FrameError, MissingColumnsError

    if lang != "zh":
        return str(error)
    if isinstance(error, MissingColumnsError):
        missing = "、".join(field_label(f, lang) for f in error.missing)
        headers = "、".join(error.headers)
        fix = f"文件的表头为：{headers}。请重命名列，或为每个缺少的字段指定映射（导出表头 → 字段）。"
        return f"{error.path}：缺少必填字段：{missing}。{fix}"
    if isinstance(error, FrameError):
        return f"{error.path}：{loader_text(error.problem, lang)}。{loader_text(error.fix, lang)}"
    return loader_text(str(error), lang)


FLAGS: Patterns = [
    (re.compile(p), zh)
    for p, zh in (
        (r"^([\d.]+) min, under the ([\d.]+) min threshold$", r"用时 \1 分钟，低于 \2 分钟的下限"),
        (
            r"^the same answer \((\w+)\) to every satisfaction item; this surveyor's interviews (\S+) vs peers "
            r"(\S+) on comparable cases \(CMH p=(\S+), BH-adjusted (\S+)\)$",
            r"所有满意度题都回答同一选项（\1）；该访员的访问中此类占 \2，可比个案上的其他访员 \3（CMH 检验 p=\4，BH 校正后 \5）",
        ),
        (
            r"^满意 share (\S+) vs peers (\S+) on comparable cases \((higher|lower); CMH p=(\S+), "
            r"BH-adjusted (\S+), n=(\d+)\)$",
            r"“满意”占比 \1，可比个案上的其他访员 \2（\3；CMH 检验 p=\4，BH 校正后 \5，n=\6）",
        ),
        (
            r"^'someone else rated' or 'never rated' share (\S+) vs peers (\S+) on comparable cases "
            r"\((higher|lower); CMH p=(\S+), BH-adjusted (\S+), n=(\d+)\)$",
            r"“他人代评”或“本人未评价”占比 \1，可比个案上的其他访员 \2（\3；CMH 检验 p=\4，BH 校正后 \5，n=\6）",
        ),
    )
]
_DIRECTION = {"higher": "偏高", "lower": "偏低"}


def flag_text(detail: str, lang: str) -> str:
    """A quality flag's detail in `lang`; the original when no pattern knows it."""
    if lang != "zh":
        return detail
    text = _translated(detail, FLAGS)
    if text is None:
        return detail
    text = re.sub(r"同一选项（(\w+)）", lambda m: f"同一选项（{rating_code(m.group(1), lang)}）", text)
    for english, chinese in _DIRECTION.items():
        text = text.replace(f"（{english}；", f"（{chinese}；")
    return text


def why_text(why: str, lang: str) -> str:
    """Why a case is in the re-contact sub-sample ("flagged", "random check of NAME") in `lang`."""
    if lang != "zh":
        return why
    if why == "flagged":
        return "被标记"
    if why.startswith("random check of "):
        return f"随机抽查访员 {why.removeprefix('random check of ')}"
    return why


CHECK_NAMES: dict[str, str] = {
    "frame file": "抽样框文件",
    "stored frame": "已存储的抽样框",
    "sample re-draw": "样本重抽核对",
    "audit chain": "审计日志哈希链",
    "answers": "访问答案",
    "headline figures": "核心指标",
    "report": "报告",
    "audit signatures": "审计日志签名",
    "recorded state": "已记录的状态",
    "published PDF": "已发布的报告 PDF",
    "anchors": "已发布的链锚点",
    "recordings": "通话录音",
}

CHECKS: Patterns = [
    (re.compile(p), zh)
    for p, zh in (
        (r"^(.+) unchanged \(SHA-256 (\w+)…\)$", r"\1 未被改动（SHA-256 \2…）"),
        (
            r"^identical: (\d+) cases re-drawn from seed (\d+) match the stored sample$",
            r"一致：按种子 \2 重新抽取的 \1 个个案与已存样本相同",
        ),
        (r"^audit chain intact: (\d+) entries, head (\w+)…$", r"审计日志哈希链完整：共 \1 条记录，链端 \2…"),
        (r"^(\d+) records match fingerprint (\w+)…$", r"\1 条记录与指纹 \2… 一致"),
        (r"^(\d+) stored answers match their audit-log digests$", r"\1 个已存答案与审计日志中的摘要一致"),
        (r"^no report was built yet.*$", "尚未生成报告，没有可核对的已发布数字"),
        (r"^not applicable \(no report built yet\)$", "不适用（尚未生成报告）"),
        (
            r"^(.+) is not at (.+): cannot re-check it here.*$",
            r"\1 不在 \2，无法在此重新核对（请用 --frame 指定文件）",
        ),
        (
            r"^(.+) has SHA-256 (\w+), but (\w+) was imported: the file was changed after import$",
            r"\1 的 SHA-256 为 \2，导入时为 \3：文件在导入后被改动",
        ),
        (
            r"^the (\d+) stored records fingerprint to (\w+), not (\w+): records were changed in the database$",
            r"已存储的 \1 条记录指纹为 \2，而非 \3：数据库中的记录被改动",
        ),
        (
            r"^interview (\d+), item (\w+): the stored answer was never recorded in the audit log$",
            r"访问 \1 的题目 \2：该答案从未记入审计日志",
        ),
        (
            r"^interview (\d+), item (\w+): the stored answer differs from what was recorded$",
            r"访问 \1 的题目 \2：已存答案与记录不符",
        ),
        (
            r"^all (\d+) entries signed by trusted Ed25519 keys \(fingerprints ([^)]+)\)(?: \(keys trusted from .+\))?$",
            r"全部 \1 条记录均由受信任的 Ed25519 密钥签名（指纹 \2）",
        ),
        (
            r"^the study, its (\d+) cases \(state, final disposition, weights\) and (\d+) users \(role, active\) "
            r"are as the audit log last recorded them$",
            r"项目、其 \1 个样本（状态、最终结果、权数）和 \2 个用户（角色、启用）与审计日志最后记录一致",
        ),
        (r"^changed outside Huifang: (.+)$", r"在 Huifang 之外被改动：\1"),
        (
            r"^entry (\d+): is not signed.*$",
            r"第 \1 条记录没有签名（写入时没有签名密钥，或签名被删除）；请先运行 huifang keys init",
        ),
        (
            r"^entry (\d+): its signature does not match its content.*$",
            r"第 \1 条记录的签名与内容不符（该记录或其之前的记录被改写）",
        ),
        (
            r"^entry (\d+): is signed by key (\w+)…, which is not a trusted key$",
            r"第 \1 条记录由不受信任的密钥 \2… 签名",
        ),
        (
            r"^rebuilding the (\w+) report \((\w+)\) gives SHA-256 (\w+), not the published (\w+)$",
            r"重新生成报告得到 SHA-256 \3，与已发布的 \4 不同",
        ),
        # huifang verify's recordings line and the report of a build this release cannot reproduce
        (r"^not applicable \(the study has no call recordings\)$", "不适用（本项目没有通话录音）"),
        (
            r"^(\d+) call recordings? match(?:es)? the SHA-256 recorded when attached$",
            r"\1 条通话录音与附加时记录的 SHA-256 一致",
        ),
        (
            r"^(\d+) call recordings? not checked: .*$",
            r"\1 条通话录音未核对：打开录音会记入审计日志，需要用户身份（请用 --user 指定用户，或设置 HUIFANG_USER）",
        ),
        (r"^recording (\d+) \(case (\d+), attempt (\d+)\): (.+)$", r"录音 \1（个案 \2，第 \3 次拨打）：\4"),
        (
            r"^rebuilt (\w+) report \(([^)]*)\) is byte-identical, SHA-256 (\w+)$",
            r"重新生成的报告与已发布的逐字节一致，SHA-256 \3",
        ),
        # a rebuild on other arithmetic than the build's, compared with its kept content (verification._agreement)
        (
            r"^rebuilt \w+ report \([^)]*\) on this machine's arithmetic, which is not its build's \((.*)\), agrees "
            r"with the content it published figure by figure: (\d+) of (\d+) lines identical, (\d+) figures within "
            r"([\d.e+-]+) of their size \(the largest ([\d.e+-]+), at (\S+)\), (\d+) printed numbers within their "
            r"last digit; its bytes are vouched for by its signed record \(entry (\d+), SHA-256 (\w+)…, key (\w+)…\)$",
            r"本机的运算环境与报告生成时不同（\1），在本机重新生成的报告与其发布的内容逐项相符：\3 行中 \2 行完全相同，"
            r"\4 个数值与原值之差不超过其大小的 \5（最大 \6，位于 \7），\8 处印出的数字只差末位；其字节由签名的生成记录"
            r"作证（第 \9 条记录，SHA-256 \g<10>…，密钥 \g<11>…）",
        ),
        (
            r"^rebuilt \w+ report \([^)]*\) on this machine's arithmetic, which is not its build's \((.*)\), agrees "
            r"with the content it published figure by figure: (\d+) of (\d+) lines identical, (\d+) figures within "
            r"([\d.e+-]+) of their size \(none moved\), (\d+) printed numbers within their last digit; its bytes are "
            r"vouched for by its signed record \(entry (\d+), SHA-256 (\w+)…, key (\w+)…\)$",
            r"本机的运算环境与报告生成时不同（\1），在本机重新生成的报告与其发布的内容逐项相符：\3 行中 \2 行完全相同，"
            r"没有数值变动，\6 处印出的数字只差末位；其字节由签名的生成记录作证（第 \7 条记录，SHA-256 \8…，密钥 \9…）",
        ),
        (
            r"^this \w+ report \([^)]*\) was built by renderer version (\d+) \(content version (\d+)[^)]*\), "
            r"which this release \(renderer (\d+), content (\d+)\) cannot reproduce; its signed fingerprint still checks "
            r"\(entry (\d+), SHA-256 (\w+)…, key (\w+)…\)"
            r"; its content rebuilt from the database is identical$",
            r"该报告由第 \1 版渲染程序（内容第 \2 版）生成，本版本（渲染程序第 \3 版、内容第 \4 版）无法重现；"
            r"其签名指纹仍核对无误（第 \5 条记录，SHA-256 \6…，密钥 \7…）；按数据库重新生成的报告内容与之相同",
        ),
        (
            r"^this \w+ report \([^)]*\) was built by renderer version (\d+) \(content version (\d+)[^)]*\), "
            r"which this release \(renderer (\d+), content (\d+)\) cannot reproduce; its signed fingerprint still checks "
            r"\(entry (\d+), SHA-256 (\w+)…, key (\w+)…\)$",
            r"该报告由第 \1 版渲染程序（内容第 \2 版）生成，本版本（渲染程序第 \3 版、内容第 \4 版）无法重现；"
            r"其签名指纹仍核对无误（第 \5 条记录，SHA-256 \6…，密钥 \7…）",
        ),
        (
            r"^this \w+ report \([^)]*\) was built with (.+), which this installation lacks to rebuild its "
            r"bytes; its signed fingerprint still checks "
            r"\(entry (\d+), SHA-256 (\w+)…, key (\w+)…\)(; its content rebuilt from the database is identical)?$",
            r"该报告生成时使用的 \1 本机没有，无法在此重新生成其字节；"
            r"其签名指纹仍核对无误（第 \2 条记录，SHA-256 \3…，密钥 \4…）",
        ),
        # a report whose units a posterior model this release no longer runs judged (verification.MODEL_SAID)
        (
            r"^this \w+ report \([^)]*\): its units were judged by posterior model version (\d+), which this "
            r"release \(model (\d+)\) no longer runs, so its unit verdicts and the pages that print them cannot "
            r"be rebuilt; its signed fingerprint still checks \(entry (\d+), SHA-256 (\w+)…, key (\w+)…\)$",
            r"该报告的单位由第 \1 版后验模型判定，本版本（模型第 \2 版）已不再运行该模型，因此无法重新生成其单位判定"
            r"及印有判定的页面；其签名指纹仍核对无误（第 \3 条记录，SHA-256 \4…，密钥 \5…）",
        ),
        (
            r"^(.+); its units were judged by posterior model version (\d+), which this release \(model (\d+)\) "
            r"no longer runs, so the flagged units it published \(([^)]*)\) are not recomputed: its signed record "
            r"vouches for them \(entry (\d+), SHA-256 (\w+)…, key (\w+)…\)$",
            r"\1；其单位由第 \2 版后验模型判定，本版本（模型第 \3 版）已不再运行该模型，因此不重新计算其公布的被标记单位"
            r"（\4）：由签名的生成记录作证（第 \5 条记录，SHA-256 \6…，密钥 \7…）",
        ),
        # a headline figure this release adds, which an older report never printed (verification.check_headline)
        (
            r"^(.+) \(([\w, ]+): not in the report, whose content version (\d+) did not print it\)$",
            r"\1（\2：该报告由第 \3 版内容生成，未印此项）",
        ),
        # a phase-2 study's report from before phase 1 alone was the headline (verification.check_headline)
        (
            r"^(.+) \(a report of content version (\d+), before the headline after a phase 2 was phase 1's alone "
            r"\(version (\d+)\): its figures recomputed as it made them, estimates and counts compared\)$",
            r"\1（该报告由第 \2 版内容生成，早于第 \3 版起有第二阶段抽样时总体估计只用第一阶段样本：按其当时的算法重新计算，核对估计值和人数）",
        ),
        (
            r"^rebuilding the \w+ report \([^)]*\)'s content gives digest (\w+), not the published (\w+): .*$",
            r"按数据库重新生成的报告内容摘要为 \1，与已发布的 \2 不同：报告所印内容在数据库中被改动",
        ),
        (
            r"^the record of this build \(entry (\d+)\) no longer matches its hash.*$",
            r"该报告的生成记录（第 \1 条）与其哈希不符：它在数据库中被改写，无法为报告作证",
        ),
        (
            r"^the record of this build \(entry (\d+)\) is not signed by a key trusted from .*$",
            r"该报告的生成记录（第 \1 条）没有受信任密钥的签名，无法为报告作证",
        ),
        (
            r"^the signature of this build's record \(entry (\d+)\) does not match its content.*$",
            r"该报告生成记录（第 \1 条）的签名与内容不符：它在数据库中被改写",
        ),
    )
]


def check_name(name: str, lang: str) -> str:
    """A verification check's name in `lang`."""
    return CHECK_NAMES.get(name, name) if lang == "zh" else name


def check_text(detail: str, lang: str) -> str:
    """A verification check's detail in `lang`; the original when no pattern knows it. The report
    check's closing sentence on the settings it rebuilt with (`verification.SETTINGS_SAID`) is
    translated on its own, after whichever sentence precedes it."""
    if lang != "zh":
        return detail
    from survey_app.services.verification import CAVEATS, SETTINGS_RECORDED, SETTINGS_SAID

    rebuilt = SETTINGS_SAID in detail
    detail, marked, settings = detail.partition(SETTINGS_SAID if rebuilt else SETTINGS_RECORDED)
    said = _settings_text(settings, rebuilt) if marked else ""
    starts = sorted(i for i in (detail.find(caveat) for caveat in CAVEATS) if i >= 0)
    head = detail[: starts[0]] if starts else detail
    caveats = [detail[a:b] for a, b in zip(starts, [*starts[1:], len(detail)], strict=False)]
    text = _translated(head, CHECKS) or head
    return text + "".join(_translated(caveat, CAVEAT_TEXTS) or caveat for caveat in caveats) + said


#: The caveats a failed rebuild may carry (`verification.CAVEATS`), each translated on its own.
CAVEAT_TEXTS: Patterns = [
    (re.compile(pattern), template)
    for pattern, template in (
        (
            r"^; it was analysed before analyses ran on one BLAS thread, so its last digits follow the BLAS "
            r"thread count of the machine that built it \(this rebuild ran on (\d+)\): .*$",
            r"；该报告早于分析固定在单个 BLAS 线程上运行，其末位数字随生成它的机器的 BLAS 线程数而变（本次重新生成用了 "
            r"\1 个）：请把 OPENBLAS_NUM_THREADS 设为该机器的核数后重新生成，再判断是否被篡改",
        ),
        (
            r"^; it was built with other arithmetic than this machine's \((.*)\), where .*$",
            r"；该报告生成时的运算环境与本机不同（\1），迭代拟合会停在不同的末位数字：请在运算环境与生成时相同的机器上"
            r"重新生成（huifang 在所有支持 AVX2 和 FMA 的 x86-64 CPU 上运算结果一致），再判断是否被篡改",
        ),
        (
            r"^, in a process computing with the arithmetic it recorded \((.*)\): this process's own arithmetic "
            r"gives (\w+)$",
            r"（在按其记录的运算环境（\1）计算的子进程中重新生成；本进程自身的运算环境得到 \2）",
        ),
        (
            r"^, in a process computing with this machine's own arithmetic, unpinned, as reports were built before "
            r"they recorded theirs \((.*)\): this process's own arithmetic gives (\w+)$",
            r"（在按本机未固定的运算环境（\1）计算的子进程中重新生成——报告记录运算环境之前即如此生成；本进程的运算环境"
            r"得到 \2）",
        ),
        (
            r"^; nor does a process computing with the arithmetic it recorded \((.*)\): SHA-256 (\w+)$",
            r"；按其记录的运算环境（\1）计算的子进程也得到不同的 SHA-256 \2",
        ),
        (
            r"^; nor does a process computing with this machine's own arithmetic, unpinned, as reports were built "
            r"before they recorded theirs \((.*)\): SHA-256 (\w+)$",
            r"；按本机未固定的运算环境（\1）计算的子进程也得到不同的 SHA-256 \2",
        ),
        (
            r"^; rebuilt on this machine's arithmetic it differs in (\d+) of its published content's (\d+) lines by "
            r"more than other arithmetic moves them \((.*)\)$",
            r"；在本机运算环境上重新生成，其发布内容的 \2 行中有 \1 行的差异超出运算环境所能造成的范围（\3）",
        ),
        (
            r"^; beside the agreeing figures, (\d+) of the unit model's fitted details \(interval ends, small probabilities, Bayes "
            r"factors, the evidence a sentence names\) land elsewhere on this arithmetic, beyond the rules, while "
            r"every unit's verdict, counts and rates agree \((.*)\)$",
            r"；此外，单位模型的 \1 项拟合细节（区间端点、很小的概率、贝叶斯因子、说明所列的证据）在本机运算环境上落在别处，"
            r"超出上述规则，但每个单位的判定、计数和满意率均一致（\2）",
        ),
        (
            r"^; its content rebuilt from the database agrees figure by figure on this machine's arithmetic, which "
            r"is not its build's \((.*)\): (\d+) of (\d+) lines identical, (\d+) figures within ([\d.e+-]+) of "
            r"their size \((?:the largest [\d.e+-]+, at \S+|none moved)\), (\d+) printed numbers within their last "
            r"digit$",
            r"；在与生成时不同的本机运算环境（\1）上按数据库重新生成的报告内容与之逐项相符：\3 行中 \2 行完全相同，"
            r"\4 个数值与原值之差不超过其大小的 \5，\6 处印出的数字只差末位",
        ),
        (
            r"^; it was built before reports recorded the arithmetic .*$",
            r"；该报告生成时尚未记录所用的运算环境（CPU 的 BLAS 内核、libm 和 SIMD 指令）：若生成它的机器是另一类 CPU，"
            r"其末位数字随该 CPU 而变，请在这类机器上重新生成，再判断是否被篡改",
        ),
    )
]


#: `verification.settings_phrase`'s words for a verdict method and why it was used.
SETTINGS_WORDS = {
    "the empirical null": "经验零分布",
    "the posterior": "后验模型",
    "chosen for that report": "该报告生成时选定",
    "the study's setting": "本调查的设置",
    "the study has a phase 2": "本调查有第二阶段抽样",
    "the default": "默认",
}
_SETTINGS_PHRASE = re.compile(r"^Γ = (\S+), unit verdicts by (.+) \((.+)\)$")


def _settings_text(settings: str, rebuilt: bool = True) -> str:
    """The report check's settings sentence in Chinese (`verification._settings_said`); `rebuilt`
    False where the check rebuilt nothing with them (`verification.SETTINGS_RECORDED`)."""

    def phrase(text: str) -> str:
        match = _SETTINGS_PHRASE.match(text)
        if match is None:
            return text
        gamma, method, source = match.groups()
        return f"Γ = {gamma}，单位判定方法：{SETTINGS_WORDS.get(method, method)}（{SETTINGS_WORDS.get(source, source)}）"

    recorded, _, now = settings.partition("; the study's settings are now ")
    said = ("；按报告记录的设置重新生成：" if rebuilt else "；报告记录的设置：") + phrase(recorded)
    return said + ("；本调查现在的设置为 " + phrase(now) if now else "")


EXPRESSION_FIELDS: dict[str, str] = {
    "relevant": "显示条件",
    "constraint": "答案约束",
    "required": "必答条件",
    "required_if": "必答条件",
    "calculate": "计算表达式",
}

EXPRESSIONS: Patterns = [
    (re.compile(p), zh)
    for p, zh in (
        (r"^the expression is empty$", "表达式为空"),
        (r"^the expression ends too early.*$", "表达式提前结束（缺少运算对象或右括号？）"),
        (r"^powers are written pow\(x, y\)$", "乘方请写作 pow(x, y)"),
        (r"^the text starting here has no closing (.)$", r"从这里开始的文字缺少结尾的 \1"),
        (r"^'\$\{' has no closing '\}'$", "“${” 缺少结尾的 “}”"),
        (
            r"^unexpected word '(.+)': refer to answers and case fields as \$\{(.+)\}$",
            r"无法识别的词“\1”：引用答案或个案字段请写成 ${\2}",
        ),
        (r"^unexpected character (.+)$", r"无法识别的字符 \1"),
        (r"^unexpected (.+)$", r"此处不应出现 \1"),
        (
            r"^\$\{(.+)\} is this item itself: use '\.' for the item's own answer$",
            r"${\1} 就是本题：引用本题答案请用 “.”",
        ),
        (
            r"^\$\{(.+)\} is this item itself: an item cannot depend on itself$",
            r"${\1} 就是本题：题目不能依赖自身",
        ),
        (
            r"^\$\{(.+)\} comes later in the questionnaire; expressions can only use earlier answers$",
            r"${\1} 在问卷中位于本题之后；表达式只能引用前面题目的答案",
        ),
        (
            r"^\$\{(.+)\} is neither an earlier item nor a case field \((.+)\)$",
            r"${\1} 既不是前面的题目，也不是个案字段（\2）",
        ),
        (
            r"^'\.' \(the current answer\) can only be used in a constraint$",
            "“.”（本题答案）只能用在答案约束中",
        ),
        (r"^unknown function '(.+)'; the functions are: (.+)$", r"未知函数“\1”；可用函数：\2"),
        (r"^(\w+)\(\) takes (.+) argument\(s\), not (\d+)$", r"\1() 需要 \2 个参数，而不是 \3 个"),
        (r"^names with double underscores are not allowed \((.+)\)$", r"名称中不能有双下划线（\1）"),
    )
]


def expression_field(field: str | None, lang: str) -> str:
    """Which expression of an item (relevant, constraint, …) in `lang`."""
    if not field:
        return ""
    return EXPRESSION_FIELDS.get(field, field) if lang == "zh" else field


def expression_text(message: str, lang: str) -> str:
    """An expression error's message in `lang`; the original when no pattern knows it."""
    if lang != "zh":
        return message
    return _translated(message, EXPRESSIONS) or message


def scale_label(name: str, lang: str) -> str:
    """A rating scale by its levels (满意 / 基本满意 / 不满意), the way its users know it."""
    scale = SCALES.get(name)
    if scale is None:
        return name
    levels = " / ".join(scale.label(code, lang) for code in scale.codes)
    return f"{len(scale.codes)} 级：{levels}" if lang == "zh" else f"{len(scale.codes)} levels: {levels}"


def rating_code(code: str, lang: str) -> str:
    """A rating code (satisfied) as its label (满意) on the scale that knows it; other codes unchanged."""
    for scale in SCALES.values():
        if code in scale.codes:
            return scale.label(code, lang)
    return code
