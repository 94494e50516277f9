"""The demo's referrals: the consenting dissatisfied of study `demo` referred, a few closed and called
back, and a responsible-office user (`remediation`) for the organisation with the most referrals.

Times sit on the demo's simulated fieldwork clock (never after now), before the study is closed, so the
demo's report prints a referral section and its rebuild prints the same one.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import select

from survey_app.security.passwords import generate_password
from survey_app.services import auth, referrals, studies
from survey_app.storage import Database
from survey_app.storage.models import User, utcnow
from survey_app.storage.models_referrals import REFERRAL_ACTIONS, Referral

DEMO_OFFICE = "remediation"
#: every third referral is closed: alternately within the due date and late
CLOSE_EVERY, ON_TIME_DAYS, LATE_DAYS = 3, 5, 18
RECALL_RATINGS = ("satisfied", "basically_satisfied", "satisfied", "dissatisfied")


def build_demo_referrals(
    db: Database, study_name: str, passwords: dict[str, str], *, start: dt.datetime
) -> int:
    """Refer, close some, call them back, and make the office user; returns the referrals made."""
    created = min(start, utcnow())
    with db.session() as session:
        supervisor = session.scalar(select(User).where(User.username == "supervisor"))
        admin = session.scalar(select(User).where(User.username == "admin"))
        study = studies.find_study(session, study_name)
        made = referrals.create_referrals(session, supervisor, study, now=created)
        rows = session.execute(
            select(Referral.id, Referral.organisation_id)
            .where(Referral.study_id == study.id)
            .order_by(Referral.id)
        ).all()
        if not rows:
            return 0
        organisation = Counter(org for _, org in rows).most_common(1)[0][0]
        passwords[DEMO_OFFICE] = generate_password()
        office = auth.create_user(
            session,
            None,
            DEMO_OFFICE,
            passwords[DEMO_OFFICE],
            "remediation",
            display_name=f"demo remediation {organisation}",
            organisation_id=organisation,
        )
        for number, (referral_id, org) in enumerate(rows):
            if number % CLOSE_EVERY:
                continue
            late = (number // CLOSE_EVERY) % 2 == 1
            closed_at = min(created + dt.timedelta(days=LATE_DAYS if late else ON_TIME_DAYS), utcnow())
            action = REFERRAL_ACTIONS[(number // CLOSE_EVERY) % len(REFERRAL_ACTIONS)]
            closer = office if org == organisation else admin
            referrals.close_referral(
                session, closer, referral_id, "已回访说明并处理", action=action, now=closed_at
            )
            rating = RECALL_RATINGS[(number // CLOSE_EVERY) % len(RECALL_RATINGS)]
            recalled_at = min(closed_at + dt.timedelta(days=2), utcnow())
            referrals.record_recallback(session, supervisor, referral_id, rating, now=recalled_at)
    return made
