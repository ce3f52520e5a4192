from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.adapters.base import Migration
from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.lock_risk._types import TypeSpec, base_type
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.sql import Node, fields, parse, qualified, relation, strings, tag, type_of
from migration_reviewer.replay.statements import Statement, split_scripts

_INTEGERS = frozenset({"int2", "int4", "int8", "smallint", "integer", "bigint"})
_FRACTIONAL = frozenset({"numeric", "float4", "float8"})
_TIMESTAMPS = frozenset({"timestamp", "timestamptz"})


@rule("RB005", "irreversible-data-loss", Category.ROLLBACK, Severity.WARNING, {"postgresql"}, lintable=True)
def irreversible_data_loss(ctx: AnalysisContext) -> Iterator[Issue]:
    """A migration destroys data that no down migration can bring back.

    ## What it does
    Names, per migration, each object whose data the up or the down destroys: `DROP TABLE`,
    `DROP COLUMN`, `DELETE`, `TRUNCATE`, and type changes that silently lose information (numeric scale
    or fractions cut, timestamps to dates, time zones dropped, a `USING` expression that rewrites the
    values). In the up, objects the change itself creates are left out; a down that drops what the up
    created is reported as a note, because rolling back loses what was written there since the deploy.

    ## Why is this risky?
    A rollback restores the schema, not the data: after a down, the column is back but empty. When the
    up destroys data, the only way back is a backup restore, which also loses every write made since.

    ## Example
    ```sql
    ALTER TABLE users DROP COLUMN legacy_flag;
    ```

    ## Use instead
    Stop using the column in this release (make it nullable so the new code can stop writing it):
    ```sql
    ALTER TABLE users ALTER COLUMN legacy_flag DROP NOT NULL;
    ```
    and drop it in a later release, once no rollback can need it. Where the data matters, copy it to an
    archive table first and say so in the pull request.
    """
    for migration in ctx.migration_set.new_migrations:
        up = [
            (stmt.statement, loss)
            for stmt in ctx.statements
            if stmt.migration.id == migration.id
            for loss in _losses(ctx, stmt.tree, down=False)
            if not ctx.is_new(loss[0])
        ]
        if up:
            yield _issue(migration, "up", up, None)
        down = [
            (statement, loss)
            for statement in split_scripts(migration.down or (), ctx.migration_set.dialect)
            if not statement.too_large_to_analyse
            for loss in _losses(ctx, parse(statement.text), down=True)
        ]
        if down:
            yield _issue(migration, "down", down, Severity.INFO)


Loss = tuple[str, str]  # (table, what is lost, in words)


def _issue(
    migration: Migration, direction: str, losses: list[tuple[Statement, Loss]], severity: Severity | None
) -> Issue:
    first = losses[0][0]
    named = "; ".join(dict.fromkeys(what for _, (_, what) in losses))
    if direction == "up":
        message = f"`{migration.name}` destroys data that no down migration restores: {named}"
        fix = "keep the data until the rollback window closes (drop it in a later release), or archive it"
    else:
        message = (
            f"the down of `{migration.name}` destroys data: {named}; rolling back loses what was written "
            "there since the deploy"
        )
        fix = "before rolling back, copy out the rows written since the deploy if they matter"
    return Issue(
        message=message,
        path=first.path,
        line=first.line,
        table=losses[0][1][0],
        fix=fix,
        statement=first.text,
        severity=severity,
    )


def _losses(ctx: AnalysisContext, tree: Node | None, *, down: bool) -> Iterator[Loss]:
    kind, body = (tag(tree), fields(tree)) if tree else ("", {})
    if kind == "DropStmt" and body.get("removeType") == "OBJECT_TABLE":
        for item in body.get("objects", ()):
            table = qualified(strings(fields(item, "List").get("items")))
            yield table, f"table `{table}` (DROP TABLE)"
    elif kind == "TruncateStmt":
        for rangevar in body.get("relations", ()):
            yield relation(rangevar), f"every row of `{relation(rangevar)}` (TRUNCATE)"
    elif kind == "DeleteStmt":
        table = relation(body["relation"])
        yield table, f"rows of `{table}` (DELETE)"
    elif kind == "AlterTableStmt" and body.get("objtype") == "OBJECT_TABLE":
        table = relation(body["relation"])
        for command in body.get("cmds", ()):
            cmd = fields(command, "AlterTableCmd")
            column = cmd.get("name", "")
            if cmd.get("subtype") == "AT_DropColumn":
                yield table, f"column `{table}.{column}` (DROP COLUMN)"
            elif cmd.get("subtype") == "AT_AlterColumnType":
                definition = fields(cmd.get("def", {}), "ColumnDef")
                source = None if down else base_type(ctx, table, column)
                lossy = _lossy(source, type_of(definition.get("typeName", {})), definition.get("raw_default"))
                if lossy:
                    yield table, f"column `{table}.{column}` ({lossy})"


def _lossy(source: TypeSpec | None, target: TypeSpec, using: Node | None) -> str | None:
    """How a type change loses information, in words; None when it keeps every value (or fails loudly
    instead, as a too-short varchar or a too-small integer does)."""
    (new, new_mods) = target
    while tag(using or {}) == "TypeCast":
        using = fields(using or {})["arg"]
    if using and tag(using) != "ColumnRef":
        return "TYPE … USING rewrites the values"
    if new == "date" and (source is None or source[0] in _TIMESTAMPS):
        return "timestamps cut to dates"
    if source is None:
        return None
    old, old_mods = source
    if old in _FRACTIONAL and new in _INTEGERS:
        return f"{old} rounded to {new}"
    if old == new == "numeric" and len(old_mods) == 2 and new_mods[1:] < old_mods[1:]:
        return "numeric scale reduced: digits rounded away"
    if old == "float8" and new == "float4":
        return "double precision rounded to real"
    if old == "timestamptz" and new == "timestamp":
        return "time zone dropped"
    if old in _TIMESTAMPS and old == new and new_mods and (not old_mods or new_mods[0] < old_mods[0]):
        return "fractional seconds cut"
    return None
