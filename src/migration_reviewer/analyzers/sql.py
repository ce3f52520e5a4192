"""PostgreSQL statements as rules read them: the parse tree, the transaction the runner runs them in, the
timeouts in force, and what the replay saw when it ran them.

Trees come from pglast's JSON form (`parse_tree`, shared with the replay): plain dicts, several times
faster to build than pglast's node objects, which matters for `lint` on long files. A node is
`{"IndexStmt": {…fields…}}`; fields that hold their type's zero value (False, 0, "") are left out, so
read them with `.get`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from migration_reviewer.adapters.base import Migration, Wrapping
from migration_reviewer.replay.result import Outcome, StatementRun
from migration_reviewer.replay.statements import Statement, parse_tree
from migration_reviewer.schema.model import display_name

Node = dict[str, Any]


# The tree of one statement, or None when PostgreSQL's grammar rejects it (the replay, or the server in
# production, reports that).
parse = parse_tree


def tag(node: Node) -> str:
    """The node's type: "IndexStmt", "AlterTableCmd"…; "" for an absent node ({})."""
    return next(iter(node), "")


def fields(node: Node, expected: str | None = None) -> Node:
    """The node's fields; empty when `expected` names another type."""
    name = tag(node)
    if not name or (expected is not None and name != expected):
        return {}
    inner: Node = node[name]
    return inner


def strings(items: Iterable[Node] | None) -> list[str]:
    """[{"String": {"sval": "x"}}, …] → ["x", …]"""
    return [item["String"].get("sval", "") for item in items or () if "String" in item]


def relation(rangevar: Node) -> str:
    """A RangeVar's fields (or a wrapped RangeVar) as the report names tables: bare in public."""
    if "RangeVar" in rangevar:
        rangevar = rangevar["RangeVar"]
    return display_name(rangevar.get("schemaname") or "public", rangevar.get("relname", ""))


def qualified(names: Sequence[str]) -> str:
    """["s", "t"] or ["t"] → the report's name for the object."""
    if not names:
        return ""
    return display_name(names[-2] if len(names) > 1 else "public", names[-1])


def walk(node: Any) -> Iterator[tuple[str, Node]]:
    """Every node under `node`, depth first, as (type, fields)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key[:1].isupper() and isinstance(value, dict):
                yield key, value
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)


def type_of(type_name: Node) -> tuple[str, tuple[int, ...]]:
    """A TypeName's fields → (internal name, modifiers): varchar(20) → ("varchar", (20,))."""
    names = strings(type_name.get("names"))
    mods = tuple(
        int(fields(m).get("ival", {}).get("ival", 0))
        for m in type_name.get("typmods", ())
        if tag(m) == "A_Const"
    )
    name = names[-1] if names else ""
    if type_name.get("arrayBounds"):
        name += "[]"
    return name, mods


def constant(node: Node) -> str | int | float | bool | None:
    """The value of an A_Const (through casts), else None."""
    while tag(node) == "TypeCast":
        node = node["TypeCast"]["arg"]
    value = fields(node, "A_Const")
    for key in ("sval", "ival", "fval", "boolval"):
        if key in value:
            inner = value[key]
            if key == "fval":
                return float(inner.get("fval", "0"))
            if key == "ival":
                return int(inner.get("ival", 0))
            if key == "boolval":
                return bool(inner.get("boolval", False))
            return str(inner.get("sval", ""))
    return None


def has_option(options: Iterable[Node] | None, name: str) -> bool:
    """Whether a DefElem list (VACUUM (FULL), REINDEX (CONCURRENTLY)…) names `name`."""
    return any(fields(o, "DefElem").get("defname") == name for o in options or ())


@dataclass(frozen=True)
class Transaction:
    """A transaction the runner (or a BEGIN in the file) opens; statements in one share its locks."""

    id: int
    by_file: bool  # opened by a BEGIN the author wrote, rather than by the runner's wrapping


@dataclass(frozen=True)
class SqlStatement:
    """One statement of the change, with what is known about how it runs."""

    statement: Statement
    tree: Node | None  # None: the statement does not parse
    migration: Migration
    transaction: Transaction | None  # None: it runs on its own (autocommit)
    lock_timeout_ms: int | None  # set earlier in the same migration and still in force (0: disabled)
    statement_timeout_ms: int | None
    run: StatementRun | None = None  # what the replay saw; None when not replayed
    seeded_run: StatementRun | None = None  # the same statement in the replay over seeded rows
    # The tree's type and fields, read once: every rule asks for them.
    kind: str = field(init=False, default="")
    body: Node = field(init=False, default_factory=dict)
    # The table an ALTER TABLE changes (not ALTER INDEX, VIEW, SEQUENCE…), and its subcommands as their
    # fields: most rules ask, of every statement, so they are read as the statement is made.
    altered_table: str | None = field(init=False, default=None)
    alter_commands: tuple[Node, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        if not self.tree:
            return
        kind, body = tag(self.tree), fields(self.tree)
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "body", body)
        if kind == "AlterTableStmt" and body.get("objtype") == "OBJECT_TABLE":
            object.__setattr__(self, "altered_table", relation(body["relation"]))
            commands = tuple(fields(command, "AlterTableCmd") for command in body.get("cmds", ()))
            object.__setattr__(self, "alter_commands", commands)

    @cached_property
    def lowered_text(self) -> str:
        """The statement's text in lower case, for the rules that look for names in it before walking
        the tree: made once, not once per rule."""
        return self.statement.text.lower()

    @property
    def path(self) -> str:
        return self.statement.path

    @property
    def line(self) -> int:
        return self.statement.line

    @property
    def applied(self) -> bool:
        """The replay ran it without error (whether or not a later failure rolled it back)."""
        return self.run is not None and self.run.outcome in (Outcome.APPLIED, Outcome.ROLLED_BACK)

    @property
    def timed_run(self) -> StatementRun | None:
        """The run whose timings mean most: over seeded rows when there was one."""
        for run in (self.seeded_run, self.run):
            if run is not None and run.outcome in (Outcome.APPLIED, Outcome.ROLLED_BACK):
                return run
        return None


_TX_OPEN = {"TRANS_STMT_BEGIN", "TRANS_STMT_START"}
_TX_CLOSE = {"TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK", "TRANS_STMT_COMMIT_PREPARED"}


def statements_of(
    migrations: Sequence[Migration],
    split: Mapping[str, Sequence[Statement]],
    runs: Mapping[str, Sequence[StatementRun]],
    seeded_runs: Mapping[str, Sequence[StatementRun]],
) -> list[SqlStatement]:
    """The change's statements in order, each with the transaction the runner runs it in. Mirrors the
    replay's runner: the framework's wrapping, then BEGIN/COMMIT the author wrote; a statement outside
    any transaction commits on its own. `split`, `runs` and `seeded_runs` are keyed by migration id."""
    result: list[SqlStatement] = []
    tx: Transaction | None = None
    counter = 0

    def open_tx(by_file: bool) -> Transaction:
        nonlocal counter
        counter += 1
        return Transaction(counter, by_file)

    for migration in migrations:
        statements = split[migration.id]
        wrapping = migration.wrapping
        if wrapping is Wrapping.SCRIPT:  # one multi-statement query: an implicit transaction
            wrapping = Wrapping.PER_MIGRATION if len(statements) > 1 else Wrapping.NONE
        if wrapping in (Wrapping.PER_MIGRATION, Wrapping.BATCH) and tx is None:
            tx = open_tx(by_file=False)
        timeouts: dict[str, int | None] = {"lock_timeout": None, "statement_timeout": None}
        local: dict[str, int | None] = {}
        migration_runs = _aligned(statements, runs.get(migration.id, ()))
        seeded = _aligned(statements, seeded_runs.get(migration.id, ()))
        for index, statement in enumerate(statements):
            tree = None if statement.too_large_to_analyse else parse(statement.text)
            body = fields(tree) if tree else {}
            kind = tag(tree) if tree else ""
            if kind == "TransactionStmt" and body.get("kind") in _TX_OPEN and tx is None:
                tx = open_tx(by_file=True)
            in_force = {**timeouts, **local}
            result.append(
                SqlStatement(
                    statement,
                    tree,
                    migration,
                    tx,
                    in_force["lock_timeout"],
                    in_force["statement_timeout"],
                    migration_runs[index],
                    seeded[index],
                )
            )
            if kind == "TransactionStmt" and body.get("kind") in _TX_CLOSE:
                tx = None
                local = {}
            for name, value, is_local in _timeout_settings(kind, body):
                if is_local and tx is not None:
                    local[name] = value
                elif not is_local:
                    timeouts[name] = value
                    local.pop(name, None)
            if tx is None:
                local = {}
        if wrapping is Wrapping.PER_MIGRATION and tx is not None and not tx.by_file:
            tx = None
    return result


def _aligned(statements: Sequence[Statement], runs: Sequence[StatementRun]) -> list[StatementRun | None]:
    """The replay's runs by statement; none where the replay split the migration differently."""
    if len(runs) == len(statements) and all(
        r.statement.line == s.line and r.statement.path == s.path
        for r, s in zip(runs, statements, strict=True)
    ):
        return list(runs)
    return [None] * len(statements)


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(us|ms|s|min|h|d)?\s*$", re.I)
_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "min": 60_000.0, "h": 3_600_000.0, "d": 86_400_000.0}


def duration_ms(value: str | int | float | bool | None) -> int | None:
    """A timeout setting's value in milliseconds (PostgreSQL's units; a bare number is milliseconds)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return int(value)
    match = _DURATION.match(value)
    if not match:
        return None
    return int(float(match.group(1)) * _UNIT_MS[(match.group(2) or "ms").lower()])


_TIMEOUTS = ("lock_timeout", "statement_timeout")


def _timeout_settings(kind: str, body: Node) -> Iterator[tuple[str, int | None, bool]]:
    """(setting, milliseconds or None for the default, SET LOCAL?) for the timeouts a statement sets:
    SET, SET LOCAL, RESET, and `SELECT set_config('lock_timeout', '2s', is_local)`."""
    if kind == "VariableSetStmt" and body.get("name") in _TIMEOUTS:
        value = None
        if body.get("kind") == "VAR_SET_VALUE" and body.get("args"):
            value = duration_ms(constant(body["args"][0]))
        yield body["name"], value, bool(body.get("is_local"))
    elif kind == "SelectStmt":
        for node_type, call in walk(body.get("targetList")):
            if node_type != "FuncCall" or strings(call.get("funcname"))[-1:] != ["set_config"]:
                continue
            args = [constant(a) for a in call.get("args", ())]
            if len(args) == 3 and args[0] in _TIMEOUTS:
                yield str(args[0]), duration_ms(args[1]), bool(args[2])


def always_true(where: Node | None) -> bool:
    """Whether a row filter keeps every row, as written: no WHERE, `WHERE true`, `1 = 1`, `id IS NOT NULL`
    (a key is never NULL), and AND/OR of those. Conservative: False for any real condition."""
    if not where:
        return True
    if tag(where) in ("A_Const", "TypeCast"):
        return constant(where) is True
    if tag(where) == "A_Expr":
        expr = where["A_Expr"]
        if expr.get("kind") != "AEXPR_OP" or strings(expr.get("name")) != ["="]:
            return False
        left, right = constant(expr.get("lexpr", {})), constant(expr.get("rexpr", {}))
        return left is not None and left == right and type(left) is type(right)
    if tag(where) == "NullTest":
        test = where["NullTest"]
        column = strings(fields(test.get("arg", {}), "ColumnRef").get("fields"))
        return test.get("nulltesttype") == "IS_NOT_NULL" and column[-1:] == ["id"]
    if tag(where) == "BoolExpr":
        expr = where["BoolExpr"]
        args = expr.get("args", ())
        if expr.get("boolop") == "AND_EXPR":
            return all(always_true(arg) for arg in args)
        if expr.get("boolop") == "OR_EXPR":
            return any(always_true(arg) for arg in args)
    return False
