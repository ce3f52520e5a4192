"""What the SC1xx rules share: the statements that reach outside the throwaway database, and what the
replay made of them (it runs without superuser rights on the embedded server, so they usually fail)."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator

from migration_reviewer.analyzers.finding import Issue
from migration_reviewer.analyzers.sql import Node, SqlStatement, strings, walk
from migration_reviewer.replay.result import Outcome

_INSUFFICIENT_PRIVILEGE = "42501"


def called_functions(stmt: SqlStatement, among: Collection[str]) -> set[str]:
    """Which of the functions `among` the statement calls, including inside DO blocks and function
    bodies (their text is not parsed, so any `name(` counts there)."""
    text = stmt.lowered_text
    wanted = {name for name in among if name in text}
    if not wanted:
        return set()  # the usual case, decided without walking a tree that may hold a huge VALUES list
    found: set[str] = set()
    for node_type, node in walk(stmt.tree):
        if node_type == "FuncCall":
            names = strings(node.get("funcname"))
            if names:
                found.add(names[-1].lower())
    for body in bodies(stmt):
        found.update(_words_called(body))
    return found & wanted


def bodies(stmt: SqlStatement) -> Iterator[str]:
    """The source text of a DO block or a function the statement creates."""
    for option in option_values(stmt.body, "as"):
        yield from strings(option.get("List", {}).get("items")) if "List" in option else strings([option])


def option_values(body: Node, name: str) -> Iterator[Node]:
    """The arguments of the statement's `name` options (DefElems in `options` or `args`)."""
    for item in [*body.get("options", ()), *body.get("args", ())]:
        element = item.get("DefElem", {})
        if element.get("defname") == name and "arg" in element:
            yield element["arg"]


def _words_called(text: str) -> Iterator[str]:
    for match in re.finditer(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(", text):
        yield match.group(1).lower()


def issue(stmt: SqlStatement, what: str, fix: str) -> Issue:
    """The finding for one escape attempt, with what the replay did with it."""
    return Issue(
        message=f"{what}{_replay_note(stmt)}",
        path=stmt.path,
        line=stmt.line,
        fix=fix,
        statement=stmt.statement.text,
        confirmed_by_replay=stmt.applied,
    )


def _replay_note(stmt: SqlStatement) -> str:
    run = stmt.run
    if run is None:
        return ""
    if run.error is not None and run.error.sqlstate == _INSUFFICIENT_PRIVILEGE:
        return " The replay refused it: migrations run there without superuser rights."
    if run.outcome in (Outcome.APPLIED, Outcome.ROLLED_BACK):
        return " It ran on the throwaway server during the replay."
    return ""
