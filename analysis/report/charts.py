"""Vector charts drawn with reportlab.graphics: deterministic, embedded fonts, no raster images."""

from __future__ import annotations

import math

import pandas as pd
from reportlab.graphics.shapes import Circle, Drawing, Line, Polygon, Rect, String
from reportlab.lib import colors

from analysis.report.formatting import format_rate

ROW_HEIGHT = 14.0
LABEL_WIDTH = 120.0
AXIS_HEIGHT = 22.0
FONT_SIZE = 7.5
BAR_COLOUR = colors.HexColor("#4a78b5")
SYSTEM_COLOUR = colors.HexColor("#c0392b")
THIRD_PARTY_COLOUR = colors.HexColor("#1f4e79")
GRID_COLOUR = colors.HexColor("#d9d9d9")


def _axis(drawing: Drawing, x0: float, x1: float, y: float, low: float, high: float, font: str) -> None:
    """Ticks and percentage labels every 10 points along the bottom, with light grid lines above."""
    top = drawing.height
    drawing.add(Line(x0, y, x1, y, strokeColor=colors.black, strokeWidth=0.5))
    tick = low
    while tick <= high + 1e-9:
        x = x0 + (tick - low) / (high - low) * (x1 - x0)
        drawing.add(Line(x, y, x, top, strokeColor=GRID_COLOUR, strokeWidth=0.3))
        drawing.add(Line(x, y - 3, x, y, strokeColor=colors.black, strokeWidth=0.5))
        drawing.add(
            String(x, y - 11, format_rate(tick, 0), fontName=font, fontSize=FONT_SIZE, textAnchor="middle")
        )
        tick = round(tick + 0.1, 10)


def _scale(value: float, low: float, high: float, x0: float, x1: float) -> float:
    clipped = min(max(value, low), high)
    return x0 + (clipped - low) / (high - low) * (x1 - x0)


def group_bar_chart(table: pd.DataFrame, labels: list[str], width: float, font: str) -> Drawing:
    """Horizontal bars of `estimate` from 0 to 100 %, with CI whiskers, one row per group."""
    rows = len(table)
    height = AXIS_HEIGHT + rows * ROW_HEIGHT + 4
    drawing = Drawing(width, height, initialFontName=font, initialFontSize=FONT_SIZE)
    x0, x1 = LABEL_WIDTH, width - 10
    _axis(drawing, x0, x1, AXIS_HEIGHT - 6, 0.0, 1.0, font)
    for position, (label, row) in enumerate(zip(labels, table.itertuples(index=False), strict=True)):
        y = height - (position + 1) * ROW_HEIGHT
        drawing.add(String(x0 - 4, y + 3, label, fontName=font, fontSize=FONT_SIZE, textAnchor="end"))
        if not math.isnan(row.estimate):
            bar = _scale(row.estimate, 0.0, 1.0, x0, x1) - x0
            drawing.add(Rect(x0, y, bar, ROW_HEIGHT - 4, fillColor=BAR_COLOUR, strokeColor=None))
        if not (math.isnan(row.ci_low) or math.isnan(row.ci_high)):
            low, high = _scale(row.ci_low, 0.0, 1.0, x0, x1), _scale(row.ci_high, 0.0, 1.0, x0, x1)
            middle = y + (ROW_HEIGHT - 4) / 2
            drawing.add(Line(low, middle, high, middle, strokeColor=colors.black, strokeWidth=0.7))
            drawing.add(Line(low, middle - 2.5, low, middle + 2.5, strokeColor=colors.black, strokeWidth=0.7))
            drawing.add(
                Line(high, middle - 2.5, high, middle + 2.5, strokeColor=colors.black, strokeWidth=0.7)
            )
    return drawing


def unit_dot_chart(units: pd.DataFrame, labels: list[str], width: float, font: str, low: float) -> Drawing:
    """Per unit: the system rate (diamond) and the third-party rate (dot) with its CI, from `low` to 100 %."""
    rows = len(units)
    height = AXIS_HEIGHT + rows * ROW_HEIGHT + 4
    drawing = Drawing(width, height, initialFontName=font, initialFontSize=FONT_SIZE)
    x0, x1 = LABEL_WIDTH, width - 10
    _axis(drawing, x0, x1, AXIS_HEIGHT - 6, low, 1.0, font)
    for position, (label, row) in enumerate(zip(labels, units.itertuples(index=False), strict=True)):
        y = height - (position + 1) * ROW_HEIGHT + (ROW_HEIGHT - 4) / 2
        flagged = bool(row.flagged)
        drawing.add(
            String(
                x0 - 4,
                y - 2.5,
                label,
                fontName=font,
                fontSize=FONT_SIZE,
                textAnchor="end",
                fillColor=SYSTEM_COLOUR if flagged else colors.black,
            )
        )
        if not (math.isnan(row.third_party_ci_low) or math.isnan(row.third_party_ci_high)):
            ci_low = _scale(row.third_party_ci_low, low, 1.0, x0, x1)
            ci_high = _scale(row.third_party_ci_high, low, 1.0, x0, x1)
            drawing.add(Line(ci_low, y, ci_high, y, strokeColor=THIRD_PARTY_COLOUR, strokeWidth=0.8))
        if not math.isnan(row.third_party_rate):
            x = _scale(row.third_party_rate, low, 1.0, x0, x1)
            drawing.add(Circle(x, y, 2.4, fillColor=THIRD_PARTY_COLOUR, strokeColor=None))
        if not math.isnan(row.system_rate):
            x = _scale(row.system_rate, low, 1.0, x0, x1)
            drawing.add(
                Polygon(
                    [x, y + 3.2, x + 3.2, y, x, y - 3.2, x - 3.2, y],
                    fillColor=SYSTEM_COLOUR,
                    strokeColor=None,
                )
            )
    return drawing


def chart_floor(units: pd.DataFrame) -> float:
    """The left end of the unit chart: the lowest value shown, rounded down to 10 points."""
    values = pd.concat([units["system_rate"], units["third_party_ci_low"]]).dropna()
    if values.empty:
        return 0.0
    return max(0.0, math.floor(float(values.min()) * 10) / 10)
