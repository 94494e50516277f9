"""Find and register a CJK font reportlab can embed.

reportlab embeds only TrueType-outline fonts: Noto CJK (CFF outlines) fails with "postscript outlines
are not supported". WenQuanYi Micro Hei works and is the default; `HUIFANG_CJK_FONT` (a path, with an
optional `#index` for .ttc collections) overrides the search. With no usable font, the report falls
back to reportlab's built-in CID font STSong-Light, which viewers supply themselves (not embedded).
"""

from __future__ import annotations

import os
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from analysis.report.errors import FontError

FONT_ENV = "HUIFANG_CJK_FONT"
FALLBACK_CID_FONT = "STSong-Light"

#: Known TrueType-outline CJK fonts, most preferred first, with the subfont index inside a .ttc.
KNOWN_FONTS: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/wqy-microhei/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
    ("/System/Library/Fonts/Supplemental/Songti.ttc", 0),
    ("C:/Windows/Fonts/msyh.ttc", 0),
    ("C:/Windows/Fonts/simsun.ttc", 0),
)


class CJKFontFallbackWarning(UserWarning):
    """No embeddable CJK font: the PDF uses a viewer-supplied font and may not render everywhere."""


@dataclass(frozen=True)
class CJKFont:
    """A CJK font ready for reportlab: `name` is registered; `embedded` False means the CID fallback."""

    name: str
    path: str | None
    subfont_index: int
    embedded: bool


_lock = threading.Lock()


def find_cjk_font(candidates: tuple[tuple[str, int], ...] | None = None) -> CJKFont | None:
    """The first embeddable TrueType CJK font: `HUIFANG_CJK_FONT` first, then `candidates`.

    Returns None when none is usable. A font named in the environment that cannot be used raises
    FontError, since someone asked for it on purpose.
    """
    override = os.environ.get(FONT_ENV, "").strip()
    if override:
        path, _, index = override.partition("#")
        font = _load(path, int(index or 0))
        if isinstance(font, str):
            raise FontError(
                f"{FONT_ENV}={override}: {font}. Point it at a TrueType-outline CJK font (.ttf/.ttc)."
            )
        return font
    for path, index in KNOWN_FONTS if candidates is None else candidates:
        if Path(path).is_file():
            font = _load(path, index)
            if not isinstance(font, str):
                return font
    return None


def report_font(candidates: tuple[tuple[str, int], ...] | None = None) -> CJKFont:
    """The font the report uses: an embeddable one, or the CID fallback with a warning."""
    font = find_cjk_font(candidates)
    if font is not None:
        return font
    warnings.warn(
        f"No embeddable TrueType CJK font found (searched {FONT_ENV} and {len(KNOWN_FONTS)} known paths); "
        f"falling back to the built-in CID font {FALLBACK_CID_FONT}, which is NOT embedded. "
        "Install fonts-wqy-microhei or set HUIFANG_CJK_FONT to a TrueType CJK font.",
        CJKFontFallbackWarning,
        stacklevel=3,
    )
    with _lock:
        if FALLBACK_CID_FONT not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_CID_FONT))
    return CJKFont(name=FALLBACK_CID_FONT, path=None, subfont_index=0, embedded=False)


def _load(path: str, index: int) -> CJKFont | str:
    """Register the font at `path`, or return why it cannot be used."""
    name = f"HuifangCJK-{Path(path).stem}-{index}"
    with _lock:
        if name in pdfmetrics.getRegisteredFontNames():
            return CJKFont(name=name, path=path, subfont_index=index, embedded=True)
        try:
            font = TTFont(name, path, subfontIndex=index)
        except TTFError as error:
            reason = str(error)
            if "postscript outlines" in reason.lower():
                return f"{path} has PostScript (CFF) outlines, which reportlab cannot embed"
            return f"{path} cannot be read as a TrueType font ({reason})"
        except OSError as error:
            return f"{path} cannot be opened ({error.strerror or error})"
        if ord("中") not in font.face.charToGlyph:
            return f"{path} has no Chinese glyphs"
        pdfmetrics.registerFont(font)
    return CJKFont(name=name, path=path, subfont_index=index, embedded=True)
