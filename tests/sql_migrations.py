"""Builds the migrations of a set by hand, for tests that replay without a repository."""

from __future__ import annotations

from migration_reviewer.adapters.base import Migration, MigrationStatus, SqlScript, Wrapping


def sql_migration(
    number: int,
    up: str,
    *,
    folder: str = "db",
    status: MigrationStatus = MigrationStatus.ADDED,
    wrapping: Wrapping = Wrapping.SCRIPT,
    down: str | None = None,
) -> Migration:
    """Migration `number` of `folder`, as golang-migrate names its files (`003.up.sql`, `003.down.sql`)."""
    path = f"{folder}/{number:03d}.up.sql"
    return Migration(
        str(number),
        f"m{number}",
        path,
        status,
        (SqlScript(path, up),),
        down=(SqlScript(path.replace(".up.", ".down."), down),) if down is not None else None,
        wrapping=wrapping,
    )
