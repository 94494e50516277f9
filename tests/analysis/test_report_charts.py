"""The report's unit chart (`analysis.report.charts`): its axis spans the values it shows."""

from __future__ import annotations

import math

import pandas as pd

from analysis.report import charts


def units(system: list[float], ci_low: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "system_rate": system,
            "third_party_rate": [math.nan] * len(system),
            "third_party_ci_low": ci_low,
            "third_party_ci_high": [math.nan] * len(system),
            "flagged": [False] * len(system),
        }
    )


def test_the_axis_starts_at_the_lowest_value_shown_rounded_down_to_ten_points():
    assert charts.chart_floor(units([0.97, 0.88], [0.74, math.nan])) == 0.7


def test_an_area_whose_units_all_publish_100_percent_without_callbacks_gets_a_ninety_to_100_axis():
    """Seen on a small staff-design demo (frame seed 105): every unit of a district at 100% and none
    with a callback interval; the axis then had zero width and the report's build divided by zero."""
    shown = units([1.0, 1.0], [math.nan, math.nan])
    floor = charts.chart_floor(shown)
    drawing = charts.unit_dot_chart(shown, ["A", "B"], 400, "Helvetica", floor)
    assert floor == 0.9 and drawing.height > 0
