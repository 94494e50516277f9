"""The witness file: every report build appends the signed chain head to a file outside the database.

Why: the database's own head row can be rewound by whoever writes the database; a line in a file the
database cannot reach (`config.witness_file()`, best on another machine or an append-only share) cannot.
Each line is one JSON object: the anchor (entry id, hash, key fingerprint, signature, public key), the
study, the chain (hash of its first entry: one file serves every database on the server), the report's
SHA-256 and, when a timestamp authority is configured, its RFC 3161 token (base64). `huifang verify
STUDY --anchor FILE` checks every line of this database's chain.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session

from survey_app import config
from survey_app.security import timestamping
from survey_app.security.anchors import Anchor
from survey_app.services.errors import HuifangError


class WitnessError(HuifangError):
    """A witness file that cannot be read; the message names the file and line."""


_PENDING = "huifang_witness"  # session.info: anchors to append once the transaction has committed


@dataclass(frozen=True)
class WitnessLine:
    number: int
    chain: str  # the hash of the chain's first entry: which database the line belongs to
    anchor: Anchor


def after_commit(session: Session, anchor: Anchor, *, study: str, report_sha256: str, chain: str) -> None:
    """Append this anchor to the witness file when (and only if) the session's transaction commits, so
    the file never names an entry the database never held."""
    session.info.setdefault(_PENDING, []).append((anchor, study, report_sha256, chain))


@event.listens_for(Session, "after_commit")
def _append_pending(session: Session) -> None:
    for anchor, study, report_sha256, chain in session.info.pop(_PENDING, []):
        append(anchor, study=study, report_sha256=report_sha256, chain=chain)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


def append(anchor: Anchor, *, study: str, report_sha256: str, chain: str, path: Path | None = None) -> Path:
    """Append one line for this report build (O_APPEND, mode 0600); returns the file's path. `chain` is
    the hash of the chain's first entry, so one file can serve several databases."""
    path = path or config.witness_file()
    path.parent.mkdir(mode=config.PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    line = {
        "written_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "study": study,
        "chain": chain,
        "report_sha256": report_sha256,
        **anchor.as_dict(),
    }
    authority = timestamping.configured()
    if authority is not None:
        token = authority.timestamp(bytes.fromhex(anchor.hash))
        line["rfc3161"] = base64.b64encode(token).decode("ascii")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, config.PRIVATE_FILE_MODE)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")
    return path


def read(path: Path) -> list[WitnessLine]:
    """Every line of a witness file, oldest first."""
    anchors = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise WitnessError(f"Cannot read the witness file {path}: {exc.strerror}.") from exc
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            data = json.loads(text)
            anchor = Anchor(
                int(data["entry_id"]),
                str(data["hash"]),
                str(data.get("public_key", "")),
                str(data.get("signature", "")),
            )
            anchors.append(WitnessLine(number, str(data.get("chain", "")), anchor))
        except (ValueError, KeyError, TypeError) as exc:
            raise WitnessError(f"{path}, line {number}: not a witness line ({exc}).") from exc
    return anchors


def parse_head(text: str) -> Anchor:
    """An anchor given on the command line: `ID:HASH` (as printed by `huifang report`)."""
    entry, sep, digest = text.partition(":")
    if not sep or not entry.isdigit() or len(digest) != 64:
        raise WitnessError(
            f"--anchor {text!r} is neither a witness file nor ENTRY:HASH (e.g. 5237:9f3a…, 64 hex digits)."
        )
    return Anchor(int(entry), digest.lower())
