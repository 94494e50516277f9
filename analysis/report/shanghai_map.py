"""A tile map of Shanghai's 16 districts and the municipal bureau (市局), coloured by the rating gap.

A tile map, not an outline: each district is one square (浦东 and 闵行 two) placed roughly where it
lies — 崇明 in the north, 金山 and 奉贤 in the south, the seven central districts in the middle — so
that every district gets the same room for its name and figure however small it is on the ground.
The layout is data in this module: nothing is fetched when a report is drawn. 市局 has no territory
and sits apart, with a dashed border.

Colour = the system 满意率 minus the third-party 满意率 (percentage points), in bins a reader can
name; a thick dark border marks a district whose system rate lies above the upper end of its
callback interval (the difference is larger than sampling error explains).
"""

from __future__ import annotations

import math

import pandas as pd
from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from analysis.report.formatting import format_points
from sampling.vocabulary import DISTRICT_EN, DISTRICTS

#: (column, row, columns spanned, rows spanned); row 0 is the north. 5 columns × 5 rows.
TILES: dict[str, tuple[int, int, int, int]] = {
    "市局": (0, 0, 1, 1),
    "崇明区": (3, 0, 2, 1),
    "嘉定区": (1, 1, 1, 1),
    "宝山区": (3, 1, 1, 1),
    "青浦区": (0, 2, 1, 1),
    "普陀区": (1, 2, 1, 1),
    "静安区": (2, 2, 1, 1),
    "虹口区": (3, 2, 1, 1),
    "杨浦区": (4, 2, 1, 1),
    "松江区": (0, 3, 1, 1),
    "长宁区": (1, 3, 1, 1),
    "徐汇区": (2, 3, 1, 1),
    "黄浦区": (3, 3, 1, 1),
    "浦东新区": (4, 3, 1, 2),
    "金山区": (0, 4, 1, 1),
    "闵行区": (1, 4, 2, 1),
    "奉贤区": (3, 4, 1, 1),
}
COLUMNS, ROWS = 5, 5
MUNICIPAL = "市局"

#: Upper bounds (points) of the colour bins of system − third party, with their colours.
BINS: tuple[tuple[float, str], ...] = (
    (0.0, "#4f9a6b"),
    (3.0, "#f3e79b"),
    (6.0, "#f0a35e"),
    (math.inf, "#c9473f"),
)
NO_DATA = "#d9d9d9"
SIGNIFICANT_BORDER = colors.HexColor("#1a1a1a")

_LEGEND = {
    "zh": (
        "系统不高于回访",
        "高 0–3 个百分点",
        "高 3–6 个百分点",
        "高 6 个百分点以上",
        "无回访回答",
        "粗黑框：系统满意率超出本区回访区间上限",
        "颜色 = 系统满意率 − 回访满意率",
    ),
    "en": (
        "System not above callbacks",
        "0–3 points higher",
        "3–6 points higher",
        "over 6 points higher",
        "no callback answers",
        "Thick border: system rate above the callback interval",
        "Colour = system rate − callback rate",
    ),
}


def short_name(district: str, lang: str) -> str:
    """The name printed on a tile: 浦东新区 → 浦东, 黄浦区 → 黄浦; English names as in the vocabulary."""
    if lang == "en":
        return "Municipal" if district == MUNICIPAL else DISTRICT_EN.get(district, district)
    return district.removesuffix("新区").removesuffix("区")


def gap_colour(gap: float) -> str:
    """The fill of a tile for a gap in proportions (0.032 = 3.2 points); grey when unknown."""
    if math.isnan(gap):
        return NO_DATA
    points = 100 * gap
    for upper, colour in BINS:
        if points <= upper:
            return colour
    return BINS[-1][1]


def tile_layout() -> pd.DataFrame:
    """The tiles as a table (district, column, row, width, height) for other renderers (the app)."""
    return pd.DataFrame(
        [(name, *place) for name, place in TILES.items()],
        columns=["district", "column", "row", "width", "height"],
    )


def shanghai_map(districts: pd.DataFrame, width: float, font: str, lang: str) -> Drawing:
    """The tile map with its legend; `districts` has `area`, `system_rate`, `estimate`, `ci_high`."""
    figures = districts.set_index("area")
    tile = width / COLUMNS
    tile_height = tile * 0.62
    legend_rows = 7
    legend_height = legend_rows * 11.0 + 6
    height = ROWS * tile_height + legend_height
    drawing = Drawing(width, height, initialFontName=font, initialFontSize=7.5)
    for name, (column, row, span_x, span_y) in TILES.items():
        x = column * tile + 1.5
        y = height - (row + span_y) * tile_height + 1.5
        w, h = span_x * tile - 3, span_y * tile_height - 3
        if name in figures.index:
            data = figures.loc[name]
            gap = float(data["system_rate"]) - float(data["estimate"])
            significant = float(data["system_rate"]) > float(data["ci_high"])
        else:
            gap, significant = math.nan, False
        fill = colors.HexColor(gap_colour(gap))
        border = SIGNIFICANT_BORDER if significant else colors.white
        rect = Rect(x, y, w, h, fillColor=fill, strokeColor=border, strokeWidth=2.2 if significant else 0.8)
        if name == MUNICIPAL:
            rect.strokeColor = SIGNIFICANT_BORDER if significant else colors.HexColor("#7a7a7a")
            rect.strokeDashArray = None if significant else [2, 2]
        drawing.add(rect)
        middle = x + w / 2
        centre = y + h / 2
        label = short_name(name, lang)
        size = min(8.0, 8.0 * (w - 4) / max(stringWidth(label, font, 8.0), 1e-9))  # shrink a long name to fit
        drawing.add(String(middle, centre + 1.5, label, fontName=font, fontSize=size, textAnchor="middle"))
        drawing.add(
            String(
                middle,
                centre - 8,
                "–" if math.isnan(gap) else format_points(gap),
                fontName=font,
                fontSize=7,
                textAnchor="middle",
            )
        )
    words = _LEGEND[lang]
    y = legend_height - 12
    drawing.add(String(0, y, words[6], fontName=font, fontSize=7))
    swatches = [colour for _, colour in BINS] + [NO_DATA]
    for index, colour in enumerate(swatches):
        y -= 11
        drawing.add(Rect(0, y - 1, 12, 8, fillColor=colors.HexColor(colour), strokeColor=None))
        drawing.add(String(16, y, words[index], fontName=font, fontSize=7))
    y -= 11
    drawing.add(
        Rect(0, y - 1, 12, 8, fillColor=colors.white, strokeColor=SIGNIFICANT_BORDER, strokeWidth=1.6)
    )
    drawing.add(String(16, y, words[5], fontName=font, fontSize=6.5))
    return drawing


def known_districts() -> set[str]:
    """Every district the map draws: the vocabulary's 16 districts and 市局."""
    return set(DISTRICTS)
