"""The client address through the real stack: Streamlit on uvicorn, served directly and behind the nginx
`huifang serve` writes. Each visit is a websocket session opened from its own loopback address
(127.0.0.2, 127.0.0.3: Linux routes all of 127/8 to the host), whose page records `state.client()`.

Why not only the pure function: uvicorn under Streamlit rewrites the peer from X-Forwarded-For on its
own (for loopback peers unless told otherwise) and Streamlit hides a loopback peer's address, so what
the app finally sees has to be observed, not assumed.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from survey_app.serve import HEALTH_PATH, environment, free_ports, nginx_config, wait_healthy

pytestmark = pytest.mark.skipif(
    shutil.which("nginx", path="/usr/sbin:/usr/bin") is None, reason="nginx is not installed"
)
PROBE = Path(__file__).with_name("client_probe.py")


@pytest.fixture
def served(tmp_path, monkeypatch) -> Iterator:
    """Start the probe page; returns `start(local_proxy)` → (app port, nginx port or None, the file)."""
    monkeypatch.delenv("HUIFANG_TRUSTED_PROXIES", raising=False)
    processes: list[subprocess.Popen] = []

    def start(local_proxy: bool) -> tuple[int, int | None, Path]:
        out = tmp_path / "clients.txt"
        env = {
            **environment(f"sqlite:///{tmp_path / 'x.db'}", local_proxy=local_proxy),
            "PROBE_OUT": str(out),
        }
        app_port, proxy_port = free_ports(2)
        command = [sys.executable, "-m", "streamlit", "run", str(PROBE), "--server.port", str(app_port)]
        command += ["--server.address", "127.0.0.1", "--server.headless", "true"]
        command += ["--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
        log = (tmp_path / "app.log").open("w")
        processes.append(subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT))
        wait_healthy(f"http://127.0.0.1:{app_port}{HEALTH_PATH}", process=processes[-1])
        if not local_proxy:
            return app_port, None, out
        run = tmp_path / "nginx"
        run.mkdir()
        (run / "nginx.conf").write_text(nginx_config(f"127.0.0.1:{proxy_port}", [app_port], run))
        nginx = shutil.which("nginx", path="/usr/sbin:/usr/bin")
        processes.append(subprocess.Popen([nginx, "-c", str(run / "nginx.conf"), "-p", str(run)]))
        wait_healthy(f"http://127.0.0.1:{proxy_port}/healthz", process=processes[-1])
        return app_port, proxy_port, out

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=10)


def _visit(port: int, source: str, forwarded_for: str | None, out: Path) -> str:
    """Open the page from `source` (sending `forwarded_for` as X-Forwarded-For); the address it saw."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from websockets.sync.client import connect

    before = len(out.read_text().splitlines()) if out.exists() else 0
    sock = socket.create_connection(("127.0.0.1", port), source_address=(source, 0))
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    url = f"ws://127.0.0.1:{port}/_stcore/stream"
    with connect(url, sock=sock, subprotocols=["streamlit"], additional_headers=headers) as socket_:
        message = BackMsg()
        message.rerun_script.query_string = ""
        socket_.send(message.SerializeToString())
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            lines = out.read_text().splitlines() if out.exists() else []
            if len(lines) > before:
                return lines[before]
            with contextlib.suppress(TimeoutError):
                socket_.recv(timeout=0.2)
    raise AssertionError(f"the page did not run for the visit from {source}")


def test_served_directly_a_client_forging_x_forwarded_for_is_seen_as_itself(served):
    app_port, _, out = served(local_proxy=False)
    assert _visit(app_port, "127.0.0.2", "9.9.9.9", out) == "ip:127.0.0.2"
    assert _visit(app_port, "127.0.0.2", "8.8.8.8, 7.7.7.7", out) == "ip:127.0.0.2"
    # from loopback too: uvicorn's default (FORWARDED_ALLOW_IPS unset) would have believed this one
    assert _visit(app_port, "127.0.0.1", "9.9.9.9", out) == "ip:127.0.0.1"


def test_behind_huifang_serves_nginx_two_clients_are_two_addresses_and_forging_changes_nothing(served):
    _, proxy_port, out = served(local_proxy=True)
    assert _visit(proxy_port, "127.0.0.2", None, out) == "ip:127.0.0.2"
    assert _visit(proxy_port, "127.0.0.3", None, out) == "ip:127.0.0.3"
    assert _visit(proxy_port, "127.0.0.3", "9.9.9.9", out) == "ip:127.0.0.3"  # nginx appends the real one
