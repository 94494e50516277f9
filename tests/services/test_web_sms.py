"""The SMS gateways: the HTTP adapter posts exactly what its configuration says, and the default
outbox writes a private file and opens no connection at all."""

from __future__ import annotations

import base64
import json
import socket
import stat
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import pytest

from survey_app.services import sms
from survey_app.services.errors import InvalidState


class _Recorder(BaseHTTPRequestHandler):
    received: ClassVar[list[dict]] = []
    answer_status = 200

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        type(self).received.append(
            {
                "path": self.path,
                "authorization": self.headers.get("Authorization"),
                "content_type": self.headers.get("Content-Type"),
                "body": json.loads(self.rfile.read(length).decode("utf-8")),
            }
        )
        self.send_response(type(self).answer_status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"id": "msg-1"}')

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def gateway_server():
    _Recorder.received = []
    _Recorder.answer_status = 200
    server = HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _http_config(server, **env) -> sms.SmsConfig:
    return sms.load_config(
        {"sms_sender": "回访中心"},
        {
            "HUIFANG_SMS_GATEWAY": "http",
            "HUIFANG_SMS_URL": f"http://127.0.0.1:{server.server_port}/v1/send",
            "HUIFANG_SMS_USER": "huifang",
            "HUIFANG_SMS_PASSWORD": "s3cret",
            **env,
        },
    )


def test_the_http_adapter_posts_number_text_and_sender_to_the_configured_url_with_basic_auth(gateway_server):
    result = sms.gateway(_http_config(gateway_server)).send("13800138000", "请点击链接作答")
    assert result == sms.SmsResult("sent", reference="msg-1")
    assert _Recorder.received == [
        {
            "path": "/v1/send",
            "authorization": "Basic " + base64.b64encode(b"huifang:s3cret").decode(),
            "content_type": "application/json; charset=utf-8",
            "body": {"to": "13800138000", "text": "请点击链接作答", "sender": "回访中心"},
        }
    ]


def test_a_gateway_refusing_the_number_with_a_4xx_answer_is_rejected_not_sent(gateway_server):
    _Recorder.answer_status = 422
    result = sms.gateway(_http_config(gateway_server)).send("13800138000", "x")
    assert result.status == "rejected"
    assert "422" in result.error


def test_an_unreachable_gateway_is_a_failure_to_retry():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    settings = sms.load_config(
        {}, {"HUIFANG_SMS_GATEWAY": "http", "HUIFANG_SMS_URL": f"http://127.0.0.1:{port}/"}
    )
    assert sms.gateway(settings).send("13800138000", "x").status == "failed"


def test_without_configuration_the_gateway_is_the_outbox():
    assert sms.load_config({}, {}).gateway == "outbox"


def test_the_default_outbox_writes_a_private_file_and_opens_no_connection(tmp_path, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the outbox tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    settings = sms.load_config({}, {"HUIFANG_SMS_OUTBOX": str(tmp_path / "outbox")})
    result = sms.gateway(settings).send("13800138000", "请点击链接作答")
    assert result.status == "sent"
    assert sms.read_outbox(tmp_path / "outbox") == [
        {"to": "13800138000", "text": "请点击链接作答", "sender": "Huifang"}
    ]
    assert stat.S_IMODE((tmp_path / "outbox").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "outbox" / sms.OUTBOX_FILE).stat().st_mode) == 0o600


def test_an_unknown_gateway_name_is_refused_with_the_setting_named():
    with pytest.raises(InvalidState, match="HUIFANG_SMS_GATEWAY"):
        sms.load_config({}, {"HUIFANG_SMS_GATEWAY": "pigeon"})


def test_the_http_gateway_without_a_url_is_refused_with_the_setting_named():
    with pytest.raises(InvalidState, match="HUIFANG_SMS_URL"):
        sms.load_config({"sms_gateway": "http"}, {})
