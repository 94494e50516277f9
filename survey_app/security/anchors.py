"""Anchors: a signed chain position published outside the database (in a report PDF, a witness file).

Why: signatures stop someone who can only write the database from forging entries, but not from
cutting the chain's tail off, and not a server administrator who holds the key. An anchor — entry id,
its chain hash, the signature and the signing key — published before the attack pins the chain: the
database must still hold exactly that entry, so any rewrite of it or of anything before it, and any
truncation below it, is caught.

Every report prints the anchor of the newest entry at its time (`attestations`) and carries the same
values machine-readably in the PDF's keywords; `published_anchor` reads them back from a PDF file.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.security import signing
from survey_app.storage.models import AuditEntry

# field → (zh label, en label), printed in the report's verification appendix and its keywords
LABELS = {
    "head": ("已签名的哈希链末端", "Signed chain head"),
    "signature": ("链末端签名（Ed25519）", "Chain head signature (Ed25519)"),
    "fingerprint": ("签名密钥指纹", "Signing key fingerprint"),
    "public_key": ("签名公钥", "Signing public key"),
}
UNSIGNED = {"zh": "未签名（没有签名密钥）", "en": "unsigned (no signing key)"}
_HEAD = re.compile(r"#(\d+) ([0-9a-f]{64})")


@dataclass(frozen=True)
class Anchor:
    """One chain position: entry id and hash, and (when signed) the signature and the public key (hex)."""

    entry_id: int
    hash: str
    public_key: str = ""
    signature: str = ""

    @property
    def signed(self) -> bool:
        return bool(self.public_key and self.signature)

    @property
    def fingerprint(self) -> str:
        key = self.key()
        return signing.fingerprint(key) if key is not None else ""

    def key(self) -> signing.Ed25519PublicKey | None:
        try:
            return signing.public_key_from_hex(self.public_key) if self.public_key else None
        except ValueError:
            return None

    def self_consistent(self) -> bool:
        """The signature verifies under the anchor's own public key (true of every genuine anchor)."""
        key = self.key()
        return key is not None and signing.verify_entry(key, self.entry_id, self.hash, self.signature)

    def as_dict(self) -> dict:
        return {**asdict(self), "fingerprint": self.fingerprint}


def anchor_of(entry: AuditEntry | None) -> Anchor | None:
    if entry is None:
        return None
    return Anchor(entry.id, entry.hash, entry.key_id or "", entry.signature or "")


def attestations(anchor: Anchor | None, lang: str) -> tuple[tuple[str, str], ...]:
    """(label, value) lines for the report's verification appendix."""
    if anchor is None:
        return ()
    index = 0 if lang == "zh" else 1
    head = (LABELS["head"][index], f"#{anchor.entry_id} {anchor.hash}")
    if not anchor.signed:
        return (head, (LABELS["signature"][index], UNSIGNED[lang]))
    return (
        head,
        (LABELS["signature"][index], anchor.signature),
        (LABELS["fingerprint"][index], anchor.fingerprint),
        (LABELS["public_key"][index], anchor.public_key),
    )


class PublishedPdfError(ValueError):
    """The file is not a Huifang report, or carries no anchor; the message names the file."""


@dataclass(frozen=True)
class PublishedReport:
    path: Path
    sha256: str
    anchor: Anchor | None


def published_anchor(path: Path) -> PublishedReport:
    """The PDF's SHA-256 and the anchor it printed (read from its keywords)."""
    return published_from_bytes(Path(path).read_bytes(), Path(path))


def published_from_bytes(data: bytes, path: Path) -> PublishedReport:
    """As `published_anchor`, for a PDF already in memory (an upload); `path` names it in messages."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    digest = hashlib.sha256(data).hexdigest()
    try:
        metadata = PdfReader(io.BytesIO(data)).metadata or {}
    except (PdfReadError, ValueError, OSError) as exc:
        raise PublishedPdfError(f"{path} cannot be read as a PDF ({exc}).") from exc
    keywords = str(metadata.get("/Keywords", ""))
    labels = {label: field for field, pair in LABELS.items() for label in pair}
    values: dict[str, str] = {}
    for word in keywords.split("; "):
        label, sep, value = word.partition("=")
        if sep and label in labels:
            values[labels[label]] = value.strip()
    head = _HEAD.fullmatch(values.get("head", ""))
    if head is None:
        return PublishedReport(Path(path), digest, None)
    signature = values.get("signature", "")
    signature = signature if re.fullmatch(r"[0-9a-f]{128}", signature) else ""
    return PublishedReport(
        Path(path),
        digest,
        Anchor(
            int(head.group(1)),
            head.group(2),
            values.get("public_key", "") if signature else "",
            signature,
        ),
    )


def check_anchor(session: Session, anchor: Anchor, source: str) -> tuple[bool, str]:
    """The database still holds this exact entry; the anchor's own signature is genuine."""
    if anchor.signed and not anchor.self_consistent():
        return False, f"{source}: the anchor's signature does not verify under its own key (forged anchor)"
    row = session.execute(
        select(AuditEntry.hash, AuditEntry.key_id, AuditEntry.signature).where(
            AuditEntry.id == anchor.entry_id
        )
    ).one_or_none()
    if row is None:
        last = session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1)) or 0
        return False, (
            f"{source}: entry {anchor.entry_id} was published, but the database's chain "
            f"{'ends at entry ' + str(last) if last < anchor.entry_id else 'lacks it'}: entries were deleted"
        )
    if row.hash != anchor.hash:
        return False, (
            f"{source}: entry {anchor.entry_id} was published with hash {anchor.hash[:16]}…, the database "
            f"holds {row.hash[:16]}…: the chain up to that entry was rewritten"
        )
    return True, f"{source}: entry {anchor.entry_id} and every entry before it are as published"
