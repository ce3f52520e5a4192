"""Hand-off notes: what a careful database reviewer would leave for whoever deploys the change.

Derived from the schema diff, the findings and the rollback experiment; pure. Each note is one line of
plain text in which object names are quoted with backticks (renderers turn those into code spans).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from migration_reviewer.analyzers.finding import Category, Finding, Severity
from migration_reviewer.replay.result import Outcome, SetReplay
from migration_reviewer.report.model import Handoff
from migration_reviewer.schema.model import SchemaChange

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
        deploy += _deploy_steps(replay, changes)
        follow_ups += _follow_ups(changes)
        monitoring += _monitoring(
            changes, [f for f in findings if f.migration_set == replay.migration_set.root]
        )
        rollback += _rollback(replay)
    return Handoff(
        deploy_steps=_unique(deploy),
        follow_ups=_unique(follow_ups),
        monitoring=_unique(monitoring),
        rollback=_unique(rollback),
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


def _monitoring(changes: list[SchemaChange], findings: list[Finding]) -> list[str]:
    notes: list[str] = []
    locked = sorted({f.table for f in findings if f.category is Category.LOCK and f.table})
    if locked:
        tables = ", ".join(f"`{t}`" for t in locked)
        notes.append(
            f"Watch lock waits on {tables} while the migration runs: `SELECT pid, wait_event_type, "
            "state, query FROM pg_stat_activity WHERE wait_event_type = 'Lock'`; a long queue there means "
            "the application is blocked"
        )
    new_tables = {c.table for c in changes if c.kind == "table_added"}
    if any(c.kind == "index_added" and c.table not in new_tables for c in changes):
        notes.append(
            "Follow index builds with `SELECT * FROM pg_stat_progress_create_index`; a CONCURRENTLY build "
            "waits for every transaction older than it"
        )
    if any(f.category is Category.BACKFILL for f in findings):
        notes.append(
            "Watch replication lag (`pg_stat_replication.replay_lag`) and dead tuples during the backfill"
        )
    if any(f.rule == "RP004" and f.severity is Severity.ERROR for f in findings):
        notes.append(
            "The migration fails on tables with rows (see RP004): it will not get as far as the deploy"
        )
    return notes


def _rollback(replay: SetReplay) -> list[str]:
    framework = replay.migration_set.framework
    new = replay.migration_set.new_migrations
    if framework in _NO_DOWN_FRAMEWORKS:
        notes = [_NO_DOWN_FRAMEWORKS[framework]]
        notes += _reverse_ddl(replay.changes)
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
    notes += _reverse_ddl(replay.changes)
    return notes


def _reverse_ddl(changes: list[SchemaChange]) -> list[str]:
    """SQL that undoes the schema changes, generated from the diff (marked as such), and what it cannot
    bring back."""
    statements: list[str] = []
    lost: list[str] = []
    new_tables = {c.table for c in changes if c.kind == "table_added"}
    for change in reversed(changes):
        if change.table in new_tables and change.kind != "table_added":
            continue  # dropping the table undoes its indexes and constraints too
        table, name = _quote(change.table), _quote(change.name)
        if change.kind == "table_added":
            statements.append(f"DROP TABLE {table};")
        elif change.kind == "column_added":
            statements.append(f"ALTER TABLE {table} DROP COLUMN {name};")
        elif change.kind == "index_added" and name:
            statements.append(f"DROP INDEX CONCURRENTLY {name};")
        elif change.kind == "constraint_added" and table and name and not name.endswith("_pkey"):
            statements.append(f"ALTER TABLE {table} DROP CONSTRAINT {name};")
        elif change.kind == "column_renamed" and " → " in change.detail:
            old, new = change.detail.split(" → ", 1)
            statements.append(f"ALTER TABLE {table} RENAME COLUMN {_quote(new)} TO {_quote(old)};")
        elif change.kind == "table_renamed" and " → " in change.detail:
            old, new = change.detail.split(" → ", 1)
            statements.append(f"ALTER TABLE {_quote(new)} RENAME TO {_quote(old.rsplit('.', 1)[-1])};")
        elif change.kind in ("column_dropped", "table_dropped"):
            lost.append(f"`{'.'.join(p for p in (change.table, change.name) if p)}`")
        elif change.kind == "column_type_changed" and " → " in change.detail:
            old = change.detail.split(" → ", 1)[0]
            statements.append(f"ALTER TABLE {table} ALTER COLUMN {name} TYPE {old};")
    notes = []
    if statements:
        notes.append(
            "Generated reverse of the schema change (review before use): "
            + " ".join(f"`{s}`" for s in statements)
        )
    if lost:
        notes.append(f"Data a rollback cannot bring back: {', '.join(lost)} (restore from a backup)")
    return notes


_PLAIN = re.compile(r"[a-z_][a-z0-9_$]*")


def _quote(name: str | None) -> str:
    """An identifier as SQL needs it: quoted where it has capitals or other characters (Prisma's "User")."""
    if name is None:
        return ""
    return ".".join(
        part if _PLAIN.fullmatch(part) else '"' + part.replace('"', '""') + '"' for part in name.split(".")
    )
