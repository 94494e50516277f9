"""The checks of `huifang verify` that consult something outside the database.

Why: every other check compares the database with itself, which a consistent rewrite passes. These
compare it with what the database cannot change: the signing key's fingerprint (the local keyring, the
published PDF, a witness file), the published PDF and its printed chain head, and anchors in a witness
file. They also replay the `state.changed` entries, so that cases, users and study settings changed
behind Huifang's back are named.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.security import signing, state_log
from survey_app.security.anchors import Anchor, PublishedReport, check_anchor
from survey_app.security.audit import canonical_json, verify_signatures
from survey_app.storage.models import AuditEntry, Study


@dataclass(frozen=True)
class Published:
    """What an auditor brings from outside the database: the published PDF and/or anchors."""

    pdf: PublishedReport | None = None
    #: (where it came from, anchor, chain): chain is the hash of the first entry of the chain a witness
    #: line belongs to, None for an anchor given as ENTRY:HASH (always checked)
    anchors: Sequence[tuple[str, Anchor, str | None]] = field(default=())

    def fingerprints(self) -> set[str]:
        """Fingerprints vouched for by a published, self-consistent anchor."""
        found = [a for _, a, _ in self.anchors]
        if self.pdf is not None and self.pdf.anchor is not None:
            found.append(self.pdf.anchor)
        return {a.fingerprint for a in found if a.signed and a.self_consistent()}


def published_pdf(data: bytes, name: str) -> Published:
    """What an auditor uploads in the app: the published report PDF (raises PublishedPdfError, whose
    message names the file, when it is not a PDF)."""
    from pathlib import Path

    from survey_app.security.anchors import published_from_bytes

    return Published(pdf=published_from_bytes(data, Path(name)))


def trusted_fingerprints(published: Published) -> tuple[set[str], str]:
    """The fingerprints signatures are checked against, and a phrase saying where they came from."""
    local = set(signing.trusted_keys())  # a damaged keyring is this check's verdict, not ignored
    outside = published.fingerprints()
    sources = []
    if local:
        sources.append("the local keyring")
    if outside:
        sources.append("the published PDF/anchors")
    return local | outside, " and ".join(sources) or "nowhere"


def check_signatures(session: Session, published: Published) -> tuple[bool, str]:
    trusted, source = trusted_fingerprints(published)
    result = verify_signatures(session, trusted)
    detail = result.describe()
    return result.ok, f"{detail} (keys trusted from {source})" if result.ok else detail


def _describe_change(kind: str, entity_id: str, recorded: list | None, current: list | None) -> str:
    noun = {"cases": "case", "users": "user", "studies": "study"}[kind]
    if recorded is None and current is not None:
        return f"{noun} {entity_id} is in the database but its creation was never recorded"
    if current is None:
        return f"{noun} {entity_id} was recorded but is missing from the database (deleted)"
    columns = state_log.TRACKED[kind][1]
    changes = [
        f"{name} {json.dumps(old, ensure_ascii=False)} → {json.dumps(new, ensure_ascii=False)}"
        for name, old, new in zip(columns, recorded, current, strict=True)
        if canonical_json(old) != canonical_json(new)
    ]
    return f"{noun} {entity_id}: {', '.join(changes)} (recorded → in the database)"


def check_recorded_state(session: Session, study: Study) -> tuple[bool, str]:
    """The study, its cases and every user hold exactly the values the audit log last recorded."""
    recorded = state_log.recorded_state(session)
    problems: list[str] = []
    counts = {}
    for kind, scope in (("studies", study.id), ("cases", study.id), ("users", None)):
        current = state_log.current_state(session, kind, scope)
        counts[kind] = len(current)
        mine = recorded[kind]
        if kind == "cases":
            mine = {k: v for k, v in mine.items() if v is None or v[0] == study.id or k in current}
        elif kind == "studies":
            mine = {k: v for k, v in mine.items() if k == str(study.id)}
        for entity_id in sorted(set(current) | set(mine), key=int):
            old, new = mine.get(entity_id), current.get(entity_id)
            if old is None and new is None:
                continue
            if old is None or new is None or canonical_json(old) != canonical_json(new):
                problems.append(_describe_change(kind, entity_id, old, new))
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        return False, "changed outside Huifang: " + "; ".join(problems[:3]) + more
    return True, (
        f"the study, its {counts['cases']} cases (state, final disposition, weights) and "
        f"{counts['users']} users (role, active) are as the audit log last recorded them"
    )


def check_published_pdf(session: Session, study: Study, pdf: PublishedReport) -> tuple[bool, str]:
    """The published PDF was recorded as built for this study, and the chain head it printed is intact."""
    name = pdf.path.name
    if pdf.anchor is None:
        return False, f"{name} carries no signed chain head: it is not a Huifang report, or it was altered"
    ok, detail = check_anchor(session, pdf.anchor, name)
    if not ok:
        return False, detail
    if not pdf.anchor.signed:
        return False, f"{name}: the chain head it printed (entry {pdf.anchor.entry_id}) was not signed"
    built = session.execute(
        select(AuditEntry.id, AuditEntry.actor, AuditEntry.details).where(
            AuditEntry.study_id == study.id, AuditEntry.action == "report.built"
        )
    ).all()
    match = next((row for row in built if json.loads(row.details).get("sha256") == pdf.sha256), None)
    if match is None:
        return False, (
            f"{name} (SHA-256 {pdf.sha256[:16]}…) was never recorded as built for study {study.name}: "
            "the PDF was altered, or the database's record of it was rewritten"
        )
    return True, (
        f"{name} was built at entry {match.id} by {match.actor}; the chain head it printed "
        f"(entry {pdf.anchor.entry_id}, key {pdf.anchor.fingerprint[:16]}…) is in the database unchanged"
    )


def check_anchors(session: Session, published: Published) -> tuple[bool, str]:
    """Every published anchor of this database's chain (witness lines naming its first entry, and every
    ENTRY:HASH given) is still in the chain. A witness file with no line of this chain is a failure:
    either the wrong file, or the chain was rewritten from its very first entry."""
    first = session.scalar(select(AuditEntry.hash).where(AuditEntry.id == 1)) or ""
    mine = [(source, anchor) for source, anchor, chain in published.anchors if chain in (None, first)]
    others = len(published.anchors) - len(mine)
    if not mine:
        return False, (
            f"none of the {others} witness lines belongs to this database's chain (first entry "
            f"{first[:16]}…): the wrong witness file, or the chain was rewritten from its first entry"
        )
    for source, anchor in mine:
        ok, detail = check_anchor(session, anchor, source)
        if not ok:
            return False, detail
    last = max(a.entry_id for _, a in mine)
    skipped = f"; {others} lines of other databases skipped" if others else ""
    return True, f"{len(mine)} published anchors are in the chain (the newest at entry {last}{skipped})"
