"""Which code and environment made a report's bytes, so that an old report can still be judged honestly.

Why: `huifang verify` proves a published report by rebuilding it from the database byte for byte. That
works only with the same content builders, the same renderer, the same reportlab and the same font
file. A release that adds a section or changes a line's wording can no longer rebuild older PDFs, and
an honest old report must not then look tampered. Each build therefore records its `build_stamp` (in
the signed `report.built` audit entry, and the two versions in the PDF's keywords); `verify` rebuilds
only what the running release can still reproduce and otherwise checks the signed record of the build.

Policy (ARCHITECTURE.md, "Old reports stay verifiable"): one release reproduces one version of each.
- `CONTENT_VERSION`: bump it with any change that alters the `ReportContent` built from the same
  database (a field added to the content, a section, what `survey_app.services.reports` puts in it).
- `RENDERER_VERSION`: bump it with any change that alters the PDF rendered from the same content
  (pdf.py, charts, findings and i18n wording, the map, the keywords).
reportlab's version and the font file's SHA-256 are recorded, not versioned: they belong to the
installation, and the stamp says which ones an old build needs.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from analysis.report.fonts import CJKFont

#: The content schema and what fills it (see the policy above). 1: builds recorded before versions were.
CONTENT_VERSION = 22
#: The renderer (see the policy above). 1: builds recorded before versions were.
RENDERER_VERSION = 19
#: The version of a build whose record carries no stamp (made before this module existed).
UNRECORDED = 1

_font_digests: dict[tuple[str, int, int], str] = {}
_font_lock = threading.Lock()


def font_sha256(font: CJKFont) -> str:
    """The SHA-256 of the embedded font's file ("" for the CID fallback, which embeds no file); cached
    per process by the file's path, size and modification time."""
    if not font.embedded or not font.path:
        return ""
    stat = Path(font.path).stat()
    key = (font.path, stat.st_size, stat.st_mtime_ns)
    with _font_lock:
        if key in _font_digests:
            return _font_digests[key]
    digest = hashlib.sha256()
    with Path(font.path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    with _font_lock:
        _font_digests[key] = digest.hexdigest()
    return _font_digests[key]


def build_stamp(font: CJKFont) -> dict[str, str | int]:
    """What a build with `font` depends on: the two versions, reportlab's version, the font and its file."""
    import reportlab

    return {
        "content": CONTENT_VERSION,
        "renderer": RENDERER_VERSION,
        "reportlab": reportlab.Version,
        "font": font.name,
        "font_sha256": font_sha256(font),
    }


def keywords() -> list[str]:
    """The versions as PDF keywords (`huifang-renderer:2`), so a PDF alone says what made it."""
    return [f"huifang-content:{CONTENT_VERSION}", f"huifang-renderer:{RENDERER_VERSION}"]


def versions_of(recorded: dict | None) -> tuple[int, int]:
    """(content, renderer) versions of a build's stamp; a build without one was made by `UNRECORDED`."""
    recorded = recorded or {}
    return (recorded.get("content", UNRECORDED), recorded.get("renderer", UNRECORDED))


def missing_environment(recorded: dict | None, current: dict) -> list[str]:
    """What of `recorded`'s installation (reportlab, font file) this one lacks, each as a phrase:
    "reportlab 4.2.0 (installed: 5.1.0)"; empty when both match or the stamp does not say."""
    recorded = recorded or {}
    found = []
    if "reportlab" in recorded and recorded["reportlab"] != current["reportlab"]:
        found.append(f"reportlab {recorded['reportlab']} (installed: {current['reportlab']})")
    if "font" in recorded and (recorded["font"], recorded.get("font_sha256")) != (
        current["font"],
        current["font_sha256"],
    ):
        found.append(
            f"the font {recorded['font']} with SHA-256 {(recorded.get('font_sha256') or 'none')[:16]}… "
            f"(installed: {current['font']}, {(current['font_sha256'] or 'none')[:16]}…)"
        )
    return found
