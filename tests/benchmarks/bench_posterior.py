"""Benchmark: the empirical-Bayes posterior unit model (`analysis.unit_posterior`) beside Huifang's
empirical-null tests and the Bayes oracle, on the same simulated studies.

Run on demand with `nice -n 10` (every study appends one CSV row as soon as it is measured, so a run
cut short still gives a table over the studies it finished):
- `python tests/benchmarks/bench_posterior.py run OUT.csv [FIRST:LAST] SCENARIO:CASES … [--huifang] [--oracle]
  [--no-level]` — seeds FIRST … LAST − 1 (default 0:40): per study, the posterior's flags (Sun & Cai at
  q = 0.10) with and without the census level (`--no-level`: only without, the verdicts' setting, at
  half the CPU), at two conservative π0 levels (0.9 and 0.975), each also with the verdicts' per-unit
  floor (`unit_posterior.LFDR_FLOOR`, columns "… floor", same fit), the number of false flags, recall,
  the lfdr calibration counts at both levels (units, honest units and Σ lfdr per lfdr bin), and for the
  verdicts' flags (no level, 97.5%, floor) whether each flagged inflating unit's 95% interval
  covers the rise planted (columns "interval …"), and the same for the units the verdict judged but did
  not flag: inflating ones against their planted rise, honest ones against 0 ("interval missed …",
  "interval honest …"); with
  `--huifang` `analysis.compare_units` (BH on its empirical-null p-values), with `--oracle` the Bayes
  oracle and its "no level" version (`tests/analysis/verdict_oracle.py`; only where response does
  not depend on satisfaction);
- `… summary OUT.csv …` — per scenario and size: studies, respondents a unit, and for each method
  recall, FDP and the share of studies with a false flag (mean ± Monte-Carlo SE); the intervals'
  coverage of the planted rise, the median's error and the width; then the lfdr
  calibration table (units in each lfdr bin and the share of them honest, SE clustered by study) for
  the worlds with inflation, the honest worlds and both pooled — kept apart because pooling them
  measures the mix of worlds run: every unit of an honest world is honest whatever its lfdr;
- `… swap OUT.csv [FIRST:LAST]` — which estimate costs the posterior its recall against the oracle: on
  +20, +10 and proxy 30% (~16 respondents, no level) the fit again with one estimated piece replaced by
  the simulation's truth at a time (`SWAPS`), recall and false flags at the verdicts' π0 (97.5% bound)
  and at the true share of inflating units; `… swap-summary OUT.csv` prints the paired differences.

Scenarios are `tests/analysis/verdict_sim.py`'s (60 units, q = 0.10); CASES is cases a unit (32 ≈ 16
respondents, 64 ≈ 31, 128 ≈ 57).
"""

from __future__ import annotations

import contextlib
import dataclasses
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from analysis import unit_posterior as up
from tests.analysis import verdict_oracle as vo
from tests.analysis.verdict_sim import SCENARIOS, seed_range, simulate, verdicts

Q = 0.10
BINS = (0.0, 0.05, 0.2, 0.5, 0.8, 0.95, 1.0 + 1e-9)
PI0_LEVELS = (0.9, 0.975)


def _method_figures(label: str, flags: pd.Series, inflated: set[str]) -> dict[str, float]:
    recall, fdp = vo.recall_and_fdp(flags, inflated)
    false = int(flags[~flags.index.isin(list(inflated))].sum())
    return {label: recall, f"{label} fdp": fdp, f"{label} false": false}


def _calibration(label: str, lfdr: pd.Series, inflated: set[str]) -> dict[str, float]:
    lf = lfdr.dropna()
    honest = ~lf.index.isin(list(inflated))
    out = {}
    for j in range(len(BINS) - 1):
        mine = (lf >= BINS[j]) & (lf < BINS[j + 1])
        out[f"{label} bin{j} units"] = int(mine.sum())
        out[f"{label} bin{j} honest"] = int((mine & honest).sum())
        out[f"{label} bin{j} lfdr"] = float(lf[mine].sum())
    return out


def _interval_figures(evidence: pd.DataFrame, fitted, study) -> dict[str, float]:
    """The verdicts' flagged inflating units (`posterior_table`: the per-unit floor): how many, how many
    95% intervals cover the rise planted (published − true rate of the unit's events), the
    median's error and the intervals' width (sums over those units, points as shares)."""
    table = up.posterior_table(evidence, fitted, Q, without_answers=False)
    found = table[table["flagged"] & table.index.isin(list(study.inflated))]
    published = evidence["S"] / evidence["N"].clip(lower=1)
    rise = (published - study.truth["true_rate"]).reindex(found.index)
    covered = (found["inflation_low"] <= rise + 1e-9) & (rise <= found["inflation_high"] + 1e-9)
    figures = {
        "interval units": len(found),
        "interval covered": int(covered.sum()),
        "interval error": float((found["inflation"] - rise).sum()),
        "interval abs error": float((found["inflation"] - rise).abs().sum()),
        "interval width": float((found["inflation_high"] - found["inflation_low"]).sum()),
    }
    # every other unit the verdict judged (its interval is printed too): inflating units it did not flag
    # (their planted rise) and honest units (a rise of 0)
    judged = table[table["status"].isin(["flagged", "no_evidence"]) & ~table["flagged"]]
    inflating = judged.index.isin(list(study.inflated))
    truth = (published - study.truth["true_rate"]).reindex(judged.index).where(inflating, 0.0)
    inside = (judged["inflation_low"] <= truth + 1e-9) & (truth <= judged["inflation_high"] + 1e-9)
    for label, rows in (("missed", inflating), ("honest", ~inflating)):
        figures[f"interval {label} units"] = int(rows.sum())
        figures[f"interval {label} covered"] = int(inside[rows].sum())
        figures[f"interval {label} width"] = float(
            (judged["inflation_high"] - judged["inflation_low"])[rows].sum()
        )
    return figures


def measure(
    name: str, cases: int, seed: int, huifang: bool = False, oracle: bool = False, level: bool = True
) -> dict[str, float]:
    scenario = dataclasses.replace(SCENARIOS[name], sample_per_unit=cases)
    study = simulate(scenario, seed)
    dependent = getattr(scenario, "proxy_unsatisfied", None) is not None  # the oracle knows no such world
    figures: dict[str, float] = {
        "respondents": float(study.interviews.groupby("organisation_id").size().mean())
    }
    evidence = up.unit_evidence(study.frame, study.interviews)
    for census_level in (True, False) if level else (False,):
        start = time.process_time()
        result = up.fit(evidence, census_level=census_level)
        tag = "posterior" if census_level else "posterior no level"
        figures[f"{tag} cpu"] = time.process_time() - start
        figures[f"{tag} pi0 mle"] = result.pi0_mle
        for pi0_level in PI0_LEVELS:
            fitted = result.with_pi0_level(pi0_level)
            lfdr = fitted.lfdr()
            label = f"{tag} {pi0_level}"
            flags = up.sun_cai(lfdr, Q)
            figures.update(_method_figures(label, flags, study.inflated))
            # the verdicts' per-unit floor (only units more likely inflating than honest), same fit
            floored = up.sun_cai(lfdr, Q, max_lfdr=up.LFDR_FLOOR)
            figures.update(_method_figures(f"{label} floor", floored, study.inflated))
            if not census_level and pi0_level == PI0_LEVELS[-1]:  # the verdicts' setting
                figures.update(_interval_figures(evidence, fitted, study))
            figures[f"{label} pi0"] = fitted.pi0
            # calibration at the screening level (column names of the first runs) and at the verdicts'
            figures.update(_calibration(tag if pi0_level == PI0_LEVELS[0] else label, lfdr, study.inflated))
    for label in ("huifang", "oracle", "oracle no level"):  # every row has every column (appended CSVs)
        figures.update({label: np.nan, f"{label} fdp": np.nan, f"{label} false": np.nan})
    if huifang:
        start = time.process_time()
        table = verdicts(study, q=Q)
        figures["huifang cpu"] = time.process_time() - start
        figures.update(_method_figures("huifang", table["flagged"], study.inflated))
    if oracle and scenario.dissatisfied_response == 1 and scenario.inflated_share > 0 and not dependent:
        counts = vo.unit_counts(study)
        for label, options in (("oracle", {}), ("oracle no level", {"census_level": False})):
            lfdr = vo.oracle_lfdr(study, scenario, counts, **options)
            figures.update(_method_figures(label, vo.sun_cai_flags(lfdr, Q), study.inflated))
    return figures


#: What `swap` replaces by the truth: the inflating components (the scenario's own mechanisms and size),
#: the honest gap's spread between units (none: these worlds' honest gap varies only with the rate), the
#: who_rated multiplier's shape (16: the simulated background's CV of 0.5 seen through the answers'
#: noise in "someone else rated"), and all three.
SWAPS = ("estimated", "alternative", "gap_spread", "who_shape", "all")


@contextlib.contextmanager
def _swapped(kind: str, scenario):
    """`unit_posterior` with the `kind` piece of the fit replaced by the simulation's truth."""
    saved = {name: getattr(up, name) for name in ("components", "fit_honest", "_fit_who")}
    if kind in ("alternative", "all"):
        if scenario.proxy_share > 0:
            truth = [up.Component("honest"), up.Component("proxy_share", scenario.proxy_share)]
        else:
            truth = [up.Component("honest"), up.Component("coached", scenario.inflation, 0.3)]
            truth += [up.Component(m, scenario.inflation) for m in ("proxy", "unrated")]
        up.components = lambda: list(truth)
    if kind in ("gap_spread", "all"):

        def fit_honest(*args):
            honest = saved["fit_honest"](*args)
            honest.gap_conc = 1e4
            return honest

        up.fit_honest = fit_honest
    if kind in ("who_shape", "all"):
        up._fit_who = lambda *args: (saved["_fit_who"](*args)[0], 16.0)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(up, name, value)


def swap(path: Path, seeds: range) -> None:
    for seed in seeds:
        for name in ("inflate_+20", "inflate_+10", "proxy_30%"):
            scenario = dataclasses.replace(SCENARIOS[name], sample_per_unit=32)
            study = simulate(scenario, seed)
            evidence = up.unit_evidence(study.frame, study.interviews)
            row: dict = {"scenario": name, "seed": seed}
            for kind in SWAPS:
                with _swapped(kind, scenario):
                    result = up.fit(evidence, census_level=False)
                rows = result.pooled.to_numpy()  # the units the mixture is fitted to
                share = float(result.eligible[result.eligible].index.isin(list(study.inflated)).mean())
                weights, _ = up._em_weights(result.log_lik[rows], pi0=1 - share, start=result.weights_mle)
                for label, fitted in (
                    ("0.975", result.with_pi0_level(0.975)),
                    ("true pi0", dataclasses.replace(result, weights=weights)),
                ):
                    row.update(
                        _method_figures(f"{kind} {label}", up.sun_cai(fitted.lfdr(), Q), study.inflated)
                    )
            pd.DataFrame([row]).to_csv(path, mode="a", header=not path.exists(), index=False)


def swap_summary(path: Path) -> None:
    rows = pd.read_csv(path).drop_duplicates(["scenario", "seed"])
    print(
        "scenario | studies | fit | π0 | recall | minus estimated at π0 97.5% (paired) | false flags (all studies)"
    )
    for name, r in rows.groupby("scenario"):
        for kind in SWAPS:
            for label in ("0.975", "true pi0"):
                column = f"{kind} {label}"
                print(
                    f"{name} | {len(r)} | {kind} | {label} | {_cell(r[column])} | "
                    f"{_cell(r[column] - r['estimated 0.975'])} | {int(r[column + ' false'].sum())}"
                )


def run(path: Path, seeds: range, points: list[str], huifang: bool, oracle: bool, level: bool = True) -> None:
    for seed in seeds:
        for point in points:
            name, cases = point.rsplit(":", 1)
            start = time.process_time()
            row = {"scenario": name, "cases": int(cases), "seed": seed}
            row.update(measure(name, int(cases), seed, huifang, oracle, level))
            row["cpu"] = time.process_time() - start
            frame = pd.DataFrame([row])
            frame.to_csv(path, mode="a", header=not path.exists(), index=False)


def _cell(values: pd.Series) -> str:
    v = values.dropna().to_numpy(float)
    if not len(v):
        return "—"
    se = v.std(ddof=1) / np.sqrt(len(v)) if len(v) > 1 else float("nan")
    return f"{v.mean():.3f} ± {se:.3f}"


METHODS = (
    *(f"posterior {level}" for level in PI0_LEVELS),
    *(f"posterior no level {level}" for level in PI0_LEVELS),
    *(f"posterior no level {level} floor" for level in PI0_LEVELS),
    "huifang",
    "oracle",
    "oracle no level",
)


ORACLE_COLUMNS = [
    f"{label}{part}" for label in ("oracle", "oracle no level") for part in ("", " fdp", " false")
]


def _read(path: Path) -> pd.DataFrame:
    """One run's rows; rows of a first version that wrote the oracle's columns only where it ran (before
    `cpu`) are read with or without them (NaN)."""
    import csv

    with path.open() as handle:
        lines = list(csv.reader(handle))
    header, body = lines[0], lines[1:]
    layouts = {
        len(h): h
        for h in (
            header,
            [c for c in header if c not in ORACLE_COLUMNS],
            header[:-1] + [c for c in ORACLE_COLUMNS if c not in header] + header[-1:],
        )
    }
    records = [dict(zip(layouts[len(r)], r, strict=True)) for r in body if len(r) in layouts]
    frame = pd.DataFrame(records).replace("", np.nan)
    numbers = [c for c in frame.columns if c != "scenario"]
    frame[numbers] = frame[numbers].apply(pd.to_numeric)
    return frame


def summary(paths: list[Path]) -> None:
    rows = pd.concat([_read(p) for p in paths], ignore_index=True)
    rows = rows.drop_duplicates(["scenario", "cases", "seed"])
    print(f"q = {Q}; mean ± Monte-Carlo SE over the studies; 'any' = share of studies with a false flag")
    print("scenario | cases | resp. | studies | method | recall | FDP | any false flag")
    for (name, cases), r in rows.groupby(["scenario", "cases"], sort=True):
        for method in METHODS:
            if method not in r.columns or r[method + " fdp"].isna().all():
                continue
            any_false = (r[method + " false"] > 0).astype(float)
            print(
                f"{name} | {cases} | {r['respondents'].mean():.1f} | {len(r)} | {method} | "
                f"{_cell(r[method])} | {_cell(r[method + ' fdp'])} | {_cell(any_false)}"
            )
    print("\nthe verdicts' flagged inflating units (no level, π0 at 97.5%, floor): the 95% interval")
    print("against the rise planted (published − true rate); SE clustered by study")
    print("scenario | cases | studies | units | coverage ± SE | median's error | mean |error| | mean width")
    for (name, cases), r in rows.groupby(["scenario", "cases"], sort=True):
        if "interval units" not in r.columns or not r["interval units"].sum():
            continue
        units = r["interval units"]
        total = units.sum()
        print(
            f"{name} | {cases} | {len(r)} | {int(total)} | {r['interval covered'].sum() / total:.3f} ± "
            f"{_ratio_se(r['interval covered'], units):.3f} | {r['interval error'].sum() / total:+.3f} | "
            f"{r['interval abs error'].sum() / total:.3f} | {r['interval width'].sum() / total:.3f}"
        )
    print(
        "\nthe other judged units' intervals: inflating units not flagged (their planted rise), honest units (0)"
    )
    print(
        "scenario | cases | studies | missed units | coverage ± SE | width | honest units | coverage ± SE | width"
    )
    for (name, cases), r in rows.groupby(["scenario", "cases"], sort=True):
        if "interval honest units" not in r.columns:
            continue
        cells = []
        for label in ("missed", "honest"):
            units, covered = r[f"interval {label} units"], r[f"interval {label} covered"]
            total = units.sum()
            cells.append(
                f"{int(total)} | {covered.sum() / total:.3f} ± {_ratio_se(covered, units):.3f} | "
                f"{r[f'interval {label} width'].sum() / total:.3f}"
                if total
                else "0 | — | —"
            )
        print(f"{name} | {cases} | {len(r)} | {cells[0]} | {cells[1]}")
    print("\nlfdr calibration (SE clustered by study). In an honest world every unit is honest, so its")
    print(
        "units say only how often an honest unit gets a small lfdr; calibration proper is within the worlds"
    )
    print("with inflation, and pooling the two measures the mix of worlds run, not the model")
    print("worlds | method | π0 level | lfdr bin | units | mean lfdr | share honest ± SE")
    honest_world = rows["scenario"].str.startswith("honest")
    for worlds, part in (("inflation", rows[~honest_world]), ("honest", rows[honest_world]), ("all", rows)):
        for tag in ("posterior", "posterior no level"):
            for pi0_level, prefix in ((PI0_LEVELS[0], tag), (PI0_LEVELS[1], f"{tag} {PI0_LEVELS[1]}")):
                for j in range(len(BINS) - 1):
                    column = f"{prefix} bin{j} units"
                    if column not in part.columns or not part[column].sum():
                        continue
                    units, honest = part[column], part[f"{prefix} bin{j} honest"]
                    share = honest.sum() / units.sum()
                    mean = part[f"{prefix} bin{j} lfdr"].sum() / units.sum()
                    print(
                        f"{worlds} | {tag} | {pi0_level} | [{BINS[j]:.2f}, {min(BINS[j + 1], 1):.2f}) | "
                        f"{int(units.sum())} | {mean:.3f} | {share:.3f} ± {_ratio_se(honest, units):.3f}"
                    )


def _ratio_se(numerator: pd.Series, denominator: pd.Series) -> float:
    """Monte-Carlo SE of Σ numerator / Σ denominator over independent studies (linearised, so units of
    one study are not taken as independent)."""
    n = len(denominator)
    if n < 2:
        return float("nan")
    ratio = numerator.sum() / denominator.sum()
    residual = numerator - ratio * denominator
    return float(np.sqrt(n / (n - 1) * (residual**2).sum()) / denominator.sum())


if __name__ == "__main__":
    warnings.simplefilter("ignore")
    command, *rest = sys.argv[1:] or ["summary"]
    if command == "summary":
        summary([Path(a) for a in rest])
    elif command == "swap":
        swap(Path(rest[0]), seed_range(rest[1:]))
    elif command == "swap-summary":
        swap_summary(Path(rest[0]))
    else:
        points = [a for a in rest[1:] if ":" in a and a.split(":")[0] in SCENARIOS]
        run(
            Path(rest[0]),
            seed_range(rest[1:]),
            points,
            "--huifang" in rest,
            "--oracle" in rest,
            "--no-level" not in rest,
        )
