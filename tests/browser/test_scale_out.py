"""Two app servers on one database behind nginx (`huifang serve`): surveyors signed in through both
servers each get a case of their own, and the proxy keeps every browser on its server."""

from __future__ import annotations

import shutil
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select

from survey_app.serve import HEALTH_PATH, NODE_COOKIE, UPSTREAM_HEADER, Cluster, environment, free_ports
from survey_app.services import auth
from survey_app.storage.models import Case, User
from tests.app.builders import build_fieldwork_study, password
from tests.browser import day
from tests.browser.helpers import log_in, next_case, settle

pytestmark = [
    pytest.mark.browser,
    pytest.mark.db,
    pytest.mark.skipif(
        shutil.which("nginx", path="/usr/sbin:/usr/bin") is None, reason="nginx is not installed"
    ),
]
TIMEOUT_MS = day.TIMEOUT_MS  # one patience for every browser test: CI runs two passes on 2 cores
SURVEYORS = ("surveyor", "surveyor-b", "surveyor-c", "surveyor-d")


def _upstream(url: str, node: str) -> str:
    """Which app server the proxy sends a browser carrying this sticky cookie to."""
    request = urllib.request.Request(f"{url}{HEALTH_PATH}", headers={"Cookie": f"{NODE_COOKIE}={node}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.headers[UPSTREAM_HEADER]


def _nodes_per_server(url: str, backends: list[int], per_server: int) -> list[str]:
    """Sticky cookie values that put `per_server` browsers on each server, found by asking the proxy."""
    wanted = {f"127.0.0.1:{port}": per_server for port in backends}
    chosen: list[str] = []
    for candidate in range(1000):
        node = f"browser-{candidate}"
        server = _upstream(url, node)
        if wanted.get(server, 0) > 0:
            wanted[server] -= 1
            chosen.append(node)
        if not any(wanted.values()):
            return chosen
    raise AssertionError(f"the proxy never spread 1000 browsers over {backends}")


def test_surveyors_on_two_servers_never_hold_the_same_case(db, database_url, tmp_path: Path, browser):
    build_fieldwork_study(db, tmp_path)
    with db.session() as session:
        for number, name in enumerate(SURVEYORS[1:], start=2):
            auth.create_user(session, None, name, password(name), "surveyor", surveyor_no=f"10{number}")

    with Cluster(2, free_ports(1)[0], tmp_path / "serve", environment(database_url)) as cluster:
        nodes = _nodes_per_server(cluster.url, cluster.backends, per_server=2)
        served: dict[str, set[str]] = {}
        for name, node in zip(SURVEYORS, nodes, strict=True):
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.add_cookies([{"name": NODE_COOKIE, "value": node, "url": cluster.url}])
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            response = page.goto(cluster.url)
            served.setdefault(response.headers[UPSTREAM_HEADER.lower()], set()).add(name)
            settle(page)
            log_in(page, name)
            next_case(page)
            assert page.locator('[data-testid="stException"]').count() == 0

    assert sorted(len(names) for names in served.values()) == [2, 2]
    with db.session() as session:
        held = session.execute(
            select(User.username, Case.id)
            .join(Case, Case.held_by == User.id)
            .where(Case.held_by.is_not(None))
        ).all()
    assert sorted(name for name, _ in held) == sorted(SURVEYORS)
    assert len({case_id for _, case_id in held}) == len(SURVEYORS)
