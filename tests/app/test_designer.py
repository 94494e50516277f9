"""The researcher's questionnaire designer (AppTest): edit a draft, live checks, preview, versions, files."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select, update
from streamlit.testing.v1 import AppTest

import questionnaires
from sampling.vocabulary import SCALES
from survey_app.app import words
from survey_app.app.designer_widgets import editor_key, export_bytes
from survey_app.app.i18n import t
from survey_app.services import questionnaire_store
from survey_app.services.errors import InvalidState, PermissionDenied
from survey_app.storage import Database
from survey_app.storage.models import AuditEntry, QuestionnaireVersion, Study, User
from tests.app.builders import BuiltStudy
from tests.app.conftest import log_in, page_text

pytestmark = pytest.mark.db

TEMPLATE = "justice-callback"


def _user(session, username: str) -> User:
    return session.scalar(select(User).where(User.username == username))


@pytest.fixture
def draft(study: BuiltStudy, app_db: Database) -> int:
    """A draft (unfrozen) version of the callback template in the test study; its id."""
    with app_db.session() as session:
        row = questionnaire_store.save_version(
            session,
            _user(session, "researcher"),
            session.get(Study, study.study_id),
            questionnaires.template(TEMPLATE),
        )
        return row.id


def _designer() -> AppTest:
    app = log_in("researcher")
    app.switch_page("pages/designer.py").run()
    assert not app.exception, app.exception
    return app


def _stored(db: Database, version_id: int) -> questionnaires.Questionnaire:
    with db.session() as session:
        return questionnaire_store.load_version(session, version_id)


def _audit_actions(db: Database) -> list[str]:
    """The questionnaire entries of the audit log, oldest first."""
    with db.session() as session:
        actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id))
        return [action for action in actions if action.startswith("questionnaire.")]


def test_researcher_opens_the_designer_on_the_latest_version(study, draft):
    app = _designer()
    assert app.header[0].value == "问卷设计"
    assert app.selectbox(key="designer_version").value == draft
    assert "sat_overall" in app.dataframe[0].value.to_string()


def test_an_added_item_is_in_the_stored_draft_after_saving(study, draft, app_db):
    app = _designer()
    app.text_input(key="designer_new_name").input("follow_up")
    app.selectbox(key="designer_new_type").select("text")
    app.text_area(key="designer_new_zh").input("您还有什么想补充的吗？")
    app.button(key="FormSubmitter:designer_add_item-添加").click().run()
    assert not app.error, [e.value for e in app.error]
    assert "follow_up" not in _stored(app_db, draft).item_names  # edited, not yet saved
    assert app.selectbox(key=f"designer_item-{draft}").value == "follow_up"  # ready to be edited
    app.button(key="designer_save").click().run()
    assert not app.error, [e.value for e in app.error]
    stored = _stored(app_db, draft)
    assert stored.item_names[-1] == "follow_up"
    assert stored.item("follow_up").label == {"zh": "您还有什么想补充的吗？"}
    assert _audit_actions(app_db)[-1] == "questionnaire.edited"


def test_an_invalid_relevance_shows_the_error_at_its_character_and_saves_nothing(study, draft, app_db):
    before = _stored(app_db, draft)
    audit_before = _audit_actions(app_db)
    source = "${received_service} = 'yes' and ("
    with pytest.raises(questionnaires.ExpressionError) as expected:
        questionnaires.check_expression(before, source, item="who_rated", field="relevant")
    app = _designer()
    app.selectbox(key=f"designer_item-{draft}").select("who_rated").run()
    app.text_input(key=editor_key(draft, before.item("who_rated"), "relevant")).input(source).run()
    errors = [e.value for e in app.error]
    message = words.expression_text(expected.value.message, "zh")  # the Chinese UI's words for it
    assert message != expected.value.message
    assert any(message in e and str(expected.value.position) in e for e in errors), errors
    caret = f"{source}\n{' ' * (expected.value.position - 1)}^"
    assert caret in [code.value for code in app.code]
    app.button(key="designer_apply").click().run()
    app.button(key="designer_save").click().run()
    assert _stored(app_db, draft) == before
    assert _audit_actions(app_db) == audit_before


def _errors(app: AppTest) -> list[str]:
    return [e.value for e in app.error]


def test_moving_an_item_down_past_its_section_end_puts_it_first_in_the_next_section(study, draft, app_db):
    app = _designer()
    app.selectbox(key=f"designer_item-{draft}").select("staff_asked_rating").run()
    app.button(key="designer_item_down").click().run()
    app.button(key="designer_save").click().run()
    assert not _errors(app)
    stored = _stored(app_db, draft)
    assert stored.section_of("staff_asked_rating").items[0].name == "staff_asked_rating"
    assert stored.section_of("staff_asked_rating").name == "satisfaction"


def test_a_move_before_the_answer_an_item_depends_on_is_refused_with_the_reason(study, draft, app_db):
    before = _stored(app_db, draft)
    app = _designer()
    app.selectbox(key=f"designer_item-{draft}").select("who_rated").run()
    app.button(key="designer_item_up").click().run()  # above received_service, which its relevance reads
    assert any("received_service" in e and "later" in e for e in _errors(app)), _errors(app)
    assert not app.warning  # the working copy did not change: nothing unsaved
    app.button(key="designer_save").click().run()
    assert _stored(app_db, draft) == before


def test_a_deleted_item_is_gone_from_the_stored_draft(study, draft, app_db):
    app = _designer()
    app.selectbox(key=f"designer_item-{draft}").select("comment").run()
    app.button(key="designer_item_delete").click().run()
    app.button(key="designer_save").click().run()
    assert not _errors(app)
    assert "comment" not in _stored(app_db, draft).item_names


def test_a_choice_is_added_moved_up_and_relabelled(study, draft, app_db):
    app = _designer()
    app.selectbox(key=f"designer_item-{draft}").select("identity").run()
    app.text_input(key="designer_new_choice_code-identity").input("unsure")
    app.text_input(key="designer_new_choice_zh-identity").input("不确定")
    app.button(key="FormSubmitter:designer_add_choice-identity-添加选项").click().run()
    app.selectbox(key="designer_choice-identity").select("unsure").run()
    app.button(key="designer_choice_up").click().run()
    added = questionnaires.Choice(code="unsure", label={"zh": "不确定"})
    app.text_input(key=editor_key(draft, added, "zh")).input("说不准是不是本人").run()
    app.button(key="designer_choice_apply").click().run()
    app.button(key="designer_save").click().run()
    assert not _errors(app)
    choices = _stored(app_db, draft).item("identity").choices
    assert [c.code for c in choices] == ["yes", "unsure", "no"]
    assert choices[1].label == {"zh": "说不准是不是本人"}


def test_a_deleted_choice_is_gone_from_the_stored_draft(study, draft, app_db):
    app = _designer()
    app.selectbox(key=f"designer_item-{draft}").select("first_choice").run()
    app.selectbox(key="designer_choice-first_choice").select("other").run()
    app.button(key="designer_choice_delete").click().run()
    app.button(key="designer_save").click().run()
    assert not _errors(app)
    assert "other" not in [c.code for c in _stored(app_db, draft).item("first_choice").choices]


def test_a_text_item_becomes_a_choice_item_with_the_choices_written_for_it(study, draft, app_db):
    stored = _stored(app_db, draft)
    app = _designer()
    app.selectbox(key=f"designer_item-{draft}").select("comment").run()
    app.selectbox(key=editor_key(draft, stored.item("comment"), "type")).select("single").run()
    lines = "good 好 | Good\nbad 不好 | Bad"
    app.text_area(key=editor_key(draft, stored.item("comment"), "choices")).input(lines).run()
    app.button(key="designer_apply").click().run()
    app.button(key="designer_save").click().run()
    assert not _errors(app)
    comment = _stored(app_db, draft).item("comment")
    assert comment.type == "single"
    assert [(c.code, c.label) for c in comment.choices] == [
        ("good", {"zh": "好", "en": "Good"}),
        ("bad", {"zh": "不好", "en": "Bad"}),
    ]


def test_a_section_moved_up_is_stored_in_its_new_place(study, draft, app_db):
    app = _designer()
    app.selectbox(key=f"designer_section-{draft}").select("awareness").run()
    app.button(key="designer_section_up").click().run()
    app.button(key="designer_save").click().run()
    assert not _errors(app)
    names = [section.name for section in _stored(app_db, draft).sections]
    assert names.index("awareness") == names.index("satisfaction") - 1


def test_a_new_rating_scale_is_stored_in_the_settings(study, draft, app_db):
    other = next(name for name in SCALES if name != _stored(app_db, draft).settings.rating_scale)
    app = _designer()
    select = next(s for s in app.selectbox if s.key and s.key.endswith("-scale"))
    select.select(other).run()
    app.button(key="designer_settings_apply").click().run()
    app.button(key="designer_save").click().run()
    assert not _errors(app)
    assert _stored(app_db, draft).settings.rating_scale == other


def test_an_applied_label_shows_as_unsaved_until_discarded(study, draft, app_db):
    stored = _stored(app_db, draft)
    app = _designer()
    app.selectbox(key=f"designer_item-{draft}").select("comment").run()
    app.text_area(key=editor_key(draft, stored.item("comment"), "label-zh")).input("还有别的意见吗？").run()
    assert t("designer.pending", fields="label") in [c.value for c in app.caption]  # typed, not yet applied
    app.button(key="designer_apply").click().run()
    assert app.warning[0].value == "有尚未保存的修改。"
    app.button(key="designer_discard").click().run()
    assert not app.warning
    field = app.text_area(key=editor_key(draft, stored.item("comment"), "label-zh"))
    assert field.value == stored.item("comment").label["zh"]
    assert _stored(app_db, draft) == stored


def test_the_designer_speaks_english_when_chosen(study, draft):
    app = _designer()
    app.selectbox(key="lang_select").select("en").run()
    assert not app.exception
    assert app.header[0].value == "Questionnaire designer"


def test_a_frozen_version_refuses_edits_and_offers_a_new_version(study, app_db):
    with app_db.session() as session:
        frozen = session.scalar(select(QuestionnaireVersion).where(QuestionnaireVersion.frozen.is_(True)))
        frozen_id, frozen_version = frozen.id, frozen.version
    app = _designer()
    assert app.selectbox(key="designer_version").value == frozen_id
    assert any("已冻结" in i.value for i in app.info)
    assert not [b for b in app.button if b.key == "designer_apply"]
    app.button(key="designer_new_version").click().run()
    assert not app.error, [e.value for e in app.error]
    with app_db.session() as session:
        newest = session.scalars(select(QuestionnaireVersion).order_by(QuestionnaireVersion.id)).all()[-1]
        assert (newest.version, newest.frozen) == (frozen_version + 1, False)
        assert app.selectbox(key="designer_version").value == newest.id
        with pytest.raises(InvalidState):
            questionnaire_store.update_draft(
                session, _user(session, "researcher"), frozen_id, questionnaires.template(TEMPLATE)
            )
    assert [b for b in app.button if b.key == "designer_apply"]


def test_freezing_a_draft_makes_it_refuse_edits(study, draft, app_db):
    app = _designer()
    app.button(key="designer_freeze").click().run()
    assert not _errors(app)
    with app_db.session() as session:
        assert session.get(QuestionnaireVersion, draft).frozen
    assert _audit_actions(app_db)[-1] == "questionnaire.frozen"
    assert app.button(key="designer_new_version")
    assert not [b for b in app.button if b.key == "designer_save"]


def test_unsaved_edits_must_be_saved_before_freezing(study, draft, app_db):
    app = _designer()
    app.selectbox(key=f"designer_item-{draft}").select("comment").run()
    app.button(key="designer_item_delete").click().run()
    app.button(key="designer_freeze").click().run()
    assert _errors(app) == ["请先保存修改再冻结。"]
    with app_db.session() as session:
        assert not session.get(QuestionnaireVersion, draft).frozen


def test_saving_as_a_new_version_leaves_the_draft_as_it_was(study, draft, app_db):
    before = _stored(app_db, draft)
    app = _designer()
    app.selectbox(key=f"designer_item-{draft}").select("comment").run()
    app.button(key="designer_item_delete").click().run()
    app.button(key="designer_save_new").click().run()
    assert not _errors(app)
    newest = app.selectbox(key="designer_version").value
    assert newest != draft
    assert "comment" not in _stored(app_db, newest).item_names
    assert _stored(app_db, draft) == before


def test_the_preview_shows_the_first_item_with_the_case_filled_in_and_advances(study, draft, app_db):
    engine = questionnaires.Interview(_stored(app_db, draft), questionnaires.EXAMPLE_CASE, language="zh")
    first = engine.current()
    assert str(questionnaires.EXAMPLE_CASE["surveyor_no"]) in first.label  # ${surveyor_no} filled in
    second = engine.answer(None)  # the opening script is a note
    app = _designer()
    assert f"#### {first.label}" in [m.value for m in app.markdown]
    app.button(key=f"FormSubmitter:designer_preview_form-{first.name}-0-已读完，继续").click().run()
    assert not app.error, [e.value for e in app.error]
    shown = [m.value for m in app.markdown]
    assert f"#### {second.label}" in shown and f"#### {first.label}" not in shown
    assert [o.label for o in second.options] == app.radio(key=f"designer_preview-{second.name}-1").options
    app.button(key="designer_preview_back").click().run()
    assert f"#### {first.label}" in [m.value for m in app.markdown]


def test_the_history_lists_a_changed_label_between_two_versions(study, app_db):
    new_label = {"zh": "您对办事效率是否满意？（修订）", "en": "How satisfied were you with the speed?"}
    with app_db.session() as session:
        researcher = _user(session, "researcher")
        first = session.scalar(select(QuestionnaireVersion))
        changed = questionnaires.update_item(
            questionnaires.new_version(questionnaire_store.load_version(session, first.id)),
            "sat_efficiency",
            label=new_label,
        )
        questionnaire_store.save_version(session, researcher, session.get(Study, first.study_id), changed)
    app = _designer()
    table = app.dataframe[-1].value
    row = table[(table["位置"] == "item sat_efficiency") & (table["字段"] == "label.zh")]
    assert list(row["新值"]) == [new_label["zh"]]
    assert list(row["变化"]) == ["changed"]


def _xlsform_with_unsupported_column() -> bytes:
    book = Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(["type", "name", "label::Chinese (zh)", "appearance"])
    survey.append(["select_one yn", "agree", "您同意吗？", "horizontal"])
    survey.append(["text", "why", "为什么？", ""])
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", "label::Chinese (zh)"])
    choices.append(["yn", "y", "同意"])
    choices.append(["yn", "n", "不同意"])
    settings = book.create_sheet("settings")
    settings.append(["form_id", "form_title"])
    settings.append(["imported-form", "导入的问卷"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_importing_an_xlsform_lists_the_unsupported_column_and_stores_a_new_version(study, app_db):
    data = _xlsform_with_unsupported_column()
    report = questionnaires.read_xlsform(io.BytesIO(data))
    assert [w.column for w in report.warnings] == ["appearance"]
    app = _designer()
    app.file_uploader(key="designer_upload").set_value(("form.xlsx", data, "application/octet-stream")).run()
    assert [w.value for w in app.warning] == [f"未导入：{report.warnings[0]}"]
    app.button(key="designer_import").click().run()
    assert not app.error, [e.value for e in app.error]
    with app_db.session() as session:
        newest = session.scalars(select(QuestionnaireVersion).order_by(QuestionnaireVersion.id)).all()[-1]
        assert newest.name == "imported-form"
        assert questionnaire_store.load_version(session, newest.id).item_names == ("agree", "why")


def _version_count(db: Database) -> int:
    with db.session() as session:
        return len(session.scalars(select(QuestionnaireVersion.id)).all())


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"id": "broken", "sections": [', "not valid JSON"),
        ('{"id": "问卷"}'.encode("gbk"), "not UTF-8"),
    ],
    ids=["broken-json", "not-utf8"],
)
def test_an_unreadable_upload_names_the_file_and_stores_nothing(study, app_db, content, expected):
    count = _version_count(app_db)
    app = _designer()
    app.file_uploader(key="designer_upload").set_value(("问卷.json", content, "application/json")).run()
    assert not app.exception
    assert any(expected in e and "问卷.json" in e for e in _errors(app)), _errors(app)
    assert not [b for b in app.button if b.key == "designer_import"]
    assert _version_count(app_db) == count


@pytest.mark.parametrize("suffix", [".json", ".yaml", ".xlsx"])
def test_exported_bytes_load_back_as_the_same_questionnaire(suffix, tmp_path: Path):
    original = questionnaires.template(TEMPLATE)
    path = tmp_path / f"exported{suffix}"
    path.write_bytes(export_bytes(original, suffix))
    assert questionnaires.load(path) == original


def test_a_surveyor_cannot_reach_the_designer_and_the_service_refuses_them(study, draft, app_db):
    app = log_in("surveyor")
    with pytest.raises(ValueError):
        app.switch_page("pages/designer.py")
    with app_db.session() as session:
        surveyor = _user(session, "surveyor")
        with pytest.raises(PermissionDenied):
            questionnaire_store.update_draft(session, surveyor, draft, questionnaires.template(TEMPLATE))


def test_the_page_rechecks_the_role_against_the_database(study, draft, app_db):
    app = _designer()
    with app_db.session() as session:
        session.execute(update(User).where(User.username == "researcher").values(role="surveyor"))
    app.run()
    assert any("researcher" in e.value for e in app.error)
    assert "sat_overall" not in page_text(app)
