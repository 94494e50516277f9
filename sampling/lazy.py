"""Package names that load on first use (PEP 562), for the libraries' `__init__` modules.

Why: `from sampling.errors import FrameError` runs `sampling/__init__.py` first; when that imported
every submodule, any such line cost pandas, scipy and pyarrow (a second or more), and every `huifang`
command paid it on entry (issue 15). With `lazy_exports`, `import sampling` is free and `sampling.plan`
imports `sampling.size` the first time it is used; the public names and `__all__` are unchanged.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from importlib import import_module
from types import ModuleType
from typing import Any


class _Package(ModuleType):
    """A package whose re-exported name is also a submodule's (`analysis.headline`, the function).

    Importing a submodule sets it as an attribute of its package. The eager `__init__` re-bound the
    name to the function afterwards; a lazy one cannot, so that `setattr` is refused here, and
    `from analysis import headline` gives the function whichever module was imported first.
    """

    _shadowed: frozenset[str] = frozenset()

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self._shadowed and isinstance(value, ModuleType):
            return
        super().__setattr__(name, value)


def lazy_exports(
    namespace: dict[str, Any], exports: dict[str, tuple[str, ...]]
) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """`__getattr__`, `__dir__` and `__all__` for the package whose globals are `namespace`.

    `exports` maps each submodule to the names the package re-exports from it. A name is imported
    on first access and kept in the package's globals; a submodule not imported yet is imported
    when accessed as an attribute (as the eager `__init__` made every one available).
    """
    package = namespace["__name__"]
    module_of = {name: module for module, names in exports.items() for name in names}
    shadowed = frozenset(name for name in module_of if f"{package}.{name}" in exports)
    if shadowed:
        module = sys.modules[package]
        module.__class__ = _Package
        object.__setattr__(module, "_shadowed", shadowed)

    def __getattr__(name: str) -> Any:
        module = module_of.get(name)
        if module is not None:
            value = getattr(import_module(module), name)
            namespace[name] = value
            return value
        try:
            return import_module(f"{package}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{package}.{name}":
                raise
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None

    def __dir__() -> list[str]:
        return sorted({*namespace, *module_of})

    return __getattr__, __dir__, sorted(module_of)
