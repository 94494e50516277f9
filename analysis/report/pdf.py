"""Render a `ReportContent` as a PDF with reportlab platypus: embedded CJK font, byte-identical rebuilds.

Determinism: reportlab's invariant mode, the creation date taken from `generated_at`, and the document
ID seeded with the content digest, so the same content always gives the same bytes and the report's
SHA-256 can be published and checked.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import threading
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

import pandas as pd
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from analysis.report import charts
from analysis.report.content import HEADLINE_KEYS, Estimate, ReportContent, TestResult, content_digest
from analysis.report.findings import response_rate
from analysis.report.fonts import CJKFont, report_font
from analysis.report.formatting import (
    format_ci,
    format_count,
    format_date,
    format_datetime,
    format_df,
    format_flag,
    format_hash,
    format_number,
    format_p,
    format_points,
    format_points_ci,
    format_rate,
)
from analysis.report.i18n import disposition_label, flag_name, group_name, text, unit_name
from sampling.vocabulary import DONT_KNOW, REFUSED, SCALES

PAGE_SIZE = A4
MARGIN = 18 * mm
FRAME_WIDTH = PAGE_SIZE[0] - 2 * MARGIN
UNITS_PER_CHART = 40
PRODUCER = "Huifang report renderer (reportlab, invariant mode)"
HEADER_FILL = colors.HexColor("#dde6f0")
FLAG_FILL = colors.HexColor("#fbe3e1")

_render_lock = threading.Lock()


def render_pdf(
    content: ReportContent, *, lang: str | None = None, kind: str | None = None, font: CJKFont | None = None
) -> bytes:
    """The report as PDF bytes; `lang`/`kind` override the content's, `font` the font search."""
    if lang is not None or kind is not None:
        content = dataclasses.replace(content, language=lang or content.language, kind=kind or content.kind)
    font = font or report_font()
    digest = content_digest(content)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=PAGE_SIZE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 6 * mm,
        title=f"{text(_title_key(content), content.language)} — {content.study.name}",
        author=content.study.surveyor_organisation,
        subject=f"{content.study.study_id} · {content.kind} · {content.language}",
        keywords=_keywords(digest, font),
        creator="Huifang",
        producer=PRODUCER,
        invariant=1,
        initialFontName=font.name,
        lang="zh-CN" if content.language == "zh" else "en",
    )
    story = _Story(content, font, digest).build()
    canvas_class = _numbered_canvas(
        font.name, content.language, _timestamp(content.generated_at), digest.encode("ascii")
    )
    with _render_lock:  # TrueType subset state lives on the shared font object
        doc.build(story, canvasmaker=canvas_class)
    return buffer.getvalue()


def _title_key(content: ReportContent) -> str:
    return "title_full" if content.kind == "full" else "title_comparison"


def _keywords(digest: str, font: CJKFont) -> str:
    words = [f"content-sha256:{digest}", f"font:{font.name}"]
    if not font.embedded:
        words.append(f"font-fallback:{font.name} (CID, not embedded)")
    return "; ".join(words)


@dataclasses.dataclass(frozen=True)
class _FixedTimeStamp:
    """What reportlab's PDFDocument reads from its TimeStamp, taken from the content instead of the clock."""

    t: float
    lt: tuple[int, ...]
    YMDhms: tuple[int, ...]
    dhh: int
    dmm: int
    tzname: str


def _timestamp(moment: dt.datetime) -> _FixedTimeStamp:
    offset = moment.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    parts = (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)
    epoch = (moment.replace(tzinfo=None) - offset - dt.datetime(1970, 1, 1)).total_seconds()
    return _FixedTimeStamp(
        t=epoch,
        lt=parts,
        YMDhms=parts,
        dhh=minutes // 60,
        dmm=abs(minutes) % 60,
        tzname=moment.tzname() or "",
    )


def _numbered_canvas(font_name: str, lang: str, stamp: _FixedTimeStamp, digest: bytes) -> type[Canvas]:
    """A canvas that holds pages back until the end, then stamps 'page X of Y' on each."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            # The clock (or SOURCE_DATE_EPOCH) has already seeded the ID signature: start it afresh.
            self._doc._timeStamp = stamp
            self._doc.signature = hashlib.md5(b"huifang report", usedforsecurity=False)
            self._doc.signature.update(digest)
            self._held_pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._held_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._held_pages)
            for number, state in enumerate(self._held_pages, start=1):
                self.__dict__.update(state)
                self.setFont(font_name, 8)
                self.setFillColor(colors.HexColor("#555555"))
                self.drawCentredString(
                    PAGE_SIZE[0] / 2, MARGIN, text("page_footer", lang, page=number, pages=total)
                )
                super().showPage()
            super().save()

    return NumberedCanvas


class _Story:
    """Builds the list of flowables, section by section."""

    def __init__(self, content: ReportContent, font: CJKFont, digest: str) -> None:
        self.content = content
        self.lang = content.language
        self.font = font
        self.digest = digest
        wrap = "CJK" if self.lang == "zh" else None
        base = ParagraphStyle("body", fontName=font.name, fontSize=9.5, leading=14, wordWrap=wrap)
        self.body = base
        self.small = ParagraphStyle("small", parent=base, fontSize=8, leading=11)
        self.cell = ParagraphStyle("cell", parent=base, fontSize=7.5, leading=9.5)
        self.cell_right = ParagraphStyle("cell_right", parent=self.cell, alignment=TA_RIGHT)
        self.cell_hash = ParagraphStyle("cell_hash", parent=self.cell, wordWrap="CJK")
        self.body_hash = ParagraphStyle("body_hash", parent=base, fontSize=8.5, wordWrap="CJK")
        self.title = ParagraphStyle("title", parent=base, fontSize=20, leading=28, alignment=TA_CENTER)
        self.subtitle = ParagraphStyle("subtitle", parent=base, fontSize=13, leading=20, alignment=TA_CENTER)
        self.h1 = ParagraphStyle("h1", parent=base, fontSize=15, leading=22, spaceBefore=6, spaceAfter=8)
        self.h2 = ParagraphStyle(
            "h2", parent=base, fontSize=11.5, leading=17, spaceBefore=8, spaceAfter=4, keepWithNext=1
        )
        self.caption = ParagraphStyle(
            "caption", parent=base, fontSize=8.5, leading=12, spaceBefore=2, spaceAfter=6
        )

    # -- helpers -------------------------------------------------------------------------------
    def t(self, key: str, **values: object) -> str:
        return text(key, self.lang, **values)

    def para(self, value: str, style: ParagraphStyle | None = None) -> Paragraph:
        return Paragraph(escape(value), style or self.body)

    def heading(self, key: str, **values: object) -> Paragraph:
        """A subsection heading; its style keeps it with what follows, never alone at a page's foot."""
        return self.para(self.t(key, **values), self.h2)

    def table(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[Any]],
        widths: Sequence[float],
        numeric_from: int = 1,
        highlight: Sequence[int] = (),
        hash_columns: Sequence[int] = (),
    ) -> Table:
        """A table whose header row repeats on every page; text cells wrap, numbers align right."""
        head = [
            Paragraph(escape(label), self.cell if column < numeric_from else self.cell_right)
            for column, label in enumerate(header)
        ]
        body = []
        for row in rows:
            cells: list[Any] = []
            for column, value in enumerate(row):
                if column in hash_columns:
                    cells.append(Paragraph(escape(str(value)), self.cell_hash))
                elif column < numeric_from:
                    cells.append(Paragraph(escape(str(value)), self.cell))
                else:
                    cells.append(str(value))
            body.append(cells)
        total = sum(widths)
        table = Table([head, *body], colWidths=[FRAME_WIDTH * w / total for w in widths], repeatRows=1)
        style = [
            ("FONTNAME", (0, 0), (-1, -1), self.font.name),
            ("FONTSIZE", (0, 0), (-1, -1), 7.5),
            ("LEADING", (0, 0), (-1, -1), 9.5),
            ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
            ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
            ("LINEABOVE", (0, 0), (-1, 0), 0.6, colors.black),
            ("LINEBELOW", (0, -1), (-1, -1), 0.6, colors.black),
            ("ALIGN", (numeric_from, 1), (-1, -1), "RIGHT"),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ]
        style += [("BACKGROUND", (0, 1 + index), (-1, 1 + index), FLAG_FILL) for index in highlight]
        table.setStyle(TableStyle(style))
        return table

    def key_values(self, pairs: Sequence[tuple[str, str]], hash_values: bool = False) -> Table:
        value_style = self.cell_hash if hash_values else self.cell
        rows = [
            [Paragraph(escape(key), self.cell), Paragraph(escape(value), value_style)] for key, value in pairs
        ]
        table = Table(rows, colWidths=[FRAME_WIDTH * 0.32, FRAME_WIDTH * 0.68])
        table.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), self.font.name),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.HexColor("#bbbbbb")),
                    ("TOPPADDING", (0, 0), (-1, -1), 2),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ]
            )
        )
        return table

    def rating_label(self, code: str) -> str:
        if code == DONT_KNOW:
            return "说不清" if self.lang == "zh" else "Can't say"
        if code == REFUSED:
            return "拒答" if self.lang == "zh" else "Refused"
        try:
            return SCALES[self.content.method.scale].label(code, self.lang)
        except KeyError:
            return code

    def headline_rows(self) -> list[list[str]]:
        rows = []
        for key in HEADLINE_KEYS:
            metric: Estimate = self.content.results.headline[key]
            rows.append(
                [
                    self.t(f"metric_{key}"),
                    format_rate(metric.estimate),
                    format_ci(metric.ci_low, metric.ci_high),
                    format_count(metric.n),
                ]
            )
        return rows

    # -- sections ------------------------------------------------------------------------------
    def build(self) -> list[Any]:
        story = self.cover() + self.summary()
        if self.content.kind == "full":
            story += self.method() + self.results()
        story += self.comparison() + self.limitations()
        if self.content.kind == "full":
            story += self.appendix()
        return story

    def cover(self) -> list[Any]:
        study = self.content.study
        kind_key = "kind_full" if self.content.kind == "full" else "kind_comparison"
        story: list[Any] = [
            Spacer(1, 40 * mm),
            self.para(self.t(_title_key(self.content)), self.title),
            Spacer(1, 6 * mm),
            self.para(study.name, self.subtitle),
            Spacer(1, 18 * mm),
            self.key_values(
                [
                    (self.t("cover_study_id"), study.study_id),
                    (self.t("cover_commissioned"), study.commissioning_body),
                    (self.t("cover_surveyor"), study.surveyor_organisation),
                    (self.t("cover_generated"), format_datetime(self.content.generated_at)),
                    (self.t("cover_kind"), self.t(kind_key)),
                    (self.t("cover_fingerprint"), self.digest),
                ],
            ),
            Spacer(1, 10 * mm),
            self.heading("cover_pipl"),
            self.key_values(
                [
                    (self.t("pipl_purpose"), study.purpose),
                    (self.t("pipl_retention"), study.retention),
                    (self.t("pipl_safeguards"), study.safeguards),
                ]
            ),
        ]
        if not self.font.embedded:
            story += [
                Spacer(1, 6 * mm),
                self.para(self.t("font_fallback_note", font=self.font.name), self.small),
            ]
        story += [Spacer(1, 3 * mm), *[self.para(note, self.small) for note in self.content.notes]]
        return [*story, PageBreak()]

    def summary(self) -> list[Any]:
        method, comparison = self.content.method, self.content.comparison
        level = format_rate(method.confidence_level, 0)
        rate_name, rate = response_rate(self.content)
        unit = unit_name(comparison.unit_level, self.lang)
        figures = [
            (self.t("system_rate"), format_rate(comparison.system_rate), "", ""),
            (
                self.t("third_party_rate"),
                format_rate(comparison.third_party.estimate),
                format_ci(comparison.third_party.ci_low, comparison.third_party.ci_high),
                format_count(comparison.third_party.n),
            ),
            (
                self.t("paired_difference"),
                format_points(comparison.paired_difference.estimate),
                format_points_ci(comparison.paired_difference.ci_low, comparison.paired_difference.ci_high),
                format_count(comparison.paired_difference.n),
            ),
            (
                self.t("flagged_units", unit=unit, fdr=format_number(comparison.fdr_level, 2)),
                format_count(len(comparison.flagged_units)),
                "",
                "",
            ),
            (self.t("units_tested", unit=unit), format_count(len(comparison.units)), "", ""),
            (self.t("response_rate", name=rate_name), format_rate(rate), "", ""),
        ]
        header = [self.t("metric"), self.t("estimate"), self.t("ci"), self.t("n")]
        return [
            self.para(self.t("summary"), self.h1),
            self.para(self.t("summary_intro", level=level)),
            Spacer(1, 3 * mm),
            self.heading("headline"),
            self.table(header, self.headline_rows(), [4, 1.4, 2.4, 1.2]),
            self.heading("key_figures"),
            self.table(header, figures, [4, 1.4, 2.4, 1.2]),
            self.heading("fingerprints"),
            self.key_values(
                [
                    (self.t("frame_fingerprint"), format_hash(method.frame.frame_sha256)),
                    (self.t("sample_fingerprint"), format_hash(method.design.sample_sha256)),
                ],
                hash_values=True,
            ),
            PageBreak(),
        ]

    def method(self) -> list[Any]:
        method = self.content.method
        frame, design, fieldwork = method.frame, method.design, method.fieldwork
        exclusions = [[str(row.reason), format_count(row.count)] for row in frame.exclusions.itertuples()]
        strata = [
            [
                str(row.stratum),
                format_count(row.N_h),
                format_count(row.n_h),
                format_count(row.released),
                format_count(row.completes),
            ]
            for row in design.strata.itertuples()
        ]
        totals = design.strata[["N_h", "n_h", "released", "completes"]].sum()
        strata.append(
            ["Σ", *[format_count(totals[name]) for name in ("N_h", "n_h", "released", "completes")]]
        )
        dispositions = [
            [str(row.code), str(row.label) or disposition_label(row.code, self.lang), format_count(row.count)]
            for row in fieldwork.dispositions.itertuples()
        ]
        rates = [[name, format_rate(value)] for name, value in fieldwork.rates.items()]
        codes = " + ".join(self.rating_label(code) for code in method.satisfied_codes)
        scale = (
            " / ".join(self.rating_label(code) for code in SCALES[method.scale].codes)
            if method.scale in SCALES
            else method.scale
        )
        return [
            self.para(self.t("method"), self.h1),
            self.heading("frame"),
            self.key_values(
                [
                    (self.t("frame_file"), frame.file_name),
                    (self.t("frame_rows"), format_count(frame.rows)),
                    (self.t("frame_eligible"), format_count(frame.eligible_rows)),
                    (self.t("source_sha256"), format_hash(frame.source_sha256)),
                    (self.t("frame_sha256"), format_hash(frame.frame_sha256)),
                ],
                hash_values=True,
            ),
            self.heading("exclusions"),
            self.table([self.t("reason"), self.t("count")], exclusions, [5, 1]),
            self.heading("design"),
            self.key_values(
                [
                    (self.t("strata"), design.strata_description),
                    (self.t("allocation"), design.allocation),
                    (self.t("seed"), str(design.seed)),
                    (self.t("sample_fingerprint"), format_hash(design.sample_sha256)),
                ],
                hash_values=True,
            ),
            Spacer(1, 3 * mm),
            self.table(
                [self.t(name) for name in ("stratum", "N_h", "n_h", "released", "completes")],
                strata,
                [3, 1.2, 1.2, 1.2, 1.2],
            ),
            self.heading("questionnaire"),
            self.para(
                self.t(
                    "questionnaire_line",
                    name=method.questionnaire.name,
                    version=method.questionnaire.version,
                    sha=format_hash(method.questionnaire.sha256),
                ),
                self.body_hash,
            ),
            self.heading("fieldwork"),
            self.para(
                self.t("fieldwork_dates", start=format_date(fieldwork.start), end=format_date(fieldwork.end))
            ),
            Spacer(1, 2 * mm),
            self.table(
                [self.t("code"), self.t("label"), self.t("count")], dispositions, [1, 4, 1.2], numeric_from=2
            ),
            self.heading("aapor_rates"),
            self.table([self.t("rate"), self.t("value")], rates, [3, 1.2]),
            self.heading("weighting"),
            self.para(method.weighting),
            self.heading("definition"),
            self.para(self.t("definition_text", codes=codes, scale=scale)),
            PageBreak(),
        ]

    def group_table(self, table: pd.DataFrame) -> Table:
        rows = [
            [
                group_name(str(row.group), self.lang),
                format_rate(row.estimate),
                format_ci(row.ci_low, row.ci_high),
                format_count(row.n),
            ]
            for row in table.itertuples()
        ]
        header = [self.t("group"), self.t("estimate"), self.t("ci"), self.t("n")]
        return self.table(header, rows, [3, 1.3, 2.4, 1.1])

    def results(self) -> list[Any]:
        results = self.content.results
        header = [self.t("metric"), self.t("estimate"), self.t("ci"), self.t("n")]
        district_labels = [group_name(str(name), self.lang) for name in results.by_district["group"]]
        chart = charts.group_bar_chart(results.by_district, district_labels, FRAME_WIDTH, self.font.name)
        return [
            self.para(self.t("results"), self.h1),
            self.heading("headline"),
            self.table(header, self.headline_rows(), [4, 1.4, 2.4, 1.2]),
            Spacer(1, 4 * mm),
            KeepTogether([chart, self.para(self.t("chart_by_district"), self.caption)]),
            self.heading("by_district"),
            self.group_table(results.by_district),
            self.heading("by_domain"),
            self.group_table(results.by_domain),
            self.heading("by_channel"),
            self.group_table(results.by_channel),
            PageBreak(),
        ]

    def comparison(self) -> list[Any]:
        comparison = self.content.comparison
        unit = unit_name(comparison.unit_level, self.lang)
        story: list[Any] = [
            self.para(self.t("comparison"), self.h1),
            self.para(self.t("comparison_intro")),
            self.heading("paired_table"),
            self.paired_table(),
            self.heading("agreement"),
            self.agreement_table(),
            self.heading("flagged_table", unit=unit),
        ]
        flagged = comparison.flagged_units.sort_values("q_value", kind="stable")
        if flagged.empty:
            story.append(self.para(self.t("no_flagged", unit=unit)))
        else:
            story.append(self.unit_table(flagged, highlight_flagged=False))
        units = comparison.units.sort_values(["difference", "unit"], ascending=[False, True], kind="stable")
        floor = charts.chart_floor(units)
        chunks = [
            units.iloc[start : start + UNITS_PER_CHART] for start in range(0, len(units), UNITS_PER_CHART)
        ]
        first_number = 2 if self.content.kind == "full" else 1
        for number, chunk in enumerate(chunks, start=first_number):
            labels = [str(name) for name in chunk["unit"]]
            drawing = charts.unit_dot_chart(chunk, labels, FRAME_WIDTH, self.font.name, floor)
            story += [
                CondPageBreak(drawing.height + 30),
                drawing,
                self.para(self.t("chart_units", number=number, unit=unit), self.caption),
            ]
        story += [
            self.heading("all_units", unit=unit),
            self.unit_table(units, highlight_flagged=True),
            self.heading("surveyor_checks"),
            self.surveyor_table(),
            self.heading("case_flags"),
            self.table(
                [self.t("flag"), self.t("count")],
                [
                    [flag_name(name, self.lang), format_count(count)]
                    for name, count in comparison.case_flags.items()
                ],
                [4, 1.2],
            ),
            PageBreak(),
        ]
        return story

    def paired_table(self) -> Table:
        paired = self.content.comparison.paired
        header = [self.t("system_rating"), *[self.rating_label(str(code)) for code in paired.columns], "Σ"]
        rows = []
        for code, row in paired.iterrows():
            rows.append(
                [
                    self.rating_label(str(code)),
                    *[format_count(value) for value in row],
                    format_count(row.sum()),
                ]
            )
        rows.append(
            [
                "Σ",
                *[format_count(value) for value in paired.sum(axis=0)],
                format_count(paired.to_numpy().sum()),
            ]
        )
        return self.table(header, rows, [2.2] + [1.2] * (len(paired.columns) + 1))

    def agreement_table(self) -> Table:
        agreement = self.content.comparison.agreement
        header = [self.t("statistic"), self.t("estimate"), self.t("ci"), self.t("df"), self.t("p")]

        def kappa_row(key: str, value: Estimate) -> list[str]:
            ci = f"[{format_number(value.ci_low)}, {format_number(value.ci_high)}]"
            return [self.t(key), format_number(value.estimate), ci, "", ""]

        def test_row(key: str, value: TestResult) -> list[str]:
            return [
                self.t(key),
                format_number(value.statistic, 2),
                "",
                format_df(value.df),
                format_p(value.p_value),
            ]

        rows = [
            kappa_row("kappa", agreement.kappa),
            kappa_row("weighted_kappa", agreement.weighted_kappa),
            test_row("bowker", agreement.bowker),
            test_row("stuart_maxwell", agreement.stuart_maxwell),
            test_row("mcnemar", agreement.mcnemar),
        ]
        return self.table(header, rows, [3.6, 1.1, 1.8, 0.8, 1.0])

    def unit_table(self, units: pd.DataFrame, highlight_flagged: bool) -> Table:
        header = [
            self.t("unit"),
            self.t("n"),
            self.t("system"),
            self.t("third_party"),
            self.t("difference_ci"),
            self.t("p"),
            self.t("q"),
            self.t("shrunk"),
            self.t("rated_by_other"),
            self.t("service_denied"),
        ]
        rows = []
        highlight = []
        for index, row in enumerate(units.itertuples()):
            rows.append(
                [
                    str(row.unit),
                    format_count(row.n),
                    format_rate(row.system_rate),
                    f"{format_rate(row.third_party_rate)} {format_ci(row.third_party_ci_low, row.third_party_ci_high)}",
                    f"{format_points(row.difference)} {format_points_ci(row.diff_ci_low, row.diff_ci_high)}",
                    format_p(row.p_value),
                    format_p(row.q_value),
                    format_rate(row.shrunk_rate),
                    format_count(row.rated_by_other),
                    format_count(row.service_denied),
                ]
            )
            if highlight_flagged and bool(row.flagged):
                highlight.append(index)
        return self.table(
            header, rows, [2.0, 0.6, 1.05, 2.3, 2.2, 0.8, 0.8, 1.05, 1.1, 1.2], highlight=highlight
        )

    def surveyor_table(self) -> Table:
        checks = self.content.comparison.surveyor_checks
        header = [
            self.t(name)
            for name in (
                "surveyor",
                "interviews",
                "median_minutes",
                "dk_share",
                "satisfied_rate",
                "p",
                "flagged",
            )
        ]
        rows = [
            [
                str(row.surveyor),
                format_count(row.interviews),
                format_number(row.median_minutes, 1),
                format_rate(row.dk_share),
                format_rate(row.satisfied_rate),
                format_p(row.p_value),
                format_flag(bool(row.flagged), self.lang),
            ]
            for row in checks.itertuples()
        ]
        highlight = [index for index, flagged in enumerate(checks["flagged"]) if bool(flagged)]
        return self.table(header, rows, [1.6, 1, 1.3, 1.2, 1.2, 1, 0.8], highlight=highlight)

    def limitations(self) -> list[Any]:
        story = [self.para(self.t("limitations"), self.h1)]
        for paragraph in limitation_paragraphs(self.content):
            story += [self.para(paragraph), Spacer(1, 2 * mm)]
        return story if self.content.kind == "comparison" else [*story, PageBreak()]

    def appendix(self) -> list[Any]:
        audit, method = self.content.audit, self.content.method
        actions = [[str(row.action), format_count(row.count)] for row in audit.by_action.itertuples()]
        return [
            self.para(self.t("appendix"), self.h1),
            self.heading("audit"),
            self.key_values(
                [
                    (self.t("audit_entries"), format_count(audit.entries)),
                    (self.t("audit_first"), format_datetime(audit.first_entry)),
                    (self.t("audit_last"), format_datetime(audit.last_entry)),
                    (self.t("audit_chain_head"), format_hash(audit.chain_head_sha256)),
                ],
                hash_values=True,
            ),
            Spacer(1, 3 * mm),
            self.table([self.t("action"), self.t("count")], actions, [4, 1.2]),
            self.heading("verification"),
            self.key_values(
                [
                    (self.t("fp_source"), format_hash(method.frame.source_sha256)),
                    (self.t("fp_frame"), format_hash(method.frame.frame_sha256)),
                    (self.t("fp_sample"), format_hash(method.design.sample_sha256)),
                    (self.t("fp_answers"), format_hash(audit.answers_sha256)),
                    (self.t("fp_questionnaire"), format_hash(method.questionnaire.sha256)),
                    (self.t("fp_content"), self.digest),
                ],
                hash_values=True,
            ),
            self.heading("how_to_verify"),
            self.para(self.t("verify_text")),
            Spacer(1, 2 * mm),
            self.para(self.content.verify_command, self.body_hash),
        ]


def limitation_paragraphs(content: ReportContent) -> list[str]:
    """The limitations section, written from the numbers: nonresponse, small units, multiple testing."""
    lang = content.language
    comparison = content.comparison
    check = content.method.nonresponse
    rate_name, rate = response_rate(content)
    unit = unit_name(comparison.unit_level, lang)
    flagged = len(comparison.flagged_units)
    small = int((comparison.units["n"] < comparison.small_unit_min_n).sum())
    return [
        text(
            "limit_nonresponse",
            lang,
            rate_name=rate_name,
            rate=format_rate(rate),
            resp=format_rate(check.respondent_system_rate),
            n_resp=format_count(check.respondents),
            nonresp=format_rate(check.nonrespondent_system_rate),
            n_nonresp=format_count(check.nonrespondents),
            p=format_p(check.p_value),
            verdict=text("nonresponse_differs" if check.p_value < 0.05 else "nonresponse_similar", lang),
        ),
        text(
            "limit_small_units", lang, small=format_count(small), unit=unit, min_n=comparison.small_unit_min_n
        ),
        text(
            "limit_multiple" if flagged else "limit_multiple_none",
            lang,
            tests=format_count(len(comparison.units)),
            unit=unit,
            fdr=format_number(comparison.fdr_level, 2),
            flagged=format_count(flagged),
            expected=format_number(flagged * comparison.fdr_level, 1),
        ),
    ]
