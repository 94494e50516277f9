"""Jackknife replicate variance of the adjusted headline against R survey, to 1e-8.

R builds its own JKn replicates (`as.svrepdesign(type="JKn", compress=FALSE)`), post-stratifies every
replicate to the frame counts (`postStratify` on the replicate design), repeats the nonresponse class
adjustment on every replicate column itself (`ave` within classes), and takes the variance with
`svrepdesign(..., mse=TRUE)` and `svymean`. Only the response classes are handed over from Python:
they are the fixed input of the adjustment; everything that is re-run per replicate is R's own code.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.headline import replicate_headline
from analysis.replicates import jackknife
from analysis.respondents import adjusted_sample
from tests.analysis.nonresponse_sim import ORDER, draw_study, make_population
from tests.analysis.rsupport import run_r, with_r

pytestmark = with_r


@pytest.fixture(scope="module")
def study():
    population = make_population(3, events=6000, units=40, districts=5)
    cases, totals = draw_study(population, 11, "frame", n=260)
    sample = adjusted_sample(cases, totals, rating_order=ORDER, min_respondents=10)
    return cases, totals, sample


@pytest.fixture(scope="module")
def r(study, tmp_path_factory):
    _, totals, sample = study
    data = sample.cases
    recipe = sample.adjustment.recipe
    groups = sorted(set(data["rating_group"]))
    frame_totals = {g: sum(totals.get(level, 0) for level in g.split("+")) for g in groups}
    exported = pd.DataFrame(
        {
            "stratum": data["stratum"],
            "N_h": data["N_h"],
            "w": data["base_weight"],
            "cal": data["rating_group"],
            "cls": recipe.nr_class,
            "eligible": recipe.eligible.astype(int),
            "responded": recipe.responded.astype(int),
            "y": np.where(
                data["sat_overall"].isin(["satisfied", "basically_satisfied"]),
                1.0,
                np.where(data["sat_overall"] == "dissatisfied", 0.0, np.nan),
            ),
            "x": np.where(recipe.responded, np.arange(len(data)) % 7, np.nan),
        }
    )
    population = ", ".join(f'"{g}" = {frame_totals[g]}' for g in groups)
    body = f"""
des <- svydesign(ids = ~1, strata = ~stratum, weights = ~w, fpc = ~N_h, data = d)
rep <- as.svrepdesign(des, type = "JKn", compress = FALSE, mse = TRUE)
plain <- svymean(~x, subset(rep, responded == 1), na.rm = TRUE)
emit("plain_se", SE(plain))
counts <- c({population})
pop <- data.frame(cal = names(counts), Freq = as.numeric(counts))
cal <- postStratify(rep, ~cal, pop)
adjust <- function(w) {{
  w <- w * d$eligible
  everyone <- ave(w, d$cls, FUN = sum)
  answered <- ave(w * d$responded, d$cls, FUN = sum)
  ifelse(d$responded == 1, w * everyone / answered, 0)
}}
W <- apply(weights(cal, "analysis"), 2, adjust)
w0 <- adjust(weights(cal, "sampling"))
keep <- d$responded == 1
final <- svrepdesign(data = d[keep, ], repweights = W[keep, ], weights = w0[keep], type = "JKn",
                     scale = rep$scale, rscales = rep$rscales, combined.weights = TRUE, mse = TRUE)
m <- svymean(~y, final, na.rm = TRUE)
emit("estimate", coef(m))
emit("se", SE(m))
emit("replicates", ncol(W))
"""
    return run_r(exported, body, tmp_path_factory.mktemp("jkn"))


def test_the_jackknife_has_one_replicate_per_case_as_r(study, r):
    assert study[2].jackknife.n_replicates == int(r["replicates"][0])


def test_plain_jackknife_standard_error_matches_r(study, r):
    _, _, sample = study
    data = sample.cases
    responded = sample.adjustment.recipe.responded
    x = np.where(responded, np.arange(len(data)) % 7, 0.0)
    base = sample.base_weight
    estimate = (base * x * responded).sum() / (base * responded).sum()
    thetas = []
    for _, factors in sample.jackknife.chunks():
        w = base[:, None] * factors * responded[:, None]
        thetas.append((w * x[:, None]).sum(axis=0) / w.sum(axis=0))
    se = np.sqrt(sample.jackknife.variance(np.concatenate(thetas)[None, :], [estimate])[0])
    assert se == pytest.approx(r["plain_se"][0], rel=1e-8)


def test_adjusted_headline_and_its_replicate_standard_error_match_r(study, r):
    table = replicate_headline(study[2], by=())
    row = table[table["metric"] == "满意率"].iloc[0]
    assert row["estimate"] == pytest.approx(r["estimate"][0], rel=1e-10)
    assert row["se"] == pytest.approx(r["se"][0], rel=1e-8)


def test_jackknife_of_rows_without_fpc_has_rscale_one_minus_one_over_n(study):
    cases = study[0]
    jk = jackknife(cases, strata="stratum")
    n_h = cases.groupby("stratum").size()
    expected = np.repeat(((n_h - 1) / n_h).to_numpy(), n_h.to_numpy())
    assert np.sort(jk.rscales) == pytest.approx(np.sort(expected), rel=1e-12)
