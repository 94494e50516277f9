"""A frame is imported only while its study is in design: the sample and its cases point at that frame."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

import questionnaires
from survey_app.cli import main
from survey_app.services import frames, questionnaire_store, studies
from survey_app.services.errors import InvalidState
from survey_app.storage.models import Frame
from tests.app.builders import write_frame_csv


def _study_in(session, researcher, state: str):
    study = studies.create_study(session, researcher, f"s-{state}", "s")
    if state == "fieldwork":
        version = questionnaire_store.save_version(
            session, researcher, study, questionnaires.template("justice-callback")
        )
        questionnaire_store.freeze(session, researcher, version.id)
    if state != "design":
        studies.set_state(session, researcher, study, state)
    return study


def test_a_study_in_design_takes_a_frame(db, users, tmp_path):
    path = tmp_path / "export.csv"
    write_frame_csv(path)
    with db.session() as session:
        frame = frames.import_frame(
            session, users["researcher"], _study_in(session, users["researcher"], "design"), path
        )
        assert frame.row_count > 0


@pytest.mark.parametrize(("state", "zh"), [("fieldwork", "正在实地调查"), ("closed", "已结束")])
def test_a_frame_is_refused_in_one_sentence_once_the_study_left_design(db, users, tmp_path, state, zh):
    path = tmp_path / "export.csv"
    write_frame_csv(path)
    with db.session() as session:
        study = _study_in(session, users["researcher"], state)
        with pytest.raises(InvalidState) as refused:
            frames.import_frame(session, users["researcher"], study, path)
        assert session.scalar(select(func.count()).select_from(Frame)) == 0
    english = str(refused.value)
    assert english.count(".") == 1 and "only be imported while the study is in design" in english
    assert zh in refused.value.text("zh") and "设计中" in refused.value.text("zh")


def test_the_command_line_refuses_a_frame_for_a_study_in_fieldwork(demo_db, demo_result, tmp_path):
    path = tmp_path / "export.csv"
    write_frame_csv(path)
    env = {"HUIFANG_USER": "researcher", "HUIFANG_PASSWORD": demo_result.passwords["researcher"]}
    result = CliRunner().invoke(main, ["--db", demo_db.url, "frame", "import", "live", str(path)], env=env)
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Error: Study live is in fieldwork: a new frame can only be imported while the study is in design, "
        "because its sample was drawn from the current frame."
    )
