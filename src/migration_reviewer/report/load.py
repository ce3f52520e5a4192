"""Reading a JSON report back into a `Report`, for the publisher of the fork-safe workflow.

The file comes from a run that executed the pull request's code, so it is untrusted data: every field is
type-checked, strings and lists are capped, and the fields that templates print without an escaping filter
(codes, kinds, states) must match a strict pattern. Anything else is refused with the field's path.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, TypeVar

from migration_reviewer.analyzers.finding import Category, Finding, KnockOn, Location, Severity
from migration_reviewer.errors import UsageError
from migration_reviewer.replay.result import LockTaken, Outcome, StatementRun
from migration_reviewer.replay.statements import Statement
from migration_reviewer.report.model import (
    SCHEMA_VERSION,
    ColumnView,
    Handoff,
    MigrationEntry,
    MigrationError,
    ReferenceView,
    Report,
    SeededSummary,
    SetReport,
    TableView,
    Verdict,
)
from migration_reviewer.schema.model import SchemaChange

MAX_BYTES = 20_000_000
MAX_ITEMS = 5_000
MAX_TEXT = 20_000

_SHA = re.compile(r"[0-9a-f]{4,64}|WORKTREE")
_WORD = re.compile(r"[a-z][a-z0-9_-]{0,63}")
_RULE = re.compile(r"[A-Z]{2}[0-9]{3}")
_VERSION = re.compile(r"[0-9A-Za-z.+-]{1,40}")
_STATUSES = ("added", "modified", "deleted", "base")
_OUTCOMES = ("applied", "failed", "rolled-back", "not-run", "not-replayed")
_COLUMN_CHANGES = ("added", "changed", "dropped")
_TABLE_CHANGES = ("added", "changed", "dropped", "renamed")
_KEYS = ("PK", "FK", "UK")
_LOCK_MODE = re.compile(r"[A-Za-z]{1,40}")
_LOCK_LABEL = re.compile(r"[A-Z]{1,20}(?: [A-Z]{1,20}){0,3}")  # "ACCESS EXCLUSIVE"
_RELKIND = re.compile(r"[a-z ]{1,40}")

T = TypeVar("T")


class InvalidReport(UsageError):
    """The report file is not a report this version can read."""


def load_report(raw: bytes) -> Report:
    if len(raw) > MAX_BYTES:
        raise InvalidReport(f"the report is {len(raw)} bytes; at most {MAX_BYTES} are read")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidReport(f"the report is not JSON: {exc}") from None
    except RecursionError:
        raise InvalidReport("the report nests deeper than a JSON reader follows") from None
    return report_from_dict(data)


def report_from_dict(data: object) -> Report:
    r = _Fields(data, "report")
    version = r.get("schema_version", int)
    if version != SCHEMA_VERSION:
        raise InvalidReport(f"report schema_version {version}: this version reads {SCHEMA_VERSION}")
    tool = r.obj("tool")
    return Report(
        tool_version=tool.text("version", pattern=_VERSION),
        base=r.text("base", pattern=_SHA),
        head=r.text("head", pattern=_SHA),
        verdict=r.enum("verdict", Verdict),
        migration_sets=r.items("migration_sets", _set),
        findings=r.items("findings", _finding),
        handoff=_handoff(r.obj("handoff")) if r.has("handoff") else Handoff(),
    )


def _set(s: _Fields) -> SetReport:
    database = s.obj("database")
    return SetReport(
        path=s.text("path"),
        framework=s.text("framework", pattern=_WORD),
        dialect=s.text("dialect", pattern=_WORD),
        provider=database.text("provider", pattern=_WORD, optional=True),
        server_version=database.text("server_version", pattern=_VERSION, optional=True),
        migrations=s.items("migrations", _migration),
        schema_changes=s.items("schema_changes", _change),
        notes=s.strings("notes") if s.has("notes") else (),
        replayed=s.get("replayed", bool) if s.has("replayed") else True,
        base_migration_count=s.get("base_migrations", int) if s.has("base_migrations") else 0,
        tables=s.items("tables", _table) if s.has("tables") else (),
        **_baseline(s),
        seeded=_seeded(s.obj("seeded")) if s.get("seeded", dict, optional=True) is not None else None,
    )


def _seeded(s: _Fields) -> SeededSummary:
    tables, skipped = s.get("tables", dict), s.get("skipped", dict)
    if len(tables) + len(skipped) > MAX_ITEMS:
        raise InvalidReport(f"{s.where} names more than {MAX_ITEMS} tables")
    if not all(
        isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) for k, v in tables.items()
    ):
        raise InvalidReport(f"{s.where}.tables must map table names to row counts")
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in skipped.items()):
        raise InvalidReport(f"{s.where}.skipped must map table names to reasons")
    return SeededSummary(
        {k[:MAX_TEXT]: v for k, v in tables.items()}, {k[:MAX_TEXT]: v[:MAX_TEXT] for k, v in skipped.items()}
    )


def _baseline(s: _Fields) -> dict[str, Any]:
    if s.get("baseline", dict, optional=True) is None:
        return {}
    baseline = s.obj("baseline")
    return {"baseline_path": baseline.text("path"), "baseline_versions": baseline.strings("versions")}


def _migration(m: _Fields) -> MigrationEntry:
    error = None
    if m.get("error", dict, optional=True) is not None:
        e = m.obj("error")
        error = MigrationError(e.text("message"), e.text("path"), e.get("line", int))
    duration = m.get("duration_ms", (int, float), optional=True)
    applied = m.get("applied", bool)
    path = m.text("path")
    return MigrationEntry(
        id=m.text("id"),
        name=m.text("name") if m.has("name") else path.rsplit("/", 1)[-1],
        path=path,
        status=m.choice("status", _STATUSES),
        applied=applied,
        outcome=m.choice("outcome", _OUTCOMES) if m.has("outcome") else ("applied" if applied else "failed"),
        error=error,
        duration_ms=None if duration is None else float(duration),
        reversible=m.get("reversible", bool, optional=True),
        statements=m.items("statements", _statement_run) if m.has("statements") else (),
    )


def _statement_run(s: _Fields) -> StatementRun:
    line = s.get("line", int)
    hold = s.get("lock_hold_ms", (int, float), optional=True)
    return StatementRun(
        Statement("", s.text("path"), line, s.get("end_line", int) if s.has("end_line") else line),
        s.enum("outcome", Outcome),
        duration_ms=float(s.get("duration_ms", (int, float))),
        in_transaction=s.get("in_transaction", bool) if s.has("in_transaction") else False,
        locks=s.items(
            "locks",
            lambda lock: LockTaken(
                lock.text("relation"),
                lock.text("mode", pattern=_LOCK_MODE),
                lock.text("relkind", pattern=_RELKIND),
            ),
        ),
        rewrites=s.strings("rewrites") if s.has("rewrites") else (),
        rows=s.get("rows", int, optional=True),
        lock_hold_ms=None if hold is None else float(hold),
    )


def _change(c: _Fields) -> SchemaChange:
    return SchemaChange(
        kind=c.text("kind", pattern=_WORD),
        table=c.text("table", optional=True),
        name=c.text("name", optional=True),
        detail=c.text("detail"),
    )


def _table(t: _Fields) -> TableView:
    return TableView(
        name=t.text("name"),
        change=t.choice("change", _TABLE_CHANGES, optional=True),
        columns=t.items(
            "columns",
            lambda c: ColumnView(
                c.text("name"),
                c.text("type"),
                tuple(c.choice_list("keys", _KEYS)),
                c.choice("change", _COLUMN_CHANGES, optional=True),
            ),
        ),
        references=t.items(
            "references",
            lambda r: ReferenceView(
                r.strings("columns"),
                r.text("table"),
                r.choice("change", ("added", "dropped"), optional=True),
                r.get("optional", bool),
            ),
        ),
    )


def _finding(f: _Fields) -> Finding:
    return Finding(
        rule=f.text("rule", pattern=_RULE),
        name=f.text("name", pattern=_WORD),
        category=f.enum("category", Category),
        severity=f.enum("severity", Severity),
        message=f.text("message"),
        path=f.text("path", optional=True),
        line=f.get("line", int, optional=True),
        table=f.text("table", optional=True),
        fix=f.text("fix", optional=True),
        confirmed_by_replay=f.get("confirmed_by_replay", bool),
        statement=f.text("statement", optional=True) if f.has("statement") else None,
        knock_ons=f.items(
            "knock_ons",
            lambda k: KnockOn(
                k.text("path"), k.get("line", int, optional=True), k.text("message"), k.get("changed", bool)
            ),
        )
        if f.has("knock_ons")
        else (),
        locations=f.items("locations", _location) if f.has("locations") else (),
        acknowledged=f.text("acknowledged", optional=True) if f.has("acknowledged") else None,
    )


def _location(loc: _Fields) -> Location:
    duration = loc.get("duration_ms", (int, float), optional=True)
    return Location(
        path=loc.text("path"),
        line=loc.get("line", int, optional=True),
        table=loc.text("table", optional=True),
        statement=loc.text("statement", optional=True),
        lock=loc.text("lock", pattern=_LOCK_LABEL, optional=True),
        duration_ms=None if duration is None else float(duration),
    )


def _handoff(h: _Fields) -> Handoff:
    return Handoff(
        deploy_steps=h.strings("deploy_steps"),
        follow_ups=h.strings("follow_ups"),
        monitoring=h.strings("monitoring"),
        rollback=h.strings("rollback"),
        risk=h.text("risk") if h.has("risk") else "",
    )


class _Fields:
    """Typed access to one JSON object; errors name the field's path."""

    def __init__(self, data: object, where: str) -> None:
        if not isinstance(data, dict):
            raise InvalidReport(f"{where} must be an object")
        self.data = data
        self.where = where

    def has(self, key: str) -> bool:
        return key in self.data

    def get(self, key: str, kind: type[T] | tuple[type, ...], *, optional: bool = False) -> Any:
        value = self.data.get(key)
        if value is None and optional:
            return None
        # bool is an int in Python: a count given as true is as wrong as one given as "1".
        wrong_bool = isinstance(value, bool) and kind is not bool
        if not isinstance(value, kind) or wrong_bool:
            raise InvalidReport(f"{self.where}.{key} is missing or has the wrong type")
        return value

    def text(self, key: str, *, pattern: re.Pattern[str] | None = None, optional: bool = False) -> Any:
        value = self.get(key, str, optional=optional)
        if value is None:
            return None
        if len(value) > MAX_TEXT:
            value = value[:MAX_TEXT] + "…"
        if pattern is not None and not pattern.fullmatch(value):
            raise InvalidReport(f"{self.where}.{key} is not a valid value")
        return value

    def choice(self, key: str, allowed: tuple[str, ...], *, optional: bool = False) -> Any:
        value = self.get(key, str, optional=optional)
        if value is not None and value not in allowed:
            raise InvalidReport(f"{self.where}.{key} must be one of {', '.join(allowed)}")
        return value

    def enum(self, key: str, kind: Callable[[str], T]) -> T:
        try:
            return kind(self.get(key, str))
        except ValueError:
            raise InvalidReport(f"{self.where}.{key} is not a valid value") from None

    def obj(self, key: str) -> _Fields:
        return _Fields(self.data.get(key), f"{self.where}.{key}")

    def _list(self, key: str) -> list[Any]:
        values: list[Any] = self.get(key, list)
        if len(values) > MAX_ITEMS:
            raise InvalidReport(f"{self.where}.{key} has {len(values)} items; at most {MAX_ITEMS} are read")
        return values

    def items(self, key: str, build: Callable[[_Fields], T]) -> tuple[T, ...]:
        return tuple(build(_Fields(v, f"{self.where}.{key}[{i}]")) for i, v in enumerate(self._list(key)))

    def strings(self, key: str) -> tuple[str, ...]:
        values = self._list(key)
        if not all(isinstance(v, str) for v in values):
            raise InvalidReport(f"{self.where}.{key} must hold strings")
        return tuple(v[:MAX_TEXT] for v in values)

    def choice_list(self, key: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
        values = self.strings(key)
        if not all(v in allowed for v in values):
            raise InvalidReport(f"{self.where}.{key} may only hold {', '.join(allowed)}")
        return values
