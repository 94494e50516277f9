"""Ed25519 keys that sign the audit chain, kept in a private folder outside the database.

Why: an unkeyed hash chain only proves that the database agrees with itself; whoever can write the
database can recompute every hash. A signature made with a key the database never holds cannot be
recomputed that way. The folder (`config.key_dir()`, mode 0700) holds:

- `signing-<fingerprint[:16]>.key`: the active private key (PKCS#8 PEM, mode 0600);
- `keyring.json`: every public key ever used here (hex), with its creation and retirement time, and
  which one is active. Rotation retires the old key and deletes its private half, but keeps its public
  half, so entries signed before the rotation still verify; the retiring key signs the new public key
  (an endorsement), which the first entry signed by the new key in each database records
  (`key.rotated`), so that an auditor who trusts either key (e.g. from an older PDF) trusts both.

A key's fingerprint is the SHA-256 of its 32 raw public-key bytes, in hex.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from survey_app import config
from survey_app.services.errors import HuifangError

KEYRING = "keyring.json"
DOMAIN = b"huifang-audit-v1\n"
ROTATION_DOMAIN = b"huifang-key-rotation-v1\n"


class KeyFolderError(HuifangError):
    """A key folder that is missing, unsafe or inconsistent; the message says what to do."""


def fingerprint(public_key: Ed25519PublicKey) -> str:
    return hashlib.sha256(public_bytes(public_key)).hexdigest()


def public_bytes(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_from_hex(value: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(bytes.fromhex(value))


def rotation_message(new_public_hex: str) -> bytes:
    """What the retiring key signs at a rotation: the new key's raw public bytes."""
    return ROTATION_DOMAIN + bytes.fromhex(new_public_hex)


def verify_rotation(previous_public_hex: str, new_public_hex: str, endorsement_hex: str) -> bool:
    """The previous key endorsed the new one."""
    try:
        key = public_key_from_hex(previous_public_hex)
        key.verify(bytes.fromhex(endorsement_hex), rotation_message(new_public_hex))
    except (InvalidSignature, ValueError):
        return False
    return True


def entry_message(entry_id: int, entry_hash: str) -> bytes:
    """What is signed for one audit entry: its position and its chain hash (which covers all before it)."""
    return DOMAIN + f"{entry_id}\n{entry_hash}".encode("ascii")


def verify_entry(public_key: Ed25519PublicKey, entry_id: int, entry_hash: str, signature_hex: str) -> bool:
    try:
        public_key.verify(bytes.fromhex(signature_hex), entry_message(entry_id, entry_hash))
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass(frozen=True)
class KeyInfo:
    fingerprint: str
    public_key: str  # hex of the 32 raw bytes
    created: str
    retired: str | None = None
    #: after a rotation: the previous key's public key (hex) and its signature over this key
    #: (`rotation_message`), so that trust in either key extends to the other
    previous_public_key: str | None = None
    endorsement: str | None = None


@dataclass(frozen=True)
class Signer:
    """The active private key; `sign_entry` gives the hex signature of one audit entry."""

    key: Ed25519PrivateKey
    fingerprint: str
    previous_public_key: str | None = None
    endorsement: str | None = None

    def sign_entry(self, entry_id: int, entry_hash: str) -> str:
        return self.key.sign(entry_message(entry_id, entry_hash)).hex()

    @property
    def public_key_hex(self) -> str:
        return public_bytes(self.key.public_key()).hex()


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _folder(folder: Path | None) -> Path:
    return folder if folder is not None else config.key_dir()


def read_keyring(folder: Path | None = None) -> tuple[str | None, list[KeyInfo]]:
    """(active fingerprint, every key ever used) from `keyring.json`; (None, []) when there is none."""
    path = _folder(folder) / KEYRING
    if not path.exists():
        return None, []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data.get("active"), [KeyInfo(**k) for k in data["keys"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise KeyFolderError(f"{path} is not a Huifang keyring ({exc}); restore it from a backup.") from exc


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, config.PRIVATE_FILE_MODE)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    path.chmod(config.PRIVATE_FILE_MODE)


def _write_keyring(folder: Path, active: str | None, keys: list[KeyInfo]) -> None:
    body = {"active": active, "keys": [k.__dict__ for k in keys]}
    tmp = folder / (KEYRING + ".tmp")
    _write_private(tmp, json.dumps(body, indent=2).encode("utf-8"))
    tmp.replace(folder / KEYRING)


def _private_path(folder: Path, fp: str) -> Path:
    return folder / f"signing-{fp[:16]}.key"


def _new_key(folder: Path) -> KeyInfo:
    key = Ed25519PrivateKey.generate()
    fp = fingerprint(key.public_key())
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    _write_private(_private_path(folder, fp), pem)
    return KeyInfo(fp, public_bytes(key.public_key()).hex(), _now())


def init_key(folder: Path | None = None) -> KeyInfo:
    """Create the first signing key; refuses when one exists (rotate instead, so nothing is lost)."""
    folder = config.private_dir(_folder(folder))
    active, keys = read_keyring(folder)
    if keys:
        raise KeyFolderError(
            f"{folder} already holds signing key {active[:16] if active else keys[-1].fingerprint[:16]}…; "
            "use `huifang keys rotate` to replace it (old public keys are kept)."
        )
    info = _new_key(folder)
    _write_keyring(folder, info.fingerprint, [info])
    _cache.clear()
    return info


def ensure_key(folder: Path | None = None) -> KeyInfo:
    """The active key, created first if the folder has none (the demo's convenience)."""
    active, keys = read_keyring(folder)
    if active:
        return next(k for k in keys if k.fingerprint == active)
    return init_key(folder)


def rotate_key(folder: Path | None = None) -> tuple[KeyInfo, KeyInfo | None]:
    """A new active key; the old one is retired (its private half deleted, its public half kept)."""
    folder = config.private_dir(_folder(folder))
    active, keys = read_keyring(folder)
    info = _new_key(folder)
    previous = next((k for k in keys if k.fingerprint == active), None)
    old_path = _private_path(folder, active) if active else None
    if previous is not None and old_path is not None and old_path.exists():
        old_key = serialization.load_pem_private_key(old_path.read_bytes(), password=None)
        endorsement = old_key.sign(rotation_message(info.public_key)).hex()
        info = KeyInfo(
            info.fingerprint, info.public_key, info.created, None, previous.public_key, endorsement
        )
    now = info.created
    retired = None
    updated = []
    for key in keys:
        if key.fingerprint == active:
            retired = KeyInfo(key.fingerprint, key.public_key, key.created, now)
            key = retired
            _private_path(folder, active).unlink(missing_ok=True)
        updated.append(key)
    _write_keyring(folder, info.fingerprint, [*updated, info])
    _cache.clear()
    return info, retired


def _check_private_mode(path: Path) -> None:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise KeyFolderError(
            f"{path} can be read by other users (mode {mode:o}); run `chmod 600 {path}` before Huifang uses it."
        )


_cache: dict[tuple[str, int], Signer] = {}


def active_signer(folder: Path | None = None) -> Signer | None:
    """The active private key, or None when no key was created (entries are then left unsigned, and
    `huifang verify` says so). Cached per keyring version: this runs on every audit append."""
    folder = _folder(folder)
    ring = folder / KEYRING
    try:
        version = ring.stat().st_mtime_ns
    except FileNotFoundError:
        return None
    cached = _cache.get((str(folder), version))
    if cached is not None:
        return cached
    active, _ = read_keyring(folder)
    if not active:
        return None
    path = _private_path(folder, active)
    if not path.exists():
        raise KeyFolderError(
            f"The active signing key {path} is missing; restore it or run `huifang keys rotate`."
        )
    _check_private_mode(path)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey) or fingerprint(key.public_key()) != active:
        raise KeyFolderError(f"{path} is not the Ed25519 key {active[:16]}… the keyring names as active.")
    _, keys = read_keyring(folder)
    info = next(k for k in keys if k.fingerprint == active)
    signer = Signer(key, active, info.previous_public_key, info.endorsement)
    _cache.clear()
    _cache[(str(folder), version)] = signer
    return signer


def trusted_keys(folder: Path | None = None) -> dict[str, Ed25519PublicKey]:
    """Every public key of the local keyring (active and retired), by fingerprint."""
    _, keys = read_keyring(folder)
    return {k.fingerprint: public_key_from_hex(k.public_key) for k in keys}


def public_key_hex(fp: str, folder: Path | None = None) -> str:
    """The public key (hex) with this fingerprint from the local keyring, or "" if unknown here."""
    _, keys = read_keyring(folder)
    return next((k.public_key for k in keys if k.fingerprint == fp), "")
