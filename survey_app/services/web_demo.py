"""The demo's web mode: the live study made web-first, some fresh cases invited, a few answered.

Why in the demo: a supervisor who logs in should see a mixed-mode study (web outcomes beside CATI ones,
interviews of both modes) and a researcher should find invitations in an outbox — without a network
and within a second or two. The invitations go to the demo's own outbox folder (never the user's), and
the simulated respondents answer through exactly the path a browser takes (`web_invites`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from survey_app.services import sms, studies, web_invites
from survey_app.storage import Database
from survey_app.storage.models import User

#: fresh cases invited, of which so many answer completely and so many stop after the headline item
INVITED = 24
COMPLETES = 6
PARTIALS = 2
WEB_DAYS = 5
#: the web answers lean a little more critical than the phone's (the mode effect the report adjusts)
ASPECTS = (
    "sat_attitude",
    "sat_efficiency",
    "sat_professional",
    "sat_result",
    "sat_environment",
    "sat_integrity",
)
OVERALL = ("satisfied", "satisfied", "basically_satisfied", "basically_satisfied", "dissatisfied")


@dataclass(frozen=True)
class WebDemo:
    invited: int
    completed: int
    partial: int
    outbox: Path


def _answers(rng: random.Random, complete: bool) -> dict[str, Any]:
    """One respondent's answers: the whole questionnaire, or up to the headline item (a partial)."""
    overall = rng.choice(OVERALL)
    answers: dict[str, Any] = {
        "identity": "yes",
        "received_service": "yes",
        "who_rated": "self",
        "staff_asked_rating": "no",
        **dict.fromkeys(ASPECTS, overall),
        "sat_overall": overall,
    }
    if not complete:
        return answers
    if overall == "dissatisfied":
        answers["unsatisfied_reason"] = "efficiency"
    if overall != "satisfied":
        answers["referral_consent"] = "no"
    return {
        **answers,
        "aware_12348": rng.choice(("yes", "no")),
        "aware_public_legal": "yes",
        "first_choice": "public_legal",
        "comment": None,
    }


def build_web_demo(db: Database, study_name: str, *, seed: int, out_dir: Path) -> WebDemo:
    """Make the study web-first, invite `INVITED` fresh cases to the demo's outbox, and let some answer
    (the identity check, then their answers through the same engine), all in one transaction."""
    outbox = out_dir / "sms-outbox"
    rng = random.Random(seed)
    with db.session() as session:
        study = studies.find_study(session, study_name)
        study.settings = {**(study.settings or {}), "mode_design": "web_first", "web_days": WEB_DAYS}
        researcher = session.scalar(select(User).where(User.username == "researcher"))
        # an earlier demo in the same folder left its messages here: their links point into a database
        # that `--force` replaced, so they go (personal data of nobody's use), and only the messages this
        # build appends are answered
        sms.remove_from_outbox(lambda message: message.get("study") == study.name, outbox)
        earlier = len(sms.read_outbox(outbox))
        done = web_invites.invite(
            session,
            researcher,
            study,
            limit=INVITED,
            gateway=sms.OutboxGateway(outbox, "回访中心", study.name),
        )
        param = f"?{web_invites.TOKEN_PARAM}="
        links = [(m["to"], m["text"].split(param)[1].split()[0]) for m in sms.read_outbox(outbox)[earlier:]]
        for index, (number, token) in enumerate(links[: COMPLETES + PARTIALS]):
            web_invites.verify_identity(session, token, number[-4:])
            web_invites.answer_many(session, token, _answers(rng, complete=index < COMPLETES))
    return WebDemo(done.sent, COMPLETES, PARTIALS, outbox)
