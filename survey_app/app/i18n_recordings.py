"""The app's strings for call recordings and click-to-dial, zh and en; merged into `i18n.STRINGS`."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {}
