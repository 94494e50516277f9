"""Design-based estimates equal R survey's to 8 significant digits on the same data.

One R run (module fixture) computes every reference value from the CSV this module writes.
"""

from __future__ import annotations

import numpy as np
import pytest

from analysis import Design
from tests.analysis.rsupport import run_r, stratified_sample, with_r

pytestmark = with_r

REL = 1e-8

R_BODY = """
fpc <- svydesign(ids = ~1, strata = ~stratum, fpc = ~N, data = d)
wr <- svydesign(ids = ~1, strata = ~stratum, weights = ~w, data = d)
cl <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, nest = TRUE, data = d)
clf <- svydesign(ids = ~psu, strata = ~stratum, fpc = ~npsu, weights = ~w, nest = TRUE, data = d)
for (nm in c("fpc", "wr", "cl", "clf")) {
  des <- get(nm)
  m <- svymean(~y, des, deff = TRUE)
  emit(paste0(nm, "_mean"), c(coef(m), SE(m), deff(m), confint(m)))
  t <- svytotal(~y, des, deff = TRUE)
  emit(paste0(nm, "_total"), c(coef(t), SE(t), deff(t)))
  r <- svyratio(~y, ~x, des, deff = TRUE)
  emit(paste0(nm, "_ratio"), c(coef(r), SE(r), attr(r, "deff"), confint(r)))
  for (method in c("logit", "beta", "mean")) {
    p <- svyciprop(~sat, des, method = method)
    emit(paste0(nm, "_prop_", method), c(coef(p), SE(p), attr(p, "ci")))
  }
  p <- svyciprop(~sat, des, method = "beta", level = 0.9)
  emit(paste0(nm, "_prop_beta90"), c(coef(p), SE(p), attr(p, "ci")))
  emit(paste0(nm, "_degf"), degf(des))
  b <- svyby(~y, ~domain, des, svymean)
  emit(paste0(nm, "_by_mean"), c(coef(b), SE(b)))
  b <- svyby(~y, ~domain, des, svytotal)
  emit(paste0(nm, "_by_total"), c(coef(b), SE(b)))
  b <- svyby(~y, by = ~domain, denominator = ~x, design = des, FUN = svyratio)
  emit(paste0(nm, "_by_ratio"), c(coef(b), SE(b)))
  for (method in c("logit", "beta")) {
    b <- svyby(~sat, ~domain, des, svyciprop, vartype = c("se", "ci"), method = method)
    emit(paste0(nm, "_by_prop_", method), c(coef(b), SE(b), b$ci_l, b$ci_u))
  }
}
dm <- d; dm$y[c(3, 17, 40)] <- NA
des <- svydesign(ids = ~1, strata = ~stratum, fpc = ~N, data = dm)
m <- svymean(~y, des, na.rm = TRUE)
emit("missing_mean", c(coef(m), SE(m)))
ps <- postStratify(fpc, ~sex, data.frame(sex = c("f", "m"), Freq = c(700, 650)))
emit("ps_mean", c(coef(svymean(~y, ps)), SE(svymean(~y, ps))))
emit("ps_total", c(coef(svytotal(~y, ps)), SE(svytotal(~y, ps))))
b <- svyby(~y, ~domain, ps, svymean)
emit("ps_by_mean", c(coef(b), SE(b)))
rk <- rake(fpc, list(~sex, ~age), list(data.frame(sex = c("f", "m"), Freq = c(700, 650)),
           data.frame(age = c("old", "young"), Freq = c(600, 750))),
           control = list(maxit = 100, epsilon = 1e-10))
emit("rake_weights", weights(rk))
emit("rake_mean", c(coef(svymean(~y, rk)), SE(svymean(~y, rk))))
emit("rake_total", c(coef(svytotal(~y, rk)), SE(svytotal(~y, rk))))
p <- svyciprop(~sat, rk, method = "logit")
emit("rake_prop", c(coef(p), SE(p), attr(p, "ci")))
b <- svyby(~y, ~domain, rk, svymean)
emit("rake_by_mean", c(coef(b), SE(b)))
pop <- c(`(Intercept)` = 1350, sexm = 650, ageyoung = 750)
for (fun in c("linear", "raking")) {
  cal <- calibrate(fpc, ~sex + age, pop, calfun = fun, epsilon = 1e-13, maxit = 100)
  emit(paste0("cal_", fun, "_weights"), weights(cal))
  emit(paste0("cal_", fun, "_mean"), c(coef(svymean(~y, cal)), SE(svymean(~y, cal))))
  emit(paste0("cal_", fun, "_total"), c(coef(svytotal(~y, cal)), SE(svytotal(~y, cal))))
  b <- svyby(~y, ~domain, cal, svymean)
  emit(paste0("cal_", fun, "_by_mean"), c(coef(b), SE(b)))
}
"""


@pytest.fixture(scope="module")
def sample():
    frame = stratified_sample(seed=7)
    frame["npsu"] = frame.groupby("stratum")["psu"].transform("nunique") * 3
    return frame


@pytest.fixture(scope="module")
def r(sample, tmp_path_factory):
    return run_r(sample, R_BODY, tmp_path_factory.mktemp("r"))


DESIGNS = {
    "fpc": {"strata": "stratum", "fpc": "N"},
    "wr": {"strata": "stratum", "weights": "w"},
    "cl": {"strata": "stratum", "weights": "w", "ids": "psu"},
    "clf": {"strata": "stratum", "weights": "w", "ids": "psu", "fpc": "npsu"},
}


@pytest.fixture(params=list(DESIGNS))
def named_design(request, sample):
    return request.param, Design(sample, **DESIGNS[request.param])


def test_mean_estimate_se_deff_and_interval_match_svymean(named_design, r):
    name, design = named_design
    m = design.mean("y")
    assert [m.estimate, m.se, m.deff, m.ci_low, m.ci_high] == pytest.approx(list(r[f"{name}_mean"]), rel=REL)


def test_total_estimate_se_and_deff_match_svytotal(named_design, r):
    name, design = named_design
    t = design.total("y")
    assert [t.estimate, t.se, t.deff] == pytest.approx(list(r[f"{name}_total"]), rel=REL)


def test_ratio_estimate_se_deff_and_interval_match_svyratio(named_design, r):
    name, design = named_design
    q = design.ratio("y", "x")
    assert [q.estimate, q.se, q.deff, q.ci_low, q.ci_high] == pytest.approx(list(r[f"{name}_ratio"]), rel=REL)


@pytest.mark.parametrize(("ours", "theirs"), [("logit", "logit"), ("beta", "beta"), ("wald", "mean")])
def test_proportion_interval_matches_svyciprop(named_design, r, ours, theirs):
    name, design = named_design
    p = design.proportion("sat", ci=ours)
    assert [p.estimate, p.se, p.ci_low, p.ci_high] == pytest.approx(list(r[f"{name}_prop_{theirs}"]), rel=REL)


def test_proportion_level_changes_the_interval_as_in_svyciprop(named_design, r):
    name, design = named_design
    p = design.proportion("sat", ci="beta", level=0.9)
    assert [p.ci_low, p.ci_high] == pytest.approx(list(r[f"{name}_prop_beta90"][2:]), rel=REL)


def test_degrees_of_freedom_match_degf(named_design, r):
    name, design = named_design
    assert design.degf() == r[f"{name}_degf"][0]


@pytest.mark.parametrize("statistic", ["mean", "total"])
def test_domain_estimates_match_svyby(named_design, r, statistic):
    name, design = named_design
    table = getattr(design.by("domain"), statistic)("y")
    expected = r[f"{name}_by_{statistic}"].reshape(2, -1)
    assert table["estimate"].tolist() == pytest.approx(list(expected[0]), rel=REL)
    assert table["se"].tolist() == pytest.approx(list(expected[1]), rel=REL)


def test_domain_ratios_match_svyby_svyratio(named_design, r):
    name, design = named_design
    table = design.by("domain").ratio("y", "x")
    expected = r[f"{name}_by_ratio"].reshape(2, -1)
    assert np.r_[table["estimate"], table["se"]] == pytest.approx(list(expected.ravel()), rel=REL)


@pytest.mark.parametrize("method", ["logit", "beta"])
def test_domain_proportion_intervals_match_svyby_svyciprop(named_design, r, method):
    name, design = named_design
    table = design.by("domain").proportion("sat", ci=method)
    expected = r[f"{name}_by_prop_{method}"].reshape(4, -1)
    got = np.vstack([table["estimate"], table["se"], table["ci_low"], table["ci_high"]])
    assert got.ravel().tolist() == pytest.approx(list(expected.ravel()), rel=REL)


def test_missing_values_drop_out_as_with_na_rm(sample, r):
    frame = sample.copy()
    frame.loc[[2, 16, 39], "y"] = np.nan
    m = Design(frame, strata="stratum", fpc="N").mean("y")
    assert [m.estimate, m.se] == pytest.approx(list(r["missing_mean"]), rel=REL)


@pytest.fixture(scope="module")
def poststratified(sample):
    return Design(sample, strata="stratum", fpc="N").poststratify("sex", {"f": 700, "m": 650})


def test_poststratified_mean_and_total_match_poststratify(poststratified, r):
    m, t = poststratified.mean("y"), poststratified.total("y")
    assert [m.estimate, m.se] == pytest.approx(list(r["ps_mean"]), rel=REL)
    assert [t.estimate, t.se] == pytest.approx(list(r["ps_total"]), rel=REL)


def test_poststratified_domain_means_match_svyby(poststratified, r):
    table = poststratified.by("domain").mean("y")
    assert np.r_[table["estimate"], table["se"]] == pytest.approx(list(r["ps_by_mean"]), rel=REL)


MARGINS = {"sex": {"f": 700, "m": 650}, "age": {"old": 600, "young": 750}}


@pytest.fixture(scope="module")
def raked(sample):
    return Design(sample, strata="stratum", fpc="N").rake(MARGINS, max_iter=100, tol=1e-10)


def test_raked_weights_match_rake(raked, r):
    assert raked.weights.tolist() == pytest.approx(list(r["rake_weights"]), rel=REL)


def test_raked_mean_and_total_match_rake(raked, r):
    m, t = raked.mean("y"), raked.total("y")
    assert [m.estimate, m.se, t.estimate, t.se] == pytest.approx([*r["rake_mean"], *r["rake_total"]], rel=REL)


def test_raked_proportion_interval_matches_svyciprop(raked, r):
    p = raked.proportion("sat")
    assert [p.estimate, p.se, p.ci_low, p.ci_high] == pytest.approx(list(r["rake_prop"]), rel=REL)


def test_raked_domain_means_match_svyby(raked, r):
    table = raked.by("domain").mean("y")
    assert np.r_[table["estimate"], table["se"]] == pytest.approx(list(r["rake_by_mean"]), rel=REL)


@pytest.fixture(scope="module", params=["linear", "raking"])
def calibrated(request, sample):
    design = Design(sample, strata="stratum", fpc="N").calibrate(MARGINS, calfun=request.param)
    return request.param, design


def test_calibrated_weights_match_calibrate(calibrated, r):
    fun, design = calibrated
    assert design.weights.tolist() == pytest.approx(list(r[f"cal_{fun}_weights"]), rel=REL)


def test_calibrated_mean_and_total_match_calibrate(calibrated, r):
    fun, design = calibrated
    m, t = design.mean("y"), design.total("y")
    expected = [*r[f"cal_{fun}_mean"], *r[f"cal_{fun}_total"]]
    assert [m.estimate, m.se, t.estimate, t.se] == pytest.approx(expected, rel=REL)


def test_calibrated_domain_means_match_svyby(calibrated, r):
    fun, design = calibrated
    table = design.by("domain").mean("y")
    assert np.r_[table["estimate"], table["se"]] == pytest.approx(list(r[f"cal_{fun}_by_mean"]), rel=REL)


def test_raking_variance_differs_from_calibrate_raking_as_r_says(raked, sample):
    greg = Design(sample, strata="stratum", fpc="N").calibrate(MARGINS, calfun="raking")
    assert greg.weights == pytest.approx(raked.weights, rel=1e-8)
    assert greg.mean("y").se != pytest.approx(raked.mean("y").se, rel=1e-8)
