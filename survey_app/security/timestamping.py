"""Hook for an external RFC 3161 timestamp authority (TSA), off by default.

Why: a witness line proves an anchor existed when its file was copied somewhere; a TSA token proves it
to a third party with a date. Huifang makes no network calls itself: a deployment that wants tokens
names a factory in `HUIFANG_TIMESTAMP_AUTHORITY=package.module:factory`, which returns an object with
`timestamp(digest: bytes) -> bytes` (the DER TimeStampToken over the SHA-256 `digest`, e.g. obtained
with `openssl ts -query` and an HTTP POST). The token is stored with the witness line; check it with
`openssl ts -verify` and the TSA's certificate.
"""

from __future__ import annotations

import importlib
from typing import Protocol

from survey_app import config
from survey_app.services.errors import HuifangError


class TimestampAuthority(Protocol):
    def timestamp(self, digest: bytes) -> bytes:
        """An RFC 3161 TimeStampToken (DER) over the SHA-256 `digest`."""
        ...


def configured() -> TimestampAuthority | None:
    """The configured authority, or None (the default: no timestamps)."""
    spec = config.timestamp_authority()
    if spec is None:
        return None
    module_name, sep, factory = spec.partition(":")
    try:
        if not sep:
            raise ValueError("expected package.module:factory")
        return getattr(importlib.import_module(module_name), factory)()
    except (ImportError, AttributeError, ValueError) as exc:
        raise HuifangError(
            f"{config.ENV_TIMESTAMP_AUTHORITY}={spec!r} does not name a timestamp client ({exc})."
        ) from exc
