"""Every sentence the frame loader can write reaches a Chinese user in Chinese (and stays English in en).

The loader's source is read for its sentences (every string of three words or more that is not a
docstring, in the modules below); each must appear in one of ``EXAMPLES``, sentences as the loader
writes them, and every example must come out of ``words`` with no English word left. A new English
sentence in the loader therefore fails here until it has an example and a pattern in ``words.LOADER``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from sampling import quotes
from sampling.errors import EmptyFileError, FrameError, MissingColumnsError
from survey_app.app import words
from tests.app.test_chinese_everywhere import ALLOWED, NOT_WORDS, WORD

ROOT = Path(__file__).resolve().parents[2]
LOADER_MODULES = [
    "sampling/reading.py",
    "sampling/quotes.py",
    "sampling/errors.py",
    "sampling/frame.py",
    "sampling/validation.py",
    "sampling/phones.py",
]
#: strings of the loader that no user reads as such, and why
NOT_SHOWN = {
    "field larger than field limit": "compared with the csv module's own message",
    "{}: {}. {}": "how a FrameError joins path, problem and fix; words.frame_error_text joins them in zh",
}
#: codes, names and file types a Chinese user reads as they are
CODES = {"Excel", "WPS", "xlsx", "xls", "big5", "utf-16", "GB18030", "FrameLimits", "YYYY-MM-DD", "MB", "GB"}
#: what a sentence quotes as it is: bytes (b'\\xff'), an encoding the user typed, and a library's own
#: message in brackets (the csv module's, Arrow's, zipfile's), kept for diagnosis
QUOTED = re.compile(
    r"b'[^']*'|'latin-9'|\\x00|[(（](',' expected after '\"'|new-line character seen in unquoted field|"
    r"CSV parse error: Expected 3 columns, got 4|File is not a zip file|bad sheet|Parquet magic bytes not found)[)）]"
)

HEADERS = ["记录编号", "联系电话", "机构名称"]
_text_after = quotes.Fault(quotes.TEXT_AFTER_QUOTE, 2, 1)
_not_closed = quotes.Fault(quotes.NOT_CLOSED, 2, 0)
EXAMPLES = [
    # rows rejected, cells flagged, the whole file described (the report's reasons)
    "row cannot be split into columns: 4 columns where the header has 3",
    "row cannot be split into columns: 4 columns where the header has 3; rows 5–6 were read as one row "
    'because a quote (") opened on row 5 is not closed on its own line — fix the quote',
    "row cannot be split into columns: " + quotes.rejection(_text_after, 4, 4, HEADERS),
    "row cannot be split into columns: " + quotes.rejection(_text_after, 4, 6, HEADERS),
    "row cannot be split into columns: "
    + quotes.rejection(quotes.Fault(quotes.TOO_LONG, 5, 0), 4, 4, HEADERS),
    "12 lines in the file: the header and 9 records, 1 blank lines skipped, 1 lines joined to the record "
    "before them (quoted line breaks)",
    "12 rows",
    "sheet '备注' (3 filled rows) was not read: only the first sheet '导出' is the frame; move the rows there "
    "(or export one CSV) if they belong to it",
    "a number Excel cannot hold exactly (more than 15 digits, so it was rounded); format the column as text "
    "in Excel and export again",
    "a value in a column without a header (the header has 15 columns)",
    "a formula without a saved result (the cell reads as empty); open the workbook in Excel, let it calculate "
    "and save it",
    "a floating-point number that cannot hold this value exactly (more than 15 digits); write the column as text",
    "a line break or control character inside the value (a quote left open joins lines)",
    "上海市徐汇区某某街道社区事务受理服务中心… (9,000 characters)",
    "characters cleaned (invisible or direction-changing characters removed, full-width or other-script "
    "digits and letters made plain)",
    "value longer than 1,000 characters (FrameLimits.max_field_chars)",
    "implausible date (before 2015-01-01, when the rating system began)",
    "unknown district (not one of Shanghai's 16 districts or 市局)",
    "unknown rating label (scale three_level: 满意, 基本满意, 不满意)",
    "unparsable date (use YYYY-MM-DD)",
    "date in the future (after 2026-12-01)",
    "not a yes/no value (是/否)",
    "placeholder '无' read as a missing value",
    "district code 310104 is 徐汇区, but the district is 黄浦区",
    "unknown district code 319999 (the district is 黄浦区)",
    "rating time before the service date (2026-03-02)",
    "invalid phone number: not a phone number",
    "invalid phone number: not a mainland China number (+852)",
    "invalid phone number: not a valid mainland China number (unassigned prefix or wrong length)",
    "invalid phone number: not a mobile or fixed-line number (a service or toll-free number cannot be called back)",
    "duplicate record id (first seen on row 17)",
    "old or short name mapped to 浦东新区",
    # files refused: the problem, then the fix
    *quotes.refusal(_not_closed, 4, 9, HEADERS),
    *quotes.refusal(_not_closed, 4, 4, HEADERS),
    *quotes.refusal(_not_closed, 4, 3000, HEADERS, limit_reached=True),
    *quotes.refusal(quotes.Fault(quotes.TEXT_AFTER_QUOTE, 1, 0), 1, 1, HEADERS),
    "row 1 (the header row), field '联系电话' (column 2): a quote not closed",
    "row 1 (the header row), column 9 (beyond the header's 3 columns): a value too long",
    "this workbook is protected by a password (encrypted)",
    "Open it in Excel or WPS, remove the password (File › Info › Protect Workbook) and save it as .xlsx or CSV.",
    "this is an old Excel .xls workbook",
    "Open it in Excel or WPS and save it as .xlsx or CSV.",
    "cannot open the file (权限不够)",
    "Check the path.",
    "this is a folder, not a file",
    "Give the path of the export file.",
    "this is a named pipe, not a regular file (reading it could wait forever)",
    "this is a device or socket, not a regular file (reading it could wait forever)",
    "Save the export as a file and give its path.",
    "the file is 2.1 GB, more than the limit of 2.0 GB",
    "Split the export, or raise FrameLimits.max_file_bytes if the file is genuine.",
    "this is neither text (CSV) nor an XLSX or Parquet file (it holds binary zero bytes)",
    "Export the frame as CSV (UTF-8 or GBK), XLSX or Parquet.",
    "row 3 (byte 57): a zero byte (\\x00), which a text file does not contain",
    "row 3: a zero byte (\\x00), which a text file does not contain",
    "The file is damaged or not a CSV; export it again as UTF-8 CSV.",
    "row 3 (byte 57): the bytes b'\\xff\\xfe' are not GB18030 text (the file ends in the middle of a "
    "character), and no single encoding reads the whole file (it may mix encodings or be damaged)",
    "Open it in a text editor or Excel and save it again as UTF-8 CSV, or pass its encoding.",
    "row 3 (byte 57): the bytes b'\\xff' are not valid utf-8 (the file ends in the middle of a character)",
    "row 3 (byte 57): the bytes b'\\xff' are not valid gb18030",
    "Pass the file's encoding explicitly (encoding='gb18030' or 'utf-8'), or export it again as UTF-8.",
    "'latin-9' is not an encoding Huifang knows",
    "Use utf-8, gbk, gb18030, big5 or utf-16 (or leave it out to detect it).",
    "row 1 (the header row) cannot be split (',' expected after '\"')",
    "Check its quotes.",
    "row 1 has at least 2,000 columns, more than the limit of 1,000",
    "row 1 has 2,000 columns, more than the limit of 1,000",
    "Export only the frame's columns, or raise FrameLimits.max_columns.",
    "row 7 is 3.0 MB long, more than the limit of 1.0 MB for one line",
    "A value this long is not a frame field; check the row, or raise FrameLimits.max_line_bytes.",
    "row 7 cannot be split into columns (new-line character seen in unquoted field)",
    "Check quoting and delimiters.",
    "row 1 (the header row) is empty",
    "Put the column names in the first row.",
    "the CSV cannot be parsed (CSV parse error: Expected 3 columns, got 4)",
    "the workbook is damaged (File is not a zip file)",
    "Open it in Excel and save it again.",
    "the workbook unpacks to 900.0 MB, more than the limit of 500.0 MB",
    "Export the frame as CSV, or raise FrameLimits.max_xlsx_unpacked_bytes if it is genuine.",
    "this zip file is not an Excel workbook",
    "Export the frame as CSV, XLSX or Parquet.",
    "the workbook cannot be read (bad sheet)",
    "the workbook has no worksheet",
    "Put the frame on the first sheet.",
    "the Parquet file cannot be read (Parquet magic bytes not found)",
    "Write it again.",
    "the file has 2,000 columns, more than the limit of 1,000",
    "Write only the frame's columns, or raise FrameLimits.max_columns.",
    "column(s) 标签 hold lists, structures or raw bytes, not values",
    "Write each frame field as text, a number or a date.",
    "the header '联系电话' appears twice (columns 2 and 5)",
    "Rename or delete one of the two columns, so that each field has one column.",
    "/data/导出.csv: headers '电话' and '手机' could each be 'phone'; say which one holds it (map the other to "
    "None), so that no column is dropped unseen.",
    "unknown rating scale 'ten_level'; choose one of three_level, five_level",
]
#: refusals whose Chinese is built from the error's parts (``words.frame_error_text``)
ERRORS = [EmptyFileError("导出.csv"), MissingColumnsError("导出.csv", ["phone", "district"], HEADERS)]


def _sentences(module: str) -> set[str]:
    """The module's strings of three words or more, docstrings left out; each formatted part as {}."""
    tree = ast.parse((ROOT / module).read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    inside = {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for part in node.values}
    found = set()
    for node in ast.walk(tree):
        if id(node) in docstrings or id(node) in inside:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        elif isinstance(node, ast.JoinedStr):
            text = "".join(p.value if isinstance(p, ast.Constant) else "{}" for p in node.values)
        else:
            continue
        if len(text.split()) >= 3:
            found.add(text)
    return found


SENTENCES = sorted({s for module in LOADER_MODULES for s in _sentences(module)} - set(NOT_SHOWN))


def _english(text: str) -> set[str]:
    plain = NOT_WORDS.sub(" ", QUOTED.sub(" ", text))
    return {w for w in WORD.findall(plain) if w not in ALLOWED | CODES and "_" not in w}


def _in_zh(sentence: str) -> str:
    return words.reason_text(sentence, "zh")


def test_the_loader_writes_sentences_to_check():
    assert len(SENTENCES) > 80  # the scan found the loader's sentences (it did not silently find none)


@pytest.mark.parametrize("sentence", SENTENCES)
def test_every_sentence_of_the_loader_has_an_example(sentence):
    template = re.compile(".*".join(re.escape(part) for part in sentence.split("{}")), re.S)
    assert any(template.search(example) for example in [*EXAMPLES, *map(str, ERRORS)]), (
        "a new sentence of the frame loader: add an example here and its Chinese in words.LOADER"
    )


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_loader_sentence_reads_in_chinese(example):
    assert _english(_in_zh(example)) == set()


@pytest.mark.parametrize("example", EXAMPLES)
def test_the_english_ui_keeps_the_loader_sentence(example):
    assert words.reason_text(example, "en") == example
    assert words.loader_text(example, "en") == example


def test_a_quote_refusal_keeps_its_row_and_field():
    problem, fix = quotes.refusal(_not_closed, 4, 9, HEADERS)
    text = words.frame_error_text(FrameError("导出.csv", problem, fix), "zh")
    assert text.startswith("导出.csv：第 4 行，字段“机构名称”（第 3 列）")
    assert "第 4–9 行（文件的其余部分）" in text


def test_a_rejected_rows_reason_keeps_the_rows_a_quote_joined():
    reason = "row cannot be split into columns: " + quotes.rejection(_text_after, 4, 6, HEADERS)
    assert words.reason_text(reason, "zh") == (
        '该行无法拆分成列：字段“机构名称”（第 3 列）在第 5 行的结尾引号之后还有文字；值中的引号须写成两个（""），'
        "并给整个值加上引号；第 4–6 行因这个引号被读成了一行——请修正该引号"
    )


@pytest.mark.parametrize("error", ERRORS, ids=lambda e: type(e).__name__)
def test_every_refusal_built_from_its_parts_reads_in_chinese(error):
    assert _english(words.frame_error_text(error, "zh")) == set()


def test_missing_required_fields_are_named_by_their_labels():
    error = MissingColumnsError("导出.csv", ["phone", "district"], HEADERS)
    assert "缺少必填字段：联系电话、所属区" in words.frame_error_text(error, "zh")


def test_the_english_refusal_is_the_library_sentence():
    error = FrameError("导出.csv", *quotes.refusal(_not_closed, 4, 9, HEADERS))
    assert words.frame_error_text(error, "en") == str(error)
