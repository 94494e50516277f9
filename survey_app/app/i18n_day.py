"""The app's strings added for issue 13's last stumbles (mapping form, recent contacts, weighting,
uploader texts), zh and en; merged into `i18n.STRINGS`."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "frames.column_twice": {
        "zh": "导出列“{column}”被同时选为多个字段（{fields}）：一列只能对应一个字段。",
        "en": "The export column “{column}” is chosen for several fields ({fields}): a column holds one field.",
    },
}
