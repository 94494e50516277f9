"""The tile map of Shanghai: every district has one place, tiles never overlap, colours follow the gap."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from reportlab.graphics.shapes import Rect, String

from analysis.report.shanghai_map import (
    BINS,
    COLUMNS,
    NO_DATA,
    ROWS,
    TILES,
    gap_colour,
    shanghai_map,
    short_name,
    tile_layout,
)
from sampling.vocabulary import DISTRICTS


def test_every_district_and_the_municipal_bureau_has_a_tile() -> None:
    assert set(TILES) == set(DISTRICTS)


def test_tiles_stay_on_the_grid_and_never_overlap() -> None:
    cells: dict[tuple[int, int], str] = {}
    for name, (column, row, width, height) in TILES.items():
        assert column >= 0 and column + width <= COLUMNS and row >= 0 and row + height <= ROWS
        for x in range(column, column + width):
            for y in range(row, row + height):
                assert (x, y) not in cells, f"{name} overlaps {cells[(x, y)]}"
                cells[(x, y)] = name


def test_north_is_up_chongming_above_and_jinshan_below_the_centre() -> None:
    assert TILES["崇明区"][1] < TILES["静安区"][1] < TILES["金山区"][1]
    assert TILES["青浦区"][0] < TILES["浦东新区"][0]


@pytest.mark.parametrize(
    ("gap", "colour"),
    [(-0.02, BINS[0][1]), (0.0, BINS[0][1]), (0.02, BINS[1][1]), (0.05, BINS[2][1]), (0.08, BINS[3][1])],
)
def test_a_tile_is_coloured_by_the_bin_of_its_gap_in_points(gap: float, colour: str) -> None:
    assert gap_colour(gap) == colour


def test_a_district_without_answers_is_grey() -> None:
    assert gap_colour(math.nan) == NO_DATA


def test_tile_names_are_short() -> None:
    assert short_name("浦东新区", "zh") == "浦东"
    assert short_name("黄浦区", "zh") == "黄浦"
    assert short_name("市局", "zh") == "市局"
    assert short_name("浦东新区", "en") == "Pudong"


def test_the_layout_table_lists_every_tile_for_other_renderers() -> None:
    layout = tile_layout()
    assert list(layout.columns) == ["district", "column", "row", "width", "height"]
    assert set(layout["district"]) == set(TILES)


def figures(**gaps: tuple[float, float]) -> pd.DataFrame:
    """Districts with (system rate, callback estimate); the interval is ±3 points."""
    return pd.DataFrame(
        [
            {"area": name, "system_rate": system, "estimate": estimate, "ci_high": estimate + 0.03}
            for name, (system, estimate) in gaps.items()
        ]
    )


def tile(drawing, fill: str) -> list[Rect]:
    return [
        shape
        for shape in drawing.contents
        if isinstance(shape, Rect)
        and shape.fillColor is not None
        and shape.fillColor.hexval()[2:] == fill[1:]
    ]


def test_a_district_beyond_its_interval_gets_a_thick_border_and_one_within_does_not() -> None:
    data = figures(浦东新区=(0.95, 0.85), 黄浦区=(0.87, 0.85))
    drawing = shanghai_map(data, 220, "Helvetica", "en")
    beyond = [rect for rect in tile(drawing, BINS[3][1]) if rect.width > 20]
    within = [rect for rect in tile(drawing, BINS[1][1]) if rect.width > 20]
    assert [rect.strokeWidth for rect in beyond] == [2.2]
    assert [rect.strokeWidth for rect in within] == [0.8]


def test_every_tile_prints_its_gap_in_points_and_missing_ones_a_dash() -> None:
    drawing = shanghai_map(figures(浦东新区=(0.95, 0.85)), 220, "Helvetica", "en")
    words = [shape.text for shape in drawing.contents if isinstance(shape, String)]
    assert "+10.0" in words
    assert words.count("–") == len(TILES) - 1
    assert "Colour = system rate − callback rate" in words
