"""Introspectors: read a live database's schema into a `SchemaSnapshot`, one module per dialect."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, cast

from migration_reviewer.schema.model import SchemaSnapshot

# Keyed by dialect name (adapters.base.Dialect values). The connection type is the dialect driver's own
# (psycopg for PostgreSQL, PyMySQL, sqlite3), hence Any.
Introspector = Callable[[Any], SchemaSnapshot]

# Imported on first use: a PostgreSQL review need not load the parsers the other dialects read DDL with.
INTROSPECTORS = ("postgresql", "mysql", "sqlite")
_MODULES = {"postgresql": "postgres", "mysql": "mysql", "sqlite": "sqlite"}


def get_introspector(dialect: str) -> Introspector:
    """The introspector of `dialect`; KeyError names the dialects there are."""
    if dialect not in _MODULES:
        known = ", ".join(INTROSPECTORS)
        raise KeyError(f"no schema introspector for {dialect!r} (there are: {known})")
    module = importlib.import_module(f"{__name__}.{_MODULES[dialect]}")
    return cast(Introspector, module.introspect)
