"""A finding: one thing a reviewer should know, tied to a file and line where there is one."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 2, "warning": 1, "info": 0}[self.value]


class Category(StrEnum):
    LOCK = "lock"
    BACKFILL = "backfill"
    ROLLBACK = "rollback"
    SCHEMA = "schema"
    SECURITY = "security"
    REPLAY = "replay"
    DRIFT = "drift"
    SUPPRESSION = "suppression"  # about the review's own ignore directives


@dataclass(frozen=True)
class Location:
    """One statement a finding covers: where it is, the table, and the lock it takes there (PostgreSQL's
    name for the mode, e.g. "ACCESS EXCLUSIVE": what the replay saw, else what the statement's kind
    takes) and how long it ran in the replay."""

    path: str
    line: int | None
    table: str | None = None
    statement: str | None = None
    lock: str | None = None
    duration_ms: float | None = None


@dataclass(frozen=True)
class KnockOn:
    """A later migration that fails only because of the one a finding is about (its root cause)."""

    path: str
    line: int | None
    message: str  # the server's own words
    changed: bool = False  # one of the change's migrations, not the base history's

    def to_dict(self) -> dict[str, object]:
        return {"path": self.path, "line": self.line, "message": self.message, "changed": self.changed}


@dataclass(frozen=True)
class Finding:
    rule: str  # code, e.g. "RP001"
    name: str  # kebab-case rule name
    category: Category
    severity: Severity
    message: str
    path: str | None = None
    line: int | None = None
    table: str | None = None
    fix: str | None = None
    confirmed_by_replay: bool = False
    statement: str | None = None  # the SQL the finding is about, shown in the comment
    migration_set: str | None = None  # the root of the migration set it belongs to
    knock_ons: tuple[KnockOn, ...] = ()  # later migrations that fail because of this one (RP002)
    # Every statement of one migration file this rule found (a finding is one rule on one file); path,
    # line, table and statement above are those of the first.
    locations: tuple[Location, ...] = ()
    acknowledged: str | None = None  # the author's comment above the statement that explains the risk

    @property
    def lines(self) -> tuple[int, ...]:
        """The lines of the statements it covers, in order."""
        located = tuple(loc.line for loc in self.locations if loc.line is not None)
        return located or ((self.line,) if self.line is not None else ())

    @property
    def sort_key(self) -> tuple[int, str, int, str]:
        return (-self.severity.rank, self.path or "", self.line or 0, self.rule)


@dataclass(frozen=True)
class Issue:
    """What a rule yields; the registry turns it into a Finding with the rule's code, name and family."""

    message: str
    path: str | None = None
    line: int | None = None
    table: str | None = None
    fix: str | None = None
    confirmed_by_replay: bool = False
    statement: str | None = None
    severity: Severity | None = None  # None: the rule's default
    knock_ons: tuple[KnockOn, ...] = ()
