"""Failures whose cause RP007 reports once: an extension no server found here has."""

from __future__ import annotations

from migration_reviewer.replay.result import ReplayError, SetReplay
from migration_reviewer.replay.statements import parse_tree


def fails_for_missing_extension(replay: SetReplay | None, error: ReplayError) -> bool:
    """Whether `error` is that of a `CREATE EXTENSION` of an extension the server lacked."""
    if replay is None or not replay.missing_extensions or "EXTENSION" not in error.statement.upper():
        return False
    tree = parse_tree(error.statement)
    created = tree.get("CreateExtensionStmt") if tree else None
    return created is not None and created["extname"] in {need.name for need in replay.missing_extensions}
