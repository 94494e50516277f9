"""How far a unit's callback answers lean on the surveyors who asked them.

Why: a supervisor may hand a district, or an office's cases, to one surveyor (for a dialect, a
route, an appointment kept). Then the unit's answers and that surveyor's way of recording them are
one and the same, and a surveyor who records 10 points fewer satisfied makes every unit they called
look 10 points inflated: at ~58 respondents a unit, such a surveyor nested in 12 of 60 honest units
put a false flag on one of them in 40% of studies (`tests/analysis/interviewer_sim.py`, ARCHITECTURE.md
"Surveyor checks"). The surveyor checks cannot see it — no peer called the same strata — and the unit
model cannot either: its honest gap is per domain, and the surveyor's block is a part of each domain.

What can be seen is the surveyor against peers on records like theirs *across* units: the same null
group (domain) and the same system rating, which was given before the call from what the citizen
thought. A surveyor whose answers differ there (`surveyor_shifts`, two-sided at `SHIFT_ALPHA`) either
records differently or called units that really differ; the data cannot say which, because the
design nested the two. A unit's `surveyor_bias` is the sum of its answers' shares by such surveyors
times their shifts: what its callback rate would move were the surveyors recording like their peers.
Where it reaches `HOLD` the unit's verdict sets those surveyors' answers aside and reads the others'
(`analysis.units`).
With interviews handed out at random — the call queue's default — a unit's mix is the domain's and
its bias stays small; one surveyor for a whole domain has no peers there and no shift (the domain's
honest gap already carries it).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.errors import AnalysisError
from analysis.headline import satisfaction_indicator
from analysis.surveyor_checks import not_self, peer_table
from sampling.vocabulary import DEFAULT_SATISFIED_CODES

#: A surveyor's shift counts when their answers differ from peers' on records like theirs at this
#: two-sided level (the CMH of `analysis.surveyor_checks`, step-down, unadjusted for multiplicity:
#: setting evidence aside is the cautious side).
SHIFT_ALPHA = 0.05
#: A unit whose callback 满意率 its surveyors' shifts move by this much (a share) or more has its
#: callback answers set aside in the verdict. Chosen by simulation (ARCHITECTURE.md, "Surveyor checks").
HOLD = 0.05

#: The share of a surveyor's answers, in the units furthest in the direction of their shift, left out
#: to see whether the shift is broad (`_broad`); for who rated, the same share of the peers' answers too.
BROAD_TRIM = 0.25

#: `unit_surveyor_bias`'s columns.
BIAS_COLUMNS = ("surveyor_bias", "surveyor_main", "surveyor_main_share", "surveyor_main_shift")


def surveyor_shifts(
    surveyors: pd.Series,
    cells: pd.Series,
    satisfied: np.ndarray,
    units: pd.Series | None = None,
    *,
    peers_trimmed: bool = False,
) -> pd.DataFrame:
    """One row per surveyor: `n`, `share` satisfied, `peer_share` (peers' on the same cells, in the
    surveyor's mix), `shift` = share − peer_share for the surveyors set apart (else 0), and the CMH `p`.

    Step-down: the surveyor furthest from peers (smallest p) is set apart when p < `SHIFT_ALPHA`, and
    everyone is compared again without the surveyors set apart among their peers, until nobody left is
    at `SHIFT_ALPHA`. Compared all at once, one surveyor 15 points low lends each of four peers a shift
    of +4 against the rest, enough to keep their units from being cleared; the surveyor checks' re-runs
    (`peer_tests`) do not help there, because every peer is then flagged in the first round. A
    surveyor with no peer on any cell (NaN p) has no shift: nothing to compare with.

    With `units` (aligned with the rest), a shift counts only if it is broad (`_broad`): a way of
    recording moves all of a surveyor's units, inflation a few of them; `peers_trimmed` leaves the
    peers' units furthest that way out of that comparison too."""
    apart: list[str] = []
    while True:
        table = peer_table(surveyors, cells, satisfied, apart)
        rest = table["p"].drop(index=apart).dropna()
        if rest.empty or rest.min() >= SHIFT_ALPHA:
            break
        apart.append(str(rest.idxmin()))
    table = table[["n", "share", "peer_share", "p"]].copy()
    if units is not None:
        apart = [
            who for who in apart if _broad(surveyors, cells, satisfied, units, apart, who, peers_trimmed)
        ]
    shifted = table.index.isin(apart)
    table["shift"] = (table["share"] - table["peer_share"]).where(shifted, 0.0).fillna(0.0)
    return table


def _broad(
    surveyors: pd.Series,
    cells: pd.Series,
    satisfied: np.ndarray,
    units: pd.Series,
    apart: list[str],
    who: str,
    peers_trimmed: bool,
) -> bool:
    """Whether `who`'s difference from peers survives leaving out the units that carry most of it — as
    many of their units, furthest in the shift's direction first, as hold `BROAD_TRIM` of their answers
    (with `peers_trimmed`, the peers' units furthest that way likewise) — still at `SHIFT_ALPHA` and the
    same way.

    Why: under nesting a block of units with more inflating ones than others looks like a surveyor
    who records fewer satisfied (the data cannot tell a block that all inflates from such a surveyor,
    and the guard holds it); three inflating units of twelve held a block in a quarter of the studies
    and cost +20 points' recall 0.036 (ARCHITECTURE.md, "Surveyor checks"). The who-rated answers trim
    the peers too (`unit_who_bias`): their units that take ratings for their clients are on the far
    side, and compared with all of them a surveyor whose question leads, where a fifth of the units
    take ratings, passed the step-down in 20 studies of 20 and this rule in 11 (stop 37). Satisfaction
    answers do not: a deviant surveyor was found as often without it, and trimming the peers there too
    held more blocks that merely held more inflating units (+20 points' recall 0.951 → 0.931)."""
    mine = (surveyors == who).to_numpy()
    peers = (surveyors.notna() & ~surveyors.isin(apart)).to_numpy()
    answers = pd.DataFrame({"cell": cells.to_numpy(), "y": satisfied, "unit": units.to_numpy()})
    expected = answers["cell"].map(answers[peers].groupby("cell")["y"].mean())
    residual = answers["y"] - expected
    per_unit = _unit_residuals(residual, answers["unit"], mine)
    if per_unit.empty:
        return False
    direction = np.sign(per_unit["mean"] @ per_unit["size"])
    keep = ~(mine & answers["unit"].isin(_furthest(per_unit, direction)).to_numpy())
    if peers_trimmed:
        theirs = _unit_residuals(residual, answers["unit"], peers)
        keep &= ~(peers & answers["unit"].isin(_furthest(theirs, direction)).to_numpy())
    row = peer_table(surveyors[keep], cells[keep], satisfied[keep], apart).loc[who]
    return bool(row["p"] < SHIFT_ALPHA and np.sign(row["share"] - row["peer_share"]) == direction)


def _unit_residuals(residual: pd.Series, units: pd.Series, rows: np.ndarray) -> pd.DataFrame:
    """Per unit, the mean and number of the `residual`s of `rows` (answers minus peers' on the cell)."""
    mine = residual[rows].dropna()
    return mine.groupby(units[mine.index]).agg(["mean", "size"])


def _furthest(per_unit: pd.DataFrame, direction: float) -> pd.Index:
    """The units of `per_unit` furthest in `direction`, as many as hold `BROAD_TRIM` of its answers."""
    order = (per_unit["mean"] * direction).sort_values(ascending=False, kind="stable").index
    before = per_unit["size"].reindex(order).cumsum().shift(fill_value=0)
    return order[before < BROAD_TRIM * per_unit["size"].sum()]


def unit_surveyor_bias(
    data: pd.DataFrame,
    unit: str,
    surveyor: str,
    group: pd.Series,
    *,
    item: str = "sat_overall",
    system_col: str = "system_rating",
    satisfied_codes: Sequence[str] = DEFAULT_SATISFIED_CODES,
) -> pd.DataFrame:
    """Per unit (index: the units of `data`): `surveyor_bias` (Σ over its answers' surveyors of
    their share × `shift`), the surveyor who asked most of its answers (`surveyor_main`), that
    surveyor's share of them and shift. `group` holds each row's null group (the unit's domain);
    answers without a surveyor (the web's) count in the shares with no shift. `attrs["aside"]`: the
    surveyors with a shift, whose answers a held unit's verdict sets aside."""
    for column in (unit, surveyor, item, system_col):
        if column not in data.columns:
            raise AnalysisError(f"interviews lack the column {column!r}")
    y = satisfaction_indicator(data[item], satisfied_codes)
    return _unit_bias(data, unit, surveyor, group, y, system_col, "surveyor", peers_trimmed=False)


#: A unit whose who-rated answers its surveyors' shifts move by this much (a share of its interviews)
#: or more has those surveyors' who-rated answers set aside in the verdict. Chosen by simulation
#: (ARCHITECTURE.md, "Surveyor checks"): one leading surveyor's block of honest units.
WHO_HOLD = 0.03

#: `unit_who_bias`'s columns.
WHO_COLUMNS = ("who_bias", "who_main", "who_main_share", "who_main_shift")


def unit_who_bias(
    interviews: pd.DataFrame,
    unit: str,
    surveyor: str,
    group: pd.Series,
    *,
    system_col: str = "system_rating",
) -> pd.DataFrame:
    """`unit_surveyor_bias` of the who-rated answers: per unit, how far its share of interviews
    answering that someone else rated or nobody did (`surveyor_checks.not_self`) leans on surveyors who get those
    answers more (or less) often than peers on records of the same null group and system rating —
    a question asked in a leading way, or a misrecording. Columns `WHO_COLUMNS`; `attrs["aside"]`:
    the surveyors with a shift. Interviews without a who-rated answer do not count.

    Why: the who-rated answers are the verdict's strongest evidence (a Bayes factor of thousands), so
    a surveyor whose question turns one "self" in ten into "someone else" flagged six honest units of
    their block in every simulated study (ARCHITECTURE.md, "Surveyor checks")."""
    for column in (unit, surveyor, "who_rated", system_col):
        if column not in interviews.columns:
            raise AnalysisError(f"interviews lack the column {column!r}")
    who = not_self(interviews["who_rated"])
    return _unit_bias(interviews, unit, surveyor, group, who, system_col, "who", peers_trimmed=True)


def _unit_bias(
    data: pd.DataFrame,
    unit: str,
    surveyor: str,
    group: pd.Series,
    y: np.ndarray,
    system_col: str,
    prefix: str,
    *,
    peers_trimmed: bool,
) -> pd.DataFrame:
    """Per unit: `<prefix>_bias`, `_main`, `_main_share`, `_main_shift` of the binary measure `y`
    (NaN: the row does not count), with `attrs["aside"]` (see `unit_surveyor_bias`)."""
    y = np.asarray(y, float)
    answered = ~np.isnan(y)
    rows = data.loc[answered, [unit, surveyor]]
    cells = group[answered].astype(str) + "|" + data.loc[answered, system_col].astype("string").fillna("\x00")
    shifts = surveyor_shifts(rows[surveyor], cells, y[answered], rows[unit], peers_trimmed=peers_trimmed)
    per_row = rows[surveyor].map(shifts["shift"]).fillna(0.0).to_numpy(float)
    units = rows[unit].to_numpy()
    out = pd.DataFrame(index=pd.Index(pd.unique(units), name=unit))
    out[f"{prefix}_bias"] = pd.Series(per_row).groupby(units).mean().reindex(out.index)
    counts = rows.dropna(subset=[surveyor]).groupby([unit, surveyor]).size()
    total = rows.groupby(unit).size()
    if len(counts):
        top = counts.sort_values(ascending=False, kind="stable").groupby(level=0).head(1)
        main = pd.Series(top.index.get_level_values(1), index=top.index.get_level_values(0))
        out[f"{prefix}_main"] = main.reindex(out.index)
        out[f"{prefix}_main_share"] = (pd.Series(top.to_numpy(), index=main.index) / total).reindex(out.index)
    else:
        out[f"{prefix}_main"], out[f"{prefix}_main_share"] = np.nan, np.nan
    out[f"{prefix}_main_shift"] = out[f"{prefix}_main"].map(shifts["shift"])
    out.attrs["aside"] = tuple(str(who) for who in shifts.index[shifts["shift"] != 0])
    return out
