"""load_frame: every export format and encoding, and every bad-input path, each with a file that has it."""

from __future__ import annotations

import codecs
import datetime as dt

import pandas as pd
import pytest

import sampling
from sampling import load_frame
from sampling.errors import EmptyFileError, EncodingError, MissingColumnsError, UnsupportedFileError
from sampling.vocabulary import EXPORT_HEADERS, FRAME_FIELDS

from .conftest import AS_OF, export_frame, good_rows, write_csv


def load(path, **kwargs):
    return load_frame(path, as_of=AS_OF, **kwargs)


def issues_of(frame, field):
    return frame.report[frame.report["field"] == field]


def test_a_clean_utf8_export_loads_every_row_with_canonical_fields(tmp_path):
    frame = load(write_csv(tmp_path / "f.csv", good_rows()))
    assert list(frame.data.columns) == list(FRAME_FIELDS)
    assert len(frame.data) == 6 and frame.report.empty and frame.rejected.empty
    assert frame.encoding == "utf-8"


def test_ratings_become_scale_codes_and_district_codes_are_filled(tmp_path):
    frame = load(write_csv(tmp_path / "f.csv", good_rows(3)))
    assert frame.data["system_rating"].astype(str).tolist() == [
        "satisfied",
        "basically_satisfied",
        "dissatisfied",
    ]
    assert frame.data["district_code"].astype(str).tolist() == ["310101", "310104", "310115"]


def test_a_utf8_file_with_bom_is_detected_and_the_bom_does_not_reach_the_first_header(tmp_path):
    frame = load(write_csv(tmp_path / "f.csv", good_rows(), encoding="utf-8-sig"))
    assert frame.encoding == "utf-8-sig"
    assert "记录编号" in frame.mapping and len(frame.data) == 6


def test_a_gbk_file_is_detected_and_decoded_as_gb18030(tmp_path):
    frame = load(write_csv(tmp_path / "f.csv", good_rows(), encoding="gbk"))
    assert frame.encoding == "gb18030"
    assert frame.data["district"].astype(str).iloc[0] == "黄浦区"


def test_a_gb18030_file_with_a_character_outside_gbk_keeps_that_character(tmp_path):
    rows = good_rows()
    rows[2]["recipient_name"] = "王𠀀"  # U+20000: four bytes in GB18030, absent from GBK
    with pytest.raises(UnicodeEncodeError):
        "𠀀".encode("gbk")
    frame = load(write_csv(tmp_path / "f.csv", rows, encoding="gb18030"))
    assert frame.encoding == "gb18030"
    assert frame.data["recipient_name"].iloc[2] == "王𠀀"


def test_the_same_rows_in_different_encodings_have_one_frame_fingerprint_and_different_file_fingerprints(
    tmp_path,
):
    utf8 = load(write_csv(tmp_path / "a.csv", good_rows(), encoding="utf-8"))
    gbk = load(write_csv(tmp_path / "b.csv", good_rows(), encoding="gbk"))
    assert utf8.frame_sha256 == gbk.frame_sha256
    assert utf8.source_sha256 != gbk.source_sha256


def test_the_source_fingerprint_is_the_sha256_of_the_file_bytes(tmp_path):
    import hashlib

    path = write_csv(tmp_path / "f.csv", good_rows())
    assert load(path).source_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_changing_one_value_changes_the_frame_fingerprint(tmp_path):
    rows = good_rows()
    before = load(write_csv(tmp_path / "a.csv", rows)).frame_sha256
    rows[4]["recipient_name"] = "李四"
    assert load(write_csv(tmp_path / "b.csv", rows)).frame_sha256 != before


def test_an_explicit_encoding_overrides_detection(tmp_path):
    frame = load(write_csv(tmp_path / "f.csv", good_rows(), encoding="gbk"), encoding="gbk")
    assert frame.encoding == "gb18030" and len(frame.data) == 6


def test_bytes_that_are_not_valid_in_the_given_encoding_name_the_row(tmp_path):
    path = write_csv(tmp_path / "f.csv", good_rows(), encoding="gbk")
    with pytest.raises(EncodingError, match=r"row 1 \(byte 0\): .* not valid utf-8"):
        load(path, encoding="utf-8")


def test_a_missing_required_column_names_the_file_and_the_field_and_loads_nothing(tmp_path):
    rows = [{k: v for k, v in row.items() if k != "phone"} for row in good_rows()]
    with pytest.raises(MissingColumnsError) as error:
        load(write_csv(tmp_path / "nophone.csv", rows))
    assert "nophone.csv" in str(error.value) and "phone" in str(error.value)
    assert error.value.missing == ("phone",)


def test_an_empty_file_is_an_error_naming_the_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(EmptyFileError, match=r"empty\.csv: the file is empty"):
        load(path)


def test_a_binary_file_is_not_taken_for_a_csv(tmp_path):
    path = tmp_path / "picture.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20)
    with pytest.raises(UnsupportedFileError, match="neither text"):
        load(path)


def test_an_old_xls_workbook_is_refused_with_advice(tmp_path):
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    with pytest.raises(UnsupportedFileError, match=r"save it as \.xlsx"):
        load(path)


def test_an_xlsx_export_loads_like_the_csv(tmp_path):
    path = tmp_path / "f.xlsx"
    export_frame(good_rows()).to_excel(path, index=False)
    frame = load(path)
    assert frame.kind == "xlsx" and frame.encoding is None
    assert frame.frame_sha256 == load(write_csv(tmp_path / "f.csv", good_rows())).frame_sha256


def test_a_parquet_export_loads_like_the_csv(tmp_path):
    path = tmp_path / "f.parquet"
    export_frame(good_rows()).to_parquet(path, index=False)
    frame = load(path)
    assert frame.kind == "parquet"
    assert frame.frame_sha256 == load(write_csv(tmp_path / "f.csv", good_rows())).frame_sha256


def test_a_parquet_export_with_typed_dates_and_numeric_phones_loads(tmp_path):
    table = export_frame(good_rows())
    table[EXPORT_HEADERS["service_date"]] = pd.to_datetime(table[EXPORT_HEADERS["service_date"]])
    table[EXPORT_HEADERS["phone"]] = table[EXPORT_HEADERS["phone"]].astype("int64")
    path = tmp_path / "typed.parquet"
    table.to_parquet(path, index=False)
    frame = load(path)
    assert frame.rejected.empty
    assert frame.data["phone"].iloc[1] == "13800000001"
    assert frame.data["service_date"].iloc[0] == pd.Timestamp("2024-03-01")


def test_english_headers_are_recognised(tmp_path):
    table = pd.DataFrame(good_rows())
    table.columns = [c.upper() if c != "record_id" else "ID" for c in table.columns]
    path = tmp_path / "en.csv"
    table.to_csv(path, index=False)
    assert len(load(path).data) == 6


def test_a_mapping_names_headers_the_synonyms_do_not_know(tmp_path):
    table = export_frame(good_rows()).rename(columns={"联系电话": "回访号码"})
    path = tmp_path / "f.csv"
    table.to_csv(path, index=False)
    with pytest.raises(MissingColumnsError):
        load(path)
    frame = load(path, mapping={"回访号码": "phone"})
    assert frame.mapping["回访号码"] == "phone" and len(frame.data) == 6


def test_a_saved_mapping_loads_back_and_fits_the_next_export(tmp_path):
    mapping = {"回访号码": "phone", "备注": None}
    sampling.save_mapping(mapping, tmp_path / "mapping.json")
    assert sampling.load_mapping(tmp_path / "mapping.json") == mapping
    table = export_frame(good_rows()).rename(columns={"联系电话": " 回访号码 "})
    table.to_csv(tmp_path / "next.csv", index=False)
    assert (
        len(load(tmp_path / "next.csv", mapping=sampling.load_mapping(tmp_path / "mapping.json")).data) == 6
    )


def test_a_mapping_to_an_unknown_field_is_refused(tmp_path):
    with pytest.raises(sampling.MappingError, match="'telephone' is not a Huifang field"):
        sampling.save_mapping({"电话号码": "telephone"}, tmp_path / "m.json")


def test_an_unknown_district_is_rejected_with_file_row_field_and_reason(tmp_path):
    rows = good_rows()
    rows[1]["district"] = "火星区"
    frame = load(write_csv(tmp_path / "f.csv", rows))
    issue = issues_of(frame, "district").iloc[0]
    assert (issue["file"], issue["row"], issue["value"], issue["action"]) == (
        "f.csv",
        3,
        "火星区",
        "rejected",
    )
    assert "unknown district" in issue["reason"]
    assert frame.rejected["row"].tolist() == [3]


@pytest.mark.parametrize(("old", "new"), [("闸北区", "静安区"), ("崇明县", "崇明区"), ("浦东", "浦东新区")])
def test_an_old_district_name_is_mapped_and_reported_as_repaired(tmp_path, old, new):
    rows = good_rows()
    rows[0]["district"] = old
    frame = load(write_csv(tmp_path / "f.csv", rows))
    assert frame.data["district"].astype(str).iloc[0] == new
    issue = issues_of(frame, "district").iloc[0]
    assert (issue["row"], issue["action"]) == (2, "repaired") and new in issue["reason"]
    assert frame.rejected.empty


def test_an_invalid_phone_is_rejected_and_masked_in_the_report(tmp_path):
    rows = good_rows()
    rows[2]["phone"] = "14012345678"  # 140 is not an assigned mobile prefix
    frame = load(write_csv(tmp_path / "f.csv", rows))
    issue = issues_of(frame, "phone").iloc[0]
    assert (issue["row"], issue["action"], issue["value"]) == (4, "rejected", "140****5678")
    assert "invalid phone number" in issue["reason"]


def test_a_formatted_phone_is_normalised_and_reported_as_repaired(tmp_path):
    rows = good_rows()
    rows[0]["phone"] = "+86 138-0000-0000"
    frame = load(write_csv(tmp_path / "f.csv", rows))
    assert frame.data["phone"].iloc[0] == "13800000000"
    assert issues_of(frame, "phone")["action"].tolist() == ["repaired"]


def test_a_duplicate_record_id_rejects_the_later_row_and_names_the_first(tmp_path):
    rows = good_rows()
    rows[4]["record_id"] = rows[1]["record_id"]
    frame = load(write_csv(tmp_path / "f.csv", rows))
    issue = issues_of(frame, "record_id").iloc[0]
    assert issue["row"] == 6 and "first seen on row 3" in issue["reason"]
    assert frame.data["record_id"].is_unique


def test_an_unknown_rating_label_is_rejected_naming_the_scale(tmp_path):
    rows = good_rows()
    rows[3]["system_rating"] = "很好"
    frame = load(write_csv(tmp_path / "f.csv", rows))
    issue = issues_of(frame, "system_rating").iloc[0]
    assert issue["row"] == 5 and "justice3" in issue["reason"]


def test_the_five_level_scale_reads_its_own_labels(tmp_path):
    rows = good_rows()
    rows[0]["system_rating"] = "非常满意"
    frame = load(write_csv(tmp_path / "f.csv", rows), scale="haochaping5")
    assert frame.data["system_rating"].astype(str).iloc[0] == "very_satisfied"


def test_a_future_date_is_rejected(tmp_path):
    rows = good_rows()
    rows[0]["service_date"] = (AS_OF + dt.timedelta(days=1)).isoformat()
    frame = load(write_csv(tmp_path / "f.csv", rows))
    assert issues_of(frame, "service_date")["reason"].str.contains("future").tolist() == [True]


def test_an_unparsable_date_is_rejected_and_other_spellings_are_read(tmp_path):
    rows = good_rows()
    rows[0]["service_date"] = "2024-13-45"
    rows[1]["service_date"] = "2024/3/2"
    rows[2]["service_date"] = "2024年3月3日"
    frame = load(write_csv(tmp_path / "f.csv", rows))
    assert issues_of(frame, "service_date")["row"].tolist() == [2]
    assert frame.data["service_date"].iloc[:2].tolist() == [
        pd.Timestamp("2024-03-02"),
        pd.Timestamp("2024-03-03"),
    ]


def test_a_missing_required_value_is_rejected(tmp_path):
    rows = good_rows()
    rows[5]["staff_id"] = ""
    frame = load(write_csv(tmp_path / "f.csv", rows))
    issue = issues_of(frame, "staff_id").iloc[0]
    assert (issue["row"], issue["reason"]) == (7, "missing value")


def add_cell_to_row(path, row):
    """Append one cell to spreadsheet row ``row`` (header = row 1)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[row - 1] += ",extra"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_a_row_with_too_many_cells_is_rejected_with_its_row_number(tmp_path):
    path = write_csv(tmp_path / "f.csv", good_rows())
    add_cell_to_row(path, 3)
    frame = load(path)
    assert frame.rejected["row"].tolist() == [3]
    assert frame.summary["rows_read"] == 6 and len(frame.data) == 5


def test_rows_after_a_row_with_too_many_cells_keep_their_row_numbers(tmp_path):
    rows = good_rows()
    rows[4]["district"] = "火星区"
    path = write_csv(tmp_path / "f.csv", rows)
    add_cell_to_row(path, 3)
    assert issues_of(load(path), "district")["row"].tolist() == [6]


def test_rows_read_equal_rows_loaded_plus_rows_rejected(tmp_path):
    rows = good_rows(12)
    rows[1]["district"] = "火星区"
    rows[3]["phone"] = "123"
    rows[5]["record_id"] = rows[0]["record_id"]
    rows[7]["system_rating"] = "?"
    rows[9]["district"] = "闸北区"
    frame = load(write_csv(tmp_path / "f.csv", rows))
    summary = frame.summary
    assert summary["rows_read"] == 12 == summary["rows_loaded"] + summary["rows_rejected"]
    assert (summary["rows_rejected"], summary["rows_repaired"]) == (4, 1)
    assert set(frame.rejected["记录编号"]) == {rows[i]["record_id"] for i in (1, 3, 5, 7)}


def test_rejected_rows_keep_the_exported_values_and_list_every_reason(tmp_path):
    rows = good_rows()
    rows[2]["district"] = "火星区"
    rows[2]["system_rating"] = "很好"
    frame = load(write_csv(tmp_path / "f.csv", rows))
    rejected = frame.rejected.iloc[0]
    assert rejected["所属区"] == "火星区" and rejected["评价结果"] == "很好"
    assert "district:" in rejected["reasons"] and "system_rating:" in rejected["reasons"]


def test_a_complaint_flag_that_is_not_yes_or_no_is_rejected(tmp_path):
    rows = good_rows()
    rows[0]["complaint_open"] = "也许"
    rows[1]["complaint_open"] = "是"
    frame = load(write_csv(tmp_path / "f.csv", rows))
    assert issues_of(frame, "complaint_open")["row"].tolist() == [2]
    assert frame.data["complaint_open"].tolist()[:2] == [True, False]


def test_a_byte_order_mark_is_found_by_detection_not_by_the_extension(tmp_path):
    path = tmp_path / "export.txt"
    path.write_bytes(codecs.BOM_UTF8 + export_frame(good_rows()).to_csv(index=False).encode("utf-8"))
    assert load(path).encoding == "utf-8-sig"


@pytest.mark.parametrize("suffix", ["csv", "xlsx", "parquet"])
def test_a_preview_shows_the_first_rows_with_the_exports_headers(tmp_path, suffix):
    table = export_frame(good_rows(30))
    path = tmp_path / f"f.{suffix}"
    if suffix == "csv":
        table.to_csv(path, index=False, encoding="gbk")
    elif suffix == "xlsx":
        table.to_excel(path, index=False)
    else:
        table.to_parquet(path, index=False)
    head, encoding = sampling.preview(path, rows=5)
    assert list(head.columns) == list(table.columns) and len(head) == 5
    assert head["所属区"].tolist() == table["所属区"].head(5).tolist()
    assert encoding == ("gb18030" if suffix == "csv" else None)


def test_progress_is_reported_from_start_to_done(tmp_path):
    stages = []
    load(
        write_csv(tmp_path / "f.csv", good_rows()), progress=lambda stage, done: stages.append((stage, done))
    )
    assert stages[0] == ("reading", 0.0) and stages[-1] == ("done", 1.0)
    assert [done for _, done in stages] == sorted(done for _, done in stages)


def test_rejected_rows_download_as_a_csv_excel_opens(tmp_path):
    rows = good_rows()
    rows[1]["district"] = "火星区"
    frame = load(write_csv(tmp_path / "f.csv", rows))
    data = frame.rejected_csv()
    assert data.startswith(codecs.BOM_UTF8) and "火星区" in data.decode("utf-8-sig")


def test_a_header_only_export_loads_an_empty_frame(tmp_path):
    path = tmp_path / "header.csv"
    path.write_text(",".join(EXPORT_HEADERS.values()) + "\n", encoding="utf-8")
    frame = load(path)
    assert (
        frame.data.empty
        and frame.summary["rows_read"] == 0
        and list(frame.data.columns) == list(FRAME_FIELDS)
    )
