"""The PDF report: its text carries the content's figures, fonts are embedded, rebuilds are identical."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import io
import os
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from pypdf import PdfReader

import analysis.report.fonts as fonts
from analysis.report import (
    CJKFontFallbackWarning,
    FontError,
    ReportContent,
    find_cjk_font,
    limitation_paragraphs,
    render_pdf,
    response_rate,
    sample_content,
)
from analysis.report.formatting import format_ci, format_count, format_hash, format_points, format_rate
from analysis.report.i18n import group_name

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def content() -> ReportContent:
    return sample_content(n_units=24, n_interviews=1500)


@pytest.fixture(scope="module")
def pdf_zh(content: ReportContent) -> bytes:
    return render_pdf(content)


@pytest.fixture(scope="module")
def pdf_en(content: ReportContent) -> bytes:
    return render_pdf(content, lang="en")


def page_texts(pdf: bytes) -> list[str]:
    return list(_page_texts(pdf))


@functools.cache
def _page_texts(pdf: bytes) -> tuple[str, ...]:
    """Each page's text, read once per PDF: the module's two PDFs are read by a dozen tests, and pypdf reads
    the same bytes the same way (~0.6 s of CPU a reading)."""
    return tuple(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


def flat(text: str) -> str:
    """Text without whitespace: table cells and wrapped hashes may break anywhere."""
    return re.sub(r"\s+", "", text)


def all_text(pdf: bytes) -> str:
    return flat("".join(page_texts(pdf)))


def needs(tool: str) -> None:
    if shutil.which(tool) is None:
        pytest.skip(
            f"{tool} (poppler-utils) is not installed; apt-get install poppler-utils to run this check"
        )


# -- the figures ----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_headline_figures_appear_as_formatted(
    content: ReportContent, pdf_zh: bytes, pdf_en: bytes, lang: str
) -> None:
    text = all_text(pdf_zh if lang == "zh" else pdf_en)
    for metric in content.results.headline.values():
        assert flat(format_rate(metric.estimate)) in text
        assert flat(format_ci(metric.ci_low, metric.ci_high)) in text
        assert format_count(metric.n) in text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_comparison_figures_appear(content: ReportContent, pdf_zh: bytes, pdf_en: bytes, lang: str) -> None:
    text = all_text(pdf_zh if lang == "zh" else pdf_en)
    comparison = content.comparison
    assert format_rate(comparison.system_rate) in text
    assert format_points(comparison.paired_difference.estimate) in text
    for row in comparison.flagged_units.itertuples():
        assert flat(row.unit) in text
        assert format_points(row.difference) in text


def test_every_group_estimate_appears_by_district_domain_and_channel(
    content: ReportContent, pdf_en: bytes
) -> None:
    text = all_text(pdf_en)
    for table in (content.results.by_district, content.results.by_domain, content.results.by_channel):
        for row in table.itertuples():
            assert flat(group_name(row.group, "en")) in text
            assert flat(format_ci(row.ci_low, row.ci_high)) in text


def test_method_figures_appear(content: ReportContent, pdf_zh: bytes) -> None:
    text = all_text(pdf_zh)
    method = content.method
    assert str(method.design.seed) in text
    assert format_count(int(method.design.strata["N_h"].sum())) in text
    for value in method.fieldwork.rates.values():
        assert format_rate(value) in text
    for row in method.frame.exclusions.itertuples():
        assert flat(row.reason) in text
    assert method.questionnaire.version in text


def test_fingerprints_and_verify_command_appear_in_full(content: ReportContent, pdf_zh: bytes) -> None:
    text = all_text(pdf_zh)
    for fingerprint in (
        content.method.frame.frame_sha256,
        content.method.frame.source_sha256,
        content.method.design.sample_sha256,
        content.method.questionnaire.sha256,
        content.audit.answers_sha256,
        content.audit.chain_head_sha256,
    ):
        assert format_hash(fingerprint) in text
    assert flat(content.verify_command) in text


def test_limitations_are_written_from_the_numbers(content: ReportContent, pdf_zh: bytes) -> None:
    paragraphs = limitation_paragraphs(content)
    small = int((content.comparison.units["n"] < content.comparison.small_unit_min_n).sum())
    assert format_rate(response_rate(content)[1]) in paragraphs[0]
    assert f"{small} 个机构" in paragraphs[1]
    assert f"共检验 {len(content.comparison.units)} 个机构" in paragraphs[2]
    text = all_text(pdf_zh)
    for paragraph in paragraphs:
        assert flat(paragraph) in text


def test_a_significant_nonresponse_difference_is_called_out(content: ReportContent) -> None:
    check = dataclasses.replace(content.method.nonresponse, p_value=0.002)
    skewed = dataclasses.replace(content, method=dataclasses.replace(content.method, nonresponse=check))
    assert "差异显著" in limitation_paragraphs(skewed)[0]
    assert "未见显著差异" in limitation_paragraphs(content)[0]


def test_with_no_flagged_unit_the_multiple_testing_note_warns_about_power(content: ReportContent) -> None:
    units = content.comparison.units.assign(flagged=False)
    calm = dataclasses.replace(content, comparison=dataclasses.replace(content.comparison, units=units))
    assert "没有机构被标记" in limitation_paragraphs(calm)[2]


def test_english_report_uses_english_fixed_strings(pdf_en: bytes) -> None:
    text = all_text(pdf_en)
    assert "Limitations" in text and "Method" in text
    assert "调查方法" not in text


# -- pages and structure --------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_says_page_x_of_y(pdf_zh: bytes, pdf_en: bytes, lang: str) -> None:
    texts = page_texts(pdf_zh if lang == "zh" else pdf_en)
    total = len(texts)
    for number, page in enumerate(texts, start=1):
        expected = f"第{number}页/共{total}页" if lang == "zh" else f"Page{number}of{total}"
        assert expected in flat(page), f"page {number}"


def test_a_long_table_repeats_its_header_on_every_page_it_spans() -> None:
    content = sample_content(n_units=6, n_interviews=600, n_strata=200)
    texts = page_texts(render_pdf(content))
    strata = list(content.method.design.strata["stratum"])
    first_pages = [i for i, page in enumerate(texts) if flat(strata[0]) in flat(page)]
    last_pages = [i for i, page in enumerate(texts) if flat(strata[-1]) in flat(page)]
    spanned = range(first_pages[0], last_pages[-1] + 1)
    assert len(spanned) >= 3
    for index in spanned:
        assert "总体数N_h" in flat(texts[index]), f"page {index + 1} lacks the header row"


def test_comparison_report_has_no_method_chapter_and_no_audit_trail(
    content: ReportContent, pdf_zh: bytes
) -> None:
    short = render_pdf(content, kind="comparison")
    text = all_text(short)
    assert "摘要" in text and "系统评价与回访结果比对" in text and "分区结果" in text and "局限性说明" in text
    assert "调查方法" not in text and "审计日志摘要" not in text
    assert "检验统计量" in text and format_hash(content.method.frame.frame_sha256) in text
    assert len(page_texts(short)) < len(page_texts(pdf_zh))


def test_test_statistics_and_fingerprints_are_in_the_appendix_not_the_summary(
    content: ReportContent, pdf_zh: bytes
) -> None:
    texts = [flat(text) for text in page_texts(pdf_zh)]
    appendix = next(index for index, text in enumerate(texts) if text.startswith("附录"))
    for index, text in enumerate(texts):
        has_test = "Stuart–Maxwell" in text or "Bowker" in text
        has_hash = any(
            format_hash(value) in text
            for value in (
                content.method.frame.frame_sha256,
                content.method.frame.source_sha256,
                content.method.design.sample_sha256,
                content.method.questionnaire.sha256,
            )
        )
        if index < appendix:
            assert not has_test, f"page {index + 1} prints test statistics before the appendix"
            assert not has_hash, f"page {index + 1} prints a fingerprint before the appendix"
    assert "Bowker" in "".join(texts[appendix:])


def test_charts_are_vector_drawings_not_images(pdf_zh: bytes) -> None:
    for page in PdfReader(io.BytesIO(pdf_zh)).pages:
        assert list(page.images) == []


def test_pages_render_as_images(pdf_zh: bytes, tmp_path: Path) -> None:
    needs("pdftoppm")
    source = tmp_path / "report.pdf"
    source.write_bytes(pdf_zh)
    result = subprocess.run(
        ["pdftoppm", "-r", "40", "-png", str(source), str(tmp_path / "page")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert len(list(tmp_path.glob("page-*.png"))) == len(PdfReader(io.BytesIO(pdf_zh)).pages)


# -- fonts ----------------------------------------------------------------------------------------


def pdffonts_rows(pdf: bytes, tmp_path: Path) -> list[list[str]]:
    needs("pdffonts")
    source = tmp_path / "report.pdf"
    source.write_bytes(pdf)
    output = subprocess.run(["pdffonts", str(source)], capture_output=True, text=True, check=True).stdout
    lines = output.splitlines()[2:]
    return [line.split() for line in lines if line.strip()]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_font_is_embedded(pdf_zh: bytes, pdf_en: bytes, lang: str, tmp_path: Path) -> None:
    if find_cjk_font() is None:
        pytest.skip("no TrueType CJK font installed (apt-get install fonts-wqy-microhei)")
    rows = pdffonts_rows(pdf_zh if lang == "zh" else pdf_en, tmp_path)
    assert rows
    for row in rows:
        emb = row[-5]  # columns from the right: emb sub uni object-number generation
        assert emb == "yes", f"font {row[0]} is not embedded"


def test_without_a_truetype_font_the_report_warns_and_uses_the_cid_font(
    content: ReportContent, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(fonts.FONT_ENV, raising=False)
    monkeypatch.setattr(fonts, "KNOWN_FONTS", ())
    with pytest.warns(CJKFontFallbackWarning, match="NOT embedded"):
        pdf = render_pdf(content)
    reader = PdfReader(io.BytesIO(pdf))
    assert "font-fallback:STSong-Light" in reader.metadata["/Keywords"]
    assert "HUIFANG_CJK_FONT" in flat(reader.pages[0].extract_text())
    fonts_used = {
        str(font.get_object()["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"].get("/Font", {}).values()
    }  # read with pypdf: pdffonts cannot list a CID font without poppler-data's language packs
    assert fonts_used == {"/STSong-Light"}


def test_a_cff_font_is_skipped_in_the_search() -> None:
    cff = sorted(Path("/usr/share/fonts/opentype").rglob("*.otf"))
    wqy = fonts.KNOWN_FONTS[0]
    if not cff or not Path(wqy[0]).is_file():
        pytest.skip("needs an .otf (CFF) font and WenQuanYi Micro Hei installed")
    found = find_cjk_font(candidates=((str(cff[0]), 0), wqy))
    assert found is not None and found.path == wqy[0] and found.embedded


def test_a_cff_font_named_in_the_environment_is_refused_with_the_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cff = sorted(Path("/usr/share/fonts/opentype").rglob("*.otf"))
    if not cff:
        pytest.skip("needs an .otf (CFF-outline) font installed")
    monkeypatch.setenv(fonts.FONT_ENV, str(cff[0]))
    with pytest.raises(FontError, match="PostScript \\(CFF\\) outlines"):
        find_cjk_font()


def test_a_missing_font_file_named_in_the_environment_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(fonts.FONT_ENV, str(tmp_path / "nope.ttf"))
    with pytest.raises(FontError, match=r"nope\.ttf"):
        find_cjk_font()


# -- determinism ----------------------------------------------------------------------------------


def test_rendering_twice_gives_identical_bytes(content: ReportContent, pdf_zh: bytes) -> None:
    assert render_pdf(content) == pdf_zh


def test_a_fresh_process_gives_identical_bytes(pdf_zh: bytes, tmp_path: Path) -> None:
    out = tmp_path / "fresh.pdf"
    script = (
        "import sys; from analysis.report import render_pdf, sample_content; "
        "open(sys.argv[1], 'wb').write(render_pdf(sample_content(n_units=24, n_interviews=1500)))"
    )
    environment = {
        **os.environ,
        "PYTHONHASHSEED": "12345",
        "SOURCE_DATE_EPOCH": "1700000000",
        "TZ": "America/Lima",
    }
    subprocess.run([sys.executable, "-c", script, str(out)], check=True, cwd=REPO, env=environment)
    assert out.read_bytes() == pdf_zh


def test_the_creation_date_is_the_contents_generated_at(content: ReportContent, pdf_zh: bytes) -> None:
    info = PdfReader(io.BytesIO(pdf_zh)).metadata
    assert info.creation_date == content.generated_at


def test_other_content_gives_other_bytes(content: ReportContent, pdf_zh: bytes) -> None:
    later = dataclasses.replace(content, generated_at=content.generated_at + dt.timedelta(seconds=1))
    assert render_pdf(later) != pdf_zh


def test_rendering_leaves_no_warning_with_the_truetype_font(content: ReportContent) -> None:
    if find_cjk_font() is None:
        pytest.skip("no TrueType CJK font installed")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        render_pdf(content, kind="comparison")


# -- edge cases -----------------------------------------------------------------------------------


def test_a_study_with_no_flagged_unit_says_so(content: ReportContent) -> None:
    units = content.comparison.units.assign(flagged=False)
    calm = dataclasses.replace(content, comparison=dataclasses.replace(content.comparison, units=units))
    assert "没有机构在BH校正后显著偏高" in all_text(render_pdf(calm, kind="comparison"))


def with_checks(content: ReportContent, checks) -> ReportContent:
    return dataclasses.replace(
        content, comparison=dataclasses.replace(content.comparison, surveyor_checks=checks)
    )


def test_a_surveyor_flagged_on_who_rated_is_named_with_the_measure_and_the_shares(
    content: ReportContent,
) -> None:
    checks = content.comparison.surveyor_checks.copy()
    checks["flagged"] = [index == 0 for index in range(len(checks))]
    checks["flagged_on"] = ["who_rated" if index == 0 else "" for index in range(len(checks))]
    checks.loc[0, ["who_share", "who_peers"]] = [0.214, 0.083]
    zh = all_text(render_pdf(with_checks(content, checks), kind="comparison"))
    en = all_text(render_pdf(with_checks(content, checks), kind="comparison", lang="en"))
    assert "是：由谁评价" in zh and "“他人评价/未评价”比例" in zh
    assert "yes:whorated" in en
    assert flat(f"{format_rate(0.214)} ({format_rate(0.083)})") in zh


def test_a_study_that_does_not_ask_who_rated_has_no_who_rated_column(content: ReportContent) -> None:
    checks = content.comparison.surveyor_checks.drop(columns=["who_share", "who_peers", "flagged_on"])
    text = all_text(render_pdf(with_checks(content, checks), kind="comparison"))
    assert "他人评价/未评价" not in text and "满意率或“说不清”比例" in text


def test_a_group_without_answers_prints_a_dash_and_no_bar(content: ReportContent) -> None:
    by_channel = content.results.by_channel.copy()
    by_channel.loc[by_channel.index[0], ["estimate", "ci_low", "ci_high", "n"]] = [float("nan")] * 3 + [0]
    empty = dataclasses.replace(content, results=dataclasses.replace(content.results, by_channel=by_channel))
    text = all_text(render_pdf(empty))
    assert f"{flat(by_channel['group'].iloc[0])}–" in text


def test_markup_characters_in_study_text_print_literally(content: ReportContent) -> None:
    study = dataclasses.replace(content.study, name="A & B <b>试点</b>")
    text = all_text(render_pdf(dataclasses.replace(content, study=study), kind="comparison"))
    assert flat("A & B <b>试点</b>") in text


def test_an_empty_disposition_label_gets_aapors_meaning(content: ReportContent) -> None:
    dispositions = content.method.fieldwork.dispositions.assign(label="")
    fieldwork = dataclasses.replace(content.method.fieldwork, dispositions=dispositions)
    method = dataclasses.replace(content.method, fieldwork=fieldwork)
    text = all_text(render_pdf(dataclasses.replace(content, method=method), lang="en"))
    assert "1.1Complete" in text and "2.20Non-contact" in text
