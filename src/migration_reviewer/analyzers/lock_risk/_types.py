"""Column types as rules compare them: the replay's format_type text and the parser's type names, and
the changes PostgreSQL makes without rewriting the table."""

from __future__ import annotations

import re

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.sql import Node, fields, strings, tag

TypeSpec = tuple[str, tuple[int, ...]]

# format_type's spelling (the replay's schema snapshot) → the parser's internal type names.
_FORMAT_NAMES = {
    "character varying": "varchar",
    "character": "bpchar",
    "integer": "int4",
    "bigint": "int8",
    "smallint": "int2",
    "boolean": "bool",
    "double precision": "float8",
    "real": "float4",
    "timestamp without time zone": "timestamp",
    "timestamp with time zone": "timestamptz",
    "time without time zone": "time",
    "time with time zone": "timetz",
    "bit varying": "varbit",
}
_MODIFIERS = re.compile(r"\(([\d,\s]+)\)")
# Targets a change could reach without a rewrite from some source type: with the source unknown (lint,
# and no earlier ADD COLUMN in the change), these are not reported.
_MAYBE_COMPATIBLE = frozenset({"text", "varchar", "numeric", "varbit", "inet"})


def base_type(ctx: AnalysisContext, table: str, column: str) -> TypeSpec | None:
    """The column's type in the base schema, as the replay saw it."""
    existing = ctx.existing_table(table)
    described = existing.column(column) if existing else None
    return parse_format_type(described.type) if described else None


def parse_format_type(text: str) -> TypeSpec:
    """format_type's text → (name, modifiers): "character varying(50)" → ("varchar", (50,)),
    "timestamp(3) with time zone" → ("timestamptz", (3,))."""
    array = text.endswith("[]")
    text = text.removesuffix("[]")
    match = _MODIFIERS.search(text)
    mods = tuple(int(m) for m in match.group(1).split(",")) if match else ()
    name = _MODIFIERS.sub("", text).strip()
    name = _FORMAT_NAMES.get(name, name.rsplit(".", 1)[-1])
    return name + ("[]" if array else ""), mods


def type_change_rewrites(source: TypeSpec | None, target: TypeSpec, using: Node | None, column: str) -> bool:
    """Whether `ALTER COLUMN column TYPE target [USING using]` rewrites the table, from what is known."""
    if using and not _plain_column(using, column):
        return True
    if source is None:
        return target[0] not in _MAYBE_COMPATIBLE
    return not binary_compatible(source, target)


def free_sources(target: TypeSpec) -> str | None:
    """The old types from which a change to `target` is free, in words; None when no old type makes it
    free. Lint, which does not know the old type, says "rewrites unless the old type is …"."""
    name, mods = target
    if name == "text":
        return "`varchar` or `text`"
    if name == "varchar":
        return f"`varchar` of at most {mods[0]} characters" if mods else "`varchar` or `text`"
    if name == "numeric":
        if not mods:
            return "`numeric`"
        scale = mods[1] if len(mods) > 1 else 0
        return f"`numeric` of precision at most {mods[0]} and scale {scale}"
    if name == "varbit":
        return f"`varbit` of at most {mods[0]} bits" if mods else "`varbit`"
    if name == "inet":
        return "`cidr` or `inet`"
    return None


def _plain_column(expression: Node, column: str) -> bool:
    """USING col or USING col::type: the same value, so the types decide."""
    while tag(expression) == "TypeCast":
        expression = expression["TypeCast"]["arg"]
    return tag(expression) == "ColumnRef" and strings(fields(expression)["fields"])[-1:] == [column]


def binary_compatible(source: TypeSpec, target: TypeSpec) -> bool:
    """Whether PostgreSQL changes the type without rewriting the rows (and usually without rebuilding
    indexes): the changes its manual and strong_migrations list as free."""
    (old, old_mods), (new, new_mods) = source, target
    if source == target:
        return True
    if old in ("varchar", "text") and new == "text":
        return True
    if old in ("varchar", "text") and new == "varchar" and not new_mods:
        return True
    if old == new and old in ("varchar", "varbit") and new_mods and old_mods:
        return new_mods[0] >= old_mods[0]
    if old == new == "numeric":
        if not new_mods:
            return True
        if old_mods and len(new_mods) == len(old_mods):
            same_scale = old_mods[1:] == new_mods[1:]
            return same_scale and new_mods[0] >= old_mods[0]
        return False
    if old == new and old == "varbit" and not new_mods:
        return True
    return old == "cidr" and new == "inet"


def show(spec: TypeSpec) -> str:
    name, mods = spec
    return f"{name}({','.join(map(str, mods))})" if mods else name
