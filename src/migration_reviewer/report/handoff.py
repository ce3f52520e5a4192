"""Hand-off notes: what a careful database reviewer would leave for whoever deploys the change.

Derived from the schema diff, the findings and the rollback experiment; pure. Each note is one line of
plain text in which object names are quoted with backticks (renderers turn those into code spans).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from migration_reviewer.adapters.base import Dialect
from migration_reviewer.analyzers.finding import Category, Finding, Severity
from migration_reviewer.analyzers.sql import Node, fields, parse, relation, strings, tag, walk
from migration_reviewer.replay.result import Outcome, SetReplay
from migration_reviewer.report.model import Handoff
from migration_reviewer.schema.model import PUBLIC, SchemaChange, SchemaSnapshot, Table
from migration_reviewer.wording import counted

# How each framework's own tool rolls back, and what to do where it cannot.
_ROLLBACK_COMMANDS = {
    "golang-migrate": "`migrate -path {root} -database $DATABASE_URL down {count}`",
    "dbmate": "`dbmate rollback`, once per migration ({count})",
    "plain-sql": "run the down files in reverse order ({count})",
}
_NO_DOWN_FRAMEWORKS = {
    "prisma": "Prisma has no down migrations: write a new migration that reverses the change, or revert "
    "it by hand and mark it with `prisma migrate resolve --rolled-back <migration>`",
    "drizzle": "Drizzle has no down migrations: generate a new migration that reverses the change",
    "supabase": "Supabase has no down migrations: write a new migration that reverses the change, or revert "
    "by hand and run `supabase migration repair --status reverted <version>`",
}


def build_handoff(replays: Sequence[SetReplay], findings: Iterable[Finding]) -> Handoff:
    findings = list(findings)
    deploy: list[str] = []
    follow_ups: list[str] = []
    monitoring: list[str] = []
    rollback: list[str] = []
    for replay in replays:
        if replay.error is not None or not replay.runs:
            continue
        changes = replay.changes
        dialect = replay.migration_set.dialect
        own = [f for f in findings if f.migration_set == replay.migration_set.root]
        deploy += _deploy_steps(replay, changes)
        follow_ups += _follow_ups(changes) + _backfill_follow_ups(replay, own)
        monitoring += _monitoring(dialect, changes, own)
        rollback += _rollback(replay)
    return Handoff(
        deploy_steps=_unique(deploy),
        follow_ups=_unique(follow_ups),
        monitoring=_unique(monitoring),
        rollback=_unique(rollback),
        risk=_risk(findings) if any(r.error is None and r.runs for r in replays) else "",
    )


def _unique(notes: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(notes))


def _names(changes: Iterable[SchemaChange]) -> str:
    return ", ".join(f"`{'.'.join(p for p in (c.table, c.name) if p)}`" for c in changes)


def _deploy_steps(replay: SetReplay, changes: list[SchemaChange]) -> list[str]:
    steps: list[str] = []
    removed = [c for c in changes if c.kind in ("column_dropped", "table_dropped", "view_dropped")]
    renamed = [c for c in changes if c.kind in ("column_renamed", "table_renamed")]
    if removed:
        steps.append(
            f"Contract step: ship the application release that no longer reads or writes {_names(removed)} "
            "first, and only then run these migrations; the running release breaks the moment they apply"
        )
    if renamed:
        steps.append(
            f"A rename ({_names(renamed)}) breaks the release that is running while the migration applies: "
            "prefer expand/contract (add the new name, write both, switch reads, drop the old name later)"
        )
    required = [
        c
        for c in changes
        if c.kind == "column_added" and "NOT NULL" in c.detail and "DEFAULT" not in c.detail
    ]
    if required:
        steps.append(
            f"New required columns {_names(required)} have no default: the running release's INSERTs fail "
            "until the release that fills them is live; add a default or ship that release first"
        )
    added = [c for c in changes if c.kind in ("table_added", "column_added")]
    if added and not removed:
        steps.append(
            "Expand step: run the migrations before deploying the code that uses "
            + _names(added[:8])
            + (" and more" if len(added) > 8 else "")
        )
    applied = [run.migration.name for run in replay.runs if run.outcome is Outcome.APPLIED]
    if len(applied) > 1:
        steps.append("Migrations apply in this order: " + ", ".join(f"`{name}`" for name in applied))
    return steps


def _follow_ups(changes: list[SchemaChange]) -> list[str]:
    notes: list[str] = []
    for change in changes:
        if change.kind == "constraint_added" and "NOT VALID" in change.detail:
            notes.append(
                f"Validate `{change.name}` in a later migration once existing rows are checked: "
                f"`ALTER TABLE {change.table} VALIDATE CONSTRAINT {change.name}` (takes only SHARE UPDATE "
                "EXCLUSIVE, so reads and writes go on)"
            )
        elif change.kind == "column_renamed":
            notes.append(
                f"Remove the application's fallback to the old name of `{change.table}.{change.name}`"
            )
        elif change.kind == "index_added" and "INVALID" in change.detail.upper():
            notes.append(f"Drop and rebuild the invalid index `{change.name}` (a failed CONCURRENTLY build)")
    return notes


def _backfill_follow_ups(replay: SetReplay, findings: list[Finding]) -> list[str]:
    """What is left to do after the backfills the findings point at: NOT NULL enforced once the batches
    are done, and the old column or table dropped after the contract phase."""
    notes: list[str] = []
    backfills = [f for f in findings if f.rule in ("BF002", "BF004")]
    # A finding covers every such statement of its file: each one's follow-ups count.
    statements = [s for f in backfills for s in ([loc.statement for loc in f.locations] or [f.statement])]
    for statement in statements:
        tree = parse(statement) if statement else None
        kind, body = (tag(tree), fields(tree)) if tree else ("", {})
        if kind == "UpdateStmt":
            table = relation(body["relation"])
            # Columns of the updated row: bare, or qualified by the table's name or alias (not a FROM's).
            own = {
                None,
                body["relation"].get("relname"),
                body["relation"].get("alias", {}).get("aliasname"),
            }
            for target in body.get("targetList", ()):
                column = fields(target, "ResTarget")
                notes += _after_column_backfill(replay, table, column.get("name", ""), column.get("val"), own)
        elif kind == "InsertStmt":
            target = relation(body["relation"])
            sources = sorted(
                {relation(n) for node_type, n in walk(body.get("selectStmt")) if node_type == "RangeVar"}
                - {target}
            )
            if sources:
                old = ", ".join(f"`{t}`" for t in sources)
                notes.append(
                    f"Keep the application writing both {old} and `{target}` "
                    f"until every running release reads `{target}`; then stop the double writes and drop "
                    "the old copy in a later migration (the contract phase)"
                )
    return notes


def _after_column_backfill(
    replay: SetReplay, table: str, column: str, value: Node | None, own: set[str | None]
) -> list[str]:
    head = _table(replay.after, table)
    described = head.column(column) if head else None
    if head is None or described is None:
        return []
    notes = []
    if described.nullable:
        notes.append(
            f"If `{table}.{column}` must always be set, enforce NOT NULL once the batched backfill is done, "
            f"in later migrations: `ALTER TABLE {table} ADD CONSTRAINT {head.name}_{column}_not_null "
            f"CHECK ({column} IS NOT NULL) NOT VALID`, then `VALIDATE CONSTRAINT`, then `SET NOT NULL`"
        )
    names = [strings(ref.get("fields")) for kind, ref in walk(value) if kind == "ColumnRef"]
    sources = {n[-1] for n in names if n and (n[-2] if len(n) > 1 else None) in own}
    for source in sorted(name for name in sources if name != column and head.column(name)):
        notes.append(
            f"Drop the old column `{table}.{source}` after the contract phase, once no running release "
            f"reads it (it was copied into `{column}`)"
        )
    return notes


def _table(snapshot: SchemaSnapshot | None, name: str) -> Table | None:
    schema, _, bare = name.rpartition(".")
    return snapshot.table(schema or PUBLIC, bare) if snapshot else None


# Where each server shows sessions waiting for a lock, and how far replicas lag; SQLite has neither.
_LOCK_WAITS = {
    Dialect.POSTGRESQL: "`SELECT pid, wait_event_type, state, query FROM pg_stat_activity WHERE "
    "wait_event_type = 'Lock'`",
    Dialect.MYSQL: "`SELECT * FROM performance_schema.metadata_locks WHERE LOCK_STATUS = 'PENDING'` (or "
    "`SHOW PROCESSLIST`: 'Waiting for table metadata lock')",
}
_REPLICATION_LAG = {
    Dialect.POSTGRESQL: "replication lag (`pg_stat_replication.replay_lag`) and dead tuples "
    "(`pg_stat_user_tables.n_dead_tup`)",
    Dialect.MYSQL: "replication lag (`Seconds_Behind_Source` in `SHOW REPLICA STATUS`)",
}


# Findings about statements that write many rows: what replicas must replay.
_WRITES_ROWS = frozenset({"BF002", "BF003", "BF004", "BF005"})


def _monitoring(dialect: Dialect, changes: list[SchemaChange], findings: list[Finding]) -> list[str]:
    notes: list[str] = []
    locked = sorted({f.table for f in findings if f.category is Category.LOCK and f.table})
    if locked and dialect in _LOCK_WAITS:
        tables = ", ".join(f"`{t}`" for t in locked)
        notes.append(
            f"Watch lock waits on {tables} while the migration runs: {_LOCK_WAITS[dialect]}; a long queue "
            "there means the application is blocked"
        )
    new_tables = {c.table for c in changes if c.kind == "table_added"}
    if dialect is Dialect.POSTGRESQL and any(
        c.kind == "index_added" and c.table not in new_tables for c in changes
    ):
        notes.append(
            "Follow index builds with `SELECT * FROM pg_stat_progress_create_index`; a CONCURRENTLY build "
            "waits for every transaction older than it"
        )
    backfilled = sorted({f.table for f in findings if f.rule in _WRITES_ROWS and f.table})
    if backfilled and dialect in _REPLICATION_LAG:
        tables = ", ".join(f"`{t}`" for t in backfilled)
        notes.append(
            f"Watch {_REPLICATION_LAG[dialect]} while rows of {tables} are written; pause between batches "
            "when replicas fall behind"
        )
    if any(f.rule == "RP004" and f.severity is Severity.ERROR for f in findings):
        notes.append(
            "The migration fails on tables with rows (see RP004): it will not get as far as the deploy"
        )
    return notes


def _risk(findings: list[Finding]) -> str:
    """The risk in one paragraph, from the findings a reviewer must weigh (warnings and errors), each
    reason with its rule codes; empty when there are none, because the verdict line says it all."""
    weighed = [f for f in findings if f.severity is not Severity.INFO]
    if not weighed:
        return ""
    errors = sum(1 for f in weighed if f.severity is Severity.ERROR)
    warnings = len(weighed) - errors
    parts: list[str] = []
    for category, reason in _RISK_REASONS:
        found = [f for f in weighed if f.category is category]
        if not found:
            continue
        named = sorted({f.table for f in found if f.table})
        tables = ", ".join(f"`{t}`" for t in named[:5]) + (" and more" if len(named) > 5 else "")
        codes = ", ".join(sorted({f.rule for f in found}))
        parts.append(reason.format(tables=tables or "the changed tables") + f" ({codes})")
    level = "High" if errors else "Medium"
    counts = f"{counted(errors, 'error')}, {counted(warnings, 'warning')}"
    return f"{level} risk ({counts}): {'; '.join(parts)}."


# Why a family of findings matters to whoever deploys, in the order a reviewer weighs them.
_RISK_REASONS = (
    (Category.REPLAY, "the migrations fail on the replay, or would on rows production may hold"),
    (Category.DRIFT, "the migration history does not match what the runner expects"),
    (Category.LOCK, "they block traffic on {tables} while they run"),
    (Category.BACKFILL, "their outcome depends on the rows already in {tables}, or they rewrite them"),
    (Category.ROLLBACK, "a rollback cannot restore everything for {tables}"),
    (Category.SECURITY, "they change who can read or write {tables}"),
    (Category.SCHEMA, "the schema they leave has problems in {tables}"),
    (Category.SUPPRESSION, "ignore directives need attention"),
)


def _rollback(replay: SetReplay) -> list[str]:
    framework = replay.migration_set.framework
    new = replay.migration_set.new_migrations
    if framework in _NO_DOWN_FRAMEWORKS:
        notes = [_NO_DOWN_FRAMEWORKS[framework]]
        notes += _reverse_ddl(replay.changes, replay.migration_set.dialect)
        return notes
    rollback = replay.rollback
    if rollback is None:
        return [f"No down migration to test for `{replay.migration_set.root or '.'}`"] if new else []
    if any(run.outcome is not Outcome.APPLIED for run in rollback.up_runs):
        return ["The rollback was not tested: the migrations themselves fail (see the replay findings)"]
    failed = [s for s in rollback.steps if s.down_run is None or s.down_run.outcome is not Outcome.APPLIED]
    leftovers = [s for s in rollback.steps if s.leftovers]
    again = [r for r in rollback.up_again_runs if r.outcome is Outcome.FAILED]
    command = _ROLLBACK_COMMANDS.get(framework, "run the down migrations in reverse order ({count})")
    command = command.format(root=replay.migration_set.root or ".", count=len(new))
    if not failed and not leftovers and not again and len(rollback.steps) == len(new):
        return [
            f"Roll back with {command}: tested here, the downs restore the base schema and the "
            "migrations apply again afterwards"
        ]
    notes = [f"Roll back with {command}, but see the rollback findings: the tested rollback is incomplete"]
    notes += _reverse_ddl(replay.changes, replay.migration_set.dialect)
    return notes


def _reverse_ddl(changes: list[SchemaChange], dialect: Dialect) -> list[str]:
    """SQL that undoes the schema changes, generated from the diff (marked as such) in the set's
    dialect, and what it cannot bring back."""
    statements: list[str] = []
    lost: list[str] = []
    new_tables = {c.table for c in changes if c.kind == "table_added"}
    for change in reversed(changes):
        if change.table in new_tables and change.kind != "table_added":
            continue  # dropping the table undoes its indexes and constraints too
        if change.kind in ("column_dropped", "table_dropped"):
            lost.append(f"`{'.'.join(p for p in (change.table, change.name) if p)}`")
            continue
        statement = _reverse(change, dialect)
        if statement is not None:
            statements.append(statement)
    notes = []
    if statements:
        notes.append(
            "Generated reverse of the schema change (review before use): "
            + " ".join(f"`{s}`" for s in statements)
        )
    if lost:
        notes.append(f"Data a rollback cannot bring back: {', '.join(lost)} (restore from a backup)")
    return notes


def _reverse(change: SchemaChange, dialect: Dialect) -> str | None:
    """The statement that undoes one change, where the dialect has one that needs nothing more than the
    diff (MySQL's MODIFY COLUMN would need the whole column definition, SQLite cannot drop a constraint)."""
    table, name = _quote(change.table, dialect), _quote(change.name, dialect)
    old, _, new = change.detail.partition(" → ")
    if change.kind == "table_added":
        return f"DROP TABLE {table};"
    if change.kind == "column_added":
        return f"ALTER TABLE {table} DROP COLUMN {name};"
    if change.kind == "index_added" and name:
        return {
            Dialect.POSTGRESQL: f"DROP INDEX CONCURRENTLY {name};",
            Dialect.MYSQL: f"DROP INDEX {name} ON {table};",
        }.get(dialect, f"DROP INDEX {name};")
    if change.kind == "constraint_added" and table and name and not name.endswith("_pkey"):
        return None if dialect is Dialect.SQLITE else f"ALTER TABLE {table} DROP CONSTRAINT {name};"
    if not new:
        return None
    if change.kind == "column_renamed":
        return f"ALTER TABLE {table} RENAME COLUMN {_quote(new, dialect)} TO {_quote(old, dialect)};"
    if change.kind == "table_renamed":
        bare = _quote(old.rsplit(".", 1)[-1], dialect)
        if dialect is Dialect.MYSQL:
            return f"RENAME TABLE {_quote(new, dialect)} TO {bare};"
        return f"ALTER TABLE {_quote(new, dialect)} RENAME TO {bare};"
    if change.kind == "column_type_changed" and dialect is Dialect.POSTGRESQL:
        return f"ALTER TABLE {table} ALTER COLUMN {name} TYPE {old};"
    return None


_PLAIN = re.compile(r"[a-z_][a-z0-9_$]*")


def _quote(name: str | None, dialect: Dialect) -> str:
    """An identifier as SQL needs it: quoted where it has capitals or other characters (Prisma's "User").
    MySQL's quotes are backticks, which would break the note's code span: its names stay bare (its
    identifiers are case-preserving without quotes)."""
    if name is None:
        return ""
    if dialect is Dialect.MYSQL:
        return name
    return ".".join(
        part if _PLAIN.fullmatch(part) else '"' + part.replace('"', '""') + '"' for part in name.split(".")
    )
