"""Personal data at rest: AES-GCM field by field, keyed hashes for matching, keys outside the database.

Names and phone numbers are stored only as ciphertext. Each value is sealed with AES-256-GCM under its
study's data key, with associated data naming table, column and row (`frame_records|phone|<frame
id>|<record id>`), so a ciphertext copied to another row, column or frame fails to open instead of
showing the wrong person. Stored form: version byte, 12-byte random nonce, ciphertext and tag.

Matching never decrypts: a keyed hash (HMAC-SHA256 under the deployment's match key) of the normalised
number finds the same person across rows (the person sample), on the do-not-call list and among recent
contacts; the same key pseudonymises record ids in exports and the names typed at a failed login.

Keys live in the key folder (`survey_app.config.key_dir()`, mode 0700), never in the database:
`match.key` for the keyed hashes and `data/<key id>.key`, one per study, for the ciphertexts; files are
mode 0600 and made on first use. Purging a study destroys its data key, so even old database backups
can no longer be read (crypto-shredding); see `survey_app/services/retention.py`.
"""

from __future__ import annotations

import contextlib
import hmac
import os
import secrets
from collections.abc import Iterable, Sequence
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from survey_app import config

VERSION = b"\x01"
NONCE_BYTES = 12
KEY_BYTES = 32
MATCH_KEY_FILE = "match.key"
DATA_KEY_FOLDER = "data"


class KeyUnavailable(RuntimeError):
    """A key file is missing (destroyed by a purge, or the key folder is not this server's)."""


class TamperedCiphertext(RuntimeError):
    """A stored ciphertext does not open under its key and its row's associated data."""


# ---------------------------------------------------------------- key files


def _write_private(path: Path, data: bytes) -> None:
    """Create `path` with mode 0600, atomically: a concurrent reader sees the whole key or no file.

    FileExistsError when another process made it first (the caller then uses theirs).
    """
    config.private_dir(path.parent)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, config.PRIVATE_FILE_MODE)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(temporary, path)
    finally:
        temporary.unlink()


def _read_or_create(path: Path, create: bool) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        if not create:
            raise KeyUnavailable(f"the key file {path} does not exist (destroyed by a purge?)") from None
        with contextlib.suppress(FileExistsError):  # another process made it first: use theirs
            _write_private(path, secrets.token_bytes(KEY_BYTES))
        data = path.read_bytes()
    if len(data) != KEY_BYTES:
        raise KeyUnavailable(f"the key file {path} is damaged ({len(data)} bytes, not {KEY_BYTES})")
    return data


def match_key() -> bytes:
    """The deployment's HMAC key for matching and pseudonyms (made on first use)."""
    return _read_or_create(config.key_dir() / MATCH_KEY_FILE, create=True)


def new_key_id() -> str:
    """A fresh, random name for a study's data key (stored in the database; the key itself is not)."""
    return secrets.token_hex(16)


def _data_key_path(key_id: str) -> Path:
    if not key_id or not all(ch in "0123456789abcdef" for ch in key_id):
        raise KeyUnavailable(f"{key_id!r} is not a data key id")
    return config.key_dir() / DATA_KEY_FOLDER / f"{key_id}.key"


def data_key(key_id: str, *, create: bool = False) -> bytes:
    """A study's AES-256 data key; `create` makes it when it does not exist yet."""
    return _read_or_create(_data_key_path(key_id), create=create)


def has_data_key(key_id: str) -> bool:
    return _data_key_path(key_id).exists()


def destroy_data_key(key_id: str) -> bool:
    """Overwrite and delete a study's data key; True if there was one. Nothing encrypted under it
    can be read again, in this database or in any backup of it."""
    path = _data_key_path(key_id)
    if not path.exists():
        return False
    with path.open("r+b") as handle:
        handle.write(secrets.token_bytes(KEY_BYTES))
        handle.flush()
        os.fsync(handle.fileno())
    path.unlink()
    return True


# ---------------------------------------------------------------- sealing


def associated_data(table: str, column: str, row: str) -> bytes:
    """What a ciphertext is bound to: its table, column and row."""
    return f"{table}|{column}|{row}".encode()


class FieldCipher:
    """AES-256-GCM for one study's personal fields, sealing many values per call."""

    def __init__(self, key: bytes, table: str) -> None:
        self._aead = AESGCM(key)
        self._table = table

    def seal_many(self, column: str, values: Sequence[str | None], rows: Sequence[str]) -> list[bytes | None]:
        """Ciphertexts of `values` (None stays None), each bound to its row key in `rows`."""
        nonces = os.urandom(NONCE_BYTES * len(values))
        seal = self._aead.encrypt
        prefix = f"{self._table}|{column}|".encode()
        out: list[bytes | None] = []
        append = out.append
        for i, (value, row) in enumerate(zip(values, rows, strict=True)):
            if value is None:
                append(None)
                continue
            nonce = nonces[i * NONCE_BYTES : (i + 1) * NONCE_BYTES]
            append(VERSION + nonce + seal(nonce, value.encode("utf-8"), prefix + row.encode()))
        return out

    def seal(self, column: str, value: str | None, row: str) -> bytes | None:
        return self.seal_many(column, [value], [row])[0]

    def open(self, column: str, sealed: bytes | None, row: str) -> str | None:
        """The plaintext of one stored value; TamperedCiphertext if it was altered or moved."""
        if sealed is None:
            return None
        return self.open_bytes(column, sealed, row).decode("utf-8")

    def open_many(self, column: str, sealed: Sequence[bytes | None], rows: Sequence[str]) -> list[str | None]:
        return [self.open(column, s, r) for s, r in zip(sealed, rows, strict=True)]

    def seal_bytes(self, column: str, data: bytes, row: str) -> bytes:
        """`seal` for binary content (a call recording): the same stored form and associated data."""
        nonce = os.urandom(NONCE_BYTES)
        return VERSION + nonce + self._aead.encrypt(nonce, data, associated_data(self._table, column, row))

    def open_bytes(self, column: str, sealed: bytes, row: str) -> bytes:
        """The binary content of `seal_bytes`; TamperedCiphertext if it was altered or moved."""
        sealed = bytes(sealed)
        if sealed[:1] != VERSION or len(sealed) < 1 + NONCE_BYTES + 16:
            raise TamperedCiphertext(f"{self._table}.{column} of row {row}: not a Huifang ciphertext")
        nonce, body = sealed[1 : 1 + NONCE_BYTES], sealed[1 + NONCE_BYTES :]
        try:
            return self._aead.decrypt(nonce, body, associated_data(self._table, column, row))
        except Exception as exc:  # cryptography raises InvalidTag
            raise TamperedCiphertext(
                f"{self._table}.{column} of row {row} does not open under its key: it was altered, "
                "or copied from another row"
            ) from exc


# ---------------------------------------------------------------- keyed hashes


def keyed_hashes(purpose: str, values: Iterable[str], key: bytes | None = None) -> list[str]:
    """HMAC-SHA256 hex of every value under the match key, domain-separated by `purpose`."""
    key = match_key() if key is None else key
    prefix = purpose.encode() + b"\x00"
    digest = hmac.digest
    return [digest(key, prefix + value.encode("utf-8"), "sha256").hex() for value in values]


def keyed_hash(purpose: str, value: str, key: bytes | None = None) -> str:
    return keyed_hashes(purpose, [value], key)[0]


def person_keys(phones: Iterable[str]) -> list[str]:
    """The matching key of each normalised phone number: equal numbers, equal keys."""
    return keyed_hashes("phone", phones)


def pseudonym(study_id: int, record_id: str, key: bytes | None = None) -> str:
    """A study-specific pseudonym for a record id: stable within a study, unlinkable across studies
    and back to the rating system without the match key."""
    return keyed_hash(f"pseudonym:{study_id}", record_id, key)[:20]
