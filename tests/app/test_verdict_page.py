"""The reviewer's comparison page says which method judged the units and, under the posterior, shows
each unit's probability, inflation with its 95% interval, mechanism, evidence and explanation."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import select, update
from streamlit.testing.v1 import AppTest

import fixtures
from survey_app import config
from survey_app.security.passwords import hash_password
from survey_app.services import demo, phase_two, studies
from survey_app.services.studies import find_study
from survey_app.storage.models import AuditEntry, Study, User
from tests.app.builders import STUDY_NAME, complete_interviews
from tests.app.conftest import APP, log_in, page_text
from tests.app.test_chinese_everywhere import _english, _visible_text
from tests.conftest import SMALL_ROWS, SMALL_SEED

# every analysis here re-runs from the database; identical unit-comparison inputs are computed once (tests/same_inputs.py)
pytestmark = [pytest.mark.db, pytest.mark.usefixtures("same_inputs_same_units")]


def _reviewer_with_posterior(app_db, lang: str = "zh"):
    complete_interviews(app_db, 6)
    app = log_in("reviewer")
    app.radio(key="verdict_method").set_value("posterior").run()
    if lang != "zh":
        app.selectbox(key="lang_select").select(lang).run()
    assert not app.exception
    return app


def test_the_page_names_the_default_method_of_a_one_phase_study(study, app_db):
    complete_interviews(app_db, 6)
    app = log_in("reviewer")
    assert not app.exception
    assert "本页判定方法：后验模型（默认方法）。" in page_text(app)


def test_a_reviewer_who_picks_the_posterior_sees_every_surveyed_units_verdict_in_chinese(study, app_db):
    app = _reviewer_with_posterior(app_db)
    text = page_text(app)
    assert "本页判定方法：后验模型（本页选定）。" in text
    table = next(t.value for t in app.dataframe if "虚高概率 (%)" in t.value.columns)
    assert {"判定", "估计虚高（百分点）", "95% 后验区间", "最可能的方式", "主要证据（强度）", "说明"} <= set(
        table.columns
    )
    assert len(table) and table["判定"].isin(["疑似虚高", "未发现足够证据", "证据不足"]).all()
    assert table["说明"].str.len().gt(0).all()  # analysis.explain_unit's sentences, one paragraph a unit
    assert "证据不足的单位：" in text
    assert _english(_visible_text(app), {STUDY_NAME, *STUDY_NAME.split("-"), "reviewer"}) == set()


def test_the_posterior_view_speaks_english_when_the_tab_does(study, app_db):
    app = _reviewer_with_posterior(app_db, "en")
    text = page_text(app)
    assert "Verdicts on this page: Posterior model (chosen on this page)." in text
    table = next(t.value for t in app.dataframe if "Probability of inflation (%)" in t.value.columns)
    assert {"Verdict", "Estimated inflation (points)", "95% posterior interval", "Explanation"} <= set(
        table.columns
    )


def test_a_reviewer_reads_who_sets_the_study_method(study, app_db):
    app = _reviewer_with_posterior(app_db)
    assert "报告采用本调查设置的判定方法，由研究人员在“调查项目”页修改。" in page_text(app)


def test_a_researcher_sets_the_study_method_on_the_studies_page_and_it_is_audited(study, app_db):
    app = log_in("researcher")
    app.selectbox(key="verdict_setting_value").select("posterior")
    app.button(key="FormSubmitter:verdict_setting-保存判定方法").click().run()
    assert not app.exception
    assert [s.value for s in app.success] == ["本调查的判定方法已改为：后验模型"]
    with app_db.session() as session:
        assert studies.verdict_method(find_study(session, STUDY_NAME)) == "posterior"
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "study.verdict_method"))
    assert entry.actor == "researcher" and '"after":"posterior"' in entry.details


def test_the_reviewers_page_then_judges_by_the_study_setting(study, app_db):
    complete_interviews(app_db, 6)
    researcher = log_in("researcher")
    researcher.selectbox(key="verdict_setting_value").select("posterior")
    researcher.button(key="FormSubmitter:verdict_setting-保存判定方法").click().run()
    reviewer = log_in("reviewer")
    assert not reviewer.exception
    text = page_text(reviewer)
    assert "本页判定方法：后验模型（本调查的设置）。" in text and "各单位判定（后验模型）" in text


def test_after_a_phase_two_the_page_offers_no_choice_and_shows_the_combination_test(
    demo_db, monkeypatch, tmp_path
):
    """The small demo with a phase 2 drawn: the posterior judges, the page says why, and the expanded
    units' combination p-values stand beside the verdict."""
    with demo_db.engine.begin() as conn:
        conn.execute(update(Study).where(Study.name == "demo").values(state="fieldwork"))
    with demo_db.session() as session:
        demo_id = find_study(session, "demo").id
        researcher = session.scalar(select(User).where(User.username == "researcher"))
        reviewer = session.scalar(select(User).where(User.username == "reviewer"))
        reviewer.password_hash = hash_password("password-rev-2")
        rule = {"kind": "evidence", "select": "top", "top": 5}
        phase_two.draw_phase_two(session, researcher, find_study(session, "demo"), 60, 11, rule)
    demo.simulate_fieldwork(demo_db, fixtures.make_frame(SMALL_ROWS, SMALL_SEED).truth, seed=SMALL_SEED)
    keys = tmp_path / "keys"  # the keys that sealed the demo, in a folder of this test's own
    shutil.copytree(config.key_dir(), keys)
    monkeypatch.setenv("HUIFANG_KEY_DIR", str(keys))
    monkeypatch.setenv("HUIFANG_DATABASE_URL", demo_db.url)
    app = AppTest.from_file(str(APP), default_timeout=180)
    app.run()
    app.text_input(key="login_username").input("reviewer")
    app.text_input(key="login_password").input("password-rev-2")
    app.button[0].click()
    app.run()
    app.selectbox(key="study_select").select(demo_id).run()
    assert not app.exception
    text = page_text(app)
    assert "本调查有第二阶段抽样：经验零分布还会仅凭第一阶段回答检验第二阶段未选中的单位" in text
    assert "本页判定方法：后验模型（因有第二阶段抽样）。" in text
    assert not [r for r in app.radio if r.key == "verdict_method"]
    combination = next(t.value for t in app.dataframe if "两阶段检验 p" in t.value.columns)
    assert len(combination) == 5 and combination["第二阶段个案"].sum() == 60
    beside = next(m for m in app.metric if m.label == "满意率·含第二阶段")  # beside the headline
    assert "上面的第三方满意率只用第一阶段样本" in beside.help
    # phase 2 was worked: whether its answers agree with phase 1's is said beside them
    assert (
        "第二阶段的回答与第一阶段是否一致：按设计权重，含第二阶段的满意率减去仅第一阶段样本的满意率为" in text
    )
