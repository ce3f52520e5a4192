"""What the replay saw: per migration and per statement, and the schema before and after."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from migration_reviewer.adapters.base import Baseline, Migration, MigrationSet
from migration_reviewer.replay.extensions import ExtensionNeed
from migration_reviewer.replay.statements import Statement
from migration_reviewer.schema.model import SchemaChange, SchemaSnapshot

if TYPE_CHECKING:  # types only: `lint` starts without the declared-schema readers
    from migration_reviewer.schema.declared import Drift


class Outcome(StrEnum):
    APPLIED = "applied"
    FAILED = "failed"
    ROLLED_BACK = "rolled-back"  # ran without error, but its transaction was rolled back by a later failure
    NOT_RUN = "not-run"  # an earlier failure stopped the runner before it


@dataclass(frozen=True)
class LockTaken:
    relation: str  # "table" or "schema.table"
    mode: str  # e.g. "AccessExclusiveLock"
    relkind: str  # "table", "index", "sequence", "view", "materialized view", "partitioned table"…


@dataclass(frozen=True)
class ReplayError:
    message: str
    path: str
    line: int
    statement: str
    sqlstate: str | None = None
    detail: str | None = None  # the server's DETAIL/HINT lines, when any
    table: str | None = None  # the objects the server names in the error, when it does
    column: str | None = None
    constraint: str | None = None


@dataclass(frozen=True)
class RowEvidence:
    """What the seeded rows held in a column just before a statement changed it (SET NOT NULL, a type
    change): the server's own count, for a finding to say which rows are in the way."""

    table: str  # "name" or "schema.name"
    column: str
    rows: int  # rows the table held
    nulls: int = 0  # rows holding NULL in the column
    null_key: str | None = None  # the key of the first of them, as "id=10"
    values: tuple[tuple[str, int], ...] = ()  # the column's values as text, with their row counts
    # A timestamp column: the session's TimeZone, and the oldest value as stored and as the other of
    # timestamp / timestamptz reads it there (what a cast between the two does to it).
    timezone: str | None = None
    converted: tuple[str, str] | None = None

    def count_of(self, value: str) -> int | None:
        return next((count for held, count in self.values if held == value), None)


@dataclass
class StatementRun:
    statement: Statement
    outcome: Outcome
    duration_ms: float = 0.0
    in_transaction: bool = False
    locks: tuple[LockTaken, ...] = ()  # relation locks this statement took (not held before it)
    rewrites: tuple[str, ...] = ()  # relations whose storage was rewritten (relfilenode changed)
    rows: int | None = None  # rows the statement reported (INSERT/UPDATE/DELETE…)
    error: ReplayError | None = None
    lock_hold_ms: float | None = None  # from this statement until its transaction ended
    form: str | None = None  # the least disruptive way the server accepted it, where asked (see Session)
    evidence: tuple[RowEvidence, ...] = ()  # over seeded rows: what the column held just before it ran


@dataclass
class MigrationRun:
    migration: Migration
    outcome: Outcome
    statements: list[StatementRun] = field(default_factory=list)
    duration_ms: float = 0.0
    error: ReplayError | None = None


@dataclass(frozen=True)
class SeededTable:
    table: str  # "name" or "schema.name"
    rows: int
    duration_ms: float


@dataclass
class SeedResult:
    tables: list[SeededTable] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # table → why it holds no rows

    def rows_of(self, table: str) -> int | None:
        """The rows put in `table`; None where it holds none of ours (skipped, or not touched)."""
        return next((t.rows for t in self.tables if t.table == table), None)


@dataclass(frozen=True)
class WrittenAfterDeploy:
    """A value the seeded replay wrote after the change, as the application could once it is deployed: one
    the column's new type holds and its old type does not (a down that narrows the type back meets it)."""

    table: str
    column: str
    old_type: str
    new_type: str
    value: str  # as SQL wrote it: 2147483648, 'xxxxxx'


@dataclass
class SeededReplay:
    """The change replayed on a copy of the base whose touched tables hold synthetic rows."""

    rows: SeedResult
    runs: list[MigrationRun]
    # Rows the server finds breaking a constraint once the change ran, where it can check constraints it
    # did not enforce meanwhile (SQLite: PRAGMA foreign_key_check), e.g. "orders row 7: no parent in users".
    violations: tuple[str, ...] = ()
    # Rows of each seeded table just before the change and just after it (None: the table is gone): a
    # rebuild that copies its rows back keeps the count, one that loses rows (or child rows, through ON
    # DELETE CASCADE) does not.
    rows_before: dict[str, int] = field(default_factory=dict)
    rows_after: dict[str, int | None] = field(default_factory=dict)
    # The downs, in reverse order, run over the seeded rows after `written` (only where every migration
    # has a down and every up applied), and the row counts they leave.
    written: tuple[WrittenAfterDeploy, ...] = ()
    down_runs: list[MigrationRun] = field(default_factory=list)
    rows_after_down: dict[str, int | None] = field(default_factory=dict)


@dataclass
class RollbackStep:
    """One migration's down, run after the change's later migrations were rolled back."""

    migration: Migration
    down_run: MigrationRun | None  # None: the migration has no down
    # What differs between the schema before the migration's up and the one after its down (empty: the
    # down restores the schema exactly). None when the down was not run or failed.
    leftovers: list[SchemaChange] | None = None


@dataclass
class RollbackReplay:
    """Up (one migration at a time), down in reverse order, up again, on a copy of the base."""

    up_runs: list[MigrationRun] = field(default_factory=list)
    steps: list[RollbackStep] = field(default_factory=list)
    up_again_runs: list[MigrationRun] = field(default_factory=list)

    def step_for(self, migration: Migration) -> RollbackStep | None:
        return next((step for step in self.steps if step.migration.id == migration.id), None)

    def up_again_for(self, migration: Migration) -> MigrationRun | None:
        return next((run for run in self.up_again_runs if run.migration.id == migration.id), None)


@dataclass
class ModelDrift:
    """The project's models (SQLAlchemy metadata) compared with the replayed schema by Alembic's
    autogenerate, at the head and at the base (drift the base already had is not the change's)."""

    source: str  # as configured: "app.models:Base.metadata"
    path: str | None = None  # the module that defines it, repository-relative
    drifts: list[Drift] = field(default_factory=list)
    known: list[Drift] = field(default_factory=list)
    error: str | None = None  # the models could not be loaded


@dataclass
class SetReplay:
    """The replay of one migration set on its own scratch database."""

    migration_set: MigrationSet
    provider: str
    server_version: str
    base_runs: list[MigrationRun] = field(default_factory=list)
    runs: list[MigrationRun] = field(default_factory=list)  # the change's migrations, in order
    before: SchemaSnapshot | None = None
    after: SchemaSnapshot | None = None
    changes: list[SchemaChange] = field(default_factory=list)
    base_duration_ms: float = 0.0
    base_cached: bool = False  # the base history came from an earlier run's cluster, not a replay
    seeded: SeededReplay | None = None
    rollback: RollbackReplay | None = None
    error: str | None = None  # the set could not be replayed at all (no database, unsupported dialect)
    model_drift: ModelDrift | None = None  # Alembic, where the configuration names the models
    notes: list[str] = field(default_factory=list)  # what the reviewer should know of how it was replayed
    # Extensions the set creates that the server lacks (no installation found has them), with the
    # migrations that create them.
    missing_extensions: list[ExtensionNeed] = field(default_factory=list)
    baseline: Baseline | None = None  # the schema dump the base history started from, where it did

    @property
    def base_failures(self) -> list[MigrationRun]:
        return [run for run in self.base_runs if run.outcome is Outcome.FAILED]


@dataclass
class ReplayResult:
    sets: list[SetReplay]
