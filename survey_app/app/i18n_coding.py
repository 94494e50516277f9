"""The app's strings for open-comment coding, zh and en; merged into `i18n.STRINGS`."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {}
