"""What an adapter gives the rest of the pipeline: ordered migrations, described, never executed."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # types only: `lint` starts without the change-set reader
    from migration_reviewer.discovery.changeset import ChangeSet, RepoTree


class Dialect(StrEnum):
    POSTGRESQL = "postgresql"
    MYSQL = "mysql"
    SQLITE = "sqlite"


class Wrapping(StrEnum):
    """How the framework's own runner wraps a migration's statements in transactions.

    Replay imitates it, so a statement that fails under the real runner (CREATE INDEX CONCURRENTLY in a
    transaction block, say) fails in the review too.
    """

    PER_MIGRATION = "per-migration"  # BEGIN … COMMIT around each migration file (dbmate, Supabase)
    SCRIPT = "script"  # the file goes to the server as one multi-statement query: an implicit transaction
    #                    unless the file holds a single statement (golang-migrate, Prisma)
    BATCH = "batch"  # one transaction around every pending migration (Drizzle)
    NONE = "none"  # each statement commits on its own (psql -f, dbmate `transaction:false`)


class MigrationStatus(StrEnum):
    BASE = "base"  # on the base branch, untouched by the change
    ADDED = "added"  # new in the change: replayed on top of the base history
    MODIFIED = "modified"  # on base, edited by the change (already applied somewhere: a drift finding)
    DELETED = "deleted"  # on base, removed by the change


@dataclass(frozen=True)
class SqlScript:
    """SQL text taken from a file. `first_line` is the 1-based line of the file where `text` starts, so a
    statement's position inside `text` maps back to the file."""

    path: str
    text: str
    first_line: int = 1


@dataclass(frozen=True)
class RevisionStep:
    """A migration its runner executes as code (an Alembic revision): no SQL can be read from it before
    the replay runs it, so `Migration.up` stays empty and the statements come from the replay."""

    revision: str
    down_revisions: tuple[str, ...]
    source: SqlScript  # the revision file's whole text: edits are found in it
    has_down: bool  # `downgrade()` does something


@dataclass(frozen=True)
class Migration:
    id: str  # the runner's own identifier: a version number, a timestamp, a journal tag
    name: str  # human name, e.g. "add_users_email"
    path: str  # the file a reviewer opens (the up file)
    status: MigrationStatus
    up: tuple[SqlScript, ...]
    down: tuple[SqlScript, ...] | None = None  # None: the framework has no down migrations here
    wrapping: Wrapping = Wrapping.PER_MIGRATION
    files: tuple[str, ...] = ()  # every file that belongs to this migration (up, down, sidecars)
    step: RevisionStep | None = None  # set where the runner executes code rather than SQL files


class ProblemKind(StrEnum):
    NOT_IN_JOURNAL = "not-in-journal"  # a SQL file the framework's journal does not list
    MISSING_FILE = "missing-file"  # a journal entry or version without its file
    DUPLICATE_VERSION = "duplicate-version"  # two migrations share one version
    EDITED_APPLIED = "edited-applied"  # a migration that was on base was modified
    DELETED_APPLIED = "deleted-applied"  # a migration that was on base was deleted
    OUT_OF_ORDER = "out-of-order"  # a new migration sorts before one already on base
    UNREADABLE = "unreadable"  # binary, not UTF-8, or cannot be parsed as this framework's format
    INVALID = "invalid"  # the framework's own files say something impossible


@dataclass(frozen=True)
class PlanProblem:
    kind: ProblemKind
    message: str
    path: str
    line: int | None = None


@dataclass(frozen=True)
class SchemaFile:
    """A file outside the migrations that declares the schema too (schema.prisma, a Drizzle schema.ts,
    generated types): the analysis compares it with the replayed schema."""

    kind: str  # "prisma", "drizzle" or "supabase-types"
    path: str
    base_text: str | None  # None where the side lacks the file
    head_text: str | None

    @property
    def changed(self) -> bool:
        return self.base_text != self.head_text


@dataclass(frozen=True)
class CodeRunner:
    """What replay needs to start a runner that executes the project's code (Alembic): its files on the
    head side, its configuration, and the revisions the base branch stands at."""

    config_path: str  # repository-relative, e.g. "alembic.ini"
    section: str  # the configuration section (Alembic's `-n` name)
    tree: RepoTree = field(compare=False, repr=False)  # the head side's files
    base_tree: RepoTree = field(compare=False, repr=False)
    base_heads: tuple[str, ...]
    transaction_per_migration: bool = False
    # Repository-relative; set where the configuration names none and the framework passes it at run time
    # (Flask-Migrate: the folder that holds alembic.ini).
    script_location: str | None = None
    # From the configuration (set by the pipeline): the models to compare with the replayed schema, and
    # pip requirements the project's code needs.
    metadata: str | None = None
    install: tuple[str, ...] = ()
    environment: tuple[tuple[str, str], ...] = ()  # settings env.py reads from its environment
    install_cache: str | None = None  # where installed requirements are kept between reviews; None: not


@dataclass(frozen=True)
class Baseline:
    """A schema dump the base history starts from instead of an empty database (a squashed history, or
    dbmate's `db/schema.sql`): only the base migrations it does not include are replayed on top of it.

    `versions`: the ids of the migrations the dump includes. `fallback`: the framework keeps the dump
    anyway (dbmate), so it is used only where the history does not replay from zero; a dump the
    configuration names is always used."""

    path: str
    text: str
    versions: frozenset[str]
    fallback: bool = False


@dataclass(frozen=True)
class MigrationSet:
    """One migration directory of one framework, as both sides of the change see it."""

    root: str  # the directory, repository-relative ('' for the top)
    framework: str  # adapter name: "golang-migrate", "dbmate", "supabase", "prisma", "drizzle", "plain-sql"
    dialect: Dialect
    base_migrations: tuple[Migration, ...]  # in the runner's order, as on the base revision
    head_migrations: tuple[Migration, ...]  # in the runner's order, as on the head revision, with statuses
    problems: tuple[PlanProblem, ...] = ()
    notes: tuple[str, ...] = field(default=())  # facts worth showing a reviewer, e.g. "dialect from the path"
    runner: CodeRunner | None = None  # set where replay must run the framework's own runner (Alembic)
    schema_files: tuple[SchemaFile, ...] = ()
    # What the database provides before the first migration: the platform's own schemas, roles and
    # functions ("supabase"), and a schema dump the base history starts from. See adapters/platforms.py.
    platform: str | None = None
    baseline: Baseline | None = None
    # Extensions production's database has without a migration creating them (enabled on the platform).
    extensions: tuple[str, ...] = ()

    @property
    def new_migrations(self) -> tuple[Migration, ...]:
        """What replay applies on top of the base history: the migrations the change adds, in order."""
        return tuple(m for m in self.head_migrations if m.status is MigrationStatus.ADDED)

    @property
    def touched(self) -> bool:
        """Whether the change adds, edits or removes anything in this set."""
        return bool(self.new_migrations) or any(
            m.status is not MigrationStatus.BASE for m in self.head_migrations
        ) or any(p.kind is ProblemKind.DELETED_APPLIED for p in self.problems)


@dataclass(frozen=True)
class MigrationPlan:
    sets: tuple[MigrationSet, ...]


class FrameworkAdapter(Protocol):
    """One migration framework. Pure: reads files from the trees, never opens a connection."""

    name: str

    def detect(self, tree: RepoTree) -> list[str]:
        """The migration directories of this framework in `tree` (repository-relative)."""
        ...

    def load(self, root: str, changes: ChangeSet) -> MigrationSet:
        """Both sides of one directory, ordered the way the framework's runner orders them."""
        ...
