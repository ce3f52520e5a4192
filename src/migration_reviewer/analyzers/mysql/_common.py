"""What the MySQL rules read: statements parsed with sqlglot, the table each one changes, and how the
replay's copy of the base ran it (the ALGORITHM and LOCK the server accepted, whether it rebuilt the
table)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from migration_reviewer.adapters.base import Dialect
from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.sql import SqlStatement
from migration_reviewer.replay.result import Outcome
from migration_reviewer.replay.statements import parse_other
from migration_reviewer.schema.model import PUBLIC, Column

if TYPE_CHECKING:
    from sqlglot import exp

# The statements that change an existing table's definition, and name it.
_DDL = re.compile(
    r"\s*(?:ALTER\s+(?:ONLINE\s+|IGNORE\s+)*TABLE\s+(?:IF\s+EXISTS\s+)?(?P<altered>[`\w.$]+)"
    r"|CREATE\s+(?:UNIQUE\s+|FULLTEXT\s+|SPATIAL\s+)?INDEX\s+[`\w$]+\s+(?:USING\s+\w+\s+)?ON\s+(?P<indexed>[`\w.$]+)"
    r"|DROP\s+INDEX\s+[`\w$]+\s+ON\s+(?P<unindexed>[`\w.$]+)"
    r"|(?P<other>RENAME\s+TABLE|DROP\s+TABLE|TRUNCATE(?:\s+TABLE)?|OPTIMIZE\s+TABLE)\s+(?:IF\s+EXISTS\s+)?"
    r"(?P<named>[`\w.$]+))",
    re.I,
)


@dataclass(frozen=True)
class Ddl:
    stmt: SqlStatement
    table: str  # as the report names it: bare for the database replayed
    verb: str  # "ALTER TABLE", "CREATE INDEX", "DROP INDEX", "RENAME TABLE", "DROP TABLE"…
    tree: exp.Expr | None  # sqlglot's, when it reads the statement


@dataclass(frozen=True)
class HowItRan:
    """The copy of the base (with seeded rows) ran the statement this way."""

    form: str | None  # e.g. "ALGORITHM=INPLACE, LOCK=NONE"; None when the server was not asked
    rebuilt: bool  # InnoDB gave the table a new id: every row was copied
    duration_ms: float
    rows: int | None  # rows the table held there
    failed: bool = False  # the server accepted `form`, then the seeded rows stopped it (strict mode)

    @property
    def copies(self) -> bool:
        return bool(self.form and self.form.startswith("ALGORITHM=COPY"))

    @property
    def blocks_writes(self) -> bool:
        return bool(
            self.form and not self.form.startswith("ALGORITHM=INSTANT") and "LOCK=NONE" not in self.form
        )


def ddl_statements(ctx: AnalysisContext) -> Iterator[Ddl]:
    """The change's DDL on tables that exist before it (tables it creates itself block no one)."""
    created = created_tables(ctx)
    for stmt in ctx.statements:
        match = _DDL.match(stmt.statement.text)
        if match is None:
            continue
        name = next(match.group(g) for g in ("altered", "indexed", "unindexed", "named") if match.group(g))
        table = name.replace("`", "").split(".")[-1]
        if table in created:
            continue
        verb = " ".join(stmt.statement.text.split()[:2]).upper()
        yield Ddl(stmt, table, match.group("other").upper() if match.group("other") else verb, parsed(stmt))


def parsed(stmt: SqlStatement) -> exp.Expr | None:
    from sqlglot import exp  # sqlglot loads only when MySQL is reviewed

    tree = parse_other(stmt.statement.text, Dialect.MYSQL)
    return None if tree is None or isinstance(tree, exp.Command) else tree


def created_tables(ctx: AnalysisContext) -> set[str]:
    from sqlglot import exp

    created = set()
    for stmt in ctx.statements:
        tree = parsed(stmt)
        if isinstance(tree, exp.Create) and (tree.args.get("kind") or "").upper() == "TABLE":
            table = tree.find(exp.Table)
            if table is not None:
                created.add(table.name)
    return created


def how_it_ran(ctx: AnalysisContext, ddl: Ddl) -> HowItRan | None:
    run = ddl.stmt.seeded_run
    if run is not None and run.outcome is Outcome.FAILED and run.form is not None:
        return HowItRan(run.form, False, run.duration_ms, ctx.seeded_rows(ddl.table), failed=True)
    if run is None or run.outcome not in (Outcome.APPLIED, Outcome.ROLLED_BACK):
        return None
    return HowItRan(run.form, ddl.table in run.rewrites, run.duration_ms, ctx.seeded_rows(ddl.table))


def column_before(ctx: AnalysisContext, table: str, name: str) -> Column | None:
    existing = ctx.before.table(PUBLIC, table) if ctx.before is not None else None
    return existing.column(name) if existing is not None else None


def modified_columns(ddl: Ddl) -> Iterator[tuple[str, exp.ColumnDef]]:
    """(old name, new definition) of each MODIFY / CHANGE COLUMN of an ALTER TABLE."""
    from sqlglot import exp

    if not isinstance(ddl.tree, exp.Alter):
        return
    for action in ddl.tree.args.get("actions") or ():
        if isinstance(action, exp.ModifyColumn) and isinstance(action.this, exp.ColumnDef):
            renamed = action.args.get("rename_from")
            yield (renamed.name if renamed is not None else action.this.name), action.this


def added_columns(ddl: Ddl) -> Iterator[exp.ColumnDef]:
    from sqlglot import exp

    if not isinstance(ddl.tree, exp.Alter):
        return
    for action in ddl.tree.args.get("actions") or ():
        if isinstance(action, exp.ColumnDef):
            yield action


def is_not_null(column: exp.ColumnDef) -> bool:
    from sqlglot import exp

    return any(
        isinstance(c.kind, exp.NotNullColumnConstraint) and not c.kind.args.get("allow_null")
        for c in column.constraints
    )


def default_of(column: exp.ColumnDef) -> exp.Expr | None:
    from sqlglot import exp

    for constraint in column.constraints:
        if isinstance(constraint.kind, exp.DefaultColumnConstraint):
            default: exp.Expr = constraint.kind.this
            return default
    return None


ONLINE_TOOLS = (
    "run it with an online schema change tool, which copies the table in the background while writes go "
    'on and swaps it in with a brief lock: gh-ost (`gh-ost --alter "…" --execute`) or '
    'pt-online-schema-change (`pt-online-schema-change --alter "…" D=db,t=table --execute`)'
)


def members(type_name: str) -> list[str]:
    """The members of an ENUM or SET column type, as MySQL prints it: enum('a','b') → ["a", "b"]."""
    return [m.replace("''", "'") for m in re.findall(r"'((?:[^']|'')*)'", type_name)]


def new_members(column: exp.ColumnDef) -> list[str] | None:
    from sqlglot import exp

    kind = column.args.get("kind")
    if not isinstance(kind, exp.DataType) or kind.this not in (exp.DataType.Type.ENUM, exp.DataType.Type.SET):
        return None
    return [str(e.this) for e in kind.expressions]


def member_change(ctx: AnalysisContext, ddl: Ddl) -> Iterator[tuple[str, list[str], list[str], str]]:
    """(column, old members, new members, why MySQL must copy the table) for each ENUM or SET column an
    ALTER changes other than by appending members within the same storage size."""
    for old_name, definition in modified_columns(ddl):
        before = column_before(ctx, ddl.table, old_name)
        new = new_members(definition)
        if before is None or new is None or not before.type.lower().startswith(("enum(", "set(")):
            continue
        old = members(before.type)
        if new == old:
            continue
        if new[: len(old)] != old:
            yield old_name, old, new, _what_moved(old, new)
        elif _storage(before.type, len(old)) != _storage(before.type, len(new)):
            yield old_name, old, new, f"{len(new)} members need more storage per value than {len(old)}"


def _what_moved(old: list[str], new: list[str]) -> str:
    removed = [m for m in old if m not in new]
    if removed:
        return "it removes " + ", ".join(f"'{m}'" for m in removed)
    if [m for m in new if m in old] != old:
        return "it reorders the existing members"
    inserted = next(m for m in new[: len(old)] if m not in old)
    following = next(m for m in new[new.index(inserted) :] if m in old)
    return f"it inserts '{inserted}' before '{following}' instead of at the end"


def _storage(type_name: str, count: int) -> int:
    """Bytes per value: ENUM 1 up to 255 members, then 2; SET one bit per member, in 1, 2, 3, 4 or 8 bytes."""
    if type_name.lower().startswith("enum"):
        return 1 if count <= 255 else 2
    size = (count + 7) // 8
    return 8 if size > 4 else size


_CONVERT = re.compile(r"\bCONVERT\s+TO\s+(?:CHARACTER\s+SET|CHARSET)\b", re.I)


def converted_columns(ctx: AnalysisContext, ddl: Ddl) -> list[tuple[str, str, str]]:
    """(column, old collation, new collation) of the existing text columns whose character set or
    collation the statement changed, by the schema before and after the change (a collation of None is
    the database's default)."""
    if ddl.verb != "ALTER TABLE" or ctx.replay is None or ctx.replay.after is None or ctx.before is None:
        return []
    old_table = ctx.before.table(PUBLIC, ddl.table)
    new_table = ctx.replay.after.table(PUBLIC, ddl.table)
    if old_table is None or new_table is None:
        return []
    explicit = _CONVERT.search(ddl.stmt.statement.text) is not None
    touched = {name for name, _ in modified_columns(ddl)}
    changed = []
    for column in old_table.columns:
        after = new_table.column(column.name)
        if after is None or column.collation == after.collation or after.type.lower() != column.type.lower():
            continue
        if explicit or column.name in touched:
            changed.append(
                (
                    column.name,
                    column.collation or "the database default",
                    after.collation or "the database default",
                )
            )
    return changed
