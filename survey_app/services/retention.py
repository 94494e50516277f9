"""Retention: a study's names and numbers are removed when its retention period ends, and its key destroyed.

The period (`settings.retention_days`, printed in every report) runs from the day the study was
closed. `huifang purge` and a check on every start (`purge_due`) then, in one transaction: remove every
ciphertext of the study's names and numbers and the names and numbers in its validation report,
null the sealed audio of its call recordings (`services/recordings.py`), remove its messages from the
SMS outbox file (`web_invites.purge_outbox`: numbers and links; an atomic rewrite, done before the commit
because a rolled-back purge loses only copies of messages already written),
replace each record's person key by a keyed hash under a random key that is thrown away at once (the
same people stay the same people, so the sample still re-draws, but nobody can link them to a
number again), mark the study purged and audit it. After the commit the study's data key file is
overwritten and deleted, so the ciphertexts in any backup cannot be opened either.

Everything else stays: the frame's other fields, still checked against the fingerprint recorded at
import without the personal fields (`frames.public_sha256`), the sample, the answers, the audit chain and
the report, which does not contain personal data and rebuilds byte for byte (a purge is not a change of
the study's state).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sampling.vocabulary import PERSONAL_FIELDS
from survey_app.security import audit, fieldcrypto
from survey_app.services.auth import require
from survey_app.services.errors import InvalidState
from survey_app.storage.db import Database
from survey_app.storage.models import AuditEntry, Frame, FrameIssue, FrameRecord, Study, User, utcnow

_CHUNK = 5000


@dataclass(frozen=True)
class Purge:
    study: str
    records: int
    key_destroyed: bool


def closed_at(session: Session, study: Study) -> dt.datetime | None:
    """When the study was last closed (None unless it is closed now)."""
    if study.state != "closed":
        return None
    entries = session.execute(
        select(AuditEntry.at, AuditEntry.details)
        .where(AuditEntry.study_id == study.id, AuditEntry.action == "study.state")
        .order_by(AuditEntry.id.desc())
    )
    for at, details in entries:
        if json.loads(details).get("after") == "closed":
            return at
    return None


def purge_date(session: Session, study: Study) -> dt.datetime | None:
    """When the study's retention period ends (None while it is open or has no period)."""
    closed = closed_at(session, study)
    days = (study.settings or {}).get("retention_days")
    if closed is None or days in (None, ""):
        return None
    return closed + dt.timedelta(days=int(days))


def purge_study(
    session: Session,
    actor: User | None,
    study: Study,
    *,
    now: dt.datetime | None = None,
    early_reason: str | None = None,
) -> Purge:
    """Remove the study's personal data in this transaction; the caller destroys the key after commit
    (`destroy_key`). `actor` None is the start-up check. Before the period ends only an admin may purge,
    with a reason (a study cancelled, a data subject's request)."""
    # Imported here: `purge_due` runs at every `huifang` start, and these pull in pandas and scipy.
    from sampling.fingerprint import frame_sha256
    from survey_app.services.frames import frame_records
    from survey_app.services.recordings import purge_audio
    from survey_app.services.referrals import purge_referrals
    from survey_app.services.web_invites import purge_outbox

    now = now or utcnow()
    if actor is not None:
        require(actor, "admin", "researcher")
    if study.personal_data_purged_at is not None:
        raise InvalidState(
            f"The personal data of study {study.name} was purged on {study.personal_data_purged_at:%Y-%m-%d}.",
            zh=f"调查项目 {study.name} 的个人信息已于 {study.personal_data_purged_at:%Y-%m-%d} 删除。",
        )
    due = purge_date(session, study)
    if due is None or due > now:
        if not early_reason or not early_reason.strip() or actor is None:
            when = f"on {due:%Y-%m-%d}" if due else "once the study is closed and its retention period ends"
            raise InvalidState(
                f"Study {study.name}'s personal data is kept until its retention period ends ({when}); "
                "an admin can purge earlier with a reason (--early REASON).",
                zh=f"调查项目 {study.name} 的个人信息在保存期限届满后删除；管理员可注明原因提前删除。",
            )
        require(actor, "admin")
    frames = session.scalars(select(Frame).where(Frame.study_id == study.id).order_by(Frame.id)).all()
    public = {}
    for frame in frames:
        if frame.public_sha256 is None:  # imported before public fingerprints existed: take it now
            data = frame_records(session, frame).drop(columns=["frame_record_pk"])
            frame.public_sha256 = frame_sha256(data)
        public[str(frame.id)] = frame.public_sha256
    frame_ids = [f.id for f in frames]
    records = _forget_people(session, frame_ids, study)
    session.execute(
        update(FrameIssue)
        .where(FrameIssue.frame_id.in_(frame_ids), FrameIssue.field.in_(PERSONAL_FIELDS))
        .values(value=None)
    )
    recordings = purge_audio(session, study.id, now)
    referred = purge_referrals(session, study.id)  # issue 14: the referred people's contact and words
    outbox_lines = purge_outbox(session, study)  # issue 14: invitations' numbers and links in the outbox
    study.personal_data_purged_at = now
    audit.record(
        session,
        actor.username if actor else "system",
        "personal_data.purged",
        study_id=study.id,
        entity="study",
        entity_id=study.id,
        records=records,
        recordings=recordings,
        referrals=referred,
        sms_outbox_lines=outbox_lines,
        retention_days=(study.settings or {}).get("retention_days"),
        due=due.isoformat(timespec="seconds") if due else None,
        early_reason=early_reason.strip() if early_reason and (due is None or due > now) else None,
        public_sha256=public,
        data_key_id=study.data_key_id,
    )
    return Purge(study.name, records, key_destroyed=False)


def _forget_people(session: Session, frame_ids: list[int], study: Study) -> int:
    """Null the ciphertexts; re-key person keys, and the do-not-call list's, under a key that is never
    stored (same partition, same matches: the sample still re-draws)."""
    from survey_app.services import do_not_call

    throwaway = secrets.token_bytes(fieldcrypto.KEY_BYTES)
    rows = session.execute(
        select(FrameRecord.id, FrameRecord.person_key).where(FrameRecord.frame_id.in_(frame_ids))
    ).all()
    ids = [r[0] for r in rows]
    keys = fieldcrypto.keyed_hashes("forgotten", [r[1] or "" for r in rows], throwaway)
    do_not_call.rekey(study, functools.partial(fieldcrypto.keyed_hashes, "forgotten", key=throwaway))
    del throwaway
    for start in range(0, len(rows), _CHUNK):
        session.execute(
            update(FrameRecord),
            [
                {"id": i, "name_sealed": None, "phone_sealed": None, "person_key": k if rows[n][1] else None}
                for n, (i, k) in enumerate(zip(ids, keys, strict=True))
                if start <= n < start + _CHUNK
            ],
        )
    return len(rows)


def destroy_key(study: Study) -> bool:
    """Overwrite and delete the purged study's data key (after the purge committed)."""
    if study.personal_data_purged_at is None or study.data_key_id is None:
        return False
    return fieldcrypto.destroy_data_key(study.data_key_id)


def purge(db: Database, actor: User | None, study_name: str, *, early_reason: str | None = None) -> Purge:
    """Purge one study and destroy its key: `huifang purge STUDY`."""
    from survey_app.services.studies import find_study

    with db.session() as session:
        study = find_study(session, study_name)
        result = purge_study(session, actor, study, early_reason=early_reason)
    return Purge(result.study, result.records, destroy_key(study))


def purge_due(db: Database, now: dt.datetime | None = None) -> list[Purge]:
    """The check on every start: purge each study whose retention period has ended, and destroy any key
    a purge left behind (a crash between the commit and the deletion)."""
    now = now or utcnow()
    done = []
    with db.session() as session:
        candidates = session.scalars(select(Study).where(Study.state == "closed")).all()
        due = []
        for study in candidates:
            ends = purge_date(session, study)
            if study.personal_data_purged_at is None and ends is not None and ends <= now:
                due.append(study.id)
        purged = session.scalars(select(Study).where(Study.personal_data_purged_at.is_not(None))).all()
        for study in purged:
            if study.data_key_id and fieldcrypto.has_data_key(study.data_key_id):
                destroy_key(study)
    for study_id in due:
        with db.session() as session:
            study = session.get(Study, study_id)
            result = purge_study(session, None, study, now=now)
        done.append(Purge(result.study, result.records, destroy_key(study)))
    return done


#: How often a running process re-checks retention for a database it keeps open (`purge_when_due`):
#: the app server checks at its first action on a database and then at least this often, so a study
#: whose period ends while the server runs is purged within the hour, not at the next restart.
PURGE_CHECK_INTERVAL = 3600.0  # seconds

# database URL → time.monotonic() when this process last started `purge_due` on it
_last_checked: dict[str, float] = {}
_checked_lock = threading.Lock()


def purge_when_due(
    db: Database, interval: float = PURGE_CHECK_INTERVAL, clock: Callable[[], float] = time.monotonic
) -> list[Purge] | None:
    """`purge_due` on `db` if this process has not run it there in the last `interval` seconds, else
    None (a dictionary look-up: callers may ask on every action). A check that fails is not counted,
    so the next call tries again."""
    now = clock()
    with _checked_lock:
        last = _last_checked.get(db.url)
        if last is not None and now - last < interval:
            return None
        _last_checked[db.url] = now  # other threads skip while this one checks
    try:
        return purge_due(db)
    except BaseException:
        with _checked_lock:
            if _last_checked.get(db.url) == now:
                del _last_checked[db.url]
        raise
