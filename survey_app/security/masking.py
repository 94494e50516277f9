"""Masking of personal data: what people see unless a reveal is needed (and logged)."""

from __future__ import annotations


def mask_phone(phone: str | None) -> str:
    """138****5678 for mobiles; keep the area code and last 4 digits of fixed lines."""
    if not phone:
        return ""
    digits = "".join(ch for ch in str(phone) if ch.isdigit())
    if len(digits) == 11 and digits.startswith("1"):
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) >= 7:
        return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"
    return "*" * len(digits)


def mask_name(name: str | None) -> str:
    """张* for two characters, 张*明 for three or more; Latin names keep their first letter."""
    if not name:
        return ""
    text = str(name).strip()
    if len(text) <= 1:
        return "*"
    if len(text) == 2:
        return text[0] + "*"
    if text.isascii():
        return text[0] + "*" * (len(text) - 1)
    return text[0] + "*" * (len(text) - 2) + text[-1]
