"""The responsible office's day (整改责任单位) in Debian's chromium, on the demo: it sees its own
organisation's referrals and nothing else — no other organisation's referral, no evaluation page —
reveals a contact (audited) and closes a referral with the action taken (issue 14)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from survey_app.app.i18n import t
from survey_app.app.main import ROLE_PAGES
from survey_app.storage import open_database
from survey_app.storage.models import AuditEntry, User
from survey_app.storage.models_referrals import Referral
from tests.browser.day import choose, in_table, no_exception, open_page, screenshot, sign_in
from tests.browser.helpers import click, settle

pytestmark = [pytest.mark.browser, pytest.mark.db]

#: the menu entries of every other role's pages: none may be offered to the responsible office
OTHER_PAGES = sorted(
    {t(title, "zh") for role, pages in ROLE_PAGES.items() if role != "remediation" for _, title, _ in pages}
    - {t("referral.page", "zh")}
)


def _referrals(db_url: str) -> tuple[str, list[Referral], list[Referral]]:
    """The demo office's organisation, its referrals and everyone else's."""
    db = open_database(db_url)
    with db.session() as session:
        office = session.scalar(select(User).where(User.username == "remediation"))
        every = list(session.scalars(select(Referral).order_by(Referral.due_at, Referral.id)))
        session.expunge_all()
    db.dispose()
    own = [r for r in every if r.organisation_id == office.organisation_id]
    return office.organisation_id, own, [r for r in every if r.organisation_id != office.organisation_id]


def test_the_responsible_office_sees_its_own_referrals_and_nothing_else(demo_site, browser, tmp_path):
    url, passwords, db_url, _ = demo_site
    organisation, own, others = _referrals(db_url)
    assert own and others  # the demo refers to several organisations
    page = open_page(browser, url)
    sign_in(page, "remediation", passwords["remediation"])
    page.get_by_role("heading", name="转办与整改").wait_for()
    page.get_by_text(f"本单位：{organisation}").wait_for()
    for referral in own:
        in_table(page, referral.ref_no)
    html = page.content()
    assert [r.ref_no for r in others if r.ref_no in html] == []
    links = [link.inner_text() for link in page.locator('[data-testid="stSidebarNav"] a').all()]
    assert [name for name in OTHER_PAGES if any(name in link for link in links)] == []
    assert "满意率" not in page.locator("body").inner_text()
    screenshot(page, "remediation", tmp_path)


def test_the_office_reveals_a_contact_and_closes_a_referral(demo_site, browser):
    url, passwords, db_url, _ = demo_site
    _, own, _ = _referrals(db_url)
    target = next(r for r in own if r.status != "closed")
    page = open_page(browser, url)
    sign_in(page, "remediation", passwords["remediation"])
    page.get_by_role("heading", name="转办与整改").wait_for()
    choose(page, "选择转办单", f"{target.ref_no} · {target.organisation} · 待办")
    click(page, "查看完整联系方式（记入审计）")
    no_exception(page)
    page.get_by_text(re.compile(r"电话：\d{11}")).first.wait_for()  # in full after the reveal
    choose(page, "整改措施", "补充服务")
    page.get_by_label("办结说明").fill("已上门补充办理，当事人表示认可。")
    click(page, "办结转办单")
    no_exception(page)
    page.get_by_text(f"转办单 {target.ref_no} 已办结。").wait_for()
    settle(page)
    db = open_database(db_url)
    with db.session() as session:
        closed = session.scalar(select(Referral).where(Referral.id == target.id))
        assert (closed.status, closed.action) == ("closed", "supplementary_service")
        revealed = session.scalar(
            select(AuditEntry).where(
                AuditEntry.action == "referral.contact_revealed", AuditEntry.entity_id == target.ref_no
            )
        )
        assert revealed is not None and revealed.actor == "remediation"
    db.dispose()
