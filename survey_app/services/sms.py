"""SMS through a pluggable gateway: a file outbox by default, an HTTP adapter when configured.

Why a file outbox by default: a study's invitations carry working links, and a test run, a demo or a
researcher trying the command must never text real people by accident. Only an explicit
`HUIFANG_SMS_GATEWAY=http` (or the study setting `sms_gateway: http`) sends anything over the network.

Configuration (environment first, the study's settings for what is not secret):

| what | environment | study setting |
|---|---|---|
| gateway (`outbox` / `http`) | `HUIFANG_SMS_GATEWAY` | `sms_gateway` |
| gateway URL | `HUIFANG_SMS_URL` | `sms_url` |
| user and password (HTTP Basic) | `HUIFANG_SMS_USER`, `HUIFANG_SMS_PASSWORD` | — (never in the database) |
| sender name | `HUIFANG_SMS_SENDER` | `sms_sender` |
| outbox folder | `HUIFANG_SMS_OUTBOX` | — |

The HTTP adapter POSTs one JSON object per message, `{"to": number, "text": text, "sender": sender}`,
with `Authorization: Basic …` when a user is set; a 2xx answer is sent (its JSON `id`, if any, is the
reference), a 4xx answer is the gateway refusing this number (undeliverable), anything else or no answer
is a failure to retry later. The outbox appends the same object, tagged with the study it was sent for
(`"study"`), as one JSON line to `outbox.jsonl` in a folder of mode 0700 (the lines hold numbers and
links: personal data). The study's retention purge removes its lines (`remove_from_outbox`, an atomic
rewrite); writers and the rewrite take the same lock (`outbox.lock`), so no message is lost to a purge.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from survey_app import config
from survey_app.services.errors import InvalidState

GATEWAYS = ("outbox", "http")
OUTBOX_FILE = "outbox.jsonl"
OUTBOX_LOCK = "outbox.lock"
TIMEOUT_SECONDS = 15


@dataclass(frozen=True)
class SmsResult:
    """What the gateway said: `sent`, `rejected` (this number cannot be reached) or `failed`."""

    status: str
    reference: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class SmsConfig:
    gateway: str = "outbox"
    url: str | None = None
    username: str | None = None
    password: str | None = None
    sender: str = "Huifang"
    outbox_dir: Path | None = None


class Gateway(Protocol):
    name: str

    def send(self, to: str, text: str) -> SmsResult: ...


def outbox_dir() -> Path:
    """`HUIFANG_SMS_OUTBOX`, else `sms-outbox` beside the key folder (both private, mode 0700)."""
    explicit = os.environ.get("HUIFANG_SMS_OUTBOX")
    return Path(explicit).expanduser().resolve() if explicit else config.key_dir().parent / "sms-outbox"


def load_config(settings: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None) -> SmsConfig:
    """The gateway configuration from the environment and a study's settings; a bad one raises
    InvalidState naming the setting."""
    env = os.environ if env is None else env
    settings = settings or {}
    gateway = (env.get("HUIFANG_SMS_GATEWAY") or settings.get("sms_gateway") or "outbox").strip().lower()
    if gateway not in GATEWAYS:
        raise InvalidState(
            f"SMS gateway {gateway!r} (HUIFANG_SMS_GATEWAY or study setting sms_gateway) is not one of "
            f"{', '.join(GATEWAYS)}."
        )
    url = env.get("HUIFANG_SMS_URL") or settings.get("sms_url")
    if gateway == "http" and not (url and str(url).startswith(("http://", "https://"))):
        raise InvalidState(
            f"SMS gateway http needs HUIFANG_SMS_URL (or study setting sms_url) as an http(s) URL, not {url!r}."
        )
    return SmsConfig(
        gateway=gateway,
        url=url,
        username=env.get("HUIFANG_SMS_USER") or None,
        password=env.get("HUIFANG_SMS_PASSWORD") or None,
        sender=env.get("HUIFANG_SMS_SENDER") or settings.get("sms_sender") or "Huifang",
        outbox_dir=Path(env["HUIFANG_SMS_OUTBOX"]) if env.get("HUIFANG_SMS_OUTBOX") else None,
    )


@contextmanager
def _outbox_locked(folder: Path) -> Iterator[Path]:
    """Hold the outbox's lock (appends and the purge's rewrite never interleave); yields the file's path."""
    config.private_dir(folder)
    descriptor = os.open(folder / OUTBOX_LOCK, os.O_WRONLY | os.O_CREAT, config.PRIVATE_FILE_MODE)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield folder / OUTBOX_FILE
    finally:
        os.close(descriptor)  # releases the lock


class OutboxGateway:
    """Appends each message, tagged with its study, to a private JSON-lines file; sends nothing anywhere."""

    name = "outbox"

    def __init__(self, folder: Path | None = None, sender: str = "Huifang", study: str | None = None) -> None:
        self.folder = folder or outbox_dir()
        self.sender = sender
        self.study = study

    @property
    def path(self) -> Path:
        return self.folder / OUTBOX_FILE

    def send(self, to: str, text: str) -> SmsResult:
        message = {"to": to, "text": text, "sender": self.sender}
        if self.study is not None:
            message["study"] = self.study
        line = json.dumps(message, ensure_ascii=False)
        with _outbox_locked(self.folder) as path:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, config.PRIVATE_FILE_MODE)
            with os.fdopen(descriptor, "a", encoding="utf-8") as handle:
                handle.write(line + "\n")
        return SmsResult("sent", reference=f"outbox:{self.path.name}")


class HttpGateway:
    """POSTs each message as JSON to the configured URL (HTTP Basic auth when a user is set)."""

    name = "http"

    def __init__(self, settings: SmsConfig) -> None:
        if not settings.url:
            raise InvalidState("The HTTP SMS gateway needs a URL (HUIFANG_SMS_URL).")
        self.settings = settings

    def request(self, to: str, text: str) -> urllib.request.Request:
        """The request this adapter makes for one message (what a test server should receive)."""
        body = json.dumps({"to": to, "text": text, "sender": self.settings.sender}, ensure_ascii=False)
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if self.settings.username:
            pair = f"{self.settings.username}:{self.settings.password or ''}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
        return urllib.request.Request(
            self.settings.url, data=body.encode("utf-8"), headers=headers, method="POST"
        )

    def send(self, to: str, text: str) -> SmsResult:
        try:
            with urllib.request.urlopen(self.request(to, text), timeout=TIMEOUT_SECONDS) as response:
                answer = response.read()
        except urllib.error.HTTPError as exc:
            status = "rejected" if 400 <= exc.code < 500 else "failed"
            return SmsResult(status, error=f"HTTP {exc.code} from the SMS gateway")
        except (urllib.error.URLError, OSError) as exc:
            return SmsResult("failed", error=f"the SMS gateway did not answer: {exc}")
        return SmsResult("sent", reference=_reference(answer))


def _reference(answer: bytes) -> str | None:
    try:
        parsed = json.loads(answer or b"null")
    except ValueError:
        return None
    reference = parsed.get("id") if isinstance(parsed, dict) else None
    return str(reference)[:128] if reference is not None else None


def gateway(settings: SmsConfig, study: str | None = None) -> Gateway:
    """The gateway the configuration names (the outbox unless `http` is asked for); the outbox tags each
    line with `study`."""
    if settings.gateway == "http":
        return HttpGateway(settings)
    return OutboxGateway(settings.outbox_dir, settings.sender, study)


def read_outbox(folder: Path | None = None) -> list[dict[str, str]]:
    """The messages in the outbox, oldest first (empty when nothing was written)."""
    path = (folder or outbox_dir()) / OUTBOX_FILE
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def remove_from_outbox(belongs: Callable[[dict[str, Any]], bool], folder: Path | None = None) -> int:
    """Remove the outbox lines `belongs` picks (a study's, at its retention purge) by an atomic rewrite:
    a reader sees the old file or the new one, never half of either. Returns how many lines went."""
    folder = folder or outbox_dir()
    if not (folder / OUTBOX_FILE).exists():
        return 0
    with _outbox_locked(folder) as path:
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        kept = [line for line in lines if not (line.strip() and belongs(json.loads(line)))]
        removed = len(lines) - len(kept)
        if removed:
            descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=".outbox-", suffix=".tmp")
            try:
                with os.fdopen(descriptor, "w", encoding="utf-8") as handle:  # mkstemp: mode 0600
                    handle.writelines(kept)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(temporary, path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
    return removed
