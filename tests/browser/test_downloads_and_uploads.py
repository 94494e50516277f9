"""In a real browser: what AppTest cannot do — upload a frame file, download the generated PDF."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from survey_app.services import frames, studies
from survey_app.storage.models import Frame, User
from tests.app.builders import build_fieldwork_study, complete_interviews, ensure_users, write_frame_csv
from tests.browser import day
from tests.browser.helpers import click, log_in, settle

pytestmark = [pytest.mark.browser, pytest.mark.db]
TIMEOUT_MS = day.TIMEOUT_MS  # one patience for every browser test: CI runs two passes on 2 cores


def test_researcher_uploads_a_frame_and_sees_the_validation_report(
    db, database_url, tmp_path, serve, browser
):
    ensure_users(db)
    with db.session() as session:
        researcher = session.scalar(select(User).where(User.username == "researcher"))
        studies.create_study(session, researcher, "upload", "上传测试")
    export = tmp_path / "export.csv"
    phones = write_frame_csv(export)
    url = serve(database_url)
    page = browser.new_page(viewport={"width": 1280, "height": 1400})
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url)
    settle(page)
    log_in(page, "researcher")
    page.get_by_role("link", name="抽样框导入").click()
    settle(page)
    page.locator('input[type="file"]').set_input_files(str(export))
    settle(page)
    click(page, "校验并导入")
    page.get_by_text(f"已导入 {len(phones)} 条记录，1 条被拒绝。").wait_for()
    with db.session() as session:
        frame = session.scalar(select(Frame))
        # numbers are stored encrypted: read them back the way the services do
        stored = list(
            frames.decrypted_frame_records(session, studies.find_study(session, "upload"), frame)["phone"]
        )
    assert (frame.filename, frame.row_count, frame.rejected_count) == ("export.csv", len(phones), 1)
    assert sorted(stored) == sorted(phones)
    page.screenshot(path=str(tmp_path / "researcher-frames.png"), full_page=True)


def test_auditor_downloads_the_pdf_generated_on_click(db, database_url, tmp_path, serve, browser):
    build_fieldwork_study(db, tmp_path)
    complete_interviews(db, 6)
    url = serve(database_url)
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url)
    settle(page)
    log_in(page, "auditor")
    click(page, "生成 PDF 报告")
    with page.expect_download() as download:
        page.get_by_role("button", name="下载报告").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    page.screenshot(path=str(tmp_path / "auditor-reports.png"), full_page=True)
