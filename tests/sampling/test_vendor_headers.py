"""Header guessing knows the headers vendors' exports use besides the rating system's own."""

from __future__ import annotations

import pytest

import sampling


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("业务类型", "domain"),
        ("服务渠道", "channel"),
        ("工作人员工号", "staff_id"),
        ("姓名", "recipient_name"),
    ],
)
def test_a_vendor_header_is_guessed(header, field):
    assert sampling.resolve_mapping([header], None) == {header: field}
