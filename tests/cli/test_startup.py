"""`huifang --help` starts like a bare interpreter: the help comes from a cache, equal to click's own."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from survey_app import launcher

HEAVY = ("click", "pandas", "numpy", "scipy", "sqlalchemy", "pyarrow", "survey_app.cli")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    path = tmp_path / "huifang-help.txt"
    monkeypatch.setattr(launcher, "_CACHE", str(path))
    return path


def _launch(monkeypatch, capsys, *args: str) -> str:
    monkeypatch.setattr(sys, "argv", ["huifang", *args])
    assert launcher.main() == 0
    return capsys.readouterr().out


def _click_help() -> str:
    """What click itself prints in a fresh process (CliRunner forces its own width)."""
    code = "import sys; sys.argv = ['huifang', '--help']; from survey_app.cli import main; main()"
    env = {**os.environ, "COLUMNS": "80"}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env).stdout


def test_help_is_clicks_own_text_when_rendered_and_when_cached(cache, monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "80")
    rendered = _launch(monkeypatch, capsys, "--help")
    assert cache.exists()
    cached = _launch(monkeypatch, capsys, "-h")
    assert rendered == cached == _click_help()


def test_a_stale_cache_is_rendered_again(cache, monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "80")
    cache.write_text("some older key\nUsage: outdated\n", encoding="utf-8")
    assert _launch(monkeypatch, capsys, "--help") == _click_help()
    assert "outdated" not in cache.read_text(encoding="utf-8")


def test_the_cache_key_follows_the_terminal_width(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    narrow = launcher._help_key("huifang")
    monkeypatch.setenv("COLUMNS", "60")
    assert launcher._help_key("huifang") != narrow


def test_help_with_a_warm_cache_imports_neither_click_nor_the_data_libraries(tmp_path):
    code = (
        "import json, sys\n"
        "from survey_app import launcher\n"
        f"launcher._CACHE = {str(tmp_path / 'help.txt')!r}\n"
        "sys.argv = ['huifang', '--help']\n"
        "launcher.main()\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)  # warms the cache
    warm = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert json.loads(warm.stdout.splitlines()[-1]) == []
    assert warm.stdout.startswith("Usage: huifang")
