"""Compares a schema the project declares outside its migrations with the schema the replay built, and
reports only what the change made differ: drift already on the base branch is not repeated on every pull
request."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Issue
from migration_reviewer.schema.declared import DeclaredTable, compare

Parser = Callable[[str], Sequence[DeclaredTable] | None]


def declared_drift(ctx: AnalysisContext, kind: str, parse: Parser, fix: str) -> Iterator[Issue]:
    replay = ctx.replay
    if replay is None or replay.error is not None or replay.after is None:
        return
    adds_migrations = bool(ctx.migration_set.new_migrations)
    for file in ctx.migration_set.schema_files:
        declared = parse(file.head_text) if file.kind == kind and file.head_text is not None else None
        if declared is None:
            continue
        known: set[tuple[str, str, str | None]] = set()
        base = parse(file.base_text) if file.base_text is not None else None
        if base is not None and replay.before is not None:
            known = {(d.kind, d.table, d.column) for d in compare(base, replay.before)}
        name = f"`{file.path.rpartition('/')[2]}`"
        if file.changed and not adds_migrations:
            context = f" ({name} changed, but the change adds no migration)"
        elif not file.changed and adds_migrations:
            context = f" (the change adds migrations, but leaves {name} as it was)"
        else:
            context = ""
        for drift in compare(declared, replay.after):
            if (drift.kind, drift.table, drift.column) not in known:
                yield Issue(message=drift.describe(name) + context, path=file.path, line=drift.line,
                            table=drift.table, fix=fix, confirmed_by_replay=True)
