"""Introspectors: read a live database's schema into a `SchemaSnapshot`, one module per dialect."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from migration_reviewer.schema.introspectors import mysql, postgres, sqlite
from migration_reviewer.schema.model import SchemaSnapshot

# Keyed by dialect name (adapters.base.Dialect values). The connection type is the dialect driver's own
# (psycopg for PostgreSQL, PyMySQL, sqlite3), hence Any.
Introspector = Callable[[Any], SchemaSnapshot]

INTROSPECTORS: Mapping[str, Introspector] = {
    "postgresql": postgres.introspect,
    "mysql": mysql.introspect,
    "sqlite": sqlite.introspect,
}


def get_introspector(dialect: str) -> Introspector:
    """The introspector of `dialect`; KeyError names the dialects there are."""
    try:
        return INTROSPECTORS[dialect]
    except KeyError:
        known = ", ".join(INTROSPECTORS)
        raise KeyError(f"no schema introspector for {dialect!r} (there are: {known})") from None
