"""The report as pages: the summary shows the district chart and the map, each district starts its own
page and a district printed alone fits its page, no page is left half empty except before a chapter,
and the Chinese report prints no English beyond an allow-list of names and symbols."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pypdf import PdfReader

import analysis.report.pdf as pdf_module
from analysis.report import ReportContent, ReportContentError, charts, render_pdf, sample_content
from analysis.report.i18n import text
from analysis.report.shanghai_map import BINS

#: English a Chinese report may print: method and test names, codes, units, identifiers.
ALLOWED_LATIN = {
    "AAPOR", "RR", "COOP", "REF", "CON", "SHA", "Cohen", "s", "kappa", "Bowker", "Stuart", "Maxwell",
    "McNemar", "Benjamini", "Hochberg", "BH", "CI", "n", "N", "h", "p", "q", "df", "huifang", "verify",
    "HF", "ORG", "S", "csv", "justice", "callback", "Q", "Huifang",
}  # fmt: skip
CHAPTERS = ("summary", "method", "results", "comparison", "areas", "limitations", "appendix")


@pytest.fixture(scope="module")
def content() -> ReportContent:
    return sample_content(n_units=40, n_interviews=1500)


@pytest.fixture(scope="module")
def pdf(content: ReportContent) -> bytes:
    return render_pdf(content)


def texts(pdf: bytes) -> list[str]:
    return [re.sub(r"\s+", "", page.extract_text() or "") for page in PdfReader(io.BytesIO(pdf)).pages]


def render(pdf: bytes, tmp_path: Path, first: int, last: int, dpi: int = 60) -> list[np.ndarray]:
    """Pages `first`..`last` (1-based) as RGB arrays, drawn by poppler's pdftoppm."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    source = tmp_path / "report.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            str(dpi),
            "-png",
            "-f",
            str(first),
            "-l",
            str(last),
            str(source),
            str(tmp_path / "p"),
        ],
        check=True,
        capture_output=True,
    )
    return [np.asarray(Image.open(path).convert("RGB")) for path in sorted(tmp_path.glob("p-*.png"))]


def pixels_near(image: np.ndarray, colour: str, tolerance: int = 12) -> int:
    rgb = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(image.astype(int) - rgb).max(axis=2) <= tolerance).sum())


def test_the_summary_page_shows_the_district_chart_and_the_map(
    content: ReportContent, pdf: bytes, tmp_path: Path
) -> None:
    summary = texts(pdf)[1]
    assert summary.startswith("摘要")
    assert "各区系统满意率（◆）与回访满意率（●，含置信区间）" in summary
    assert "上海各区系统满意率与回访满意率之差" in summary
    assert "颜色=系统满意率−回访满意率" in summary
    (image,) = render(pdf, tmp_path, 2, 2)
    map_colours = [colour for _, colour in BINS if pixels_near(image, colour) > 40]
    assert len(map_colours) >= 2, "the map's tiles are not drawn in the gap colours"
    assert pixels_near(image, "#c0392b") > 20, "no system-rate diamonds on the summary page"
    assert pixels_near(image, "#1f4e79") > 20, "no callback dots and intervals on the summary page"


def test_the_flagged_units_chart_carries_their_evidence(content: ReportContent, pdf: bytes) -> None:
    pages = texts(pdf)
    chart_page = next(page for page in pages[1:4] if "被标记的机构：系统满意率" in page)
    for row in content.comparison.flagged_units.itertuples():
        assert f"{row.n}个回答·他人代评{row.rated_by_other}·否认服务{row.service_denied}" in chart_page


def test_every_district_starts_a_page_of_its_own(content: ReportContent, pdf: bytes) -> None:
    pages = texts(pdf)
    chapter = next(index for index, page in enumerate(pages) if page.startswith("分区结果"))
    for area in content.areas.rows("district")["area"]:
        starts = [index for index, page in enumerate(pages) if page.startswith(area)]
        assert starts or pages[chapter].startswith(
            f"分区结果{text('areas_intro', 'zh')}{area}".replace(" ", "")
        )


def test_a_district_printed_alone_fits_its_page_and_then_says_how_to_verify(tmp_path: Path) -> None:
    content = sample_content(n_units=40, n_interviews=1500, scope=(("district", "浦东新区"),))
    pdf = render_pdf(content)
    pages = texts(pdf)
    assert len(pages) == 2
    assert pages[0].startswith("浦东新区") and "不满意的主要原因" in pages[0] and "本区与全市" in pages[0]
    assert pages[1].startswith("附录") and "huifangverify" in pages[1]
    assert "摘要" not in "".join(pages)
    (image,) = render(pdf, tmp_path, 1, 1)
    assert pixels_near(image, "#1f4e79") > 10, "the district's units chart is missing"


def test_a_district_variant_rebuilds_byte_identically() -> None:
    scope = (("district", "浦东新区"), ("domain", "公证"))
    first = render_pdf(sample_content(n_units=20, n_interviews=600, scope=scope))
    second = render_pdf(sample_content(n_units=20, n_interviews=600, scope=scope))
    assert first == second
    assert first != render_pdf(sample_content(n_units=20, n_interviews=600, scope=scope[:1]))


def test_a_variant_naming_an_unknown_district_is_refused_with_the_choices() -> None:
    with pytest.raises(ReportContentError, match="浦东新区") as error:
        sample_content(n_units=10, n_interviews=300, scope=(("district", "浦东"),))
    assert "scope" in str(error.value)


def ink_bottom(image: np.ndarray) -> float:
    """How far down the page (0..1) the lowest ink reaches, above the footer's page number."""
    dark = (image.min(axis=2) < 200).any(axis=1)
    body = dark[: int(len(dark) * 0.9)]
    rows = np.flatnonzero(body)
    return float(rows[-1]) / len(dark) if len(rows) else 0.0


def test_no_page_is_left_half_empty_except_before_a_new_chapter(
    content: ReportContent, pdf: bytes, tmp_path: Path
) -> None:
    pages = texts(pdf)
    starts = tuple(re.sub(r"\s+", "", text(key, "zh")) for key in CHAPTERS) + tuple(
        content.areas.table["area"]
    )
    images = render(pdf, tmp_path, 1, len(pages), dpi=20)
    for index in range(1, len(pages) - 1):
        if pages[index + 1].startswith(starts):
            continue
        assert ink_bottom(images[index]) > 0.6, f"page {index + 1} is half empty in mid-chapter"


def test_the_chinese_report_prints_no_english_outside_the_allow_list(
    content: ReportContent, pdf: bytes
) -> None:
    hashes = {
        content.method.frame.source_sha256,
        content.method.frame.frame_sha256,
        content.method.design.sample_sha256,
        content.method.questionnaire.sha256,
        content.audit.chain_head_sha256,
        content.audit.answers_sha256,
    }
    whole = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)
    for digest in hashes:
        whole = whole.replace(digest, "")
    whole = re.sub(r"[0-9a-f]{64}", "", whole)  # the content digest
    whole = re.sub(r"\b[a-z_]+(?:\.[a-z_]+)+\b", "", whole)  # audit action codes, e.g. frame.imported
    words = set(re.findall(r"[A-Za-z]+", whole))
    assert words <= ALLOWED_LATIN, f"English in the zh report: {sorted(words - ALLOWED_LATIN)}"


def test_a_district_page_a_little_too_long_is_pressed_onto_one_page(monkeypatch: pytest.MonkeyPatch) -> None:
    content = sample_content(n_units=17 * 20, n_interviews=2500, scope=(("district", "浦东新区"),))
    pages = texts(render_pdf(content))
    assert len(pages) == 2 and pages[0].startswith("浦东新区") and "不满意的主要原因" in pages[0]
    monkeypatch.setattr(pdf_module, "MIN_ROW_HEIGHT", charts.ROW_HEIGHT + 0.1)  # never press
    assert len(texts(render_pdf(content))) == 3, "at the usual row height the page would have spilled"


def test_a_district_with_many_units_continues_its_chart_on_the_next_page() -> None:
    content = sample_content(n_units=17 * 70, n_interviews=5000, scope=(("district", "浦东新区"),))
    pages = texts(render_pdf(content))
    assert len(pages) >= 3 and pages[-1].startswith("附录")
    assert "不满意的主要原因" in "".join(pages[1:-1])


def test_statistics_are_interpreted_in_a_sentence_with_their_own_numbers(
    content: ReportContent, pdf: bytes
) -> None:
    from analysis.report.formatting import format_count, format_number, format_rate

    whole = "".join(texts(pdf))
    dispositions = content.method.fieldwork.dispositions
    complete = int(dispositions.loc[dispositions["code"] == "1.1", "count"].sum())
    assert (
        f"发放的{format_count(dispositions['count'].sum())}个样本中，完成访问{format_count(complete)}个"
        in whole
    )
    rr3 = content.method.fieldwork.rates["RR3"]
    assert (
        f"应答率RR3为{format_rate(rr3)}：在可能合格的样本中，约每100个有{round(100 * rr3)}个完成了访问"
        in whole
    )
    kappa = format_number(content.comparison.agreement.kappa.estimate)
    assert f"系统评价与本人回答的一致程度为kappa={kappa}" in whole
    assert "表中q值为经Benjamini–Hochberg校正的p值" in whole


def test_a_flagged_units_verdict_explanation_is_printed_under_its_evidence() -> None:
    import dataclasses

    content = sample_content(n_units=40, n_interviews=1500, scope=(("district", "浦东新区"),))
    units = content.comparison.units.copy()
    units.loc[units["district"] == "浦东新区", "flagged"] = True
    units["explanation"] = ["标记为疑似虚高：证据很强。" if flag else "" for flag in units["flagged"]]
    comparison = dataclasses.replace(content.comparison, units=units)
    pages = texts(render_pdf(dataclasses.replace(content, comparison=comparison)))
    named = units[(units["district"] == "浦东新区") & (units["n"] > 0)]["unit"]
    for name in named:
        assert re.sub(r"\s+", "", f"{name}：标记为疑似虚高：证据很强。") in "".join(pages)


@pytest.mark.parametrize("rows", [47, 48, 49, 50, 51, 52, 95, 96, 97])
def test_a_unit_chart_of_any_length_splits_without_a_layout_error(rows: int) -> None:
    from analysis.report.pdf import FRAME_HEIGHT, row_chart

    content = sample_content(n_units=rows, n_interviews=800)
    units = content.comparison.units
    chart = row_chart(units, list(units["unit"].astype(str)), 480, "Helvetica")
    parts, height, pieces = [chart], FRAME_HEIGHT, []
    while parts:
        part = parts.pop(0)
        if part.wrap(480, height)[1] <= height:
            pieces.append(part)
            height = FRAME_HEIGHT
            continue
        split = part.split(480, height)
        if not split:
            assert height == FRAME_HEIGHT, "a part that does not fit a fresh page was not split"
            raise AssertionError(f"{part.stop - part.start} rows fit no page")
        parts = [*split, *parts]
    assert sum(piece.stop - piece.start for piece in pieces) == rows
