"""Two-phase adaptive sampling: phase 2 sends the rest of the budget where phase 1 could not clear a unit.

**Phase 1** is the ordinary stratified draw (``sampling.selection``), each audited unit a stratum.
After its fieldwork, each unit's evidence is its satisfied count x and answered count r among its m
released phase-1 cases. **The rule** (``PhaseTwoRule``, stored with the design) *clears* a unit whose
callbacks already rule out an inflation of ``inflation`` or more: P(X ≥ x | r, p_s − g − δ) ≤ γ, with
p_s the unit's system rate (a census), g the honest gap and γ = ``level``. Every other unit —
suspicious or inconclusive, including one with no answer yet — is *selected*. The rule is row-wise
(a unit's decision depends on its own x and r only, everything else fixed), which the weights below
need. Any function ``(x, r, evidence) → bool array`` with that property can replace it.
**The evidence rule** (``kind="evidence"``, ``sampling.screening``) screens on all of phase 1 instead:
each unit's integer score from its own phase-1 counts by category (system rating × answer × sign ×
staff asked) and its published level, with design-fixed constants; it selects every audited unit whose
score reaches ``threshold``, or the ``top`` J highest scores (an optional ``ceiling`` spares the units
already decided: a band of scores, still a function of the counts). Under "top J" unit h is selected ⇔ its
score ≥ t_h, t_h set by the other units' scores and the key order (``screening.top_thresholds``), and
given h selected the selected set is h and the top J − 1 of the others — so both h's selection rule
and its k_h are fixed by the other units' data, independent of h's own sample.

**Phase-2 allocation**: each selected unit's need is fixed before phase 1 — the cases its planned
completes lack to detect δ (``sampling.power``) — and the budget is shared in proportion to need
among the selected units, at most the records the unit has left; or (``allocation="equal"``) in equal
parts, at most the records left. So a unit's k_h depends on its own data only through being selected.

**Phase-2 draw** (seeded, recorded): within each selected stratum, the units not drawn in phase 1
(main sample and every reserve replicate) are ordered by Philox4x64-10 keyed (seed₂, K("phase2:" +
key)) — the same construction as phase 1, so any machine re-draws it — and the first k_h are taken:
an SRS of the unit's remaining records. π₂|₁ = k_h / (N_h − M_h), M_h = cases drawn in phase 1. The
unreleased reserve of a phase-2 stratum can no longer be released (it would change phase 1).

**Weights** (``rao_blackwell_weights``). Pooling both phases with π = (m + k)/N is *biased*: a unit
is expanded when its phase-1 callbacks look low, and pooling then dilutes exactly those low phase-1
results (E[pooled | s₁] = T + c(k)(N ȳ₁ − T), c(0) = 1 > c(k)), pushing estimates up.
The phase-1 estimator N ȳ₁ is unbiased; its Rao–Blackwellisation given the final unordered sample
and the decision is unbiased too and uses phase 2: given s = s₁ ∪ s₂ (n = m + k cases) and "the
unit was selected", every split of s into an m-case phase 1 and a k-case phase 2 for which the rule
selects is equally likely (phase 1 is SRS of U_h, phase 2 SRS of what is left). A case's weight is
N_h/m × P(it was in phase 1 | s, selected), and by symmetry that probability depends only on its
category — any finite set of them, as long as the rule is a function of the phase-1 counts by
category: satisfied / answered not satisfied / no answer for the rate rule, the score class for the
evidence rule — computed exactly from the multivariate hypergeometric law of the split's counts
restricted to selecting splits (``split_shares`` enumerates the count vectors; ``score_split_shares``
counts subsets by score with a dynamic programme, milliseconds for 40 cases in 12 classes). The weights sum to N_h and
give unbiased totals of every variable (not just 满意), assuming a case's outcome category does not
depend on the phase it was called in. Strata not expanded keep N_h/m.

**Unit verdicts after two phases** are the analysis's (``analysis.phase_two_test``): the rate test on
both phases' answers of a unit phase 2 expanded, p = 1 for one it passed over — valid because a unit is
never tested on phase 1 alone (a binding futility stop).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field
from scipy import special, stats

from sampling.allocation import allocate
from sampling.design import SampleDesign, draw_design
from sampling.errors import DesignError
from sampling.exclusions import Exclusions
from sampling.power import completes_for_inflation, unit_alpha
from sampling.screening import EvidenceConstants, category_scores, level_offset, top_thresholds, unit_scores
from sampling.selection import check_seed, prepare_units, random_stream

PHASE2_STREAM = "phase2:"

# a selection rule: satisfied counts, answered counts, the evidence table → selected (bool, row-wise)
Rule = Callable[[np.ndarray, np.ndarray, pd.DataFrame], np.ndarray]


class PhaseTwoRule(BaseModel):
    """Which units phase 2 goes to, and how much each would need; stored with the design."""

    model_config = ConfigDict(extra="forbid")

    inflation: float = Field(default=0.10, gt=0, le=1)  # δ: the inflation phase 2 must be able to find
    level: float = Field(default=0.20, gt=0, lt=1)  # γ: a unit is cleared when inflation ≥ δ is rejected at γ
    honest_gap: float = Field(default=0.0, ge=0, lt=1)  # g: honest system − callback gap
    q: float = Field(default=0.10, gt=0, lt=1)  # FDR of the final verdicts, for the need (α = q / K)
    power: float = Field(default=0.8, gt=0, lt=1)
    response_rate: float = Field(default=0.6, gt=0, le=1)  # expected, for turning completes into cases

    # which rule: "rate" clears on the phase-1 rate alone (the first rule, the default of stored designs);
    # "evidence" screens on all the phase-1 evidence (``sampling.screening``)
    kind: Literal["rate", "evidence"] = "rate"
    constants: EvidenceConstants = Field(default_factory=EvidenceConstants)  # the evidence rule's nuisances
    select: Literal["top", "threshold"] = (
        "top"  # evidence rule: the `top` highest scores, or score ≥ `threshold`
    )
    top: int = Field(default=12, ge=1)
    threshold: float = 2.0  # nats of log likelihood ratio
    # evidence rule: a unit whose score already reaches this (nats) is decided and gets no phase 2
    ceiling: float | None = None
    # how the budget is shared among the selected units: in proportion to their planned need (the
    # first rule's; stored designs without the field), or in equal parts (capped by the records left)
    allocation: Literal["need", "equal"] = "need"

    @classmethod
    def stored(cls, rule: dict) -> PhaseTwoRule:
        """The rule a design stored (``model_dump``), read as it was drawn: constants stored before
        ``EvidenceConstants.proxied_share`` existed screened without proxied records, so they get 0 —
        the default would change an old design's scores and `sample verify` would call it altered."""
        constants = rule.get("constants")
        if isinstance(constants, dict) and "proxied_share" not in constants:
            rule = {**rule, "constants": {**constants, "proxied_share": 0.0}}
        return cls.model_validate(rule)

    def decide(self, evidence: pd.DataFrame, counts: pd.DataFrame | None, audited: list[str]) -> pd.DataFrame:
        """Per stratum: ``selected`` (phase 2 or not) and, for the evidence rule, ``score`` and the
        unit's ``threshold`` (selected ⇔ score ≥ threshold; a function of the other units' scores under
        ``select="top"``). ``counts``: strata × ``screening.CATEGORIES`` (evidence rule only)."""
        audit = pd.Series(evidence.index.isin(audited), index=evidence.index)
        if self.kind == "rate":
            chosen = self.selected(evidence["x"], evidence["r"], evidence)
            return pd.DataFrame({"selected": chosen & audit.to_numpy()}, index=evidence.index)
        if counts is None:
            raise DesignError("the evidence rule needs each unit's phase-1 counts by category")
        scores = unit_scores(counts, evidence, self.constants, self.inflation)
        candidates = audit & (scores < self.ceiling_steps())
        if self.select == "top":
            thresholds = top_thresholds(scores, candidates, self.top)
        else:
            fixed = math.ceil(round(self.threshold / self.constants.step, 9))
            thresholds = pd.Series(np.where(audit, fixed, np.iinfo(np.int64).max // 4), index=evidence.index)
        return pd.DataFrame(
            {
                "selected": candidates & (scores >= thresholds),
                "score": scores,
                "threshold": thresholds.astype("int64"),
            }
        )

    def ceiling_steps(self) -> int:
        """The evidence rule's ceiling in whole score steps (a unit at or above it is decided)."""
        if self.ceiling is None:
            return int(np.iinfo(np.int64).max // 4)
        return math.ceil(round(self.ceiling / self.constants.step, 9))

    def category_scores(self, evidence_row: pd.Series) -> dict[str, int]:
        """The evidence rule's integer score of each category for one stratum (its domain, system rate)."""
        domain = evidence_row.get("domain")
        return category_scores(
            self.constants,
            None if domain is None else str(domain),
            evidence_row["system_rate"],
            self.inflation,
        )

    def level_offset(self, evidence_row: pd.Series) -> int:
        """The evidence rule's score of a unit before any callback (its published level), in steps."""
        domain = evidence_row.get("domain")
        return level_offset(
            self.constants,
            None if domain is None else str(domain),
            evidence_row["system_rate"],
            self.inflation,
        )

    def selected(self, x: np.ndarray, r: np.ndarray, evidence: pd.DataFrame) -> np.ndarray:
        """The rate rule: True = suspicious or inconclusive (phase 2), False = cleared. Row-wise in (x, r)."""
        x, r = np.asarray(x, dtype=float), np.asarray(r, dtype=float)
        p1 = np.clip(honest_rate(evidence, self.honest_gap) - self.inflation, 0.0, 1.0)
        p1 = np.broadcast_to(p1, np.broadcast_shapes(x.shape, r.shape, p1.shape))
        upper = stats.binom.sf(x - 1, r, p1)  # P(X ≥ x | r, p_s − g − δ)
        return ~((r >= 1) & (upper <= self.level))


def honest_rate(evidence: pd.DataFrame, honest_gap: float = 0.0) -> np.ndarray:
    """The callback rate an honest unit would show: the ``honest_rate`` column where the evidence has one
    (e.g. from the unit model's per-domain honest gap, fixed before phase 2), else p_s − ``honest_gap``."""
    if "honest_rate" in evidence.columns:
        given = evidence["honest_rate"].to_numpy(float)
        fallback = evidence["system_rate"].to_numpy(float) - honest_gap
        return np.clip(np.where(np.isnan(given), fallback, given), 0.0, 1.0)
    return np.clip(evidence["system_rate"].to_numpy(float) - honest_gap, 0.0, 1.0)


def evidence_table(
    cases: pd.DataFrame, system_rate: pd.Series, sizes: pd.Series, drawn: pd.Series
) -> pd.DataFrame:
    """Per stratum: N_h, M_h (drawn in phase 1), m (released), x (satisfied), r (answered), system_rate.

    ``cases``: the released phase-1 cases with ``stratum`` and ``outcome`` ∈ {satisfied, unsatisfied,
    none} (none = no valid answer: nonresponse, not eligible, 说不清, refused, still open).
    """
    bad = set(cases["outcome"].dropna().unique()) - {"satisfied", "unsatisfied", "none"}
    if bad:
        raise DesignError(f"unknown case outcome(s) {sorted(bad)}; use satisfied, unsatisfied or none")
    grouped = cases.groupby("stratum")["outcome"]
    table = pd.DataFrame(
        {
            "N_h": sizes,
            "M_h": drawn.reindex(sizes.index).fillna(0).astype("int64"),
            "m": grouped.size().reindex(sizes.index).fillna(0).astype("int64"),
            "x": grouped.agg(lambda o: int((o == "satisfied").sum())).reindex(sizes.index).fillna(0),
            "r": grouped.agg(lambda o: int(o.isin(["satisfied", "unsatisfied"]).sum()))
            .reindex(sizes.index)
            .fillna(0),
            "system_rate": system_rate.reindex(sizes.index),
        }
    )
    table[["x", "r"]] = table[["x", "r"]].astype("int64")
    return table


def planned_need(evidence: pd.DataFrame, rule: PhaseTwoRule, audited: list[str]) -> pd.Series:
    """Cases each audited unit would need in phase 2, from the design alone (not from its callbacks):
    cases to detect δ at α = q / K with the given power, minus the m cases of phase 1; 0 if unreachable."""
    alpha = unit_alpha(rule.q, max(len(audited), 1))
    need = pd.Series(0, index=evidence.index, dtype="int64")
    for key in audited:
        completes = completes_for_inflation(
            float(evidence.at[key, "system_rate"]), rule.inflation, alpha, rule.power, rule.honest_gap
        )
        room = int(evidence.at[key, "N_h"] - evidence.at[key, "M_h"])
        wanted = room if completes is None else math.ceil(round(completes / rule.response_rate, 9))
        need[key] = max(0, min(room, wanted - int(evidence.at[key, "m"])))
    return need


def phase_two_allocation(
    evidence: pd.DataFrame,
    selected: pd.Series,
    need: pd.Series,
    budget: int,
    share: Literal["need", "equal"] = "need",
) -> pd.Series:
    """k_h: the budget in proportion to need among the selected units, never more than a unit needs;
    what the needs leave over goes to the selected units' remaining records in proportion to them.
    ``share="equal"``: equal parts instead (``equal_allocation``; ``need`` is not read)."""
    if budget < 0:
        raise DesignError(f"the phase-2 budget must be ≥ 0 (got {budget})")
    k = pd.Series(0, index=evidence.index, dtype="int64")
    chosen = evidence.index[selected.reindex(evidence.index).fillna(False).to_numpy(bool)]
    if len(chosen) == 0 or budget == 0:
        return k
    if share == "equal":
        return equal_allocation(evidence, chosen, budget)
    wants = need.reindex(chosen).fillna(0).astype("int64")
    first = min(budget, int(wants.sum()))
    if first > 0:
        k[chosen] = allocate(wants, first, method="proportional")
    room = (evidence.loc[chosen, "N_h"] - evidence.loc[chosen, "M_h"] - k[chosen]).clip(lower=0)
    rest = min(budget - first, int(room.sum()))
    if rest > 0:
        k[chosen] += allocate(room.astype("int64"), rest, method="proportional")
    return k


def equal_allocation(evidence: pd.DataFrame, chosen: pd.Index, budget: int) -> pd.Series:
    """k_h: the budget in equal parts among the ``chosen`` strata, none above the records it has left
    (N_h − M_h); what a full stratum cannot take is shared equally by the others, and the last few cases
    go one each in stratum order. Why: the need-proportional share gives the fewest cases to the units
    with the highest published rates — the ones an inflating unit's census makes high — so a design whose
    verdict reads every unit's answers can prefer equal parts. Like the need, k_h depends on a unit's own
    phase-1 answers only through its being chosen (the Rao–Blackwell weights need that)."""
    k = pd.Series(0, index=evidence.index, dtype="int64")
    room = (evidence.loc[chosen, "N_h"] - evidence.loc[chosen, "M_h"]).clip(lower=0).astype("int64")
    left = int(budget)
    active = [key for key in chosen if room[key] > 0]
    while left > 0 and active:
        each = left // len(active)
        if each == 0:
            for key in active[:left]:
                k[key] += 1
            break
        for key in active:
            add = min(each, int(room[key] - k[key]))
            k[key] += add
            left -= add
        active = [key for key in active if k[key] < room[key]]
    return k


def draw_phase_two(
    members: dict[str, np.ndarray], drawn: dict[str, np.ndarray], allocation: pd.Series, seed: int
) -> dict[str, np.ndarray]:
    """Per stratum, the positions (into ``members[key]``, canonical order) of the k_h phase-2 cases.

    ``members[key]``: the stratum's units in canonical order (any ids); ``drawn[key]``: the boolean
    mask of those drawn in phase 1 (main and reserve). Returns positions in phase-2 selection order.
    """
    seed = check_seed(seed)
    picked: dict[str, np.ndarray] = {}
    for key, k in allocation.items():
        k = int(k)
        if k <= 0:
            continue
        mask = drawn[key]
        candidates = np.flatnonzero(~mask)
        if k > len(candidates):
            raise DesignError(
                f"stratum {key!r}: phase 2 asks for {k} cases but only {len(candidates)} records were not "
                "drawn in phase 1"
            )
        draws = random_stream(seed, PHASE2_STREAM + str(key), len(mask))[candidates]
        order = np.lexsort((candidates, draws))[:k]
        picked[key] = candidates[order]
    return picked


def phase_two_cases(
    frame: pd.DataFrame,
    design: SampleDesign,
    allocation: pd.Series,
    seed: int,
    exclude: Exclusions | None = None,
) -> pd.DataFrame:
    """The phase-2 cases of a drawn design, re-derivable by anyone from the frame, design and seed₂.

    Units and strata are those of phase 1 (same seed, so a person keeps the event and stratum phase 1
    gave them); phase 1's draw (main and all reserve) is re-made to know which units it took. Columns:
    the frame's fields plus stratum, selection_order (M_h + 1, M_h + 2, …), N_h, M_h, pi2 = k/(N_h − M_h)
    and, for persons, n_events.
    """
    given = design.model_copy(update={"method": "given"}) if design.allocation else design
    units = prepare_units(frame, design.strata, design.seed, design.unit, exclude)
    first = draw_design(frame, given, exclude)
    taken = set(first.cases["record_id"].astype(str))
    record_ids = frame["record_id"].astype(str).to_numpy()
    order = np.argsort(units.stratum, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(units.stratum, minlength=len(units.keys)))])
    position = {key: h for h, key in enumerate(units.keys)}
    unknown = [str(k) for k, v in allocation.items() if int(v) > 0 and str(k) not in position]
    if unknown:
        raise DesignError(f"phase 2 names strata the design does not have: {', '.join(unknown[:5])}")
    members: dict[str, np.ndarray] = {}
    drawn: dict[str, np.ndarray] = {}
    for key, k in allocation.items():
        if int(k) <= 0:
            continue
        h = position[str(key)]
        members[str(key)] = order[bounds[h] : bounds[h + 1]]
        drawn[str(key)] = np.isin(record_ids[units.rows[members[str(key)]]], list(taken))
    picked = draw_phase_two(members, drawn, pd.Series({str(k): int(v) for k, v in allocation.items()}), seed)
    parts = []
    for key, positions in picked.items():
        unit_numbers = members[key][positions]
        part = frame.iloc[units.rows[unit_numbers]].reset_index(drop=True)
        size, before = len(members[key]), int(drawn[key].sum())
        part.insert(0, "stratum", key)
        part.insert(1, "selection_order", np.arange(before + 1, before + 1 + len(positions)))
        part.insert(2, "N_h", size)
        part.insert(3, "M_h", before)
        part["pi2"] = len(positions) / (size - before)
        if units.n_events is not None:
            part["n_events"] = units.n_events[unit_numbers]
        parts.append(part)
    if not parts:
        return frame.iloc[0:0].assign(stratum="", selection_order=0, N_h=0, M_h=0, pi2=0.0)
    return pd.concat(parts, ignore_index=True)


def split_shares(
    counts: np.ndarray | list[int], m: int, selects: Callable[[np.ndarray], np.ndarray]
) -> tuple[np.ndarray, float]:
    """P(a case of each category was in phase 1 | final sample, the rule selects), and P(selects).

    Any finite set of categories: ``counts`` are the final sample's counts by category (n = Σ counts),
    phase 1 an SRS of m of them, and ``selects(a)`` the rule on a matrix of phase-1 count vectors (one
    row each, vectorised). Every phase-1 count vector is enumerated with its multivariate
    hypergeometric probability — exact for any rule that is a function of the phase-1 counts; the
    number of vectors grows fast with categories, so a rule on an additive integer score should use
    ``score_split_shares`` (a dynamic programme).
    """
    counts = np.asarray(counts, dtype=np.int64)
    vectors, prob = _split_law(counts, m, selects)
    total = float(prob.sum())
    if total <= 0:
        return np.full(len(counts), np.nan), 0.0
    expected = (prob[:, None] * vectors).sum(axis=0) / total
    share = np.divide(expected, counts, out=np.full(len(counts), np.nan), where=counts > 0)
    return share, total


def split_pair_shares(
    counts: np.ndarray | list[int], m: int, selects: Callable[[np.ndarray], np.ndarray]
) -> np.ndarray:
    """P(two given cases, of categories c and d, were both in phase 1 | final sample, the rule selects),
    categories × categories (``split_shares``' second moments; NaN where the final sample holds no such
    pair, c = d needing two cases of c, or no split selects).

    Why: the phase-1 estimator is the Rao–Blackwell one plus noise that, given the final sample, comes
    only from which of its cases phase 1 held; these are that noise's second moments
    (``analysis.phase_effect``)."""
    counts = np.asarray(counts, dtype=np.int64)
    vectors, prob = _split_law(counts, m, selects)
    total = float(prob.sum())
    if total <= 0:
        return np.full((len(counts), len(counts)), np.nan)
    v = vectors.astype(float)
    second = np.einsum("r,rc,rd->cd", prob, v, v) / total  # E[a_c a_d]
    first = (prob[:, None] * v).sum(axis=0) / total
    second[np.diag_indices_from(second)] -= first  # E[a_c (a_c − 1)]
    pairs = np.outer(counts, counts).astype(float)
    pairs[np.diag_indices_from(pairs)] = counts * (counts - 1)
    return np.divide(second, pairs, out=np.full(pairs.shape, np.nan), where=pairs > 0)


def _split_law(
    counts: np.ndarray, m: int, selects: Callable[[np.ndarray], np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Every phase-1 count vector of an m-case SRS of the final sample, and its multivariate
    hypergeometric probability where the rule selects it (0 where it does not)."""
    vectors = np.zeros((1, 0), dtype=np.int64)
    left = int(counts.sum())
    for n_c in counts:
        left -= int(n_c)
        taken = vectors.sum(axis=1)
        a = np.arange(0, min(int(n_c), m) + 1)
        grown = np.concatenate(
            [np.repeat(vectors, len(a), axis=0), np.tile(a, len(vectors))[:, None]], axis=1
        )
        total = np.repeat(taken, len(a)) + np.tile(a, len(vectors))
        vectors = grown[(total <= m) & (total + left >= m)]
    log_p = _log_comb(counts[None, :], vectors).sum(axis=1) - _log_comb(int(counts.sum()), np.array(m))
    return vectors, np.where(np.asarray(selects(vectors), dtype=bool), np.exp(log_p), 0.0)


def score_split_shares(
    counts: np.ndarray | list[int],
    scores: np.ndarray | list[int],
    m: int,
    threshold: int,
    ceiling: int | None = None,
) -> tuple[np.ndarray, float]:
    """``split_shares`` for the rule "threshold ≤ Σ_c scores_c a_c (< ceiling)" (integer scores), by dynamic
    programming over the categories: T[j, s] = the number of j-case subsets with score s. P(a given
    case of category c is in phase 1 | selects) = #(m-subsets holding it that select) / #(selecting
    m-subsets), the numerator the same count over the other n − 1 cases with m − 1 places and the
    threshold lowered by scores_c. Exact (counts are whole numbers below 2⁵³ up to n ≈ 60, and keep
    16 significant digits beyond); cost ~ categories² × n × m × score range.
    """
    counts = np.asarray(counts, dtype=np.int64)
    scores = np.asarray(scores, dtype=np.int64)
    selecting = _in_band(_subset_counts(counts, scores, m), m, threshold, ceiling)
    if selecting <= 0:
        return np.full(len(counts), np.nan), 0.0
    share = np.full(len(counts), np.nan)
    for c in np.flatnonzero(counts > 0):
        fewer = counts.copy()
        fewer[c] -= 1
        share[c] = (
            _in_band(
                _subset_counts(fewer, scores, m - 1),
                m - 1,
                threshold - int(scores[c]),
                None if ceiling is None else ceiling - int(scores[c]),
            )
            / selecting
        )
    total = selecting / math.comb(int(counts.sum()), m)
    return share, total


def score_split_pair_shares(
    counts: np.ndarray | list[int],
    scores: np.ndarray | list[int],
    m: int,
    threshold: int,
    ceiling: int | None = None,
) -> np.ndarray:
    """``split_pair_shares`` for the score rule of ``score_split_shares``: the m-subsets holding two
    given cases that select, over the selecting ones, by the same dynamic programme with both cases
    set aside (m − 2 places, the threshold lowered by both scores)."""
    counts = np.asarray(counts, dtype=np.int64)
    scores = np.asarray(scores, dtype=np.int64)
    out = np.full((len(counts), len(counts)), np.nan)
    selecting = _in_band(_subset_counts(counts, scores, m), m, threshold, ceiling)
    if selecting <= 0:
        return out
    present = np.flatnonzero(counts > 0)
    for i, c in enumerate(present):
        for d in present[i:]:
            fewer = counts.copy()
            fewer[c] -= 1
            fewer[d] -= 1
            if fewer[c] < 0 or fewer[d] < 0:
                continue
            both = int(scores[c] + scores[d])
            held = (
                0.0
                if m < 2
                else _in_band(
                    _subset_counts(fewer, scores, m - 2),
                    m - 2,
                    threshold - both,
                    None if ceiling is None else ceiling - both,
                )
            )
            out[c, d] = out[d, c] = held / selecting
    return out


def _subset_counts(counts: np.ndarray, scores: np.ndarray, m: int) -> tuple[np.ndarray, int]:
    """T[j, s − low]: the number of j-case subsets (j ≤ m) with score s, and the offset low."""
    present = scores[counts > 0]
    low = m * min(int(present.min(initial=0)), 0)  # at most m cases: the reachable scores
    high = m * max(int(present.max(initial=0)), 0)
    width = high - low + 1
    table = np.zeros((m + 1, width))
    table[0, -low] = 1.0
    for n_c, w in zip(counts, scores, strict=True):
        if n_c == 0:
            continue
        grown = np.zeros_like(table)
        for a in range(0, min(int(n_c), m) + 1):
            shift = int(a * w)
            part = math.comb(int(n_c), a) * table[: m + 1 - a]
            if shift >= 0:
                grown[a:, shift:] += part[:, : width - shift]
            else:
                grown[a:, :shift] += part[:, -shift:]
        table = grown
    return table, low


def _in_band(table: tuple[np.ndarray, int], j: int, threshold: int, ceiling: int | None) -> float:
    """The number of j-subsets whose score s has threshold ≤ s (< ceiling)."""
    above = _at_least(table, j, ceiling) if ceiling is not None else 0.0
    return _at_least(table, j, threshold) - above


def _at_least(table: tuple[np.ndarray, int], j: int, threshold: int) -> float:
    counts, low = table
    if j < 0:
        return 0.0
    start = max(int(threshold) - low, 0)
    return float(counts[j, start:].sum())


def _log_comb(n: int | np.ndarray, k: np.ndarray) -> np.ndarray:
    """log C(n, k) for whole k in 0..n."""
    k = np.asarray(k, dtype=float)
    return (
        special.gammaln(np.asarray(n) + 1) - special.gammaln(k + 1) - special.gammaln(np.asarray(n) - k + 1)
    )


@dataclass(frozen=True)
class PhaseOneSplit:
    """Where phase 1 may lie within an expanded stratum's final sample, given that the rule selected it."""

    index: pd.Index  # the stratum's cases (index of ``cases``)
    category: np.ndarray  # each case's class for the rule (outcome, or score class)
    share: np.ndarray  # per class: P(a case of it was in phase 1 | final sample, selected)
    pair: np.ndarray | None  # classes × classes: P(two given cases were both in phase 1 | …)


def phase_one_splits(
    cases: pd.DataFrame,
    evidence: pd.DataFrame,
    allocation: pd.Series,
    rule: Rule | PhaseTwoRule,
    pairs: bool = False,
) -> dict[str, PhaseOneSplit]:
    """Each expanded stratum's ``PhaseOneSplit`` (with ``pairs``, its second moments too); arguments
    as ``rao_blackwell_weights``. Strata phase 2 passed over are absent: there phase 1 is the whole
    sample."""
    scored = isinstance(rule, PhaseTwoRule) and rule.kind == "evidence"
    rate_rule = rule.selected if isinstance(rule, PhaseTwoRule) else rule
    splits = {}
    for key, group in cases.groupby("stratum", sort=False):
        m = int((group["phase"] == 1).sum())
        if int(allocation.get(key, 0)) <= 0 or (group["phase"] == 2).sum() == 0:
            continue
        if scored:
            table = rule.category_scores(evidence.loc[key])
            case_scores = group["category"].map(table).to_numpy(np.int64)
            classes, category = np.unique(case_scores, return_inverse=True)
            counts = np.bincount(category, minlength=len(classes))
            offset = rule.level_offset(evidence.loc[key])
            cut = int(evidence.at[key, "threshold"]) - offset
            ceiling = None if rule.ceiling is None else rule.ceiling_steps() - offset
            share, total = score_split_shares(counts, classes, m, cut, ceiling)
            pair = score_split_pair_shares(counts, classes, m, cut, ceiling) if pairs else None
        else:
            names = ("satisfied", "unsatisfied", "none")
            counts = np.array([int((group["outcome"] == name).sum()) for name in names])
            row = evidence.loc[[key]]

            def decides(a: np.ndarray, row: pd.DataFrame = row) -> np.ndarray:
                x, r = a[:, 0], a[:, 0] + a[:, 1]
                return np.asarray(rate_rule(x, r, row), dtype=bool)

            share, total = split_shares(counts, m, decides)
            pair = split_pair_shares(counts, m, decides) if pairs else None
            category = group["outcome"].map({name: i for i, name in enumerate(names)}).to_numpy()
        if total <= 0:
            raise DesignError(
                f"stratum {key!r}: no split of its cases selects it for phase 2; the rule changed?"
            )
        splits[key] = PhaseOneSplit(group.index, category, share, pair)
    return splits


def rao_blackwell_weights(
    cases: pd.DataFrame, evidence: pd.DataFrame, allocation: pd.Series, rule: Rule | PhaseTwoRule
) -> pd.Series:
    """Design weights of every released case after two phases (index of ``cases``).

    ``cases``: stratum, phase (1 or 2), outcome (satisfied / unsatisfied / none) and, for the
    evidence rule, ``category``. ``rule``: a ``PhaseTwoRule`` or a row-wise rate rule ``(x, r,
    evidence) → selected``. Strata without a phase 2 get N_h/m; expanded strata the Rao–Blackwell
    weights of the module docstring. For the evidence rule the cases' categories enter through their
    integer scores (cases of equal score are exchangeable for the rule) and the unit's threshold is
    ``evidence["threshold"]``.
    """
    return split_weights(cases, evidence["N_h"], phase_one_splits(cases, evidence, allocation, rule))


def split_weights(cases: pd.DataFrame, sizes: pd.Series, splits: dict[str, PhaseOneSplit]) -> pd.Series:
    """`rao_blackwell_weights` from splits already made (`phase_one_splits`): N_h/m for every case,
    times, in an expanded stratum, its class's share of having been in phase 1."""
    first = cases["phase"] == 1
    m = first.groupby(cases["stratum"]).transform("sum").to_numpy(float)
    N = sizes.reindex(cases["stratum"]).to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        weights = pd.Series(np.where(m > 0, N / m, np.nan), index=cases.index, dtype=float)
    for split in splits.values():
        weights[split.index] = weights[split.index].to_numpy() * split.share[split.category]
    return weights


def pooled_weights(cases: pd.DataFrame, evidence: pd.DataFrame) -> pd.Series:
    """N_h / (m + k) for every released case: the naive weights (biased, see the module docstring)."""
    released = cases.groupby("stratum")["stratum"].transform("size")
    return evidence["N_h"].reindex(cases["stratum"]).to_numpy(float) / released


__all__ = [
    "PHASE2_STREAM",
    "PhaseOneSplit",
    "PhaseTwoRule",
    "draw_phase_two",
    "equal_allocation",
    "evidence_table",
    "honest_rate",
    "phase_one_splits",
    "phase_two_allocation",
    "phase_two_cases",
    "planned_need",
    "pooled_weights",
    "rao_blackwell_weights",
    "split_weights",
]
