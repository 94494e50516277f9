"""The app's strings for self-completion by link, SMS invitations and mixed mode, zh and en; merged into `i18n.STRINGS`."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {}
