"""One finding per rule per migration file: the statements a rule found in one file become the
`locations` of a single finding, whose message names them all.

A migration that adds a foreign key to eight tables gives eight statements per rule; a reviewer wants to
read "8 statements take SHARE ROW EXCLUSIVE on: `orders` (line 3), `items` (line 6), …" once, not the same
paragraph eight times. Every statement keeps its place (SARIF results and annotations still point at each
line) and the lock it takes, named once for all rules (`statement_lock`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.evidence import statement_lock
from migration_reviewer.analyzers.finding import Finding, Location, Severity
from migration_reviewer.analyzers.locks import LockMode
from migration_reviewer.analyzers.sql import SqlStatement

# Statements named one by one in a grouped message; the rest are counted.
NAMED_IN_MESSAGE = 10


def group_findings(context: AnalysisContext, findings: Iterable[Finding]) -> list[Finding]:
    """The findings with those of one rule on one file (at one severity: an acknowledged note stays apart
    from the warnings) merged, in the order each group's first finding came."""
    statements = {(stmt.path, stmt.line): stmt for stmt in context.statements}
    groups: dict[tuple[str, str, Severity, bool], list[Finding]] = {}
    result: list[Finding | tuple[str, str, Severity, bool]] = []
    for finding in findings:
        if finding.path is None:
            result.append(finding)
            continue
        key = (finding.rule, finding.path, finding.severity, finding.acknowledged is not None)
        if key not in groups:
            groups[key] = []
            result.append(key)
        groups[key].append(finding)
    merged: list[Finding] = []
    for item in result:
        if isinstance(item, Finding):
            merged.append(item)
        else:
            merged.append(_merge(context, groups[item], statements))
    return merged


def _merge(
    context: AnalysisContext,
    group: list[Finding],
    statements: dict[tuple[str, int], SqlStatement],
) -> Finding:
    # The same statement may be found twice for different reasons (two columns of one CREATE TABLE):
    # only exact repeats go.
    members = sorted({(f.line, f.table, f.message): f for f in group}.values(), key=lambda f: f.line or 0)
    locations = tuple(_location(context, f, statements.get((f.path or "", f.line or 0))) for f in members)
    first = members[0]
    merged = replace(
        first,
        locations=locations,
        confirmed_by_replay=any(f.confirmed_by_replay for f in members),
        acknowledged=first.acknowledged,
    )
    if len(members) == 1:
        return merged
    if len({f.line for f in members}) == 1:  # one statement: what the rule said of each part of it
        return replace(merged, message=" ".join(_sentence(f.message) for f in members))
    return replace(merged, message=grouped_message(locations, first))


def _sentence(message: str) -> str:
    return message if message.endswith((".", ")", "…")) else message + "."


def _location(context: AnalysisContext, finding: Finding, stmt: SqlStatement | None) -> Location:
    lock = duration = None
    if stmt is not None:
        mode = statement_lock(context, stmt, finding.table)
        lock = mode.label if mode is not None else None
        run = stmt.timed_run
        duration = run.duration_ms if run is not None else None
    return Location(
        path=finding.path or "",
        line=finding.line,
        table=finding.table,
        statement=finding.statement,
        lock=lock,
        duration_ms=duration,
    )


def grouped_message(locations: tuple[Location, ...], first: Finding) -> str:
    """'8 statements take SHARE (writes wait, reads continue) on `orders` (line 3), `items` (line 6), …'
    and then what the rule said about the first of them (the rule's code and name say what it finds)."""
    tables_by_line: dict[int | None, list[str]] = {}
    for loc in locations:
        named = tables_by_line.setdefault(loc.line, [])
        if loc.table and f"`{loc.table}`" not in named:
            named.append(f"`{loc.table}`")
    lines = list(tables_by_line)
    more = f", {len(lines) - NAMED_IN_MESSAGE} more" if len(lines) > NAMED_IN_MESSAGE else ""
    one_table = {t for tables in tables_by_line.values() for t in tables}
    if len(one_table) == 1 and all(tables_by_line.values()) and None not in tables_by_line:
        numbers = ", ".join(str(line) for line in lines[:NAMED_IN_MESSAGE])
        places = [f"{one_table.pop()} (lines {numbers}{more})"]
    else:
        places = [_place(line, tables) for line, tables in list(tables_by_line.items())[:NAMED_IN_MESSAGE]]
        places += [more.removeprefix(", ")] if more else []
    several = len(tables_by_line) > 1
    # A schema file's findings (schema.prisma, database.types.ts) are about declarations, not statements.
    noun = "statement" if all(loc.statement for loc in locations) else "place"
    count = f"{len(tables_by_line)} {noun}{'s' if several else ''}"
    locks = {loc.lock for loc in locations}
    if len(locks) == 1 and None not in locks:
        mode = LockMode[str(next(iter(locks))).replace(" ", "_")]
        count += f" take{'' if several else 's'} {mode.label} ({mode.blocks}) on"
    else:
        count += ":"
    first_place = f"At line {first.line}: " if first.line is not None else "First: "
    return f"{count} {', '.join(places)}. {first_place}{first.message}"


def _place(line: int | None, tables: list[str]) -> str:
    where = f"line {line}" if line is not None else ""
    if tables:
        return f"{', '.join(tables)} ({where})" if where else ", ".join(tables)
    return where or "the file"
