"""Each role's working day on the demo database, in Debian's chromium, in Chinese.

Every step checks that no exception box appeared. The demo is built once (small), and every test
works on its own copy behind its own app server.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from survey_app.services import fieldwork
from survey_app.services.studies import find_study
from survey_app.storage import open_database
from survey_app.storage.models import Frame, User
from tests.browser.day import (
    choose,
    choose_nth,
    choose_study,
    go,
    in_table,
    no_exception,
    open_page,
    replaced_text,
    screenshot,
    sign_in,
)
from tests.browser.helpers import click, next_case, settle

pytestmark = [pytest.mark.browser, pytest.mark.db]


def test_admin_creates_a_surveyor_after_a_failed_attempt(demo_site, browser, tmp_path):
    url, passwords, db_url, _ = demo_site
    page = open_page(browser, url)
    sign_in(page, "admin", passwords["admin"])
    page.get_by_role("heading", name="用户管理").wait_for()
    page.get_by_label("用户名", exact=True).last.fill("fangyuan7")
    page.get_by_label("显示名").fill("方圆")
    choose(page, "角色", "访员")
    page.get_by_label("初始密码").fill("short")
    page.get_by_label("访员工号（仅访员）").fill("207")
    click(page, "创建用户")
    no_exception(page)
    page.get_by_text("密码至少").first.wait_for()
    # the refused attempt kept what was typed, the role included; only the password is retyped
    assert page.get_by_label("用户名", exact=True).last.input_value() == "fangyuan7"
    page.get_by_label("初始密码").fill("a-long-enough-password-7")
    click(page, "创建用户")
    no_exception(page)
    page.get_by_text("已创建用户 fangyuan7。").wait_for()
    db = open_database(db_url)
    with db.session() as session:
        made = session.scalar(select(User).where(User.username == "fangyuan7"))
        assert (made.role, made.surveyor_no) == ("surveyor", "207")
    db.dispose()
    screenshot(page, "admin", tmp_path)


def test_surveyor_works_three_cases_with_an_appointment_and_a_reload_mid_interview(
    demo_site, browser, tmp_path
):
    url, passwords, _, _ = demo_site
    page = open_page(browser, url)
    sign_in(page, "surveyor", passwords["surveyor"])
    page.get_by_role("heading", name="我的呼叫队列").wait_for()
    screenshot(page, "surveyor", tmp_path)

    # case 1: the person asks to be called back tomorrow at 10:00
    next_case(page)
    no_exception(page)
    choose(page, "结果（AAPOR 代码）", "2.21 · 本人暂不方便，预约回访")
    page.get_by_label("备注").fill("本人在开会，明早再打")
    click(page, "保存结果")
    no_exception(page)
    page.get_by_text("已记录：2.21").wait_for()

    # case 2: the interview starts, the browser reloads in the middle, the interview resumes
    next_case(page)
    click(page, "开始 / 继续访问")
    no_exception(page)
    click(page, "已读完，继续")
    page.get_by_text("是本人", exact=True).click()
    settle(page)
    click(page, "下一题")
    no_exception(page)
    # Under load the rerun may not have replaced the identity question yet: read the next one only then.
    page.locator("h4", has_text="请问您是办理该项业务的当事人本人吗？").wait_for(state="detached")
    asked = page.locator("h4").first.inner_text()
    page.reload()
    settle(page)
    no_exception(page)
    assert page.get_by_label("用户名").count() == 0  # still logged in: the address's token held
    page.locator("h4", has_text=asked).wait_for()
    click(page, "受访者结束通话")
    no_exception(page)
    page.get_by_text("访问已结束").wait_for()

    # case 3: nobody answers
    go(page, "我的呼叫队列")
    next_case(page)
    choose(page, "结果（AAPOR 代码）", "3.13 · 无人接听")
    click(page, "保存结果")
    no_exception(page)
    page.get_by_text("已记录：3.13").wait_for()


def test_supervisor_reads_rates_releases_a_reserve_and_records_a_recontact_verdict(
    demo_site, browser, tmp_path
):
    url, passwords, _, _ = demo_site
    page = open_page(browser, url)
    sign_in(page, "supervisor", passwords["supervisor"])
    page.get_by_role("heading", name="实地进度").wait_for()
    in_table(page, "应答率1 = I ÷ (I+P+R+NC+O+UH+UO)，最保守")  # rates come with their definitions
    screenshot(page, "supervisor", tmp_path)
    page.get_by_role("button", name="释放后备样本").first.click()
    settle(page)
    no_exception(page)
    page.get_by_text("已释放").first.wait_for()
    click(page, "抽取复核子样本")
    no_exception(page)
    page.get_by_text("已抽取复核子样本。").wait_for()
    page.get_by_text("不符：受访者否认接受访问或回答明显不同").click()
    page.get_by_label("备注").last.fill("受访者说从未接到回访电话")
    click(page, "保存核实结论")
    no_exception(page)
    page.get_by_text("的核实结论").first.wait_for()


def _reviewer_comparing(demo_site, browser, study: str):
    """The reviewer signed in, on the comparison page of `study` ("1 · demo"), its headline shown."""
    url, passwords, _, _ = demo_site
    page = open_page(browser, url)
    sign_in(page, "reviewer", passwords["reviewer"])
    choose_study(page, study)
    page.get_by_role("heading", name="评价对比").wait_for()
    in_table(page, "满意率")
    return page


def test_reviewer_filters_by_district_and_drills_into_a_unit(demo_site, browser, tmp_path):
    page = _reviewer_comparing(demo_site, browser, "1 · demo")
    screenshot(page, "reviewer", tmp_path)
    district = choose_nth(page, "所属区", 1)  # the first district after “all”
    assert district.endswith("区")
    choose_nth(page, "单位", 1)  # the first unit: flagged units come first
    page.get_by_text("该单位入样个案的系统评价与回访答案").wait_for()
    page.get_by_text("显示工作人员判定").click()  # the staff level, computed when asked for
    settle(page)
    no_exception(page)
    page.get_by_text("名，证据足以判定").wait_for()
    member = choose_nth(page, "工作人员", 1)  # flagged members come first
    assert "-S" in member
    page.get_by_text("在机构层面").first.wait_for()  # the member's office and its verdict, in words
    choose(page, "上一期调查", "live")  # against another study: its analysis made when asked for
    page.get_by_text("与“live”相比：上升").wait_for()
    page.get_by_text("调查 live 尚未结束").wait_for()  # what limits the comparison, said first
    in_table(page, "无明确变化")
    page.get_by_text("与“live”相比：上升").scroll_into_view_if_needed()
    screenshot(page, "reviewer-waves", tmp_path)
    page.get_by_text("计算规划").click()  # the next study's sizes, computed when asked for
    settle(page)
    no_exception(page)
    page.get_by_text("总体满意率").wait_for()
    in_table(page, "无：本期区间过宽")  # a district of the small demo no next study can judge at 10 points


def test_reviewer_keeps_the_analysis_while_a_surveyor_calls_and_updates_it_when_asked(demo_site, browser):
    page = _reviewer_comparing(demo_site, browser, "2 · live")
    db = open_database(demo_site[2])  # a surveyor records a call attempt while the reviewer reads
    with db.session() as session:
        surveyor = session.scalar(select(User).where(User.username == "surveyor"))
        live = find_study(session, "live")
        case = fieldwork.next_case(session, surveyor, live)
        fieldwork.record_attempt(session, surveyor, case.id, "3.13")
    db.dispose()
    choose_nth(page, "所属区", 1)  # any click reruns the page: the analysis shown stays
    no_exception(page)
    page.get_by_text("此后本调查又有").wait_for()
    page.get_by_text("包括尚未计入本页的").wait_for()  # the PDF would not be the figures shown
    click(page, "更新分析")
    no_exception(page)
    in_table(page, "满意率")
    assert page.get_by_text("尚未计入").count() == 0


def test_auditor_downloads_the_report_and_verifies_the_study(demo_site, browser, tmp_path):
    url, passwords, _, _ = demo_site
    page = open_page(browser, url)
    sign_in(page, "auditor", passwords["auditor"])
    choose_study(page, "1 · demo")
    page.get_by_role("heading", name="报告与核验").wait_for()
    click(page, "生成 PDF 报告")
    no_exception(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="下载报告").click()
    saved = tmp_path / "report.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    import hashlib

    page.get_by_text(f"报告 SHA-256：{hashlib.sha256(saved.read_bytes()).hexdigest()}").wait_for()
    page.get_by_text("PDF 封面上的“内容指纹”是另一回事").wait_for()  # which hash is which
    click(page, "运行核验")
    no_exception(page)
    page.get_by_text("项核验通过").or_(page.get_by_text("项不通过")).first.wait_for()
    in_table(page, "审计日志哈希链")
    screenshot(page, "auditor", tmp_path)


VENDOR_EXPORT = (
    "记录编号,事项类型,业务类型,服务渠道,所属区,区划代码,机构编号,机构名称,工作人员工号,服务日期,评价时间,"
    "群众评价,姓名,回访号码\n"
)


def _vendor_export(path, rows: int = 60) -> None:
    """A vendor's export: headers the rating system does not use (业务类型, 服务渠道, 工作人员工号,
    姓名, guessed), two no guess knows (群众评价, 回访号码: mapped by hand), and two bad rows (a missing
    phone, an unknown rating)."""
    lines = [VENDOR_EXPORT]
    districts = [("黄浦区", "310101"), ("徐汇区", "310104"), ("静安区", "310106")]
    for i in range(rows):
        district, code = districts[i % 3]
        phone = "" if i == 5 else f"139{i:08d}"
        rating = "很好" if i == 7 else ["满意", "基本满意", "不满意"][i % 3]
        lines.append(
            f"V{i:05d},服务,{['公证', '律师'][i % 2]},网络平台,{district},{code},ORG{i % 6:04d},"
            f"{district}服务机构{i % 6},ORG{i % 6:04d}-S01,2026-10-{1 + i % 28:02d},"
            f"2026-10-{1 + i % 28:02d} 10:00:00,{rating},王{i},{phone}\n"
        )
    path.write_text("".join(lines), encoding="utf-8")


def test_researcher_imports_a_vendor_export_with_bad_rows_plans_and_draws(demo_site, browser, tmp_path):
    url, passwords, db_url, _ = demo_site
    export = tmp_path / "vendor-export.csv"
    _vendor_export(export)
    page = open_page(browser, url)
    sign_in(page, "researcher", passwords["researcher"])
    page.get_by_role("heading", name="调查项目").first.wait_for()
    screenshot(page, "researcher", tmp_path)
    page.get_by_label("项目代号（字母、数字，不可为纯数字）").fill("spring")
    page.get_by_label("项目标题").fill("春季回访")
    click(page, "创建")
    no_exception(page)
    page.get_by_text("已创建调查项目 spring。").wait_for()
    go(page, "抽样框导入")
    # Streamlit's own English ("Upload", "200MB per file • …") is replaced by Chinese in the zh UI
    dropzone = page.locator('[data-testid="stFileUploaderDropzone"]')
    button_text = dropzone.locator('[data-testid="stBaseButton-secondary"] p')
    limit_text = dropzone.locator('[data-testid="stFileUploaderDropzoneInstructions"] span')
    assert replaced_text(button_text) == ("0px", '"选择文件"')
    assert replaced_text(limit_text) == ("0px", '"单个文件不超过 200MB"')
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(export))
    settle(page)
    no_exception(page)
    page.get_by_text("前 5 行预览").wait_for()  # headers guessed, the mapping shown for checking
    page.get_by_text("以下必填字段还没有对应的列").wait_for()  # 群众评价 and 回访号码 are not guessed
    choose(page, "评价结果 · system_rating *", "群众评价")
    choose(page, "联系电话 · phone *", "回访号码")
    page.get_by_text("以下必填字段还没有对应的列").wait_for(state="detached")
    screenshot(page, "researcher-frames", tmp_path)
    click(page, "校验并导入")
    no_exception(page)
    page.get_by_text("已导入").first.wait_for()
    db = open_database(db_url)
    with db.session() as session:
        stored = session.scalar(select(Frame).order_by(Frame.id.desc()))
        assert (stored.mapping["群众评价"], stored.mapping["回访号码"]) == ("system_rating", "phone")
    db.dispose()
    in_table(page, "缺少必填值")  # the report names the bad rows, in Chinese
    go(page, "样本设计与抽取")
    page.get_by_label("样本量（释放个案数）").fill("20")
    click(page, "生成方案")
    no_exception(page)
    click(page, "按此方案抽样")
    no_exception(page)
    page.get_by_text("已抽取样本").wait_for()
