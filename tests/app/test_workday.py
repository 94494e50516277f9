"""The first-day stumbles of issue 13, each pinned by the page behaviour a user would meet."""

from __future__ import annotations

import csv

import pytest
from sqlalchemy import select

from survey_app.services import frames, studies
from survey_app.storage.models import User
from tests.app.builders import HEADERS, STUDY_NAME, complete_interviews, write_frame_csv
from tests.app.conftest import log_in

pytestmark = pytest.mark.db


def test_frames_page_survives_a_rejected_row_with_an_empty_phone(study, app_db, tmp_path):
    path = tmp_path / "missing-phone.csv"
    write_frame_csv(path)
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    rows[1][HEADERS.index("联系电话")] = ""  # the export's first record has no phone number at all
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    with app_db.session() as session:
        researcher = session.scalar(select(User).where(User.username == "researcher"))
        second = studies.create_study(session, researcher, "second", "第二次回访")
        frame = frames.import_frame(session, researcher, second, path)
        assert frame.rejected_count >= 1
        second_id = second.id
    app = log_in("researcher")
    app.selectbox(key="study_select").select(second_id).run()
    app.switch_page("pages/frames.py").run()
    assert not app.exception
    issues = app.dataframe[1].value
    empty_phone = issues[(issues["字段"] == "联系电话") & (issues["原值"] == "")]
    assert len(empty_phone) == 1  # the rejected row is listed, its empty phone shown empty
    assert app.get("download_button")


def test_admin_form_keeps_what_was_typed_after_a_refused_password(study, app_db):
    app = log_in("admin")
    app.text_input(key="new_username").input("fangyuan9")
    app.selectbox(key="new_role").select("surveyor")
    app.text_input(key="new_password").input("short")
    app.text_input(key="new_surveyor_no").input("019")
    app.button(key="FormSubmitter:create_user-创建用户").click().run()
    assert app.error
    assert app.text_input(key="new_username").value == "fangyuan9"
    assert app.selectbox(key="new_role").value == "surveyor"
    assert app.text_input(key="new_surveyor_no").value == "019"
    app.text_input(key="new_password").input("a-long-password-9")
    app.button(key="FormSubmitter:create_user-创建用户").click().run()
    assert not app.exception
    with app_db.session() as session:
        made = session.scalar(select(User).where(User.username == "fangyuan9"))
    assert (made.role, made.surveyor_no) == ("surveyor", "019")
    assert app.text_input(key="new_username").value == ""  # made: the form is empty for the next one


def test_researcher_closes_and_reopens_a_study_with_a_reason(study, app_db):
    app = log_in("researcher")
    assert "实地调查中" in app.dataframe[0].value.to_string()
    app.button(key="advance_state").click().run()
    assert [s.value for s in app.success] == ["项目状态已改为 已结束。"]
    app.text_input(key="reopen_reason").input("再释放一批后备样本")
    app.button(key="FormSubmitter:reopen_study-重新开启调查").click().run()
    assert not app.exception
    with app_db.session() as session:
        assert studies.find_study(session, STUDY_NAME).state == "fieldwork"


def _note_a_call(app_db, note: str) -> int:
    from survey_app.services import fieldwork

    with app_db.session() as session:
        surveyor = session.scalar(select(User).where(User.username == "surveyor"))
        case = fieldwork.next_case(session, surveyor, studies.find_study(session, STUDY_NAME))
        fieldwork.record_attempt(session, surveyor, case.id, "3.13", note=note)
        return case.id


def test_supervisor_reads_rates_as_percentages_with_their_definitions(study, app_db):
    complete_interviews(app_db, 3)
    app = log_in("supervisor")
    rates = app.dataframe[0].value
    assert list(rates.columns) == ["比率", "数值 (%)", "定义"]
    rr1 = rates[rates["比率"] == "RR1"].iloc[0]
    assert 0 < rr1["数值 (%)"] <= 100 and rr1["定义"].startswith("应答率1 = I ÷")


def test_supervisor_sees_the_surveyors_call_notes(study, app_db):
    case_id = _note_a_call(app_db, "对方说晚上再打")
    app = log_in("supervisor")
    assert not app.exception
    notes = next(t.value for t in app.dataframe if "备注" in t.value.columns)
    assert notes[["个案编号", "备注"]].values.tolist() == [[case_id, "对方说晚上再打"]]


def test_supervisor_draws_recontacts_and_records_a_verdict(study, app_db):
    complete_interviews(app_db, 4)
    app = log_in("supervisor")
    app.button(key="FormSubmitter:recontact_draw-抽取复核子样本").click().run()
    # the builder's uniform answers are no quality flag (one surveyor, no peers): the page says so too
    assert [s.value for s in app.success] == ["已抽取复核子样本。", "没有质量提示。"]
    case_id = app.selectbox(key="verdict_case").options[0]
    app.radio(key="verdict").set_value("contradicted")
    app.text_input(key="verdict_note").input("受访者说没有接过电话")
    app.button(key="FormSubmitter:recontact_verdict-保存核实结论").click().run()
    assert not app.exception
    with app_db.session() as session:
        from survey_app.services import recontacts

        found = recontacts.verdicts(
            session,
            session.scalar(select(User).where(User.username == "supervisor")),
            studies.find_study(session, STUDY_NAME),
        )
    assert found[["case_id", "verdict", "note"]].values.tolist() == [
        [int(case_id), "contradicted", "受访者说没有接过电话"]
    ]
    shown = next(t.value for t in app.dataframe if "核实结论" in t.value.columns)
    assert "不符：受访者否认接受访问或回答明显不同" in shown["核实结论"].tolist()


def _second_study(app_db, frame_path) -> int:
    with app_db.session() as session:
        researcher = session.scalar(select(User).where(User.username == "researcher"))
        second = studies.create_study(session, researcher, "second", "第二次回访")
        frames.import_frame(session, researcher, second, frame_path)
        return second.id


def test_sample_plan_warns_about_strata_too_small_to_estimate(study, app_db):
    second_id = _second_study(app_db, study.frame_path)
    app = log_in("researcher")
    app.selectbox(key="study_select").select(second_id).run()
    app.switch_page("pages/sample.py").run()
    app.number_input(key="design_n").set_value(6)
    app.button(key="FormSubmitter:design-生成方案").click().run()
    assert not app.exception
    assert any("预期完成访问不足 30 个" in w.value for w in app.warning)


def test_after_the_draw_the_page_summarises_the_sample_and_still_plans(study, app_db):
    app = log_in("researcher")
    app.switch_page("pages/sample.py").run()
    assert not app.exception
    assert {m.label for m in app.metric} >= {"随机种子", "分配方法", "抽样时间（上海）"}
    assert app.number_input(key="design_n")  # a re-plan for the next round ...
    app.button(key="FormSubmitter:design-生成方案").click().run()
    assert not app.exception and not [b for b in app.button if b.key == "draw_sample"]  # ... without a redraw


def test_researcher_keeps_a_do_not_call_list_whose_numbers_stay_out_of_the_audit_log(study, app_db):
    import json

    from survey_app.storage.models import AuditEntry

    second_id = _second_study(app_db, study.frame_path)
    app = log_in("researcher")
    app.selectbox(key="study_select").select(second_id).run()
    app.switch_page("pages/sample.py").run()
    app.text_area(key="dnc_numbers").input(f"{study.phones[0]}\n\n{study.phones[1]}\n")
    app.button(key="FormSubmitter:do_not_call-保存名单").click().run()
    masked = "、".join(f"{p[:3]}****{p[-4:]}" for p in sorted(study.phones[:2]))
    assert [s.value for s in app.success] == [f"免打扰名单已保存，共 2 个号码。（{masked}）"]
    with app_db.session() as session:
        settings = studies.find_study(session, "second").settings
        assert settings["do_not_call_count"] == 2 and study.phones[0] not in str(settings)
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "study.do_not_call")).one()
    assert json.loads(entry.details)["numbers"] == 2 and study.phones[0] not in entry.details


def test_reviewer_sees_the_system_rate_beside_the_callback_rate_per_district(study, app_db):
    complete_interviews(app_db, 6)
    app = log_in("reviewer")
    app.selectbox(key="group").select("district").run()
    assert not app.exception
    table = next(t.value for t in app.dataframe if "系统满意率 (%)" in t.value.columns)
    satisfaction = table[table["指标"] == "满意率"]
    assert set(satisfaction["所属区"]) == {"黄浦区", "徐汇区"}
    # the builder's frame rates 满意, 基本满意, 不满意 in turn: two thirds count as satisfied
    assert satisfaction["系统满意率 (%)"].between(60, 72).all()


def test_a_study_just_created_becomes_the_study_the_sidebar_works_on(study, app_db):
    app = log_in("researcher")
    app.text_input(key="new_study_name").input("autumn")
    app.button(key="FormSubmitter:create_study-创建").click().run()
    with app_db.session() as session:
        made = studies.find_study(session, "autumn").id
    assert app.selectbox(key="study_select").value == made
    app.switch_page("pages/frames.py").run()  # the next page works on it too
    assert app.selectbox(key="study_select").value == made
    assert not app.exception


def test_frames_page_of_a_study_in_fieldwork_says_why_it_takes_no_new_frame(study, app_db):
    app = log_in("researcher")
    app.switch_page("pages/frames.py").run()
    assert not app.exception
    assert not app.get("file_uploader")
    assert next(i.value for i in app.info).startswith(
        f"调查项目 {STUDY_NAME} 正在实地调查：只有处于设计中的项目"
    )
    assert app.dataframe  # the imported frame and its report are still shown


def test_researcher_leaves_out_people_another_study_reached_recently(study, app_db):
    import datetime as dt

    from survey_app.storage.models import CallAttempt, Case

    with app_db.session() as session:  # the study in fieldwork reached one of its people an hour ago
        case = session.scalars(select(Case).order_by(Case.id)).first()
        surveyor = session.scalar(select(User).where(User.username == "surveyor"))
        session.add(
            CallAttempt(
                case_id=case.id,
                surveyor_id=surveyor.id,
                attempt_no=1,
                started_at=dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(hours=1),
                disposition="1.1",
            )
        )
    second_id = _second_study(app_db, study.frame_path)
    app = log_in("researcher")
    app.selectbox(key="study_select").select(second_id).run()
    app.switch_page("pages/sample.py").run()
    assert "当前不排除近期已联系的人。" in [c.value for c in app.caption]
    app.number_input(key="recent_days").set_value(30)
    app.button(key="FormSubmitter:recent_contact-保存排除规则").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert any("（近 30 天），抽样框中有 1 条记录" in c.value for c in app.caption)


def test_reviewer_rakes_the_respondents_to_the_frame_beside_the_headline(study, app_db):
    from survey_app.services import analysis_service, calibration
    from tests.app.builders import complete_interviews

    complete_interviews(app_db, 8)
    with app_db.session() as session:
        expected = calibration.calibrated_satisfaction(
            analysis_service.analyse(session, studies.find_study(session, STUDY_NAME)), "rake", ["domain"]
        )
    app = log_in("reviewer")
    app.radio(key="calibration_method").set_value("rake")
    app.multiselect(key="calibration_variables").set_value(["domain"])
    app.button(key="FormSubmitter:calibration-计算").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    table = next(t.value for t in app.dataframe if "权数" in t.value.columns)
    assert list(table["权数"]) == [
        "核心指标（倾向调整，JKn 区间）",
        "同一权数，线性化区间（未再校准）",
        "迭代比例调整（一个或多个变量）",
    ]
    assert any(
        f"按业务领域迭代比例调整后，满意率为 {expected.estimate.estimate:.1%}" in m.value
        for m in app.markdown
    )


def test_researcher_plans_optimal_allocation_and_then_edits_its_costs(study, app_db):
    second_id = _second_study(app_db, study.frame_path)
    app = log_in("researcher")
    app.selectbox(key="study_select").select(second_id).run()
    app.switch_page("pages/sample.py").run()
    app.number_input(key="design_n").set_value(6)
    app.number_input(key="design_reserve").set_value(0.0)
    app.selectbox(key="design_method").select("optimal")
    app.button(key="FormSubmitter:design-生成方案").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert app.dataframe[0].value["释放样本 n_h"].sum() == 6
    assert app.get("arrow_data_editor") or app.button(key="apply_costs")  # the costs can be edited now


def test_the_sample_plan_says_how_many_staff_members_the_staff_level_can_judge(study, app_db):
    second_id = _second_study(app_db, study.frame_path)
    app = log_in("researcher")
    app.selectbox(key="study_select").select(second_id).run()
    app.switch_page("pages/sample.py").run()
    app.number_input(key="design_n").set_value(12)
    app.button(key="FormSubmitter:design-生成方案").click().run()
    assert not app.exception
    # the test frame's 24 records name 12 staff members: 12 cases cannot give any of them 5 respondents
    assert any("框中 12 名工作人员中预计约 0 名能有 5 位以上受访者" in c.value for c in app.caption)
