"""Small exports written inside the tests, so each bad-input test shows the file it reads."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from sampling.vocabulary import EXPORT_HEADERS

AS_OF = dt.date(2024, 6, 30)


def good_rows(count: int = 6) -> list[dict[str, str]]:
    """Valid export rows (Chinese headers) with distinct ids and valid Shanghai mobiles."""
    districts = ["黄浦区", "徐汇区", "浦东新区"]
    domains = ["律师", "公证"]
    ratings = ["满意", "基本满意", "不满意"]
    rows = []
    for i in range(count):
        rows.append(
            {
                "record_id": f"R{i + 1:05d}",
                "event_type": "服务",
                "domain": domains[i % 2],
                "channel": "网络平台",
                "district": districts[i % 3],
                "district_code": "",
                "organisation_id": f"ORG{i % 2 + 1:04d}",
                "organisation": f"机构{i % 2 + 1}",
                "staff_id": f"ORG{i % 2 + 1:04d}-S01",
                "service_date": f"2024-03-{i % 28 + 1:02d}",
                "rating_time": f"2024-03-{i % 28 + 1:02d} 10:00:00",
                "system_rating": ratings[i % 3],
                "recipient_name": f"张{i}",
                "phone": f"138{i:08d}",
                "complaint_open": "否",
            }
        )
    return rows


def export_frame(rows: list[dict[str, str]]) -> pd.DataFrame:
    """Rows keyed by field → a DataFrame with the export's Chinese headers."""
    return pd.DataFrame(rows).rename(columns=EXPORT_HEADERS)


def write_csv(path: Path, rows: list[dict[str, str]], encoding: str = "utf-8") -> Path:
    export_frame(rows).to_csv(path, index=False, encoding=encoding)
    return path


@pytest.fixture
def as_of() -> dt.date:
    return AS_OF
