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
import math
import threading
from collections.abc import Callable, Sequence
from typing import Any
from xml.sax.saxutils import escape

import pandas as pd
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from analysis.report import charts, version
from analysis.report.comment_findings import comment_section
from analysis.report.content import (
    HEADLINE_KEYS,
    Estimate,
    ReportContent,
    StaffLevel,
    TestResult,
    content_digest,
)
from analysis.report.findings import area_findings, executive_summary, response_rate
from analysis.report.fonts import CJKFont, report_font
from analysis.report.formatting import (
    format_ci,
    format_count,
    format_date,
    format_datetime,
    format_df,
    format_flag,
    format_hash,
    format_mdi,
    format_number,
    format_p,
    format_points,
    format_points_ci,
    format_rate,
    plural,
)
from analysis.report.i18n import disposition_label, flag_name, group_name, text, unit_name
from analysis.report.modes_section import mode_section
from analysis.report.phase_two_timing import timing_sentences
from analysis.report.referrals import referral_section
from analysis.report.shanghai_map import shanghai_map
from sampling.vocabulary import DONT_KNOW, REFUSED, SCALES

PAGE_SIZE = A4
MARGIN = 18 * mm
FRAME_WIDTH = PAGE_SIZE[0] - 2 * MARGIN
#: The height a page's frame holds (margins and the frame's 6 pt paddings taken off).
FRAME_HEIGHT = PAGE_SIZE[1] - MARGIN - (MARGIN + 6 * mm) - 12
#: A district's units chart is pressed to rows no thinner than this to keep its page on one sheet.
MIN_ROW_HEIGHT = 9.5
PRODUCER = "Huifang report renderer (reportlab, invariant mode)"
HEADER_FILL = colors.HexColor("#dde6f0")
FLAG_FILL = colors.HexColor("#fbe3e1")

_render_lock = threading.Lock()
#: A row chart is not split into parts of fewer rows than this (it moves to the next page instead).
MIN_CHART_ROWS = 4


class Heading(Paragraph):
    """A subsection heading that starts a new page unless `ROOM` points fit below it: never alone at a
    page's foot, yet not tied to what follows, so a long table may start right under it."""

    ROOM = 60.0

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        width, height = super().wrap(available_width, available_height)
        return (width, height) if available_height >= height + self.ROOM else (width, available_height + 1)

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        return []


class RowChart(Flowable):
    """A chart of one row per unit that splits between pages by rows (each part with its axis), so a
    long chart fills the page it starts on instead of leaving half of it empty."""

    def __init__(self, build: Callable[[int, int], Drawing], start: int, stop: int) -> None:
        super().__init__()
        self.build, self.start, self.stop = build, start, stop
        self.drawing = build(start, stop)
        self.width, self.height = self.drawing.width, self.drawing.height

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        fixed = self.build(self.start, self.start).height
        pitch = self.build(self.start, self.start + 1).height - fixed
        fit = int((available_height - fixed) // pitch)
        rows = self.stop - self.start
        if fit < MIN_CHART_ROWS or fit >= rows:
            return []
        # leave the next part at least MIN_CHART_ROWS rows when that still fills this part
        middle = self.start + (
            fit if rows - fit >= MIN_CHART_ROWS else max(MIN_CHART_ROWS, rows - MIN_CHART_ROWS)
        )
        return [RowChart(self.build, self.start, middle), RowChart(self.build, middle, self.stop)]

    def draw(self) -> None:
        self.drawing.drawOn(self.canv, 0, 0)


def row_chart(units: pd.DataFrame, labels: list[str], width: float, font: str, **options: Any) -> RowChart:
    """`charts.unit_dot_chart` over all `units` as one splittable flowable (a common axis floor)."""
    floor = charts.chart_floor(units)
    notes = options.pop("notes", None)

    def build(start: int, stop: int) -> Drawing:
        return charts.unit_dot_chart(
            units.iloc[start:stop],
            labels[start:stop],
            width,
            font,
            floor,
            notes=None if notes is None else notes[start:stop],
            **options,
        )

    return RowChart(build, 0, len(units))


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
        keywords=_keywords(digest, font, content.attestations),
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


def _keywords(digest: str, font: CJKFont, attestations: tuple[tuple[str, str], ...] = ()) -> str:
    """Machine-readable facts; the attestations (signed chain head, key) as `label=value` for `verify --pdf`."""
    words = [f"content-sha256:{digest}", f"font:{font.name}", *version.keywords()]
    if not font.embedded:
        words.append(f"font-fallback:{font.name} (CID, not embedded)")
    words += [f"{label}={value}" for label, value in attestations]
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
        self.h2 = ParagraphStyle("h2", parent=base, fontSize=11.5, leading=17, spaceBefore=8, spaceAfter=4)
        self.caption = ParagraphStyle(
            "caption", parent=base, fontSize=8.5, leading=12, spaceBefore=2, spaceAfter=6
        )
        self.note = ParagraphStyle(
            "note", parent=base, fontSize=8.5, leading=12, spaceBefore=3, spaceAfter=4,
            textColor=colors.HexColor("#333333"),
        )  # fmt: skip
        self.h2_area = ParagraphStyle("h2_area", parent=self.h1, fontSize=14, spaceBefore=0)
        self.figures = 0

    def figure(self, key: str, **values: object) -> Paragraph:
        """A numbered figure caption (numbers run through the whole report)."""
        self.figures += 1
        return self.para(self.t(key, number=self.figures, **values), self.caption)

    def unit_chart(self, units: pd.DataFrame, **options: Any) -> RowChart:
        """Units' system rate (◆) against their callback rate (● with interval), with the legend, split
        between pages by rows when long."""
        legend = (self.t("legend_system"), self.t("legend_callback"))
        labels = [str(name) for name in units["unit"]]
        return row_chart(units, labels, FRAME_WIDTH, self.font.name, legend=legend, **options)

    def notes(self, sentences: Sequence[str]) -> list[Paragraph]:
        """Sentences interpreting the statistic just above them."""
        return [self.para(sentence, self.note) for sentence in sentences]

    # -- helpers -------------------------------------------------------------------------------
    def t(self, key: str, **values: object) -> str:
        return text(key, self.lang, **values)

    def para(self, value: str, style: ParagraphStyle | None = None) -> Paragraph:
        return Paragraph(escape(value), style or self.body)

    def heading(self, key: str, **values: object) -> Paragraph:
        """A subsection heading, never alone at a page's foot (see `Heading`)."""
        return Heading(escape(self.t(key, **values)), self.h2)

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
                elif isinstance(value, Paragraph):  # a numeric cell that may wrap, already styled
                    cells.append(value)
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
        if self.content.scope:
            return self.scoped()
        story = self.cover() + self.summary()
        if self.content.kind == "full":
            story += self.method() + self.results() + self.modes() + self.comments()
        story += (
            self.comparison() + self.referrals() + self.area_chapter() + self.limitations() + self.appendix()
        )
        return story

    def referrals(self) -> list[Any]:
        """Referral and remediation in totals (`analysis.report.referrals`), in the full report only."""
        summary = self.content.referrals
        if summary is None or self.content.kind != "full":
            return []
        return [
            *referral_section(
                summary,
                self.lang,
                para=self.para,
                heading_style=self.h1,
                note_style=self.note,
                table=self.table,
            ),
            PageBreak(),
        ]

    def modes(self) -> list[Any]:
        """A mixed-mode study's answers by mode and mode-adjusted 满意率 (`analysis.report.modes_section`)."""
        summary = self.content.modes
        if summary is None:
            return []
        section = mode_section(
            summary, self.lang, para=self.para, heading_style=self.h1, note_style=self.note, table=self.table
        )
        return [*section, PageBreak()]

    def comments(self) -> list[Any]:
        """The coded open comments (`analysis.report.comment_findings`), in the full report only."""
        findings = self.content.comments
        if findings is None:
            return []
        return [
            *comment_section(
                findings, self.lang, para=self.para, heading_style=self.h1,
                subheading=lambda title: Heading(escape(title), self.h2), note_style=self.note, table=self.table,
            ),
            PageBreak(),
        ]  # fmt: skip

    def scoped(self) -> list[Any]:
        """A district or domain variant: its page(s), printable alone, then how to verify it."""
        story: list[Any] = []
        for level, area in self.content.scope:
            story += self.area_page(level, area, standalone=True)
        return story + self.appendix(short=True)

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
        """The executive summary: findings in sentences, the district pictures, the flagged units."""
        findings = executive_summary(self.content)
        story: list[Any] = [self.para(self.t("summary"), self.h1), self.heading("sum_headline")]
        story += [self.para(sentence) for sentence in findings.headline]
        story += self.pictures()
        story.append(self.heading("sum_comparison"))
        story += [self.para(sentence) for sentence in findings.comparison]
        story.append(self.heading("sum_certainty"))
        story += [self.para(sentence) for sentence in findings.certainty]
        story += self.flagged_chart()
        story.append(self.heading("sum_not_proved"))
        story += [self.para(sentence) for sentence in findings.not_proved]
        story.append(self.heading("sum_next"))
        story += [self.para(f"{number}. {step}") for number, step in enumerate(findings.next_steps, start=1)]
        return [*story, PageBreak()]

    def pictures(self) -> list[Any]:
        """System vs callback 满意率 by district beside the map of Shanghai coloured by the gap."""
        if self.content.areas is None:
            return []
        districts = self.content.areas.rows("district")
        districts = districts.assign(_gap=districts["system_rate"] - districts["estimate"]).sort_values(
            ["_gap", "area"], ascending=[False, True], kind="stable", na_position="last"
        )
        chart_width, map_width = FRAME_WIDTH * 0.56, FRAME_WIDTH * 0.40
        shown = charts.area_units(districts)
        chart = charts.unit_dot_chart(
            shown,
            [group_name(str(name), self.lang) for name in districts["area"]],
            chart_width,
            self.font.name,
            charts.chart_floor(shown),
            legend=(self.t("legend_system"), self.t("legend_callback")),
            label_width=62 if self.lang == "zh" else 78,
        )
        drawing = shanghai_map(districts, map_width, self.font.name, self.lang)
        first = self.figure("chart_districts_compared")
        second = self.figure("chart_map")
        table = Table(
            [[chart, drawing], [first, second]],
            colWidths=[FRAME_WIDTH * 0.58, FRAME_WIDTH * 0.42],
        )
        table.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), self.font.name),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 4),
                ]
            )
        )
        return [Spacer(1, 2 * mm), table]

    def flagged_chart(self) -> list[Any]:
        """The flagged units, each with its two rates and the callbacks' evidence beside it."""
        comparison = self.content.comparison
        flagged = comparison.flagged_units.sort_values(["difference", "unit"], ascending=[False, True])
        if flagged.empty:
            return []
        notes = []
        for row in flagged.to_dict("records"):
            values = {
                "n": format_count(row["n"]),
                "other": format_count(row["rated_by_other"]),
                "denied": format_count(row["service_denied"]),
            }
            inflation = row.get("inflation", float("nan"))
            if _true(row.get("who_rated_flag")):  # flagged on who rated: its inflation is not the point
                notes.append(self.t("flagged_evidence_who_rated", **values))
            elif inflation == inflation:  # the unit verdict model's estimate, when given
                notes.append(
                    self.t("flagged_evidence_inflation", inflation=format_points(inflation), **values)
                )
            else:
                notes.append(self.t("flagged_evidence", **values))
        chart = self.unit_chart(flagged, notes=notes, label_width=150, notes_width=150)
        unit = unit_name(comparison.unit_level, self.lang)
        return [Spacer(1, 2 * mm), chart, self.figure("chart_flagged", unit=unit)]

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
                ],
            ),
            *self.notes([self.t("fingerprints_in_appendix")]),
            self.heading("exclusions"),
            self.table([self.t("reason"), self.t("count")], exclusions, [5, 1]),
            *self.notes([self.t("exclusions_note")]),
            self.heading("design"),
            self.key_values(
                [
                    (self.t("strata"), design.strata_description),
                    (self.t("allocation"), design.allocation),
                    (self.t("seed"), str(design.seed)),
                ],
                hash_values=True,
            ),
            Spacer(1, 3 * mm),
            self.table(
                [self.t(name) for name in ("stratum", "N_h", "n_h", "released", "completes")],
                strata,
                [3, 1.2, 1.2, 1.2, 1.2],
            ),
            *self.strata_note(),
            self.heading("questionnaire"),
            self.para(
                self.t(
                    "questionnaire_line_short",
                    name=method.questionnaire.name,
                    version=method.questionnaire.version,
                ),
            ),
            self.heading("fieldwork"),
            self.para(
                self.t("fieldwork_dates", start=format_date(fieldwork.start), end=format_date(fieldwork.end))
            ),
            Spacer(1, 2 * mm),
            self.table(
                [self.t("code"), self.t("label"), self.t("count")], dispositions, [1, 4, 1.2], numeric_from=2
            ),
            *self.dispositions_note(),
            self.heading("aapor_rates"),
            self.table([self.t("rate"), self.t("value")], rates, [3, 1.2]),
            *self.rates_note(),
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

    def group_note(self, table: pd.DataFrame) -> list[Paragraph]:
        answered = table[table["n"] > 0].dropna(subset=["estimate"])
        if len(answered) < 2:
            return []
        ordered = answered.sort_values(["estimate", "group"], ascending=[False, True], kind="stable")
        high, low = ordered.iloc[0], ordered.iloc[-1]
        return self.notes(
            [
                self.t(
                    "group_note",
                    high=group_name(str(high["group"]), self.lang),
                    high_rate=format_rate(high["estimate"]),
                    low=group_name(str(low["group"]), self.lang),
                    low_rate=format_rate(low["estimate"]),
                )
            ]
        )

    def results(self) -> list[Any]:
        results = self.content.results
        header = [self.t("metric"), self.t("estimate"), self.t("ci"), self.t("n")]
        district_labels = [group_name(str(name), self.lang) for name in results.by_district["group"]]
        chart = charts.group_bar_chart(results.by_district, district_labels, FRAME_WIDTH, self.font.name)
        level = format_rate(self.content.method.confidence_level, 0)
        return [
            self.para(self.t("results"), self.h1),
            self.heading("headline"),
            self.table(header, self.headline_rows(), [4, 1.4, 2.4, 1.2]),
            *self.notes([self.t("headline_note", level=level)]),
            Spacer(1, 4 * mm),
            KeepTogether([chart, self.figure("chart_by_district")]),
            self.heading("by_district"),
            self.group_table(results.by_district),
            *self.group_note(results.by_district),
            self.heading("by_domain"),
            self.group_table(results.by_domain),
            *self.group_note(results.by_domain),
            self.heading("by_channel"),
            self.group_table(results.by_channel),
            *self.group_note(results.by_channel),
            PageBreak(),
        ]

    def paired_note(self) -> list[Paragraph]:
        """Satisfied in the system but not when called back (b), against the reverse (c)."""
        paired = self.content.comparison.paired
        satisfied = set(self.content.method.satisfied_codes)
        answers = [code for code in paired.columns if str(code) not in (DONT_KNOW, REFUSED)]
        rows_sat = [code for code in paired.index if str(code) in satisfied]
        rows_not = [code for code in paired.index if str(code) not in satisfied]
        cols_sat = [code for code in answers if str(code) in satisfied]
        cols_not = [code for code in answers if str(code) not in satisfied]
        b = int(paired.loc[rows_sat, cols_not].to_numpy().sum())
        c = int(paired.loc[rows_not, cols_sat].to_numpy().sum())
        total = int(paired[answers].to_numpy().sum())
        mcnemar = self.content.comparison.agreement.mcnemar.p_value
        key = "paired_note" if b > c and mcnemar < 0.05 else "paired_note_balanced"
        return self.notes([self.t(key, total=format_count(total), b=format_count(b), c=format_count(c))])

    def agreement_note(self) -> list[Paragraph]:
        agreement = self.content.comparison.agreement
        kappa = agreement.kappa.estimate
        bands = ((0.0, "poor"), (0.2, "slight"), (0.4, "fair"), (0.6, "moderate"), (0.8, "substantial"))
        band = "almost_perfect"
        for upper, name in bands:
            if kappa <= upper:
                band = name
                break
        p = agreement.stuart_maxwell.p_value
        verdict = self.t("agreement_differs" if p < 0.05 else "agreement_similar", p=_p_phrase(p))
        return self.notes(
            [
                self.t(
                    "agreement_note",
                    kappa=format_number(kappa),
                    band=self.t(f"kappa_{band}"),
                    verdict=verdict,
                )
            ]
        )

    def comparison(self) -> list[Any]:
        comparison = self.content.comparison
        unit = unit_name(comparison.unit_level, self.lang)
        story: list[Any] = [
            self.para(self.t("comparison"), self.h1),
            self.para(self.t("comparison_intro")),
            self.para(
                self.t(
                    "verdict_method",
                    method=self.t(f"verdict_{comparison.verdict_method}"),
                    source=self.t(f"verdict_source_{comparison.verdict_source}"),
                )
            ),
            self.heading("paired_table"),
            self.paired_table(),
            *self.paired_note(),
            self.heading("agreement"),
            *self.agreement_note(),
            self.heading("flagged_table", unit=unit),
        ]
        posterior = comparison.verdict_method == "posterior"
        flagged = (
            comparison.flagged_units.sort_values(
                ["prob_inflated", "unit"], ascending=[False, True], kind="stable"
            )
            if posterior
            else comparison.flagged_units.sort_values("q_value", kind="stable")
        )
        fdr = format_number(comparison.fdr_level, 2)
        if flagged.empty:
            story.append(self.para(self.t("no_flagged_posterior" if posterior else "no_flagged", unit=unit)))
        else:
            table = self.posterior_table if posterior else self.unit_table
            story.append(table(flagged, highlight_flagged=False))
            story += self.explanations(flagged)
            story += self.notes(
                [self.t("posterior_note", fdr=fdr), *self.posterior_notes(flagged)]
                if posterior
                else [self.t("flagged_note", fdr=fdr)]
            )
        units = comparison.units.sort_values(["difference", "unit"], ascending=[False, True], kind="stable")
        if len(units):
            story += [Spacer(1, 2 * mm), self.unit_chart(units), self.figure("chart_units", unit=unit)]
        checks = comparison.surveyor_checks
        odd = int(checks["flagged"].astype(bool).sum())
        # no peer worked a cell like theirs: not compared, so neither "flagged" nor "like the others"
        alone = int(checks["satisfied_peers"].isna().sum()) if len(checks) else 0
        measures = self.t("surveyor_measures_who" if self.asks_who_rated() else "surveyor_measures")
        story += [
            self.heading("all_units", unit=unit),
            (self.posterior_table if posterior else self.unit_table)(units, highlight_flagged=True),
            *self.notes(
                [
                    self.t("units_note", unit=unit, min_n=comparison.small_unit_min_n),
                    *(self.posterior_notes(units) if posterior else []),
                ]
            ),
            *self.insufficient_note(units, unit),
            *self.phase_two_table(units),
            *self.staff_section(),
            self.heading("surveyor_checks"),
            self.surveyor_table(),
            *self.notes(
                [
                    self.t("surveyor_note", k=format_count(odd), measures=measures)
                    if odd
                    else self.t(
                        "surveyor_note_none_compared" if alone else "surveyor_note_none", measures=measures
                    ),
                    *([self.t("surveyor_alone", k=format_count(alone))] if alone else []),
                ]
            ),
            self.heading("case_flags"),
            self.table(
                [self.t("flag"), self.t("count")],
                [
                    [flag_name(name, self.lang), format_count(count)]
                    for name, count in comparison.case_flags.items()
                ],
                [4, 1.2],
            ),
            *self.notes([self.t("case_flags_note")]),
            PageBreak(),
        ]
        return story

    def staff_section(self) -> list[Any]:
        """The staff level (`ReportContent.staff`): how many members were judged, the flagged ones as the
        organisations' table prints units, their sentences, and once what a flag on a person does not say."""
        staff = self.content.staff
        if staff is None:
            return []
        posterior = self.content.comparison.verdict_method == "posterior"
        story: list[Any] = [
            self.heading("staff_heading"),
            self.para(
                self.t(
                    "staff_counts",
                    named=format_count(staff.named),
                    called=format_count(staff.called),
                    judged=format_count(staff.judged),
                )
            ),
        ]
        if staff.unnamed_records:
            story += self.notes([self.t("staff_unnamed", count=format_count(staff.unnamed_records))])
        flagged = staff.flagged.sort_values(
            ["prob_inflated", "unit"] if posterior else ["q_value", "unit"],
            ascending=[not posterior, True],
            kind="stable",
        )
        expanded = self.staff_phase_two(staff)
        if flagged.empty:
            return [*story, self.para(self.t("staff_none")), *expanded]
        suffix = self.t("staff_office_flagged")
        flagged = flagged.assign(
            unit=[
                f"{unit}{suffix}" if _true(office) else str(unit)
                for unit, office in zip(flagged["unit"], flagged["organisation_flagged"], strict=True)
            ]
        )
        table = self.posterior_table if posterior else self.unit_table
        story.append(table(flagged, highlight_flagged=False, unit_header="staff_member"))
        story += self.explanations(flagged)
        story += self.notes([self.t("staff_caveat"), *(self.posterior_notes(flagged) if posterior else [])])
        return [*story, *expanded]

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

    def unit_table(self, units: pd.DataFrame, highlight_flagged: bool, unit_header: str = "unit") -> Table:
        header = [
            self.t(unit_header),
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

    def posterior_table(
        self, units: pd.DataFrame, highlight_flagged: bool, unit_header: str = "unit"
    ) -> Table:
        """Units under the posterior verdict: its status, likeliest mechanism and driving evidence (with
        its strength) as wrapped text, then the rates, the probability of inflation and the estimated
        inflation with its 95% interval. `unit_header`: the key of the first column's header."""
        header = [
            self.t(unit_header),
            self.t("verdict_status"),
            self.t("mechanism"),
            self.t("evidence"),
            self.t("n"),
            self.t("system"),
            self.t("third_party"),
            self.t("prob_inflated"),
            self.t("inflation_cri"),
        ]
        with_mdi = "min_detectable" in units.columns
        if with_mdi:
            header.append(self.t("mdi_rate_gap"))
        rows, highlight = [], []
        for index, row in enumerate(units.to_dict("records")):
            tested = row.get("status", "") in ("flagged", "no_evidence")
            status = "flagged_who_rated" if _true(row.get("who_rated_flag")) else row.get("status")
            inflation = f"{format_points(row.get('inflation'))} {self.inflation_interval(row)}"
            rows.append(
                [
                    str(row["unit"]),
                    self.t(f"status_{status or 'not_surveyed'}"),
                    str(row.get("mechanism", "") or ""),
                    str(row.get("evidence", "") or ""),
                    format_count(row["n"]),
                    format_rate(row["system_rate"]),
                    format_rate(row["third_party_rate"]),
                    format_rate(row.get("prob_inflated")) if tested else "",
                    # a unit not flagged gets no estimate (`analysis.verdicts.UNFLAGGED_ESTIMATE`)
                    Paragraph(escape(inflation), self.cell_right) if bool(row["flagged"]) else "",
                ]
            )
            if with_mdi:
                rows[-1].append(format_mdi(row.get("min_detectable")) if tested else "")
            if highlight_flagged and bool(row["flagged"]):
                highlight.append(index)
        widths = [2.0, 1.1, 2.0, 2.3, 0.6, 0.9, 0.9, 0.9, 1.8]
        if with_mdi:  # room for the MDI from the text columns, the figures' as wide as before
            widths = [1.8, 1.0, 1.5, 1.9, 0.6, 1.05, 0.9, 1.2, 1.8, 0.9]
        return self.table(header, rows, widths, numeric_from=4, highlight=highlight)

    def inflation_interval(self, row: dict) -> str:
        """A posterior inflation interval, '[+5.0, +30.0]'; one that reaches the largest inflation the
        model allows (`inflation_capped`) is open above: '[+5.0, +30.0 或更高]' / '[+5.0, +30.0 or more]',
        as `analysis.verdicts.posterior_interval` words it for the page and the explanations."""
        interval = format_points_ci(row.get("inflation_low"), row.get("inflation_high"))
        if not _true(row.get("inflation_capped")) or not interval.startswith("["):
            return interval
        return f"{interval[:-1]} {self.t('or_more')}]"

    def posterior_notes(self, units: pd.DataFrame) -> list[str]:
        """The notes a posterior unit table needs beyond the rule: what "or more" means, when an interval
        is open above, what a flag on who rated is, and why a unit not flagged has no estimate, when the
        table has one."""
        notes = []
        flagged = (
            units["flagged"].map(_true) if "flagged" in units.columns else pd.Series(True, index=units.index)
        )
        for column, key in (("inflation_capped", "capped_note"), ("who_rated_flag", "who_rated_note")):
            if column in units.columns and units.loc[flagged, column].map(_true).any():
                notes.append(self.t(key))
        if "status" in units.columns and (units["status"] == "no_evidence").any():
            notes.append(self.t("unflagged_note"))
        if "min_detectable" in units.columns and units["min_detectable"].notna().any():
            notes.append(self.t("mdi_note"))
        return notes

    def insufficient_note(self, units: pd.DataFrame, unit: str) -> list[Paragraph]:
        """How many units had too little evidence to be judged (never flagged, never cleared), and apart
        those whose callback answers were left out for their surveyors (the ones with a sentence), named
        with it."""
        if "status" not in units.columns:
            return []
        insufficient = units[units["status"] == "insufficient_evidence"]
        said = (
            insufficient["explanation"].fillna("").astype(str) != ""
            if "explanation" in insufficient.columns
            else pd.Series(False, index=insufficient.index)
        )
        notes = []
        if (~said).any():
            notes.append(self.t("insufficient_note", k=format_count(int((~said).sum())), unit=unit))
        if said.any():
            notes.append(self.t("held_note", k=format_count(int(said.sum())), unit=unit))
        return self.notes(notes) + self.explanations(insufficient[said]) if notes else []

    def staff_phase_two(self, staff: StaffLevel) -> list[Any]:
        """After a staff design's phase 2: how many members it expanded and how many of them are flagged,
        and the flagged ones' two-phase test — the others are counted, not named, as everywhere in the
        report's staff section."""
        if staff.expanded is None:
            return []
        story: list[Any] = [
            self.heading("staff_phase2_heading"),
            self.para(
                self.t(
                    "staff_phase2_counts",
                    expanded=format_count(staff.expanded_members),
                    flagged=format_count(len(staff.expanded)),
                )
            ),
        ]
        table = self.phase_two_rows(staff.expanded, "staff_member")
        notes = [self.t("phase2_note"), *self.phase_days()]
        return [*story, *([table] if table is not None else []), *self.notes(notes)]

    def phase_days(self) -> list[str]:
        """When each phase was called and how phase 1's answers faded (`Comparison.phase_days`,
        `phase_fade`), with the caution where phase 2 came much later (`phase_two_timing`)."""
        days = self.content.comparison.phase_days
        if days is None:
            return []
        said, caution = timing_sentences(
            {1: days[0], 2: days[1]}, self.content.comparison.phase_fade, self.lang
        )
        return said + ([caution] if caution else [])

    def phase_two_table(self, units: pd.DataFrame) -> list[Any]:
        """After a phase 2: its units' rate gap by the two-phase test (`analysis.phase_two_test`), beside
        the verdict."""
        table = self.phase_two_rows(units, "unit")
        if table is None:
            return []
        return [
            self.heading("phase2_heading"),
            table,
            *self.notes([self.t("phase2_note"), *self.phase_days()]),
        ]

    def phase_two_rows(self, units: pd.DataFrame, unit_header: str) -> Table | None:
        """The two-phase test of the `units` with one (smallest p first; the BH-adjusted p beside the raw
        one where the content carries it); None where no unit has one."""
        if "combination_p_value" not in units.columns:
            return None
        expanded = units[units["combination_p_value"].notna()].sort_values(
            ["combination_p_value", "unit"], kind="stable"
        )
        if expanded.empty:
            return None
        adjusted = "combination_p_adjusted" in expanded.columns  # content built before it was carried
        late = "fade_allowance" in expanded.columns and expanded["fade_allowance"].notna().any()
        rows = [
            [
                str(row.unit),
                format_count(row.phase2_cases),
                format_p(row.combination_p_value),
                *([format_p(row.combination_p_adjusted)] if adjusted else []),
                *([format_points(row.fade_allowance)] if late else []),
            ]
            for row in expanded.itertuples()
        ]
        header = [self.t(unit_header), self.t("phase2_cases"), self.t("combination_p")]
        header += [self.t("combination_p_adjusted")] if adjusted else []
        header += [self.t("fade_allowance")] if late else []
        widths = [4, 1.4, 1.4] + ([1.6] if adjusted else []) + ([1.8] if late else [])
        return self.table(header, rows, widths)

    def surveyor_table(self) -> Table:
        checks = self.content.comparison.surveyor_checks
        who = self.asks_who_rated()
        names = ["surveyor", "interviews", "median_minutes", "dk_share", "satisfied_rate"]
        header = [self.t(name) for name in (*names, *(["who_share"] if who else []), "p", "flagged")]
        rows = []
        for row in checks.itertuples():
            cells = [
                str(row.surveyor),
                format_count(row.interviews),
                format_number(row.median_minutes, 1),
                f"{format_rate(row.dk_share)} ({format_rate(row.dk_peers)})",
                f"{format_rate(row.satisfied_rate)} ({format_rate(row.satisfied_peers)})",
            ]
            if who:
                cells.append(f"{format_rate(row.who_share)} ({format_rate(row.who_peers)})")
            cells += [format_p(row.p_value), self.surveyor_flag(row)]
            rows.append(cells)
        highlight = [index for index, flagged in enumerate(checks["flagged"]) if bool(flagged)]
        widths = [1.1, 1.0, 1.1, 1.5, 1.5, 1.5, 0.8, 1.2] if who else [1.4, 0.9, 1.2, 1.6, 1.6, 0.8, 0.8]
        return self.table(header, rows, widths, highlight=highlight)

    def asks_who_rated(self) -> bool:
        """Whether the surveyor table has the who-rated share: the questionnaire asked it."""
        checks = self.content.comparison.surveyor_checks
        return "who_share" in checks.columns and bool(checks["who_share"].notna().any())

    def surveyor_flag(self, row: Any) -> Any:
        """Yes or no, and after yes the measures the surveyor differs on where the content names them."""
        flag = format_flag(bool(row.flagged), self.lang)
        on = [name for name in str(getattr(row, "flagged_on", "") or "").split(",") if name]
        if not (row.flagged and on):
            return flag
        said = self.t("list_separator").join(self.t(f"surveyor_measure_{name}") for name in on)
        return Paragraph(escape(self.t("surveyor_flagged_on", flag=flag, measures=said)), self.cell_right)

    def strata_note(self) -> list[Paragraph]:
        strata = self.content.method.design.strata
        released, completes = int(strata["released"].sum()), int(strata["completes"].sum())
        return self.notes(
            [
                self.t(
                    "strata_note",
                    k=format_count(len(strata)),
                    released=format_count(released),
                    completes=format_count(completes),
                    share=format_rate(completes / released if released else float("nan")),
                )
            ]
        )

    def dispositions_note(self) -> list[Paragraph]:
        table = self.content.method.fieldwork.dispositions
        codes = table["code"].astype(str)
        total = int(table["count"].sum())
        complete = int(table.loc[codes.isin(["1.0", "1.1"]), "count"].sum())
        ineligible = int(table.loc[codes.str.startswith("4"), "count"].sum())
        return self.notes(
            [
                self.t(
                    "dispositions_note",
                    total=format_count(total),
                    complete=format_count(complete),
                    ineligible=format_count(ineligible),
                )
            ]
        )

    def rates_note(self) -> list[Paragraph]:
        name, rate = response_rate(self.content)
        if rate != rate:  # NaN: no rate to explain
            return []
        return self.notes([self.t("rates_note", name=name, rate=format_rate(rate), per100=round(100 * rate))])

    # -- districts and domains -------------------------------------------------------------------
    def area_chapter(self) -> list[Any]:
        """A page per district, each starting on a new page so that it prints alone."""
        areas = self.content.areas
        if areas is None or areas.rows("district").empty:
            return []
        story: list[Any] = []
        for index, area in enumerate(areas.rows("district")["area"].astype(str)):
            page = self.area_page("district", area, standalone=False)
            if index == 0:
                page = [
                    self.para(self.t("areas"), self.h1),
                    self.para(self.t("areas_intro"), self.note),
                    *page,
                ]
            story += page
        return story

    def area_page(self, level: str, area: str, *, standalone: bool) -> list[Any]:
        """One district's (or domain's) figures against the city, its units, flags and reasons."""
        content = self.content
        assert content.areas is not None  # validated: a scope needs areas
        row = content.areas.row(level, area)
        words = area_findings(content, level, area)
        unit = unit_name(content.comparison.unit_level, self.lang)
        level_word = self.t(f"level_{level}")
        city = content.results.headline
        story: list[Any] = [self.para(group_name(area, self.lang), self.h1 if standalone else self.h2_area)]
        if standalone:
            line = self.t(
                "area_scope_line", study=content.study.name, generated=format_datetime(content.generated_at)
            )
            story.append(self.para(line, self.small))
        story += [self.para(sentence) for sentence in words["rates"]]
        header = [
            self.t("area_metric"),
            self.t("area_here", level=level_word),
            self.t("ci"),
            self.t("n"),
            self.t("area_city"),
        ]
        third = content.comparison.third_party
        system = content.comparison.system_rate
        rows = [
            [self.t("system_rate"), format_rate(row["system_rate"]), "", "", format_rate(system)],
            [
                self.t("third_party_rate"),
                format_rate(row["estimate"]),
                format_ci(row["ci_low"], row["ci_high"]),
                format_count(row["n"]),
                format_rate(third.estimate),
            ],
            [
                self.t("area_gap"),
                format_points(row["system_rate"] - row["estimate"]),
                "",
                "",
                format_points(system - third.estimate),
            ],
        ]
        for key in ("awareness", "first_choice"):
            rows.append(
                [
                    self.t(f"metric_{key}"),
                    format_rate(row[key]),
                    format_ci(row[f"{key}_ci_low"], row[f"{key}_ci_high"]),
                    "",
                    format_rate(city[key].estimate),
                ]
            )
        story += [
            self.heading("area_figures", level=level_word),
            self.table(header, rows, [3.4, 1.2, 2.2, 0.8, 1.2]),
            self.heading("area_units", level=level_word, unit=unit),
            *[self.para(sentence) for sentence in words["units"]],
        ]
        rest = [self.heading("area_reasons"), *[self.para(sentence) for sentence in words["reasons"]]]
        rest += self.area_reasons(level, area)
        numbered = self.figures
        units = self.area_units(level, area, unit, level_word)
        pressed = self.pressed_row_height([*story, *units, *rest])
        if pressed is not None:  # a little too long for one page: thinner chart rows keep it on one
            self.figures = numbered  # the same figure, drawn again
            units = self.area_units(level, area, unit, level_word, row_height=pressed)
        return [*story, *units, *rest, PageBreak()]

    def pressed_row_height(self, page: list[Any]) -> float | None:
        """The chart row height that fits `page` on one sheet, if thinner rows (≥ MIN_ROW_HEIGHT) can."""
        charts_on_page = [flowable for flowable in page if isinstance(flowable, RowChart)]
        if len(charts_on_page) != 1:
            return None
        chart = charts_on_page[0]
        others = 0.0
        for flowable in page:
            if flowable is chart:
                continue
            others += flowable.wrap(FRAME_WIDTH, FRAME_HEIGHT)[1]
            others += flowable.getSpaceBefore() + flowable.getSpaceAfter()
        fixed = chart.build(0, 0).height
        rows = chart.stop - chart.start
        room = FRAME_HEIGHT - others - fixed - 6
        if rows == 0 or chart.height + others <= FRAME_HEIGHT - 6 or room / rows < MIN_ROW_HEIGHT:
            return None
        return math.floor(10 * room / rows) / 10

    def area_units(
        self, level: str, area: str, unit: str, level_word: str, row_height: float = charts.ROW_HEIGHT
    ) -> list[Any]:
        """The area's units ranked (flagged first, then by gap) with intervals, and the flagged ones'
        evidence."""
        units = self.content.comparison.units
        if level not in units.columns:
            return []
        here = units[(units[level].astype(str) == area) & (units["n"] > 0)]
        if here.empty:
            return []
        ranked = here.assign(_flag=here["flagged"].astype(bool)).sort_values(
            ["_flag", "difference", "unit"], ascending=[False, False, True], kind="stable"
        )
        chart = self.unit_chart(ranked, label_width=170, row_height=row_height)
        story: list[Any] = [
            chart,
            self.figure("chart_area_units", area=group_name(area, self.lang), unit=unit),
        ]
        flagged = ranked[ranked["_flag"]]
        if len(flagged):
            story += [
                self.heading("area_flagged", level=level_word, unit=unit),
                self.evidence_table(flagged),
                *self.explanations(flagged),
            ]
        return story

    def explanations(self, units: pd.DataFrame) -> list[Paragraph]:
        """The verdict model's sentences on each unit that has them, named."""
        if "explanation" not in units.columns:
            return []
        colon = "：" if self.lang == "zh" else ": "
        return self.notes(
            [f"{row['unit']}{colon}{row['explanation']}" for _, row in units.iterrows() if row["explanation"]]
        )

    def area_reasons(self, level: str, area: str) -> list[Any]:
        """Reasons for dissatisfaction here, with their share against the city's."""
        assert self.content.areas is not None
        reasons = self.content.areas.reasons_of(level, area)
        if reasons.empty:
            return []
        city = self.content.areas.reasons_of("city", "")
        city_total = max(int(city["count"].sum()), 1)
        city_share = dict(zip(city["reason"], city["count"] / city_total, strict=True))
        total = int(reasons["count"].sum())
        rows = [
            [
                str(item.reason),
                format_count(item.count),
                format_rate(item.count / total),
                format_rate(city_share.get(item.reason, 0.0)),
            ]
            for item in reasons.itertuples()
        ]
        header = [self.t("reason"), self.t("count"), self.t("area_reason_share"), self.t("area_city_share")]
        return [self.table(header, rows, [4, 1, 1.4, 1.4]), *self.notes([self.t("area_reasons_note")])]

    def evidence_table(self, units: pd.DataFrame) -> Table:
        """Flagged units with the figures and the callbacks' own evidence, for a district page."""
        header = [
            self.t("unit"),
            self.t("n"),
            self.t("system"),
            self.t("third_party"),
            self.t("difference_ci"),
            self.t("rated_by_other"),
            self.t("service_denied"),
        ]
        rows = [
            [
                str(row.unit),
                format_count(row.n),
                format_rate(row.system_rate),
                f"{format_rate(row.third_party_rate)} {format_ci(row.third_party_ci_low, row.third_party_ci_high)}",
                f"{format_points(row.difference)} {format_points_ci(row.diff_ci_low, row.diff_ci_high)}",
                format_count(row.rated_by_other),
                format_count(row.service_denied),
            ]
            for row in units.itertuples()
        ]
        return self.table(header, rows, [2.6, 0.6, 1.0, 2.3, 2.2, 1.1, 1.2])

    def limitations(self) -> list[Any]:
        story = [self.para(self.t("limitations"), self.h1)]
        for paragraph in limitation_paragraphs(self.content):
            story += [self.para(paragraph), Spacer(1, 2 * mm)]
        return [*story, PageBreak()]

    def appendix(self, short: bool = False) -> list[Any]:
        """Technical detail: test statistics, the audit trail (full report), fingerprints, how to verify.

        `short` (a district or domain printed alone) keeps the fingerprints and how to verify."""
        audit, method = self.content.audit, self.content.method
        story: list[Any] = [self.para(self.t("appendix"), self.h1)]
        if not short:
            story += [
                self.heading("test_statistics"),
                self.agreement_table(),
                *self.notes([self.t("test_statistics_note")]),
            ]
        if self.content.kind == "full" and not short:
            actions = [[str(row.action), format_count(row.count)] for row in audit.by_action.itertuples()]
            story += [
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
            ]
        story += [
            self.heading("verification"),
            self.key_values(
                [
                    (self.t("fp_source"), format_hash(method.frame.source_sha256)),
                    (self.t("fp_frame"), format_hash(method.frame.frame_sha256)),
                    (self.t("fp_sample"), format_hash(method.design.sample_sha256)),
                    (self.t("fp_answers"), format_hash(audit.answers_sha256)),
                    (self.t("fp_questionnaire"), format_hash(method.questionnaire.sha256)),
                    (self.t("audit_chain_head"), format_hash(audit.chain_head_sha256)),
                    (self.t("fp_content"), self.digest),
                    *self.content.attestations,
                ],
                hash_values=True,
            ),
            self.heading("how_to_verify"),
            self.para(self.t("verify_text")),
            Spacer(1, 2 * mm),
            self.para(self.content.verify_command, self.body_hash),
        ]
        return story


def _p_phrase(value: float) -> str:
    """'< 0.001' or '= 0.042': a p-value inside a sentence."""
    text = format_p(value)
    return f"< {text[1:]}" if text.startswith("<") else f"= {text}"


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
            "limit_small_units",
            lang,
            small=format_count(small),
            unit=unit,
            min_n=comparison.small_unit_min_n,
            small_units=plural(small, "unit"),
            small_have=plural(small, "has", "have"),
        ),
        text(
            "limit_multiple" if flagged else "limit_multiple_none",
            lang,
            tests=format_count(len(comparison.units)),
            unit=unit,
            fdr=format_number(comparison.fdr_level, 2),
            flagged=format_count(flagged),
            expected=format_number(flagged * comparison.fdr_level, 1),
            tested_units=plural(len(comparison.units), "unit"),
            tested_were=plural(len(comparison.units), "was", "were"),
            flagged_units=plural(flagged, "unit"),
        ),
    ]


def _true(value: Any) -> bool:
    """A content flag cell as a bool: True only for a true value (NaN, None and "" are False)."""
    return value is not None and not (isinstance(value, float) and math.isnan(value)) and bool(value)
