"""The frame fingerprint follows its written definition (sampling/fingerprint.py), byte for byte."""

from __future__ import annotations

import hashlib

import pandas as pd

from sampling import frame_sha256
from sampling.vocabulary import FRAME_FIELDS

DICTIONARY = (
    "event_type",
    "domain",
    "channel",
    "district",
    "district_code",
    "organisation_id",
    "organisation",
    "staff_id",
    "system_rating",
)


def by_definition(rows: list[dict[str, object]]) -> str:
    digest = hashlib.sha256()
    for field in FRAME_FIELDS:
        digest.update(b"field:" + field.encode() + b"\n")
        values = [row.get(field) for row in rows]
        if field in DICTIONARY:
            distinct = sorted({v for v in values if v is not None})
            digest.update(b"dict\n")
            for v in distinct:
                digest.update(len(v.encode()).to_bytes(4, "little") + v.encode())
            digest.update(bytes(distinct.index(v) if v is not None else 255 for v in values))
        elif field == "service_date":
            digest.update(b"D\n")
            for v in values:
                days = (pd.Timestamp(v) - pd.Timestamp("1970-01-01")).days
                digest.update(days.to_bytes(4, "little", signed=True))
        elif field == "rating_time":
            digest.update(b"us\n")
            for v in values:
                if v is None:
                    digest.update((-(2**63)).to_bytes(8, "little", signed=True))
                else:
                    micros = (pd.Timestamp(v) - pd.Timestamp("1970-01-01")) // pd.Timedelta(microseconds=1)
                    digest.update(int(micros).to_bytes(8, "little", signed=True))
        elif field == "complaint_open":
            digest.update(b"flag\n" + bytes(1 if v else 0 for v in values))
        else:
            digest.update(b"text\n")
            for v in values:
                digest.update(len(v.encode()).to_bytes(4, "little") if v is not None else b"\xff\xff\xff\xff")
            digest.update(b"".join(v.encode() for v in values if v is not None))
    return digest.hexdigest()


ROWS = [
    {
        "record_id": "R2",
        "event_type": "服务",
        "domain": "公证",
        "channel": "网络平台",
        "district": "静安区",
        "district_code": "310106",
        "organisation_id": "ORG1",
        "organisation": "机构甲",
        "staff_id": "ORG1-S01",
        "service_date": "2024-03-02",
        "rating_time": "2024-03-02 10:30:00",
        "system_rating": "satisfied",
        "recipient_name": "王𠀀",
        "phone": "13800000000",
        "complaint_open": False,
    },
    {
        "record_id": "R1",
        "event_type": "服务",
        "domain": "律师",
        "channel": "热线平台",
        "district": "黄浦区",
        "district_code": "310101",
        "organisation_id": "ORG2",
        "organisation": "机构乙",
        "staff_id": "ORG2-S01",
        "service_date": "1969-12-31",
        "rating_time": None,
        "system_rating": "dissatisfied",
        "recipient_name": None,
        "phone": "02162123456",
        "complaint_open": True,
    },
]


def as_frame(rows):
    frame = pd.DataFrame(rows)
    for field in DICTIONARY:
        frame[field] = frame[field].astype("category")
    frame["service_date"] = pd.to_datetime(frame["service_date"])
    frame["rating_time"] = pd.to_datetime(frame["rating_time"])
    frame["recipient_name"] = frame["recipient_name"].astype("str")
    return frame


def test_the_fingerprint_is_the_documented_byte_stream():
    assert frame_sha256(as_frame(ROWS)) == by_definition(ROWS)


def test_the_fingerprint_does_not_depend_on_how_pandas_holds_the_text():
    plain = as_frame(ROWS)
    for field in DICTIONARY:
        plain[field] = plain[field].astype("str")
    assert frame_sha256(plain) == frame_sha256(as_frame(ROWS))


def test_row_order_is_part_of_the_fingerprint():
    assert frame_sha256(as_frame(ROWS[::-1])) != frame_sha256(as_frame(ROWS))
