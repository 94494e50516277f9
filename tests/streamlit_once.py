"""Work that Streamlit's AppTest repeats for every tab and every run, done once per test run instead.

Each new AppTest scans the metadata of every installed distribution for Streamlit components (~0.3 s
of CPU), and each `run()` starts from an empty script cache, so main.py and the page it shows are read,
rewritten for "magic" and compiled again (~0.1 s). Together they were most of a short app test's CPU
(tests/app/test_session_token.py: 15.0 -> 8.6 s for the file). Neither changes during a run: the
installed packages are fixed, and a script is compiled again whenever its file changes (keyed on the
file's path, size and modification time). What the app does on each run is untouched.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def shared() -> Iterator[None]:
    """Within this block every AppTest shares one component scan and one compiled copy of each script."""
    from streamlit.components.v2 import manifest_scanner
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache

    scan, get_bytecode = manifest_scanner.scan_component_manifests, ScriptCache.get_bytecode
    found = scan()
    compiled: dict[tuple[str, int, int], Any] = {}

    def shared_bytecode(cache: ScriptCache, script_path: str) -> Any:
        path = os.path.abspath(script_path)
        stat = os.stat(path)
        key = (path, stat.st_size, stat.st_mtime_ns)
        if key not in compiled:
            compiled[key] = get_bytecode(cache, script_path)
        return compiled[key]

    manifest_scanner.scan_component_manifests = lambda *_args, **_kwargs: list(found)
    ScriptCache.get_bytecode = shared_bytecode
    try:
        yield
    finally:
        manifest_scanner.scan_component_manifests = scan
        ScriptCache.get_bytecode = get_bytecode
