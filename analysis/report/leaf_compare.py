"""A report's content rebuilt on other arithmetic, compared with the published content figure by figure.

Where the machine that verifies a report cannot compute as the one that built it (another CPU family,
ARM, other library builds), the analysis's iterative fits stop at other last digits: measured across
x86 BLAS kernels, up to 441 of the demo's 9,625 figures moved, by at most 1.6e-4 of their size, and a
printed Bayes factor 16,288 → 16,295. The bytes then differ, though nothing was tampered with. What a
verifier can still check is that every figure of the published content (`content.content_leaves`, kept
beside the build) is what the database gives on its own arithmetic to within `REL_TOL`, and that every
word, count, verdict and date is the same.

The rules, line by line of the two canonical texts (which must have the same lines in the same order):
- the path (before the first `=`) is equal;
- a value that is a whole float (`repr`) is within `REL_TOL` of its size (plus `ABS_TOL`), NaN only
  where the other is NaN;
- any other value — an integer (a count), a boolean (a verdict), a word, a sentence — has the same text
  once the numbers printed inside it are taken out, and each of those numbers is within `REL_TOL` plus
  one unit of its last printed digit (a figure on a rounding boundary prints one digit apart); a Bayes
  factor printed in a sentence ("贝叶斯因子约 145", "Bayes factor about 145") on the log scale, on which it
  is fitted: within `FACTOR_LOG_TOL` plus `FACTOR_LOG_REL` of its log (a log Bayes factor is a difference
  of fitted log-likelihoods, whose error grows with their size);
- the unit model's fitted details (`FITTED`: interval ends, small probabilities, p- and q-values, the
  evidence and explanation sentences) that break these rules are reported beside the comparison, not
  counted against it: refitted on other arithmetic they can land further away than any tolerance that
  still means something, while each unit's verdict, counts and design-based rates are held to the rules.

The tolerances are calibrated on what other x86 BLAS kernels moved (OpenBLAS Sandybridge against
Haswell; the 1,000-row demo and the 50,000-row one): figures by up to 1.1e-3 of their size (a unit's
probability of inflation of order 1e-6, by 6.6e-7) and 4.9e-4 (an interval's lower end), printed Bayes
factors by 0.021 in their log at 145 (→ 142) and 0.317 at 3.5e9 (3,545,291,555 → 2,581,573,287). Arithmetic this was not
measured on (ARM, other libm builds) may move them further; a rebuild beyond them fails, naming the
figures, with the sentence that says where to rebuild. Counts, verdicts and words never move.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

#: How far a published float may lie from its rebuild, relative to its size: about twice the largest
#: move measured across x86 kernels (1.1e-3).
REL_TOL = 2e-3
#: The absolute allowance beside it, for figures near zero (tail probabilities, differences of equal
#: rates): fifteen times the largest absolute move measured, a thousandth of a percentage point.
ABS_TOL = 1e-5
#: How far a printed Bayes factor may lie from its rebuild on the log scale: 0.1 plus 5% of its log
#: (0.35 at 145, 1.2 at 3.5e9: about four times what was measured at each).
FACTOR_LOG_TOL = 0.1
FACTOR_LOG_REL = 0.05
#: The unit model's fitted details in the unit tables (organisations', flagged staff members'): where
#: the posterior's mixture and the empirical null's fits land a little elsewhere, an interval's end, a
#: small probability, a Bayes factor near a strength boundary and with it which evidence a sentence names
#: can move beyond any tolerance that still means something (measured: an interval's lower end by 2.2%,
#: +8.9 → +8.7 points; "someone else rated (weak)" → "not rated (weak)"). They are reported, not
#: decisive: each unit's verdict (`flagged`, `status`, `who_rated_flag`), its counts and its design-based
#: rates beside them are compared by the rules.
FITTED = re.compile(
    r"^content\.(?:comparison\.units|staff\.flagged)\[\d+\]\.(?:inflation|inflation_low|inflation_high|"
    r"inflation_capped|prob_inflated|p_value|q_value|min_detectable|shrunk_rate|evidence|mechanism|"
    r"explanation)$"
)
#: What precedes a Bayes factor printed in a sentence (`analysis.verdicts._evidence_phrases`).
_FACTOR_CUE = re.compile(r"(?:贝叶斯因子约|Bayes factor about) $")
#: A number printed in a text: sign, digits with thousands separators, decimals, exponent; not a run of
#: digits inside a Latin word or a hexadecimal digest ("ORG0008", "3e68773e…"), which stays a word.
_NUMBER = re.compile(r"(?<![0-9A-Za-z_.])[-−]?\d[\d,]*(?:\.\d+)?(?:[eE][-+]?\d{1,3})?(?![0-9A-Za-z_])")
_FLOAT = re.compile(r"[-+]?(?:\d+\.\d*(?:e[-+]?\d+)?|\d+e[-+]?\d+|nan|inf)")


@dataclass(frozen=True)
class Difference:
    """One line the rebuild does not reproduce within the rules: its path and both values."""

    path: str
    published: str
    rebuilt: str

    def excerpts(self, around: int = 40) -> tuple[str, str]:
        """Both values cut to where they part (`around` characters either side), for a sentence that
        names the difference without printing two paragraphs."""
        if max(len(self.published), len(self.rebuilt)) <= 2 * around:
            return self.published, self.rebuilt
        at = next(
            (i for i, (a, b) in enumerate(zip(self.published, self.rebuilt, strict=False)) if a != b),
            min(len(self.published), len(self.rebuilt)),
        )
        start = max(0, at - around)

        def cut(text: str) -> str:
            return (
                ("…" if start else "") + text[start : at + around] + ("…" if at + around < len(text) else "")
            )

        return cut(self.published), cut(self.rebuilt)

    def describe(self) -> str:
        """The difference as a verify sentence names it: its path, both values cut by `excerpts`."""
        published, rebuilt = self.excerpts()
        return f"{self.path}: published {published}, here {rebuilt}"


@dataclass(frozen=True)
class LeafComparison:
    """How a rebuild's content compares with the published content, line by line."""

    leaves: int
    #: lines byte-identical in both
    identical: int
    #: figures (whole-float lines) that differ within the tolerance
    within: int
    #: texts that differ only in the numbers printed in them, each within the tolerance and rounding
    printed: int
    #: the largest relative difference among the figures, and where (None when no figure differs)
    largest: float
    largest_at: str | None
    #: the lines that differ beyond it (the first few), and how many there are in all
    beyond: tuple[Difference, ...]
    beyond_count: int
    #: lines of the unit model's fitted details (`FITTED`) that differ beyond the rules: the first few,
    #: and how many; reported, not decisive
    fitted: tuple[Difference, ...] = ()
    fitted_count: int = 0

    @property
    def ok(self) -> bool:
        return self.beyond_count == 0


def compare_leaves(published: str, rebuilt: str, *, shown: int = 3) -> LeafComparison:
    """Compare two `content_leaves` texts by the module's rules."""
    old, new = published.splitlines(), rebuilt.splitlines()
    if len(old) != len(new):
        first = next(
            (i for i, (a, b) in enumerate(zip(old, new, strict=False)) if _path(a) != _path(b)), None
        )
        at = min(len(old), len(new)) if first is None else first
        difference = Difference(
            _path(old[at]) if at < len(old) else _path(new[at]),
            old[at] if at < len(old) else "(nothing)",
            new[at] if at < len(new) else "(nothing)",
        )
        return LeafComparison(len(old), 0, 0, 0, 0.0, None, (difference,), abs(len(old) - len(new)) or 1)
    identical = within = printed = 0
    largest, largest_at = 0.0, None
    beyond: list[Difference] = []
    fitted: list[Difference] = []
    count = fitted_count = 0
    path = ""
    for a, b in zip(old, new, strict=True):
        path = _path(a) if "=" in a and a.startswith("content") else path
        if a == b:
            identical += 1
            continue
        gap = _line_gap(a, b)
        if gap is None and FITTED.match(path):
            fitted_count += 1
            if len(fitted) < shown:
                fitted.append(Difference(path, _value(a), _value(b)))
        elif gap is None:
            count += 1
            if len(beyond) < shown:
                beyond.append(Difference(path, _value(a), _value(b)))
        elif _FLOAT.fullmatch(_value(a)):
            within += 1
            if gap >= largest:
                largest, largest_at = gap, path
        else:
            printed += 1
    return LeafComparison(
        len(old),
        identical,
        within,
        printed,
        largest,
        largest_at,
        tuple(beyond),
        count,
        tuple(fitted),
        fitted_count,
    )


def _path(line: str) -> str:
    return line.split("=", 1)[0]


def _value(line: str) -> str:
    return line.split("=", 1)[1] if "=" in line else line


def _line_gap(a: str, b: str) -> float | None:
    """The largest relative difference between two lines that the rules allow, or None if they break
    one (another path, other words, a count or verdict that differs, a figure beyond the tolerance)."""
    if _path(a) != _path(b):
        return None
    x, y = _value(a), _value(b)
    if _FLOAT.fullmatch(x) and _FLOAT.fullmatch(y):
        return _float_gap(float(x), float(y), unit=0.0)
    words_x, numbers_x = _split(x)
    words_y, numbers_y = _split(y)
    if words_x != words_y or len(numbers_x) != len(numbers_y) or not numbers_x:
        return None
    if re.fullmatch(r"[-−]?\d+", x):  # an integer value is a count: exact
        return None
    gaps = [
        _factor_gap(p, q, unit=max(pu, qu))
        if _FACTOR_CUE.search(before)
        else _float_gap(p, q, unit=max(pu, qu))
        for before, (p, pu), (q, qu) in zip(words_x, numbers_x, numbers_y, strict=False)
    ]
    return None if any(g is None for g in gaps) else max(gaps)


def _factor_gap(x: float, y: float, *, unit: float) -> float | None:
    """A printed Bayes factor's difference on the log scale, within the module's rule (or its last digit)."""
    if abs(x - y) <= unit:
        return 0.0
    if x <= 0 or y <= 0:
        return None
    allowed = FACTOR_LOG_TOL + FACTOR_LOG_REL * abs(math.log(max(x, y)))
    if abs(math.log(x) - math.log(y)) > allowed:
        return None
    return abs(x - y) / max(x, y)


def _float_gap(x: float, y: float, *, unit: float) -> float | None:
    if math.isnan(x) or math.isnan(y):
        return 0.0 if math.isnan(x) and math.isnan(y) else None
    size = max(abs(x), abs(y))
    if abs(x - y) > REL_TOL * size + ABS_TOL + unit:
        return None
    return abs(x - y) / size if size else 0.0


def _split(text: str) -> tuple[list[str], list[tuple[float, float]]]:
    """The words between a text's numbers, and each number with one unit of its last printed digit."""
    words, numbers, last = [], [], 0
    for match in _NUMBER.finditer(text):
        words.append(text[last : match.start()])
        token = match.group().replace(",", "").replace("−", "-")
        mantissa = re.split("[eE]", token)[0]
        decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
        exponent = int(re.split("[eE]", token)[1]) if re.search("[eE]", token) else 0
        numbers.append((float(token), 10.0 ** max(-300, min(300, exponent - decimals))))
        last = match.end()
    words.append(text[last:])
    return words, numbers
