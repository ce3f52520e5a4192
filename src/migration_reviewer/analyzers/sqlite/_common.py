"""What the SQLite rules read from statements: table rebuilds and the foreign_keys PRAGMA."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.sql import SqlStatement

_NAME = r"""(?:"((?:[^"]|"")+)"|`([^`]+)`|\[([^\]]+)\]|([\w$]+))"""
_DROP_TABLE = re.compile(rf"\s*DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:main\.)?{_NAME}\s*$", re.I)
_RENAME_TO = re.compile(rf"\s*ALTER\s+TABLE\s+(?:main\.)?{_NAME}\s+RENAME\s+TO\s+{_NAME}\s*$", re.I)
_FOREIGN_KEYS_OFF = re.compile(
    r"\s*PRAGMA\s+(?:main\.)?foreign_keys\s*=\s*['\"]?(?:OFF|0|FALSE|NO)['\"]?\s*$", re.I
)


def _name(groups: tuple[str | None, ...]) -> str:
    return next(g for g in groups if g is not None).replace('""', '"')


def dropped_table(stmt: SqlStatement) -> str | None:
    match = _DROP_TABLE.match(stmt.statement.text)
    return _name(match.groups()) if match else None


def renamed_table(stmt: SqlStatement) -> tuple[str, str] | None:
    match = _RENAME_TO.match(stmt.statement.text)
    return (_name(match.groups()[:4]), _name(match.groups()[4:])) if match else None


def turns_foreign_keys_off(stmt: SqlStatement) -> bool:
    return _FOREIGN_KEYS_OFF.match(stmt.statement.text) is not None


@dataclass(frozen=True)
class Rebuild:
    """SQLite's way of changing a table: create a new one, copy the rows, drop the old, rename the new."""

    table: str
    drop: SqlStatement
    rename: SqlStatement
    new_name: str  # what the new table was called before the rename (drizzle-kit: __new_<table>)


def rebuilds(ctx: AnalysisContext) -> Iterator[Rebuild]:
    dropped: dict[str, SqlStatement] = {}
    for stmt in ctx.statements:
        if (table := dropped_table(stmt)) is not None:
            dropped[table] = stmt
        elif (renamed := renamed_table(stmt)) is not None and renamed[1] in dropped:
            yield Rebuild(renamed[1], dropped.pop(renamed[1]), stmt, renamed[0])
