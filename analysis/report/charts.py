"""Vector charts drawn with reportlab.graphics: deterministic, embedded fonts, no raster images."""

from __future__ import annotations

import math

import pandas as pd
from reportlab.graphics.shapes import Circle, Drawing, Line, Polygon, Rect, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from analysis.report.formatting import format_rate

ROW_HEIGHT = 14.0
LABEL_WIDTH = 120.0
AXIS_HEIGHT = 22.0
FONT_SIZE = 7.5
BAR_COLOUR = colors.HexColor("#4a78b5")
SYSTEM_COLOUR = colors.HexColor("#c0392b")
THIRD_PARTY_COLOUR = colors.HexColor("#1f4e79")
GRID_COLOUR = colors.HexColor("#d9d9d9")
#: Label colour of a unit with insufficient evidence (neither flagged nor cleared).
MUTED_COLOUR = colors.HexColor("#8a8a8a")


def _axis(
    drawing: Drawing,
    x0: float,
    x1: float,
    y: float,
    low: float,
    high: float,
    font: str,
    top: float | None = None,
) -> None:
    """Ticks and percentage labels every 10 points along the bottom, with light grid lines up to `top`."""
    top = drawing.height if top is None else top
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


LEGEND_HEIGHT = 14.0


def _diamond(x: float, y: float, size: float = 3.2) -> Polygon:
    return Polygon(
        [x, y + size, x + size, y, x, y - size, x - size, y], fillColor=SYSTEM_COLOUR, strokeColor=None
    )


def _legend(drawing: Drawing, x: float, y: float, labels: tuple[str, str], font: str) -> None:
    """System rate (diamond) and third-party rate (dot with its interval), in one line at (x, y)."""
    system, third = labels
    drawing.add(_diamond(x + 4, y + 2.5))
    drawing.add(String(x + 11, y, system, fontName=font, fontSize=FONT_SIZE))
    offset = x + 18 + stringWidth(system, font, FONT_SIZE)
    drawing.add(Line(offset, y + 2.5, offset + 16, y + 2.5, strokeColor=THIRD_PARTY_COLOUR, strokeWidth=0.8))
    drawing.add(Circle(offset + 8, y + 2.5, 2.4, fillColor=THIRD_PARTY_COLOUR, strokeColor=None))
    drawing.add(String(offset + 21, y, third, fontName=font, fontSize=FONT_SIZE))


def unit_dot_chart(
    units: pd.DataFrame,
    labels: list[str],
    width: float,
    font: str,
    low: float,
    *,
    legend: tuple[str, str] | None = None,
    notes: list[str] | None = None,
    label_width: float = LABEL_WIDTH,
    notes_width: float = 0.0,
    row_height: float = ROW_HEIGHT,
) -> Drawing:
    """Per unit: the system rate (diamond) and the third-party rate (dot) with its CI, from `low` to 100 %.
    Flagged units' names are red; with a `status` column, "insufficient evidence" names are grey.

    `legend` (system, third-party wording) adds a key above the rows; `notes` a text per row on the
    right (e.g. a flagged unit's evidence) in a column `notes_width` wide."""
    rows = len(units)
    top = LEGEND_HEIGHT if legend else 0.0
    height = AXIS_HEIGHT + rows * row_height + 4 + top
    size = min(FONT_SIZE, row_height - 2.5)
    drawing = Drawing(width, height, initialFontName=font, initialFontSize=FONT_SIZE)
    x0, x1 = label_width, width - 10 - notes_width
    _axis(drawing, x0, x1, AXIS_HEIGHT - 6, low, 1.0, font, top=height - top)
    if legend:
        _legend(drawing, x0, height - LEGEND_HEIGHT + 3, legend, font)
    # The five columns drawn, as plain lists: `itertuples` would build a namedtuple class per chart and
    # convert every column of the (wide) unit table row by row — most of the chart's time.
    statuses = units["status"].tolist() if "status" in units.columns else [""] * rows
    rows_drawn = zip(
        units["flagged"].tolist(),
        statuses,
        units["third_party_ci_low"].tolist(),
        units["third_party_ci_high"].tolist(),
        units["third_party_rate"].tolist(),
        units["system_rate"].tolist(),
        strict=True,
    )
    for position, (label, row) in enumerate(zip(labels, rows_drawn, strict=True)):
        y = height - top - (position + 1) * row_height + (row_height - 4) / 2
        flagged_value, status, ci_low_value, ci_high_value, third_party_rate, system_rate = row
        flagged = bool(flagged_value)
        muted = status == "insufficient_evidence"
        drawing.add(
            String(
                x0 - 4,
                y - 2.5,
                label,
                fontName=font,
                fontSize=size,
                textAnchor="end",
                fillColor=SYSTEM_COLOUR if flagged else MUTED_COLOUR if muted else colors.black,
            )
        )
        if notes:
            drawing.add(String(x1 + 8, y - 2.5, notes[position], fontName=font, fontSize=size - 0.5))
        if not (math.isnan(ci_low_value) or math.isnan(ci_high_value)):
            ci_low = _scale(ci_low_value, low, 1.0, x0, x1)
            ci_high = _scale(ci_high_value, low, 1.0, x0, x1)
            drawing.add(Line(ci_low, y, ci_high, y, strokeColor=THIRD_PARTY_COLOUR, strokeWidth=0.8))
        if not math.isnan(third_party_rate):
            x = _scale(third_party_rate, low, 1.0, x0, x1)
            drawing.add(Circle(x, y, 2.4, fillColor=THIRD_PARTY_COLOUR, strokeColor=None))
        if not math.isnan(system_rate):
            drawing.add(_diamond(_scale(system_rate, low, 1.0, x0, x1), y))
    return drawing


def area_units(areas: pd.DataFrame) -> pd.DataFrame:
    """Area rows (`AREA_COLUMNS`) in the shape `unit_dot_chart` reads; an area whose system rate is
    above its interval is marked like a flagged unit."""
    return pd.DataFrame(
        {
            "system_rate": areas["system_rate"].astype(float).to_numpy(),
            "third_party_rate": areas["estimate"].astype(float).to_numpy(),
            "third_party_ci_low": areas["ci_low"].astype(float).to_numpy(),
            "third_party_ci_high": areas["ci_high"].astype(float).to_numpy(),
            "flagged": (areas["system_rate"] > areas["ci_high"]).to_numpy(),
        }
    )


def chart_floor(units: pd.DataFrame) -> float:
    """The left end of the unit chart: the lowest value shown, rounded down to 10 points, and at most
    90% — where every value shown is 100% (an area whose units all publish 100% and none has a
    callback interval) the axis still spans ten points instead of dividing by a zero width."""
    values = pd.concat([units["system_rate"], units["third_party_ci_low"]]).dropna()
    if values.empty:
        return 0.0
    return min(0.9, max(0.0, math.floor(float(values.min()) * 10) / 10))
