"""A report's bytes rebuilt in a process of its own, on the arithmetic the report was built with, where
this process computes differently (`verification.check_report`, after its own rebuild differed).

Why: `huifang` pins its arithmetic (`numeric_platform`), so two machines with AVX2 and FMA rebuild a
report alike. Two cases are left where this process cannot: a report that recorded other arithmetic
(built unpinned, or on a CPU without AVX2), and a report built before reports recorded theirs, on a
machine whose own kernel is not the pinned one — before the pin, `verify` on that very machine rebuilt
it byte for byte; pinned, it would cry tampering. A child process can compute as either did: with the
recorded arithmetic where this CPU can run it (`numeric_platform.environment_for`), or natively
(`numeric_platform.native_environment`). The child's bytes count only if it describes the arithmetic
asked for.

The child (`python -m survey_app.services.rebuild_elsewhere`) reads one JSON object on stdin — the
database URL, the study's id and the report's `report.built` details — and writes one on stdout: the
rebuilt PDF's SHA-256 and its arithmetic. It only reads the database, which the URL names as the parent
opened it (a password travels in the pipe, never on a command line). Threat model: the child runs as the
same user, on the same database, with the same code; it proves only that the published bytes follow
from the database on the arithmetic the signed record names.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from dataclasses import dataclass

from sqlalchemy.orm import Session

from survey_app import numeric_platform
from survey_app.storage.models import Study

#: Seconds a child may take (a rebuild of the demo's report takes ~10 s).
PATIENCE = 900.0


@dataclass(frozen=True)
class Elsewhere:
    """What a child rebuilt: the PDF's SHA-256, and how, in the words `verify` prints after it."""

    sha256: str
    how: str


def rebuilt_elsewhere(session: Session, study: Study, recorded: dict) -> Elsewhere | None:
    """The report of `recorded` rebuilt by a child on the arithmetic it was built with; None where no
    child can compute otherwise than this process (the record's arithmetic is this one's, or this CPU
    cannot run it; an unrecorded build where this machine's own arithmetic is the pinned one), where
    the database cannot be opened twice (in memory), or where the child failed."""
    here = numeric_platform.describe()
    if recorded.get("platform") is not None:
        wanted = recorded["platform"]
        if not numeric_platform.differences(wanted, here):
            return None
        env = numeric_platform.environment_for(wanted, here)
        how = "the arithmetic it recorded"
    else:
        if numeric_platform.DISPLACED not in os.environ or native_platform() in (None, here):
            return None  # nothing pinned here, or pinned to what this machine runs anyway
        wanted, env = native_platform(), numeric_platform.native_environment()
        how = "this machine's own arithmetic, unpinned, as reports were built before they recorded theirs"
    if env is None:
        return None
    url = session.get_bind().url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return None
    request = {"url": url.render_as_string(hide_password=False), "study": study.id, "recorded": recorded}
    answer = _child(["-m", __name__], env, json.dumps(request))
    if answer is None or numeric_platform.differences(wanted, answer.get("platform", {})):
        return None  # the child did not compute as asked: its bytes prove nothing
    return Elsewhere(answer["sha256"], f"{how} ({_said(wanted)})")


@functools.cache
def native_platform() -> dict[str, str] | None:
    """This machine's arithmetic unpinned, as a child describes it (once a process); None if it failed."""
    probe = "import json; from survey_app.numeric_platform import describe; print(json.dumps(describe()))"
    return _child(["-c", probe], numeric_platform.native_environment(), "")


def _said(platform: dict) -> str:
    return ", ".join(platform.get(part, "?") for part in ("blas", "libm", "simd"))


def _child(arguments: list[str], env: dict[str, str], stdin: str) -> dict | None:
    """The JSON object a Python child prints last, or None when it fails, is stuck or prints none."""
    try:
        done = subprocess.run(
            [sys.executable, *arguments],
            input=stdin,
            env=env,
            capture_output=True,
            text=True,
            timeout=PATIENCE,
        )
        lines = done.stdout.strip().splitlines()
        return json.loads(lines[-1]) if done.returncode == 0 and lines else None
    except (OSError, subprocess.SubprocessError, ValueError):
        return None


def main() -> None:
    """The child: rebuild the report the request on stdin names, and print its SHA-256."""
    request = json.load(sys.stdin)
    from survey_app.services import verification
    from survey_app.services.studies import find_study
    from survey_app.storage.db import open_database

    database = open_database(request["url"])
    try:
        with database.reading() as session:
            study = find_study(session, request["study"])
            sha256 = verification.rendered_sha256(
                verification.rebuilt_content(session, study, request["recorded"])
            )
    finally:
        database.dispose()
    print(json.dumps({"sha256": sha256, "platform": numeric_platform.describe()}))


if __name__ == "__main__":
    main()
