"""A broken rating-system export on the Frames page, in the Chinese UI: the preview's warnings, the
import's refusal and the rejected rows' reasons (shown and downloaded) are all Chinese."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from survey_app.services import studies
from survey_app.storage.models import User
from tests.app.builders import HEADERS, write_frame_csv
from tests.app.conftest import log_in, page_text
from tests.app.test_chinese_everywhere import _english

pytestmark = pytest.mark.db

ORGANISATION = HEADERS.index("机构名称")


def _broken_export(tmp_path, cells: dict[int, str]) -> bytes:
    """The builder's export with the organisation cell of some rows (file row numbers) as written."""
    path = tmp_path / "export.csv"
    write_frame_csv(path)
    rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
    lines = []
    for number, row in enumerate(rows, start=1):
        out = io.StringIO()
        csv.writer(out, lineterminator="").writerow(row)
        text = out.getvalue()
        if number in cells:
            parts = text.split(",")
            parts[ORGANISATION] = cells[number]
            text = ",".join(parts)
        lines.append(text)
    return ("\n".join(lines) + "\n").encode("utf-8")


def _frames_page_of_a_new_study(app_db):
    with app_db.session() as session:
        researcher = session.scalar(select(User).where(User.username == "researcher"))
        study_id = studies.create_study(session, researcher, "broken", "损坏的导出").id
    app = log_in("researcher")
    app.selectbox(key="study_select").select(study_id).run()
    app.switch_page("pages/frames.py").run()
    return app


def _upload(app, data: bytes):
    app.file_uploader(key="frame_file").set_value(("导出.csv", data, "text/csv")).run()
    assert not app.exception


def _shown(app) -> str:
    parts = [page_text(app)]
    for table in app.dataframe:
        parts.append(table.value.to_string())
    return "\n".join(parts)


#: the export's own values (record ids, organisation ids) and the test's names: data, not words
DATA = {f"R{i:05d}" for i in range(25)} | {f"ORG{i:04d}" for i in range(1, 5)} | {"broken", "researcher"}


def test_a_broken_export_is_previewed_imported_and_reported_in_chinese(study, app_db, tmp_path):
    app = _frames_page_of_a_new_study(app_db)
    _upload(app, _broken_export(tmp_path, {4: '"司法所"分所', 6: "律所,多出的一列"}))
    warnings = [w.value for w in app.warning]
    assert any(w.startswith("第 4 行无法拆分成列，导入时会被拒绝：字段“机构名称”") for w in warnings), (
        warnings
    )
    assert any(w.startswith("第 6 行无法拆分成列") and "列，而表头有" in w for w in warnings), warnings
    app.button(key="import_frame").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    report = app.dataframe[-1].value
    reasons = " ".join(str(r) for r in report.iloc[:, 3].tolist())
    assert "该行无法拆分成列：字段“机构名称”" in reasons and "结尾引号之后还有文字" in reasons
    assert _english(_shown(app), DATA) == set()
    # the download under the report is the table as shown (tables.show), these reasons included
    assert "download_issues" in [button.key for button in app.get("download_button")]


def test_an_export_with_a_quote_never_closed_is_refused_in_one_chinese_sentence(study, app_db, tmp_path):
    app = _frames_page_of_a_new_study(app_db)
    _upload(app, _broken_export(tmp_path, {5: '"没有闭合'}))
    errors = [e.value for e in app.error]
    assert errors == [
        '导入失败，未写入任何数据：导出.csv：第 5 行，字段“机构名称”（第 8 列）：引号（"）开始的值始终没有闭合，'
        '第 5–26 行（文件的其余部分）会被读成一个值。请闭合该引号；如果引号是值的一部分，请写成两个（""），然后重新导出。'
    ]
    assert _english(_shown(app), DATA) == set()


def test_the_english_ui_shows_the_loaders_own_sentence(study, app_db, tmp_path):
    app = _frames_page_of_a_new_study(app_db)
    app.selectbox(key="lang_select").select("en").run()
    _upload(app, _broken_export(tmp_path, {5: '"没有闭合'}))
    assert any('a quote (") opens a value that is never closed' in e.value for e in app.error)
