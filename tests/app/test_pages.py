"""Each role's page renders its content from the database (AppTest), and shows no more than it may."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from sampling.vocabulary import SCALES
from survey_app.app.i18n import STRINGS
from survey_app.security.masking import mask_phone
from survey_app.services import analysis_service, frames, reports, studies
from survey_app.services.studies import find_study
from survey_app.storage.models import AuditEntry, Case, Frame, SampleDesign, Study, User
from tests.app.builders import BAD_PHONE, STUDY_NAME, complete_interviews
from tests.app.conftest import log_in, page_text

pytestmark = pytest.mark.db


def _held_case(db) -> Case:
    with db.session() as session:
        surveyor = session.scalar(select(User).where(User.username == "surveyor"))
        case = session.scalar(select(Case).where(Case.held_by == surveyor.id))
        _ = case.record  # loaded while the session is open
        return case


def _name_and_phone(db, case: Case) -> tuple[str, str]:
    """The held case's name and number, decrypted (they are stored sealed)."""
    from survey_app.services.frames import open_personal
    from survey_app.storage.models import Study

    with db.session() as session:
        return open_personal(session, session.get(Study, case.study_id), case.record)


# --- researcher ------------------------------------------------------------------------------------


def test_researcher_sees_the_studies_list(study):
    app = log_in("researcher")
    assert not app.exception
    assert STUDY_NAME in app.dataframe[0].value.to_string()


def test_researcher_creates_a_study(study):
    app = log_in("researcher")
    app.text_input(key="new_study_name").input("second")
    app.text_input(key="new_study_title").input("第二次回访")
    app.button(key="FormSubmitter:create_study-创建").click().run()
    assert not app.exception
    assert "second" in app.dataframe[0].value.to_string()
    assert [s.value for s in app.success] == ["已创建调查项目 second。"]


def test_researcher_gets_a_clear_message_for_a_duplicate_study_name(study):
    app = log_in("researcher")
    app.text_input(key="new_study_name").input(STUDY_NAME)
    app.button(key="FormSubmitter:create_study-创建").click().run()
    assert [e.value for e in app.error] == [f"已有名为“{STUDY_NAME}”的调查项目。"]


def test_frames_page_shows_fingerprints_and_the_masked_validation_report(study, app_db):
    with app_db.session() as session:
        frame = session.scalar(select(Frame))
    app = log_in("researcher")
    app.switch_page("pages/frames.py").run()
    assert not app.exception
    text = page_text(app)
    assert frame.source_sha256 in text and frame.frame_sha256 in text
    assert f"{BAD_PHONE[:3]}****{BAD_PHONE[-4:]}" in text  # the rejected row is reported ...
    assert BAD_PHONE not in text  # ... but its phone number stays masked
    assert app.get("download_button")


def test_sample_page_shows_the_drawn_design_and_verifies_it(study, app_db):
    with app_db.session() as session:
        design = session.scalar(select(SampleDesign))
    app = log_in("researcher")
    app.switch_page("pages/sample.py").run()
    assert str(design.seed) in app.json[0].value
    app.button(key="verify_sample").click().run()
    assert not app.error
    assert str(design.seed) in app.success[-1].value


# --- surveyor --------------------------------------------------------------------------------------


def test_surveyor_takes_the_next_case_and_sees_it_masked_and_blind(study, app_db):
    app = log_in("surveyor")
    app.button(key="next_case").click().run()
    assert not app.exception
    name, phone = _name_and_phone(app_db, _held_case(app_db))
    text = page_text(app)
    assert mask_phone(phone) in text
    assert phone not in text
    assert name not in text
    scale = SCALES["justice3"]
    for label in [level.zh for level in scale.levels] + list(scale.codes):
        assert label not in text, f"the system rating scale leaks onto the surveyor's page: {label}"


def test_surveyor_reveal_shows_the_number_and_is_audited(study, app_db):
    app = log_in("surveyor")
    app.button(key="next_case").click().run()
    app.button(key="reveal_phone").click().run()
    case = _held_case(app_db)
    assert _name_and_phone(app_db, case)[1] in page_text(app)
    with app_db.session() as session:
        reveals = session.scalars(select(AuditEntry).where(AuditEntry.action == "phone.revealed")).all()
    assert [(r.actor, r.entity_id) for r in reveals] == [("surveyor", str(case.id))]


def test_surveyor_records_no_answer_and_the_case_waits_for_a_retry(study, app_db):
    app = log_in("surveyor")
    app.button(key="next_case").click().run()
    case = _held_case(app_db)
    app.selectbox(key="disposition").select("3.13").run()
    app.button(key="FormSubmitter:outcome-保存结果").click().run()
    assert not app.exception
    with app_db.session() as session:
        after = session.get(Case, case.id)
    assert (after.state, after.attempts, after.held_by) == ("pending", 1, None)
    assert any("3.13" in s.value for s in app.success)


def test_surveyor_makes_an_appointment_with_date_and_time(study, app_db):
    app = log_in("surveyor")
    app.button(key="next_case").click().run()
    case = _held_case(app_db)
    app.selectbox(key="disposition").select("2.21").run()
    app.time_input(key="appointment_time").set_value(dt.time(15, 30))
    app.button(key="FormSubmitter:outcome-保存结果").click().run()
    assert not app.exception
    with app_db.session() as session:
        after = session.get(Case, case.id)
    assert after.state == "appointment"
    assert after.appointment_at is not None
    assert after.appointment_at.strftime("%H:%M") == "07:30"  # 15:30 in Shanghai is 07:30 UTC


# --- supervisor, reviewer, auditor, admin ------------------------------------------------------------


def test_supervisor_sees_progress_with_counts_and_rates(study, app_db):
    complete_interviews(app_db, 2)
    app = log_in("supervisor")
    assert not app.exception
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["已释放个案"] == "8"
    assert metrics["完成访问"] == "2"
    rates = app.dataframe[0].value.set_index("比率")
    assert rates.loc["RR1", "数值 (%)"] == pytest.approx(100 * 2 / 8)
    assert app.get("vega_lite_chart")


def test_supervisor_sees_the_quality_flags_of_short_interviews(study, app_db):
    cases = complete_interviews(app_db, 2)  # four minutes each
    with app_db.session() as session:
        record = session.scalar(select(Study).where(Study.name == STUDY_NAME))
        record.settings = {**(record.settings or {}), "min_interview_minutes": 5}
    app = log_in("supervisor")
    flags = next(t.value for t in app.dataframe if "类型" in t.value.columns)
    assert set(flags.loc[flags["类型"] == "访问过短", "个案"]) == set(cases)


def test_uniform_answers_alone_are_no_quality_flag(study, app_db):
    """The builder answers every satisfaction item alike: with no peer straight-lining less, that says
    nothing about the surveyor (`supervision.surveyor_tests`)."""
    complete_interviews(app_db, 2)
    app = log_in("supervisor")
    assert not app.exception
    assert not any("类型" in t.value.columns for t in app.dataframe)


def test_supervisor_reassigns_a_held_case_with_a_reason(study, app_db):
    log_in("surveyor").button(key="next_case").click().run()
    held = _held_case(app_db)
    with app_db.session() as session:
        surveyor_id = session.scalar(select(User.id).where(User.username == "surveyor"))
    app = log_in("supervisor")
    assert not app.exception
    app.number_input(key="reassign_case").set_value(held.id)
    app.selectbox(key="reassign_to").select(surveyor_id)
    app.text_input(key="reassign_reason").input("surveyor asked for a callback later")
    app.button(key="FormSubmitter:reassign-改派个案").click().run()
    assert not app.exception
    with app_db.session() as session:
        after = session.get(Case, held.id)
        logged = session.scalar(select(AuditEntry).where(AuditEntry.action == "case.reassigned"))
    assert (after.state, after.held_by, after.assigned_to) == ("pending", None, surveyor_id)
    assert "surveyor asked for a callback later" in logged.details


def test_supervisor_reassignment_without_a_reason_is_refused(study, app_db):
    log_in("surveyor").button(key="next_case").click().run()
    held = _held_case(app_db)
    app = log_in("supervisor")
    app.number_input(key="reassign_case").set_value(held.id)
    app.button(key="FormSubmitter:reassign-改派个案").click().run()
    assert any("reason" in e.value for e in app.error)
    with app_db.session() as session:
        assert session.get(Case, held.id).state == "held"


def test_reviewer_sees_headline_figures_and_no_personal_data(study, app_db):
    complete_interviews(app_db, 6)
    with app_db.session() as session:
        expected = analysis_service.analyse(session, find_study(session, STUDY_NAME))
    app = log_in("reviewer")
    assert not app.exception
    shown = {m.label: m.value for m in app.metric}
    assert shown["系统满意率"] == f"{expected.system_rate:.1%}"
    overall = expected.headline[expected.headline["group"] == "overall"].set_index("metric")
    for metric, label in (("满意率", "第三方满意率"), ("知晓率", "知晓率"), ("首选率", "首选率")):
        assert shown[label] == f"{overall.loc[metric, 'estimate']:.1%}"
    text = page_text(app)
    for phone in study.phones:
        assert phone not in text and mask_phone(phone) not in text
    assert app.get("vega_lite_chart")


def test_reviewer_sees_the_reports_district_chart_and_map(study, app_db):
    import json

    complete_interviews(app_db, 6)
    app = log_in("reviewer")
    assert not app.exception
    assert "分区对比：系统与回访" in [header.value for header in app.subheader]
    specs = json.dumps(
        [json.loads(chart.proto.spec) for chart in app.get("vega_lite_chart")], ensure_ascii=False
    )
    assert '"diamond"' in specs, "no district chart with the system rate as diamonds"
    assert '"rect"' in specs and '"colour"' in specs, "no tile map coloured by the gap"
    assert any("粗黑框" in caption.value for caption in app.caption)


def test_reviewer_without_completed_interviews_gets_a_clear_message(study):
    app = log_in("reviewer")
    assert [i.value for i in app.info] == ["尚无完成的访问，无法比较。"]


def test_auditor_runs_the_verification(study):
    app = log_in("auditor")
    app.button(key="run_verification").click().run()
    assert not app.exception
    table = app.dataframe[0].value
    checks = dict(zip(table["检查项"], table["结果"], strict=True))
    assert checks["样本重抽核对"] == "通过"
    assert checks["审计日志哈希链"] == "通过"


def test_before_any_report_the_report_checks_are_not_applicable_and_not_failures(study):
    app = log_in("auditor")
    app.button(key="run_verification").click().run()
    assert not app.exception
    table = app.dataframe[0].value
    shown = table.set_index("检查项")
    # the report's two checks, and the recordings: this study has none
    assert set(shown.loc[shown["结果"] == "不适用", "说明"]) == {
        "不适用（尚未生成报告）",
        "不适用（本项目没有通话录音）",
    }
    assert len(shown[shown["结果"] == "不适用"]) == 3
    counted = len(table) - 3  # the summary counts only the checks that apply
    summary = next(m.value for m in (*app.success, *app.error))
    assert summary.startswith((f"全部 {counted} 项", f"{counted} 项核验中"))
    assert any("另有 3 项不适用" in c.value for c in app.caption)


def test_admin_lists_users_without_password_hashes(study, app_db):
    app = log_in("admin")
    table = app.dataframe[0].value
    assert set(table["用户名"]) == {
        *("researcher", "surveyor", "supervisor", "reviewer", "auditor", "admin", "remediation")
    }
    assert "password_hash" not in table.columns
    with app_db.session() as session:
        hashes = session.scalars(select(User.password_hash)).all()
    assert not any(h in page_text(app) for h in hashes)


def test_admin_creates_a_surveyor(study, app_db):
    app = log_in("admin")
    app.text_input(key="new_username").input("fangyuan2")
    app.selectbox(key="new_role").select("surveyor")
    app.text_input(key="new_password").input("a-long-password")
    app.text_input(key="new_surveyor_no").input("017")
    app.button(key="FormSubmitter:create_user-创建用户").click().run()
    assert not app.exception
    with app_db.session() as session:
        made = session.scalar(select(User).where(User.username == "fangyuan2"))
    assert (made.role, made.surveyor_no, made.active) == ("surveyor", "017", True)
    assert log_in("fangyuan2", "a-long-password").header[0].value == "我的呼叫队列"


def test_admin_refuses_a_short_password(study, app_db):
    app = log_in("admin")
    app.text_input(key="new_username").input("short")
    app.text_input(key="new_password").input("abc")
    app.button(key="FormSubmitter:create_user-创建用户").click().run()
    assert [e.value for e in app.error] == ["密码至少 12 个字符，或由 4 个以上词语组成的口令。"]


def test_admin_deactivates_a_user_who_then_cannot_log_in(study, app_db):
    app = log_in("admin")
    with app_db.session() as session:
        reviewer_id = session.scalar(select(User.id).where(User.username == "reviewer"))
    app.selectbox(key="manage_user").select(reviewer_id).run()
    app.button(key="users.deactivate").click().run()
    assert not app.exception
    assert [e.value for e in log_in("reviewer").error] == ["用户名或密码错误。"]


def test_admin_resets_a_password(study, app_db):
    app = log_in("admin")
    with app_db.session() as session:
        surveyor_id = session.scalar(select(User.id).where(User.username == "surveyor"))
    app.selectbox(key="manage_user").select(surveyor_id).run()
    app.text_input(key="reset_password_value").input("brand-new-secret")
    app.button(key="FormSubmitter:reset_password-重置密码").click().run()
    assert log_in("surveyor", "brand-new-secret").header[0].value == "我的呼叫队列"


def test_auditor_generates_the_pdf_report_on_click(study, app_db):
    complete_interviews(app_db, 6)
    app = log_in("auditor")
    assert not app.get("download_button")  # nothing is built before the click
    app.button(key="generate_report").click().run()
    assert not app.exception
    assert app.get("download_button")
    with app_db.session() as session:
        auditor = session.scalar(select(User).where(User.username == "auditor"))
        pdf, digest = reports.build_report(
            session, find_study(session, STUDY_NAME), lang="zh", kind="full", actor=auditor
        )
    assert pdf.startswith(b"%PDF")
    assert f"报告 SHA-256：{digest}" in [c.value for c in app.caption]


def test_researcher_plans_then_draws_a_sample_in_the_page(study, app_db, tmp_path):
    with app_db.session() as session:
        researcher = session.scalar(select(User).where(User.username == "researcher"))
        second = studies.create_study(session, researcher, "second", "第二次回访")
        frames.import_frame(session, researcher, second, study.frame_path)
        second_id = second.id
    app = log_in("researcher")
    app.selectbox(key="study_select").select(second_id).run()
    app.switch_page("pages/sample.py").run()
    app.number_input(key="design_n").set_value(6)
    app.number_input(key="design_reserve").set_value(0.0)
    app.button(key="FormSubmitter:design-生成方案").click().run()
    assert not app.exception
    assert not app.error, [e.value for e in app.error]
    plan = app.dataframe[0].value
    assert plan["释放样本 n_h"].sum() == 6
    app.button(key="draw_sample").click().run()
    assert not app.exception
    with app_db.session() as session:
        design = session.scalar(select(SampleDesign).where(SampleDesign.study_id == second_id))
        drawn = session.scalars(select(Case).where(Case.design_id == design.id)).all()
    assert len(drawn) == 6
    assert str(design.seed) in app.json[0].value


@pytest.mark.parametrize("role", ["researcher", "surveyor", "supervisor", "reviewer", "auditor", "admin"])
def test_every_role_page_renders_in_english_without_untranslated_keys(study, app_db, role):
    complete_interviews(app_db, 3)
    app = log_in(role)
    app.selectbox(key="lang_select").select("en").run()
    assert not app.exception
    text = page_text(app)
    assert not [key for key in STRINGS if key in text]
    assert not re.search(r"[\u4e00-\u9fff]", app.header[0].value)  # the page title is English too


def test_reviewer_generates_the_shorter_comparison_report_on_click(study, app_db):
    complete_interviews(app_db, 6)
    app = log_in("reviewer")
    assert not app.exception
    app.button(key="generate_comparison_report").click().run()
    assert not app.exception
    assert app.get("download_button")
    with app_db.session() as session:
        reviewer = session.scalar(select(User).where(User.username == "reviewer"))
        pdf, digest = reports.build_report(
            session, find_study(session, STUDY_NAME), lang="zh", kind="comparison", actor=reviewer
        )
    assert pdf.startswith(b"%PDF")
    assert f"报告 SHA-256：{digest}" in [c.value for c in app.caption]


def test_reviewer_drills_into_a_unit_and_sees_no_personal_data(study, app_db):
    complete_interviews(app_db, 6)
    app = log_in("reviewer")
    unit = app.selectbox(key="drill_unit").options[1]
    app.selectbox(key="drill_unit").select_index(1).run()
    assert not app.exception
    shown = app.dataframe[-1].value
    assert len(shown) > 0 and "system_rating" in shown.columns
    assert not {"phone", "recipient_name", "comment"} & set(shown.columns)
    assert unit


def test_reviewer_reads_the_plain_explanation_of_a_units_verdict(study, app_db):
    complete_interviews(app_db, 6)
    app = log_in("reviewer")
    app.selectbox(key="drill_unit").select_index(1).run()
    assert not app.exception
    text = " ".join(m.value for m in app.markdown)
    assert "系统满意率" in text and "回访满意率" in text


def test_reviewer_filters_units_by_district(study, app_db):
    complete_interviews(app_db, 6)
    app = log_in("reviewer")
    districts = app.selectbox(key="filter_district").options
    app.selectbox(key="filter_district").select_index(1).run()
    assert not app.exception and len(districts) >= 2


def test_researcher_plans_a_risk_targeted_sample(study, app_db):
    with app_db.session() as session:
        researcher = session.scalar(select(User).where(User.username == "researcher"))
        second = studies.create_study(session, researcher, "risk", "风险导向")
        frames.import_frame(session, researcher, second, study.frame_path)
        second_id = second.id
    app = log_in("researcher")
    app.selectbox(key="study_select").select(second_id).run()
    app.switch_page("pages/sample.py").run()
    app.number_input(key="design_n").set_value(6)
    app.number_input(key="design_reserve").set_value(0.0)
    app.checkbox(key="design_risk").check()
    app.button(key="FormSubmitter:design-生成方案").click().run()
    assert not app.exception
    assert not app.error, [e.value for e in app.error]
    assert app.dataframe[0].value["释放样本 n_h"].sum() == 6


def test_researcher_plans_risk_targeting_at_the_staff_level(study, app_db):
    app = log_in("researcher")
    app.switch_page("pages/sample.py").run()
    assert app.radio(key="design_risk_unit").options == ["机构", "工作人员"]
    app.number_input(key="design_n").set_value(6)
    app.checkbox(key="design_risk").check()
    app.radio(key="design_risk_unit").set_value("staff_id")
    app.button(key="FormSubmitter:design-生成方案").click().run()
    assert not app.exception
    assert not app.error, [e.value for e in app.error]
    assert any("工作人员层面" in c.value for c in app.caption)


def test_reassigning_most_of_a_units_cases_to_one_surveyor_warns_the_supervisor(study, app_db, monkeypatch):
    """The fixture's units have two released cases each: at most two of them count here."""
    from survey_app.services import supervision
    from survey_app.storage.models import FrameRecord

    monkeypatch.setattr(supervision, "ONE_SURVEYOR_CASES", 2)
    with app_db.session() as session:
        surveyor_id = session.scalar(select(User.id).where(User.username == "surveyor"))
        rows = session.execute(
            select(Case.id, FrameRecord.organisation_id)
            .join(FrameRecord, FrameRecord.id == Case.frame_record_id)
            .where(Case.state != "reserve")
        ).all()
    by_unit: dict[str, list[int]] = {}
    for case_id, unit in rows:
        by_unit.setdefault(unit, []).append(case_id)
    unit, cases = next((u, c) for u, c in sorted(by_unit.items()) if len(c) == 2)
    app = log_in("supervisor")
    for number, case_id in enumerate(cases):
        app.number_input(key="reassign_case").set_value(case_id)
        app.selectbox(key="reassign_to").select(surveyor_id)
        app.text_input(key="reassign_reason").input("speaks the local dialect")
        app.button(key="FormSubmitter:reassign-改派个案").click().run()
        assert not app.exception
        warned = [w.value for w in app.warning if "请把该单位其余的个案交给其他访员" in w.value]
        assert bool(warned) == (number == 1), warned
    assert f"surveyor 现在负责或已回访 {unit} 已释放个案 2 个中的 2 个" in warned[0]


def test_the_supervisor_hands_a_unit_leaning_on_one_surveyor_to_the_others(study, app_db, monkeypatch):
    """The fixture's units have two released cases each: a unit of two counts here. Its two cases go
    to the two other surveyors, one each, and no unit leans on anyone any more."""
    from survey_app.services import auth, supervision
    from survey_app.storage.models import FrameRecord

    monkeypatch.setattr(supervision, "ONE_SURVEYOR_CASES", 2)
    with app_db.session() as session:
        surveyor_id = session.scalar(select(User.id).where(User.username == "surveyor"))
        others = [
            auth.create_user(
                session, None, f"surveyor{n}", "password-surveyor", "surveyor", surveyor_no=f"00{n}"
            ).id
            for n in (2, 3)
        ]
        rows = session.execute(
            select(Case.id, FrameRecord.organisation_id)
            .join(FrameRecord, FrameRecord.id == Case.frame_record_id)
            .where(Case.state != "reserve")
            .order_by(FrameRecord.organisation_id, Case.id)
        ).all()
        by_unit: dict[str, list[int]] = {}
        for case_id, unit in rows:
            by_unit.setdefault(unit, []).append(case_id)
        first_unit, cases = next((u, c) for u, c in sorted(by_unit.items()) if len(c) == 2)
        for case_id in cases:
            supervisor = session.scalar(select(User).where(User.username == "supervisor"))
            supervision.reassign_case(session, supervisor, case_id, surveyor_id, "dialect")
    app = log_in("supervisor")
    assert not app.exception
    leaning = next(t.value for t in app.dataframe if "可改派的未回访个案" in t.value.columns)
    assert leaning.to_dict("records") == [
        {
            "单位": first_unit,
            "访员": "surveyor",
            "其负责或已回访": 2,
            "已释放个案": 2,
            "其完成的访谈": 0,
            "已完成访谈": 0,
            "可改派的未回访个案": 2,
        }
    ]
    app.multiselect(key="spread_units").select(first_unit)
    app.text_input(key="spread_reason").input("surveyor records low")
    app.button(key="FormSubmitter:spread-交给其他访员").click().run()
    assert not app.exception, app.exception
    assert any(
        f"{first_unit} 的 2 个个案已交给其他访员（surveyor2 1、surveyor3 1）" in s.value for s in app.success
    )
    with app_db.session() as session:
        assigned = session.scalars(select(Case.assigned_to).where(Case.id.in_(cases))).all()
    assert sorted(assigned) == sorted(others)
    assert not any("可改派的未回访个案" in t.value.columns for t in app.dataframe)
