"""Cheap `huifang` command lines start like a bare interpreter: help pages and `--version` come from a
cache of click's own output, and the command table itself loads no data library."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from survey_app import launcher

HEAVY = ("click", "pandas", "numpy", "scipy", "sqlalchemy", "pyarrow", "survey_app.cli")
DATA_LIBRARIES = ("pandas", "numpy", "scipy", "sqlalchemy", "polars", "pyarrow", "statsmodels")
FIXED = [("--help",), ("-h",), ("sample", "--help"), ("sample", "draw", "-h"), ("--version",)]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    path = tmp_path / "huifang-pages.txt"
    monkeypatch.setattr(launcher, "_CACHE", str(path))
    monkeypatch.setenv("COLUMNS", "80")
    return path


def _launch(monkeypatch, capsys, *args: str) -> str:
    monkeypatch.setattr(sys, "argv", ["huifang", *args])
    assert launcher.main() == 0
    return capsys.readouterr().out


def _click_output(*args: str) -> str:
    """What click itself prints in a fresh process (CliRunner forces its own width)."""
    code = "import sys; sys.argv = ['huifang', *sys.argv[1:]]; from survey_app.cli import main; main()"
    env = {**os.environ, "COLUMNS": "80"}
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env).stdout


def _modules_after(code: str) -> list[str]:
    """The data libraries (and click) loaded in a fresh process after running ``code``."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps([m for m in {HEAVY + DATA_LIBRARIES!r} if m in sys.modules]))"
    run = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True)
    return sorted(set(json.loads(run.stdout.splitlines()[-1])))


@pytest.mark.parametrize("argv", FIXED, ids=" ".join)
def test_a_fixed_output_is_clicks_own_text_when_rendered_and_when_cached(cache, monkeypatch, capsys, argv):
    rendered = _launch(monkeypatch, capsys, *argv)
    assert cache.exists()
    cached = _launch(monkeypatch, capsys, *argv)
    assert rendered == cached == _click_output(*argv)


def test_every_command_path_has_its_help_page_cached(cache, monkeypatch, capsys):
    _launch(monkeypatch, capsys, "--version")
    pages = launcher._cached_pages("huifang")
    for group, command in [("db", "upgrade"), ("coding", "kappa"), ("frame", "import")]:
        assert pages[(group, "--help")].startswith(f"Usage: huifang {group} ")
        assert pages[(group, command, "-h")].startswith(f"Usage: huifang {group} {command} ")


def test_a_stale_cache_is_rendered_again(cache, monkeypatch, capsys):
    cache.write_text("some older key\n--help\x1fUsage: outdated\n", encoding="utf-8")
    assert _launch(monkeypatch, capsys, "--help") == _click_output("--help")
    assert "outdated" not in cache.read_text(encoding="utf-8")


def test_a_changed_source_file_makes_the_cache_stale(cache, monkeypatch, capsys):
    _launch(monkeypatch, capsys, "--help")
    key, _, body = cache.read_text(encoding="utf-8").partition("\n")
    fields = key.split("\x1f")
    path, _ = fields[4].split("\x1e")
    fields[4] = f"{path}\x1e0:0"
    cache.write_text("\x1f".join(fields) + "\n" + body, encoding="utf-8")
    assert launcher._cached_pages("huifang") is None


def test_the_cache_follows_the_terminal_width(cache, monkeypatch, capsys):
    _launch(monkeypatch, capsys, "--help")
    monkeypatch.setenv("COLUMNS", "60")
    assert launcher._cached_pages("huifang") is None


def test_an_unknown_command_with_help_is_left_to_click(cache, monkeypatch, capsys):
    _launch(monkeypatch, capsys, "--help")
    monkeypatch.setattr(sys, "argv", ["huifang", "nosuch", "--help"])
    with pytest.raises(SystemExit) as exited:
        launcher.main()
    assert exited.value.code == 2
    assert "No such command 'nosuch'" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [("--help",), ("sample", "--help"), ("--version",)], ids=" ".join)
def test_a_warm_fixed_output_imports_neither_click_nor_the_data_libraries(tmp_path, argv):
    code = (
        "import sys\n"
        "from survey_app import launcher\n"
        f"launcher._CACHE = {str(tmp_path / 'pages.txt')!r}\n"
        f"sys.argv = ['huifang', *{list(argv)!r}]\n"
        "launcher.main()\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)  # warms the cache
    assert _modules_after(code) == []


def test_version_through_click_imports_no_data_library():
    code = "from survey_app.cli import main\ntry:\n    main(['--version'])\nexcept SystemExit:\n    pass"
    assert _modules_after(code) == ["click", "survey_app.cli"]


def test_entering_a_command_imports_no_data_library():
    code = "from survey_app.cli import _errors\nwith _errors():\n    pass"
    assert _modules_after(code) == ["click", "survey_app.cli"]


def test_a_database_command_starts_without_pandas_or_scipy(tmp_path):
    """The retention check and the study list run on every start: SQLAlchemy only, no data library."""
    database = str(tmp_path / "huifang.db")
    code = f"from survey_app.cli import main\ntry:\n    main(['--db', {database!r}, 'studies'])\nexcept SystemExit:\n    pass"
    assert _modules_after(code) == ["click", "sqlalchemy", "survey_app.cli"]


def test_a_command_loads_only_its_own_module():
    code = "from survey_app.cli import main\ntry:\n    main(['db', '--help'])\nexcept SystemExit:\n    pass"
    probe = (
        f"{code}\nimport sys\nprint(sorted(m for m in sys.modules if m.startswith('survey_app.commands.')))"
    )
    run = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True)
    assert run.stdout.splitlines()[-1] == "['survey_app.commands.database']"
