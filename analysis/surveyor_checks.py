"""Each telephone surveyor against peers who called the same kind of citizen.

One engine for both checks that name a surveyor: the report's table "访员效应检查" (`surveyor_effects`:
the 满意率, the share of 说不清/拒答 and, where the questionnaire asks it, the share saying someone else
rated or nobody did) and the supervisor's live quality flags
(`survey_app.services.supervision.surveyor_tests`: the share answering 满意, the share of
straight-lined interviews and the same who-rated share). They were two implementations that disagreed on the continuity correction,
on what "peers' share" meant and on how BH decided; a flag on a person should mean the same thing
wherever it is printed (ARCHITECTURE.md, "Surveyor checks").

How, for each measure (a 0/1 value per interview, missing where it does not count): a
Cochran–Mantel–Haenszel test over the design's strata of surveyor-vs-peers × value, with R
`mantelhaen.test`'s default continuity correction, so a surveyor who was given harder strata is
compared with what their peers got there; every test of every surveyor on every measure forms one
Benjamini–Hochberg family (two families at q each flagged an honest surveyor twice as often); the
tests are re-run with the flagged surveyors out of everybody else's peers, so one deviant surveyor
does not make the others look deviant, and a re-run only clears a first-round flag (flags added
against peers chosen by the data raised the FDR). Measured by simulation in ARCHITECTURE.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.contingency_tables import StratifiedTable

from analysis.errors import AnalysisError
from analysis.headline import SPECIAL, satisfaction_indicator
from analysis.multiplicity import bh
from sampling.vocabulary import DEFAULT_SATISFIED_CODES

#: One surveyor's test on one measure: `n` interviews that count for it, their `share` with value 1,
#: the peers' share on cases like theirs (`peer_share`: the peers' share in each cell both worked,
#: the surveyor's own where no peer did, weighted by the surveyor's interviews — direct
#: standardisation to the surveyor's mix, so `share` − `peer_share` is the gap the CMH weighs), the
#: Mantel–Haenszel pooled odds ratio, the CMH statistic and p-value, BH-adjusted over the whole
#: family, and the flag.
PEER_COLUMNS = ("n", "share", "peer_share", "odds_ratio", "cmh", "p", "p_adjusted", "flagged")
#: The report check's measures, in its table's order (`surveyor_effects`).
EFFECT_MEASURES = ("satisfied", "dk_refused", "who_rated")
#: Rounds of re-runs with the flagged surveyors out of everybody else's peers.
MAX_ROUNDS = 5
#: Call attempts from which a case counts as hard to reach: comparable cases are the same design
#: stratum *and* the same side of this line (`comparable_cells`).
HARD_TO_REACH = 3
#: The answers to who rated that point to someone else's rating (`unit_posterior.WHO`); "dk" does not.
NOT_SELF = ("other", "not_rated")


@dataclass(frozen=True)
class Measure:
    """One 0/1 value per interview (NaN where the interview does not count for this measure), and
    whether only a share *above* the peers' is a finding (more straight-lining is a sign of made-up
    interviews, less is not)."""

    values: np.ndarray
    above_only: bool = False


def not_self(said: pd.Series) -> np.ndarray:
    """Per interview: 1 where who rated was answered someone else or nobody (`NOT_SELF`), 0 for any
    other answer ("self", "dk"), NaN where the question has no answer. The one reading of the who-rated
    answers by every surveyor check and the units' surveyor guard (`analysis.surveyor_bias`)."""
    said = said.astype("string")
    return np.where(said.isna().to_numpy(), np.nan, said.isin(NOT_SELF).fillna(False).to_numpy(float))


def comparable_cells(
    strata: pd.Series, attempts: pd.Series | None, rating: pd.Series | None = None
) -> pd.Series:
    """The cells within which a surveyor is compared with peers: the design stratum, split by whether
    the case took `HARD_TO_REACH` or more call attempts (a case without a count is its own band) and,
    with `rating`, by the system's own rating of the record (a missing one its own label).

    Why the split: cases are not handed out at random within strata — appointments return to the
    surveyor who made them, and supervisors give refusals to their best converters — and citizens
    who are hard to reach or first refused are often less satisfied. A surveyor given 60% of such
    cases (10 points less satisfied) was flagged in 18.5% of studies where nobody deviates; by stratum
    and band, 9% (ARCHITECTURE.md, "Surveyor checks"). The attempts are partly the surveyor's own
    doing, which is why the split is coarse (two bands): three bands cost more power for no gain.

    Why the rating: it is given before the call from what the citizen thought, and predicts the
    callback answer better than anything else the frame has, so within it a surveyor who records
    answers differently stands out from the citizens' own spread — a surveyor recording 10 points
    fewer satisfied was found in 0.745 of studies by stratum and band, 0.940 with the rating — and a
    surveyor given the complaints (half the records rated below satisfied) is not read as one who
    records them (false flags 0.963 → 0.040)."""
    cells = strata.astype(str)
    if attempts is not None:
        count = pd.to_numeric(attempts, errors="coerce")
        band = pd.Series(np.where(count >= HARD_TO_REACH, "hard", "easy"), index=strata.index)
        cells = cells + "|" + band.where(count.notna(), "unknown")
    if rating is not None:
        cells = cells + "|" + rating.astype("string").fillna("\x00")
    return cells.where(strata.notna())


def peer_tests(
    surveyors: pd.Series,
    strata: pd.Series,
    measures: Mapping[str, Measure],
    *,
    q: float,
    max_rounds: int = MAX_ROUNDS,
) -> dict[str, pd.DataFrame]:
    """Per measure, one row per surveyor (indexed by surveyor, sorted) in `PEER_COLUMNS`.

    `surveyors` and `strata` are aligned with every measure's values; an interview without a surveyor
    or a stratum is left out. A lone surveyor, or one whose every stratum lacks peers or variation,
    has no p-value and no flag (said by NaN, not warned about)."""
    known = (surveyors.notna() & strata.notna()).to_numpy()
    who, people = pd.factorize(surveyors[known], sort=True)
    layer, layers = pd.factorize(strata[known])
    counts = {
        name: _counts(np.asarray(measure.values, float)[known], who, layer, len(people), len(layers))
        for name, measure in measures.items()
    }
    index = pd.Index(people, name="surveyor")
    flagged = np.zeros(len(people), bool)
    first: dict[str, np.ndarray] | None = None
    for _ in range(max_rounds):
        tables = {name: _round(*counts[name], flagged, index) for name in measures}
        family = pd.concat({name: table["p"] for name, table in tables.items()})
        adjusted, rejected = bh(family, q)
        marks = {}
        for name, table in tables.items():
            table["p_adjusted"] = adjusted[name].to_numpy()
            mark = rejected[name].to_numpy()
            if measures[name].above_only:
                mark = mark & (table["share"] > table["peer_share"]).to_numpy()
            marks[name] = mark
        first = marks if first is None else first
        for name, table in tables.items():  # a later round only clears a first-round flag
            table["flagged"] = marks[name] & first[name]
        now = np.logical_or.reduce([table["flagged"].to_numpy() for table in tables.values()])
        if (now == flagged).all():
            break
        flagged = now
    return {name: table[list(PEER_COLUMNS)] for name, table in tables.items()}


def peer_table(
    surveyors: pd.Series, strata: pd.Series, values: np.ndarray, apart: Sequence[str] = ()
) -> pd.DataFrame:
    """One round of `peer_tests` on one measure, with the surveyors `apart` out of everybody else's
    peers (and themselves compared with the rest): `n`, `share`, `peer_share`, `odds_ratio`, `cmh`,
    `p` per surveyor, no adjustment and no flag. For a caller that sets surveyors apart by a rule of
    its own (`analysis.surveyor_bias`)."""
    known = (surveyors.notna() & strata.notna()).to_numpy()
    who, people = pd.factorize(surveyors[known], sort=True)
    layer, layers = pd.factorize(strata[known])
    a, n = _counts(np.asarray(values, float)[known], who, layer, len(people), len(layers))
    return _round(a, n, np.isin(people, list(apart)), pd.Index(people, name="surveyor"))


def _counts(values: np.ndarray, who: np.ndarray, layer: np.ndarray, people: int, strata: int):
    """Per (surveyor, stratum): interviews with value 1 (`a`) and interviews that count (`n`)."""
    ok = ~np.isnan(values)
    a = np.zeros((people, strata))
    n = np.zeros((people, strata))
    np.add.at(a, (who[ok], layer[ok]), values[ok])
    np.add.at(n, (who[ok], layer[ok]), 1.0)
    return a, n


def _round(a: np.ndarray, n: np.ndarray, flagged: np.ndarray, index: pd.Index) -> pd.DataFrame:
    """Every surveyor against the surveyors not `flagged` (themselves apart), stratum by stratum."""
    total_a, total_n = a[~flagged].sum(axis=0), n[~flagged].sum(axis=0)
    rows = []
    for s in range(len(index)):
        peer_a = total_a - (0 if flagged[s] else a[s])
        peer_n = total_n - (0 if flagged[s] else n[s])
        shared = (n[s] > 0) & (peer_n > 0)
        mine_n = n[s].sum()
        # what this surveyor's cases would show had peers recorded them: the peers' share in every cell
        # they share, the surveyor's own in the rest (no comparison there), in the surveyor's mix
        like_theirs = np.where(shared, peer_a, a[s]) / np.where(shared, peer_n, np.maximum(n[s], 1))
        row = {
            "n": int(mine_n),
            "share": a[s].sum() / mine_n if mine_n else np.nan,
            "peer_share": n[s] @ like_theirs / mine_n if shared.any() else np.nan,
        }
        row["odds_ratio"], row["cmh"], row["p"] = _cmh(a[s], n[s], peer_a, peer_n)
        rows.append(row)
    return pd.DataFrame(rows, index=index, columns=["n", "share", "peer_share", "odds_ratio", "cmh", "p"])


def _cmh(a: np.ndarray, n: np.ndarray, peer_a: np.ndarray, peer_n: np.ndarray) -> tuple[float, float, float]:
    """Mantel–Haenszel pooled odds ratio, CMH statistic and p-value of one surveyor against peers over
    the strata where both have interviews and both values occur (a stratum without them adds nothing
    to the statistic and would divide by zero in its variance).

    The statistic is R `mantelhaen.test`'s default, (|Δ| − min(½, |Δ|))² / V: statsmodels'
    `test_null_odds(correction=True)` subtracts ½ even from |Δ| < ½, so a surveyor exactly like
    their peers got p = 0.79 instead of 1."""
    used = (n > 0) & (peer_n > 0) & (a + peer_a > 0) & (n + peer_n - a - peer_a > 0)
    if not used.any():
        return np.nan, np.nan, np.nan
    a, n, peer_a, peer_n = a[used], n[used], peer_a[used], peer_n[used]
    total, ones = n + peer_n, a + peer_a
    delta = abs((a - n * ones / total).sum())
    variance = (n * peer_n * ones * (total - ones) / (total**2 * (total - 1))).sum()
    statistic = (delta - min(0.5, delta)) ** 2 / variance
    tables = np.array([[a, n - a], [peer_a, peer_n - peer_a]], float)  # 2 × 2 × strata
    with np.errstate(divide="ignore", invalid="ignore"):  # b·c = 0 in every stratum: +inf, said not warned
        pooled = float(StratifiedTable(tables).oddsratio_pooled)
    return pooled, float(statistic), float(stats.chi2.sf(statistic, 1))


def surveyor_effects(
    responses: pd.DataFrame,
    surveyor: str = "surveyor_id",
    strata: str = "stratum",
    item: str = "sat_overall",
    satisfied_codes: Sequence[str] = DEFAULT_SATISFIED_CODES,
    q: float = 0.10,
    max_rounds: int = MAX_ROUNDS,
    attempts: str | None = None,
    rating: str | None = None,
    who: str | None = None,
) -> pd.DataFrame:
    """The report's check (`peer_tests` on the 满意率, on the share of 说不清/拒答 and, with `who`, the
    column of who-rated answers, on the share saying someone else rated or nobody did, `not_self`),
    one row per surveyor: `interviews`, and per measure (`satisfied_`, `dk_refused_`, `who_rated_`)
    `rate`, `peers`, `odds_ratio`, `p_value`, `p_adjusted`, `flagged`; the who-rated columns are NaN
    (and never flagged) without `who` or any answer in it. Peers are compared in `comparable_cells`:
    by stratum, and by the call-effort band with `attempts` (the column of each case's call attempts)
    and the system rating with `rating` (the column of each record's). A surveyor far from peers on
    comparable cases is worth a listen-back, not a verdict.

    Why who rated: those answers are the unit verdicts' strongest evidence, and a surveyor who asks
    the question in a leading way moves every unit they call (`analysis.surveyor_bias`); the
    supervisor's flags test the same share during fieldwork."""
    for column in (surveyor, strata, item, *(c for c in (attempts, rating, who) if c)):
        if column not in responses.columns:
            raise AnalysisError(f"responses lack the column {column!r}")
    answers = responses[item].astype("string")
    measures = {
        "satisfied": Measure(satisfaction_indicator(responses[item], satisfied_codes)),
        "dk_refused": Measure(
            np.where(answers.isna(), np.nan, answers.isin(SPECIAL).fillna(False).to_numpy(float))
        ),
    }
    if who and responses[who].notna().any():
        measures["who_rated"] = Measure(not_self(responses[who]))
    cells = comparable_cells(
        responses[strata],
        responses[attempts] if attempts else None,
        responses[rating] if rating else None,
    )
    tests = peer_tests(responses[surveyor], cells, measures, q=q, max_rounds=max_rounds)
    people = responses[surveyor].dropna()
    table = pd.DataFrame(index=tests["satisfied"].index.rename(surveyor))
    table["interviews"] = people.value_counts().reindex(table.index).astype(int).to_numpy()
    names = {"share": "rate", "peer_share": "peers", "p": "p_value"}
    for name in EFFECT_MEASURES:
        part = tests.get(name)
        for column in ("share", "peer_share", "odds_ratio", "p", "p_adjusted", "flagged"):
            values = part[column].to_numpy() if part is not None else np.full(len(table), np.nan)
            if column == "flagged" and part is None:
                values = np.zeros(len(table), bool)
            table[f"{name}_{names.get(column, column)}"] = values
    return table
