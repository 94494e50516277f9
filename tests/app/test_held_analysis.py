"""During fieldwork the reviewer's comparison page keeps the analysis it showed, says how many changes to
the study wait, and computes the current one when asked or when a choice the reviewer expects to see
changes (`survey_app.app.held_analysis`)."""

from __future__ import annotations

import pytest
import streamlit as st
from sqlalchemy import select

from survey_app.services import analysis_service, phase_two, studies
from survey_app.services.studies import find_study
from survey_app.storage.models import User
from tests.app.builders import SAMPLE_SIZE, STUDY_NAME, complete_interviews
from tests.app.conftest import log_in, page_text

pytestmark = pytest.mark.db


@pytest.fixture
def analyses(monkeypatch) -> list[int]:
    """One entry per analysis the page computes."""
    computed: list[int] = []
    real = analysis_service.analyse

    def counting(*args, **kwargs):
        computed.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(analysis_service, "analyse", counting)
    return computed


def _respondents(app) -> set[str]:
    """The 'n = …' of the headline figures' captions."""
    return {
        c.value.rsplit("n = ", 1)[1] for c in app.caption if "95% CI" in str(c.value) and "n = " in c.value
    }


def _waiting(app) -> list[str]:
    return [i.value for i in app.info if "尚未计入" in str(i.value)]


def test_new_interviews_wait_until_the_reviewer_updates(study, app_db, analyses):
    complete_interviews(app_db, 6)
    app = log_in("reviewer")
    assert _respondents(app) == {"6"} and not _waiting(app)
    complete_interviews(app_db, 2)
    app.run()
    assert _respondents(app) == {"6"}, "the figures moved without the reviewer asking"
    assert len(analyses) == 1
    [note] = _waiting(app)
    assert "此后本调查又有" in note and "（上海时间）" in note
    assert "报告按生成时的数据计算，包括尚未计入本页的" in page_text(app)  # the PDF is not the page
    app.button(key="comparison_update").click().run()
    assert not app.exception
    assert _respondents(app) == {"8"} and not _waiting(app)
    assert "尚未计入本页" not in page_text(app)
    assert len(analyses) == 2


def test_a_login_elsewhere_neither_recomputes_nor_asks(study, app_db, analyses):
    complete_interviews(app_db, 6)
    app = log_in("reviewer")
    log_in("researcher")  # moves the audit chain, changes nothing the analysis reads
    app.run()
    assert not app.exception and not _waiting(app)
    assert len(analyses) == 1


def test_a_changed_study_setting_shows_at_once(study, app_db, analyses):
    complete_interviews(app_db, 6)
    app = log_in("reviewer")
    with app_db.session() as session:
        researcher = session.scalar(select(User).where(User.username == "researcher"))
        studies.set_refusal_gamma(session, researcher, find_study(session, STUDY_NAME), 4)
    app.run()
    assert "拒访敏感性范围（Γ = 4：" in page_text(app) and not _waiting(app)
    assert len(analyses) == 2


def test_a_phase_two_drawn_meanwhile_shows_at_once(study, app_db):
    """Drawing a phase 2 changes how the page judges (the posterior alone, the expanded units' tests):
    the tab does not keep a one-phase analysis under a page that speaks of two phases."""
    complete_interviews(app_db, SAMPLE_SIZE)  # phase 2 is drawn once every phase-1 case is final
    app = log_in("reviewer")
    assert "本页判定方法：后验模型（因有第二阶段抽样）。" not in page_text(app)
    with app_db.session() as session:
        researcher = session.scalar(select(User).where(User.username == "researcher"))
        rule = {"kind": "evidence", "select": "top", "top": 2}
        phase_two.draw_phase_two(session, researcher, find_study(session, STUDY_NAME), 4, 7, rule)
    app.run()
    assert not app.exception
    assert "本页判定方法：后验模型（因有第二阶段抽样）。" in page_text(app) and not _waiting(app)


def test_an_analysis_the_shared_cache_let_go_is_read_again_at_the_current_data(study, app_db):
    """The tab keeps the cache's key, not the analysis (memory); without its entry the tab holds the
    current analysis, with its own time, and shows no figure older than the time it states."""
    complete_interviews(app_db, 6)
    app = log_in("reviewer")
    complete_interviews(app_db, 2)
    st.cache_data.clear()
    app.run()
    assert not app.exception
    assert _respondents(app) == {"8"} and not _waiting(app)


def test_the_note_speaks_english_when_the_tab_does(study, app_db):
    complete_interviews(app_db, 6)
    app = log_in("reviewer")
    complete_interviews(app_db, 1)
    app.selectbox(key="lang_select").select("en").run()  # last: AppTest re-sets radios by their label
    assert any("not in it yet" in str(i.value) for i in app.info)
    assert app.button(key="comparison_update").label == "Update the analysis"
