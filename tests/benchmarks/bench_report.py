"""Speed of a full PDF report: 100 units, content for 5,000 interviews. Target: well under 10 s.

Run: python tests/benchmarks/bench_report.py
Measures everything `render_pdf` does (validation, content digest, font search, layout, subsetting
and embedding the CJK font, compression). Compared against: the issue's 10 s target.
"""

from __future__ import annotations

import io
import time

from pypdf import PdfReader

from analysis.report import render_pdf, sample_content

TARGET_SECONDS = 10.0


def main() -> None:
    started = time.perf_counter()
    content = sample_content(n_units=100, n_interviews=5000)
    built = time.perf_counter()
    timings = []
    for lang in ("zh", "en"):  # the first render also loads and parses the font file (cold)
        start = time.perf_counter()
        pdf = render_pdf(content, lang=lang)
        timings.append((lang, time.perf_counter() - start, len(pdf), len(PdfReader(io.BytesIO(pdf)).pages)))
    strata = len(content.method.design.strata)
    print(
        f"content: 100 units, {content.comparison.units['n'].sum():,} interviews, {strata} strata "
        f"(built in {built - started:.2f} s)"
    )
    for lang, seconds, size, pages in timings:
        verdict = "OK" if seconds < TARGET_SECONDS else "TOO SLOW"
        print(
            f"render_pdf lang={lang}: {seconds:.2f} s, {pages} pages, {size / 1024:.0f} KiB "
            f"(target < {TARGET_SECONDS:.0f} s: {verdict})"
        )


if __name__ == "__main__":
    main()
