"""Several Streamlit app servers on one database behind nginx: how a call centre with many surveyors runs
Huifang.

Streamlit keeps a browser tab's session in the memory of the server that holds its websocket, and an
uploaded file must reach that same server, so the proxy has to be sticky. nginx's open-source build has
no sticky-cookie module; instead the proxy hashes a cookie of its own (`huifang_node`), which it sets on
the first response to that response's request id. The first request of a new browser therefore lands on
any server, and every later one (the websocket included) on the same server, while servers are added or
removed with `hash … consistent` moving as few browsers as possible.

Correctness across servers comes from the database, not from the proxy: the call queue claims cases
with row locks (`FOR UPDATE SKIP LOCKED` on PostgreSQL), the audit chain serialises on its head row, and
sign-in tokens are checked against the database and the shared key folder. A browser moved to another
server (one died) has to sign in again at worst; it never sees another surveyor's case.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

APP_SCRIPT = Path(__file__).with_name("app") / "main.py"
HEALTH_PATH = "/_stcore/health"
NODE_COOKIE = "huifang_node"
UPSTREAM_HEADER = "X-Huifang-Upstream"


def streamlit_command(port: int, *, address: str | None = "127.0.0.1", headless: bool = True) -> list[str]:
    """The command line of one app server (the same for `huifang app` and each instance of `serve`).

    `address=None` listens on every interface, as `huifang app` does for a one-server installation.
    """
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP_SCRIPT),
        "--server.port",
        str(port),
        "--server.headless",
        "true" if headless else "false",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        # users are surveyors and auditors, not developers: no Deploy button, no developer menu
        "--client.toolbarMode",
        "minimal",
    ]
    if address is not None:
        command += ["--server.address", address]
    return command


def free_ports(count: int) -> list[int]:
    """`count` distinct loopback ports that are free now (held open together so none repeats)."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def nginx_config(listen: str, backends: Sequence[int], run_dir: Path, *, max_upload_mb: int = 512) -> str:
    """An nginx configuration that runs in the foreground from `run_dir` and balances `backends`.

    `listen` is nginx's own form (`127.0.0.1:8500`, `8500`). Passive health checks: a server that fails
    three times is left out for ten seconds and new browsers go to the others.
    """
    run = run_dir.resolve()
    servers = "\n".join(f"        server 127.0.0.1:{port} max_fails=3 fail_timeout=10s;" for port in backends)
    temp = "\n".join(
        f"    {kind}_temp_path {run / ('tmp-' + kind)};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""# Written by `huifang serve`; see docs/deployment.md for the production layout.
worker_processes auto;
daemon off;
pid {run / "nginx.pid"};
error_log {run / "nginx-error.log"} warn;
events {{ worker_connections 4096; }}
http {{
    access_log {run / "nginx-access.log"};
{temp}
    client_max_body_size {max_upload_mb}m;
    map $http_upgrade $connection_upgrade {{ default upgrade; "" close; }}
    # Sticky sessions: a browser keeps the server its first response named (see survey_app/serve.py).
    map $cookie_{NODE_COOKIE} $huifang_node {{ "" $request_id; default $cookie_{NODE_COOKIE}; }}
    upstream huifang_app {{
        hash $huifang_node consistent;
{servers}
    }}
    server {{
        listen {listen};
        location = /healthz {{
            proxy_pass http://huifang_app{HEALTH_PATH};
        }}
        location / {{
            proxy_pass http://huifang_app;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_read_timeout 1d;
            proxy_buffering off;
            add_header Set-Cookie "{NODE_COOKIE}=$huifang_node; Path=/; HttpOnly; SameSite=Lax" always;
            add_header {UPSTREAM_HEADER} $upstream_addr always;
        }}
    }}
}}
"""


def wait_healthy(url: str, *, seconds: float = 60, process: subprocess.Popen | None = None) -> None:
    """Block until `url` answers 200, or raise RuntimeError naming it (or the process that died)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server for {url} exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {seconds:.0f} s")


@dataclass
class Cluster:
    """N app servers and one nginx in front of them, started and stopped together."""

    instances: int
    listen_port: int
    run_dir: Path
    env: dict[str, str]
    host: str = "127.0.0.1"
    nginx: str = "nginx"
    backends: list[int] = field(default_factory=list)
    _servers: list[subprocess.Popen] = field(default_factory=list)
    _proxy: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.listen_port}"

    def start(self) -> Cluster:
        binary = shutil.which(self.nginx) or shutil.which(self.nginx, path="/usr/sbin:/sbin")
        if binary is None:
            raise RuntimeError("nginx is not installed: apt-get install nginx (Debian's package)")
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.backends = free_ports(self.instances)
        for port in self.backends:
            self._servers.append(self._start_server(port))
        for port, process in zip(self.backends, self._servers, strict=True):
            wait_healthy(f"http://127.0.0.1:{port}{HEALTH_PATH}", process=process)
        config = self.run_dir / "nginx.conf"
        config.write_text(nginx_config(f"{self.host}:{self.listen_port}", self.backends, self.run_dir))
        log = (self.run_dir / "nginx.out").open("w")
        self._proxy = subprocess.Popen(
            [binary, "-c", str(config.resolve()), "-p", str(self.run_dir.resolve())],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        wait_healthy(f"{self.url}/healthz", process=self._proxy)
        return self

    def _start_server(self, port: int) -> subprocess.Popen:
        log = (self.run_dir / f"app-{port}.log").open("w")
        return subprocess.Popen(streamlit_command(port), env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def restart_dead(self) -> list[int]:
        """Start again every app server that has exited; returns their ports."""
        restarted = []
        for index, process in enumerate(self._servers):
            if process.poll() is not None:
                self._servers[index] = self._start_server(self.backends[index])
                restarted.append(self.backends[index])
        return restarted

    def stop(self) -> None:
        for process in [self._proxy, *self._servers]:
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in [self._proxy, *self._servers]:
            if process is None:
                continue
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def environment(database_url: str, *, local_proxy: bool = False) -> dict[str, str]:
    """The shared configuration every app server gets: one database, the same key folder, and one
    Streamlit cookie secret (its XSRF and sign-in cookies then stay valid when a browser is moved to
    another server because its own stopped).

    And which proxies' X-Forwarded-For is believed (`security.client_address`): those in
    `HUIFANG_TRUSTED_PROXIES`, plus the local nginx when `local_proxy` (`huifang serve`). Uvicorn, under
    Streamlit, rewrites the peer address from that header for the proxies in `FORWARDED_ALLOW_IPS`
    (loopback by default): it is given the same list, so both layers agree, and none when none is trusted.
    ValueError naming a malformed entry.
    """
    from survey_app.config import ENV_TRUSTED_PROXIES, trusted_proxies_text
    from survey_app.security.client_address import LOCAL_PROXY, parse_trusted

    text = trusted_proxies_text() + (f", {LOCAL_PROXY}" if local_proxy else "")
    trusted = ",".join(dict.fromkeys(str(n) for n in parse_trusted(text)))
    env = {**os.environ, "HUIFANG_DATABASE_URL": database_url, ENV_TRUSTED_PROXIES: trusted}
    env["FORWARDED_ALLOW_IPS"] = trusted
    env.setdefault("STREAMLIT_SERVER_COOKIE_SECRET", secrets.token_hex(32))
    return env
