"""The sample page draws phase 2: refused in one sentence while phase-1 cases are open, drawn and
stored (and re-drawn by verify) once every phase-1 case is final."""

from __future__ import annotations

import pytest

from survey_app.services import samples, studies
from tests.app.builders import SAMPLE_SIZE, STUDY_NAME, complete_interviews
from tests.app.conftest import log_in, page_text

pytestmark = pytest.mark.db

BUDGET = 4


def _submit(budget: int = BUDGET):
    app = log_in("researcher")
    app.switch_page("pages/sample.py").run()
    app.number_input(key="phase2_budget").set_value(budget)
    app.number_input(key="phase2_seed").set_value(7)
    app.number_input(key="phase2_top").set_value(2)
    app.button(key="FormSubmitter:phase_two-抽取第二阶段").click().run()
    assert not app.exception
    return app


def test_phase_two_is_refused_in_one_sentence_while_phase_one_cases_are_open(study, app_db):
    app = _submit()
    assert [e.value for e in app.error] == [
        "第二阶段依据第一阶段每个个案的最终结果决定；请先完成或结案第一阶段尚未结束的个案。"
    ]


def test_once_phase_one_is_final_the_page_draws_phase_two_and_verify_re_draws_it(study, app_db):
    complete_interviews(app_db, SAMPLE_SIZE)
    app = _submit()
    assert not app.error, [e.value for e in app.error]
    text = page_text(app)
    assert "第二阶段已抽取（种子 7）" in text and "第二阶段（种子 7）" in text
    with app_db.session() as session:
        ok, message = samples.verify_sample(session, studies.find_study(session, STUDY_NAME))
    assert ok, message
    assert "phase 2 identical" in message


def test_the_phase_two_form_is_gone_once_phase_two_is_drawn(study, app_db):
    complete_interviews(app_db, SAMPLE_SIZE)
    app = _submit()
    app.switch_page("pages/sample.py").run()
    assert "phase2_budget" not in {w.key for w in app.number_input}
