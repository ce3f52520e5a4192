"""pglast's parser, loaded without its node classes and enums until something uses them."""

from __future__ import annotations

import importlib.util
import sys
import types
from pathlib import Path
from typing import Any


def _defer_pglast_node_modules() -> None:
    """Load pglast's parser without its node classes and enums until something uses them.

    The parser extension imports `pglast.ast` and `pglast.enums` (hundreds of classes, most of the
    package's import time) but never touches them for what this module asks of it: JSON trees,
    statement spans and tokens. A stand-in module takes their place in `sys.modules` and runs the real
    module in place on first attribute access, so `lint` of a small file starts in a fraction of the
    time while code that does use them (`from pglast import ast`) gets the real thing."""
    if "pglast" in sys.modules:
        return
    spec = importlib.util.find_spec("pglast")  # finds the package without running it
    if spec is None or spec.origin is None:
        return
    root = Path(spec.origin).parent
    for name, path, package in (("enums", root / "enums", True), ("ast", root / "ast.py", False)):
        location = path / "__init__.py" if package else path
        if not location.is_file():
            return
        module_spec = importlib.util.spec_from_file_location(
            f"pglast.{name}", location, submodule_search_locations=[str(path)] if package else None
        )
        if module_spec is None or module_spec.loader is None:
            return
        stand_in = _LoadedOnFirstUse(module_spec.name)
        stand_in.__spec__ = module_spec
        stand_in.__loader__ = module_spec.loader
        stand_in.__file__ = str(location)
        stand_in.__package__ = module_spec.parent
        if package:
            stand_in.__path__ = [str(path)]
        sys.modules[module_spec.name] = stand_in


class _LoadedOnFirstUse(types.ModuleType):
    def __getattr__(self, attribute: str) -> Any:
        # Only reached for names the module does not have yet: run the real module into this one.
        spec = self.__spec__
        if attribute.startswith("__") or spec is None or spec.loader is None:
            raise AttributeError(attribute)
        self.__class__ = types.ModuleType  # type: ignore[assignment]
        spec.loader.exec_module(self)
        return getattr(self, attribute)




_defer_pglast_node_modules()

from pglast import parser  # noqa: E402  (after the stand-ins are in place)

__all__ = ["parser"]
