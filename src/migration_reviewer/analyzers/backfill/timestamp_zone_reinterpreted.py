from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.lock_risk._common import commands
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.sql import fields, type_of, walk

_WITH_ZONE = {"timestamptz"}
_WITHOUT_ZONE = {"timestamp"}


@rule("BF009", "timestamp-zone-reinterpreted", Category.BACKFILL, Severity.WARNING, {"postgresql"})
def timestamp_zone_reinterpreted(ctx: AnalysisContext) -> Iterator[Issue]:
    """A column goes between `timestamp` and `timestamptz` without saying which time zone the stored values
    are in.

    ## What it does
    Reports `ALTER COLUMN … TYPE timestamptz` of a `timestamp` column (or the reverse) on a table of the
    base without a `USING … AT TIME ZONE`. With the replay over seeded rows, it shows what the cast did to
    a stored value under the session's TimeZone there.

    ## Why is this risky?
    PostgreSQL converts every stored value in the TimeZone of the session that runs the migration: a
    `timestamp` written as UTC becomes a different instant if the migration runner's session is in
    `Europe/Paris`, and the reverse drops the offset the same way. The result depends on a setting of
    the deploy, not on the data, and nothing fails.

    ## Example
    ```sql
    CREATE TABLE events (id bigint PRIMARY KEY, happened_at timestamp NOT NULL);
    ALTER TABLE events ALTER COLUMN happened_at TYPE timestamptz;
    ```

    ## Use instead
    ```sql
    CREATE TABLE events (id bigint PRIMARY KEY, happened_at timestamp NOT NULL);
    ALTER TABLE events ALTER COLUMN happened_at TYPE timestamptz USING happened_at AT TIME ZONE 'UTC';
    ```
    """
    for stmt in ctx.statements:
        table = stmt.altered_table
        existing = ctx.existing_table(table) if table is not None else None
        if existing is None:
            continue
        for cmd in commands(stmt, "AT_AlterColumnType"):
            column = existing.column(cmd.get("name", ""))
            definition = fields(cmd.get("def", {}), "ColumnDef")
            new, _ = type_of(definition.get("typeName", {}))
            if column is None or not _crosses(column.type, new):
                continue
            using = definition.get("raw_default")
            if using is not None and any(
                kind == "FuncCall" and "timezone" in str(node.get("funcname")) for kind, node in walk(using)
            ):
                continue  # the author said which zone
            evidence = next(
                (
                    e
                    for e in (stmt.seeded_run.evidence if stmt.seeded_run else ())
                    if e.column == column.name and e.timezone
                ),
                None,
            )
            seen = ""
            if evidence is not None and evidence.converted is not None:
                old, after = evidence.converted
                seen = (
                    f" Replay over {evidence.rows:,} seeded rows, in TimeZone `{evidence.timezone}`: "
                    f"`{old}` became `{after}`; in another TimeZone the same row gets another instant."
                )
            target = "timestamptz" if new in _WITH_ZONE else "timestamp"
            yield Issue(
                message=(
                    f"`{table}.{column.name}` goes from {column.type} to {target} without `AT TIME ZONE`: "
                    "every stored value is reinterpreted in the TimeZone of the session that runs the "
                    f"migration, a setting of the deploy, not of the data.{seen}"
                ),
                path=stmt.path,
                line=stmt.line,
                table=table,
                statement=stmt.statement.text,
                fix=(
                    f"say which zone the stored values are in: `USING {column.name} AT TIME ZONE 'UTC'` (or "
                    "the zone the application wrote them in)"
                ),
                confirmed_by_replay=evidence is not None,
            )


def _crosses(old: str, new: str) -> bool:
    old_with = old.startswith("timestamp") and "with time zone" in old and "without" not in old
    old_without = old.startswith("timestamp") and not old_with
    return (old_without and new in _WITH_ZONE) or (old_with and new in _WITHOUT_ZONE)
