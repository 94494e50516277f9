"""Exports keep no personal data and carry value labels into SPSS and Stata."""

from __future__ import annotations

import pandas as pd
import pyreadstat
import pytest

from analysis import ExportError, analysis_dataset, export_dataset
from analysis.exports import VARIABLE_LABELS, fitted_label, ordered_code_labels


@pytest.fixture
def dataset():
    return pd.DataFrame(
        {
            "record_id": ["R1", "R2", "R3"],
            "district": ["黄浦区", "徐汇区", "黄浦区"],
            "system_rating": ["satisfied", "dissatisfied", "basically_satisfied"],
            "sat_overall": ["satisfied", "dk", "dissatisfied"],
            "weight": [10.5, 20.0, 10.5],
            "phone": ["13812345678", "13912345678", "13712345678"],
        }
    )


def test_analysis_dataset_drops_personal_fields(dataset):
    assert "phone" not in analysis_dataset(dataset).columns


def test_export_refuses_personal_data(dataset, tmp_path):
    with pytest.raises(ExportError, match="phone"):
        export_dataset(dataset, tmp_path / "out.csv")


@pytest.mark.parametrize("suffix", ["sav", "dta"])
def test_spss_and_stata_files_carry_chinese_value_labels_in_scale_order(dataset, tmp_path, suffix):
    path = export_dataset(
        analysis_dataset(dataset), tmp_path / f"out.{suffix}", variable_labels={"weight": "权重"}
    )
    reader = pyreadstat.read_sav if suffix == "sav" else pyreadstat.read_dta
    data, meta = reader(str(path))
    labels = meta.variable_value_labels["system_rating"]
    assert labels == {1.0: "满意", 2.0: "基本满意", 3.0: "不满意"} or labels == {
        1: "满意",
        2: "基本满意",
        3: "不满意",
    }
    assert data["system_rating"].tolist() == [1, 3, 2]
    assert meta.variable_value_labels["sat_overall"][data["sat_overall"][1]] == "说不清"
    assert data["weight"].tolist() == [10.5, 20.0, 10.5]


def test_csv_keeps_codes_and_reads_back(dataset, tmp_path):
    path = export_dataset(analysis_dataset(dataset), tmp_path / "out.csv")
    back = pd.read_csv(path, encoding="utf-8-sig")
    assert back["sat_overall"].tolist() == ["satisfied", "dk", "dissatisfied"]


def test_excel_has_a_labels_sheet(dataset, tmp_path):
    path = export_dataset(analysis_dataset(dataset), tmp_path / "out.xlsx")
    labels = pd.read_excel(path, sheet_name="labels")
    assert ("sat_overall", "dk", "说不清") in set(labels.itertuples(index=False, name=None))


def test_unknown_format_is_rejected(dataset, tmp_path):
    with pytest.raises(ExportError, match="format"):
        export_dataset(analysis_dataset(dataset), tmp_path / "out.json")


@pytest.mark.parametrize("suffix", ["sav", "dta"])
def test_known_columns_get_chinese_variable_labels_when_none_are_given(dataset, tmp_path, suffix):
    path = export_dataset(analysis_dataset(dataset), tmp_path / f"out.{suffix}")
    reader = pyreadstat.read_sav if suffix == "sav" else pyreadstat.read_dta
    _, meta = reader(str(path))
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    assert labels["system_rating"] == VARIABLE_LABELS["system_rating"]
    assert labels["district"] == VARIABLE_LABELS["district"]


@pytest.mark.parametrize("suffix", ["sav", "dta"])
def test_a_label_longer_than_the_format_stores_is_cut_with_an_ellipsis(dataset, tmp_path, suffix):
    long = "您对这次服务的办事环境和便捷程度是否满意" * 10
    path = export_dataset(
        analysis_dataset(dataset), tmp_path / f"out.{suffix}", variable_labels={"weight": long}
    )
    reader = pyreadstat.read_sav if suffix == "sav" else pyreadstat.read_dta
    _, meta = reader(str(path))
    label = dict(zip(meta.column_names, meta.column_labels, strict=True))["weight"]
    assert label.endswith("…") and long.startswith(label[:-1])
    assert label == fitted_label(long, suffix, "variable")


def test_dotted_codes_are_ordered_as_numbers_and_keep_their_code_in_the_label():
    ordered = ordered_code_labels({"3.18": "错号", "2.11": "拒访", "1.1": "完成访问", "2.2": "未接触"})
    assert list(ordered) == ["1.1", "2.2", "2.11", "3.18"]
    assert ordered["2.11"] == "2.11 拒访"
