"""The libraries' lazy `__init__` gives the same names as the eager one did, whatever was imported first."""

from __future__ import annotations

import subprocess
import sys

import pytest

SHADOWED = [("analysis", "headline"), ("analysis", "agreement"), ("questionnaires", "diff")]


@pytest.mark.parametrize(("package", "name"), SHADOWED)
def test_a_function_named_like_its_module_stays_the_function_after_the_module_is_imported(package, name):
    # a fresh interpreter: in this one the order of earlier imports is whatever the suite did
    script = (
        f"import {package}.{name}\n"
        f"from {package} import {name}\n"
        f"import {package}\n"
        f"print(callable({name}), type({name}).__name__, {package}.{name} is {name})\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True", "function", "True"]
