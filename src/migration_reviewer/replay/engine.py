"""Replays one migration set on a scratch database the way its framework's runner would.

Order of events: the base history (fast: one query per migration where that is safe), a schema snapshot,
the change's migrations statement by statement with observation, a second snapshot, the diff.

Transactions are driven explicitly (the connection is in autocommit mode and we send BEGIN/COMMIT
ourselves) and the server's own transaction status is read after every statement, so a BEGIN or COMMIT
written inside a migration file behaves exactly as it would under the real runner.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field

from migration_reviewer.adapters.base import Baseline as SchemaDump
from migration_reviewer.adapters.base import (
    Dialect,
    Migration,
    MigrationSet,
    MigrationStatus,
    SqlScript,
    Wrapping,
)
from migration_reviewer.errors import DatabaseUnavailable
from migration_reviewer.replay.bookkeeping import Bookkeeping, bookkeeping_for
from migration_reviewer.replay.extensions import may_act_on_behalf, or_stand_in, quoted_name
from migration_reviewer.replay.platforms import platform_script, platform_version, sections
from migration_reviewer.replay.providers.base import AdminScripts, Database, Server
from migration_reviewer.replay.result import (
    LockTaken,
    MigrationRun,
    Outcome,
    ReplayError,
    RollbackReplay,
    RollbackStep,
    SeededReplay,
    SetReplay,
    StatementRun,
    WrittenAfterDeploy,
)
from migration_reviewer.replay.sessions import open_session
from migration_reviewer.replay.sessions.base import (
    Baseline,
    RelationMap,
    Session,
    StatementError,
    TxState,
    rewritten,
)
from migration_reviewer.replay.statements import (
    Statement,
    controls_own_transactions,
    is_transaction_control,
    may_need_own_transaction,
    referenced_tables,
    rows_cannot_matter,
    runs_outside_transaction,
    split_scripts,
)
from migration_reviewer.schema.diff import diff
from migration_reviewer.schema.model import ObjectName, RenameHint, SchemaChange, SchemaSnapshot
from migration_reviewer.schema.renames import derived_renames, rename_hints
from migration_reviewer.wording import counted


@dataclass(frozen=True)
class ReplayOptions:
    statement_timeout_ms: int = 300_000  # per statement; a runaway migration becomes a finding, not a hang
    seed_rows: int = 10_000  # rows per table the change touches in the seeded experiment; 0: no seeding
    check_rollback: bool = True  # up, down, up again where the migrations have downs
    progress: Callable[[str], None] | None = None  # a line for the terminal at each step of a long replay

    def say(self, message: str) -> None:
        if self.progress is not None:
            self.progress(message)


def not_replayed(migration_set: MigrationSet, reason: str) -> SetReplay:
    return SetReplay(migration_set, provider="", server_version="", error=reason)


def base_chain(migration_set: MigrationSet) -> list[str]:
    """The key of each first part of the base history: entry k stands for the first k base migrations (and
    the framework and dialect: every migration's id, wrapping and text), entry -1 for the whole; any edit
    gives other keys from there on. The platform and a configured baseline come before the first
    migration: a change of either changes every key. A base kept after k migrations holds a first part of
    this history when its key is entry k: the newer migrations can be replayed on top."""
    digest = hashlib.sha256()
    for part in (migration_set.framework, migration_set.dialect.value):
        digest.update(part.encode() + b"\0")
    # What the database held before the first migration: the platform (its SQL is ours and may change
    # between versions of the tool) and the dump the history starts from.
    if migration_set.platform is not None:
        digest.update(f"platform\0{migration_set.platform}\0{platform_version(migration_set.platform)}\0".encode())
    if migration_set.extensions:
        digest.update(f"extensions\0{sorted(migration_set.extensions)}\0".encode())
    # A dump kept by the framework (dbmate's, rewritten with every migration) is only used where the history
    # fails from an empty database, and a base that fails is not kept: it stays out of the key, so a kept
    # base still takes the base branch's newer migrations on top.
    if (dump := migration_set.baseline) is not None and not dump.fallback:
        digest.update(f"baseline\0{sorted(dump.versions)}\0".encode())
        digest.update(dump.text.encode() + b"\0")
    chain = [digest.hexdigest()]
    for migration in migration_set.base_migrations:
        digest = hashlib.sha256(chain[-1].encode())
        digest.update(f"{migration.id}\0{migration.wrapping.value}\0".encode())
        for script in migration.up:
            digest.update(script.text.encode() + b"\0")
        chain.append(digest.hexdigest())
    return chain


def set_identity(migration_set: MigrationSet) -> str:
    """Which migration folder a kept base belongs to, whatever its history: its base is kept under a name
    made of this, and a later run finds it there even after the base branch gained migrations."""
    parts = (migration_set.framework, migration_set.dialect.value, migration_set.root)
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


@dataclass(frozen=True)
class KeptBase:
    """What the note kept with a base says: how many base migrations it holds, the key of that history
    (`base_chain`), and its schema as the run that replayed it read it."""

    migrations: int
    key: str
    schema: SchemaSnapshot
    from_baseline: bool = False  # the history started from the set's schema dump
    replay_notes: tuple[str, ...] = ()  # what the replay that made it said of the platform and the dump

    def to_note(self) -> str:
        return json.dumps({
            "migrations": self.migrations,
            "key": self.key,
            "schema": self.schema.to_dict(),
            "from_baseline": self.from_baseline,
            "replay_notes": list(self.replay_notes),
        })


def replay_set(migration_set: MigrationSet, server: Server, options: ReplayOptions) -> SetReplay:
    """The base history once, then each experiment on a copy of it: the change with seeded rows, the
    change up/down/up, and the change itself (the schema diff comes from it).

    Where the server keeps named databases between runs, the replayed base is kept under its folder's
    name with a note of the history it holds, and a later run starts from it: as it is when the history
    is the same, with the newer migrations replayed on top when the base branch gained some
    (`_kept_base`)."""
    if migration_set.dialect is not server.dialect:
        return not_replayed(migration_set, f"a {server.dialect} server cannot replay {migration_set.dialect}")
    if migration_set.runner is not None:
        # The framework's own runner executes the project's code (Alembic); imported here because that
        # module builds on this one.
        from migration_reviewer.replay.alembic import replay_revisions

        replay = replay_revisions(migration_set, server, options)
        if migration_set.platform is not None or migration_set.baseline is not None:
            replay.notes.append("the platform and baseline settings are not applied to a history the "
                                "framework's own runner replays (Alembic): it starts from an empty database")
        return replay
    result = SetReplay(migration_set, provider=server.provider, server_version=server.server_version)
    new = migration_set.new_migrations
    root = migration_set.root or "."
    chain = base_chain(migration_set) if server.keeps_named_databases else []
    base, kept = _kept_base(server, migration_set, chain)
    result.base_cached = kept is not None
    # Base migrations to replay: all of them, or those the kept base does not hold yet (the base branch
    # gained them since).
    newer = migration_set.base_migrations[kept.migrations if kept else 0 :]
    if kept is not None:
        options.say(
            f"the base history of {root} was kept from an earlier run"
            + (f"; replaying the {counted(len(newer), 'migration')} it lacks" if newer else "")
        )
    # Where this run's databases are kept for later runs, the base must stay as replayed: the change runs
    # on a copy. Elsewhere (a kept cluster that is not kept again, any other server) it may run on the base.
    keep = server.keeps_this_run
    notes = ThreadPoolExecutor(max_workers=1, thread_name_prefix="note")
    try:
        if kept is not None:
            result.notes += kept.replay_notes
        if kept is not None and not newer:
            result.before = kept.schema
            result.baseline = migration_set.baseline if kept.from_baseline else None
        else:
            if kept is None:
                options.say(f"replaying the base history of {root}: {counted(len(newer), 'migration')}")
            started = time.perf_counter()
            base = _replay_base(server, base, migration_set, newer, kept, options, result)
            result.base_duration_ms = (time.perf_counter() - started) * 1000
        assert result.before is not None
        noting = None
        if result.base_failures:
            keep = False  # a base that did not replay cleanly is not worth keeping
        elif keep and (kept is None or newer):
            # Written out while the experiments run: their threads mostly wait for the server meanwhile.
            kept_now = KeptBase(
                len(chain) - 1, chain[-1], result.before, result.baseline is not None, tuple(result.notes)
            )
            noting = notes.submit(kept_now.to_note)
        statements = {m.id: split_scripts(m.up, migration_set.dialect) for m in new}
        touched = referenced_tables(
            (s for split in statements.values() for s in split), migration_set.dialect
        )
        # Seeding only means something where rows can change what a statement does, on tables that already
        # hold rows in production: a change that only adds nullable columns, or touches only tables it
        # creates, would replay the same way twice.
        existing = {table.name for table in result.before.tables}
        dialect = migration_set.dialect
        with_rows = referenced_tables(
            (s for split in statements.values() for s in split if not rows_cannot_matter(s, dialect)), dialect
        )
        seeding = bool(options.seed_rows and new and {t.name for t in with_rows} & existing)
        rolling_back = options.check_rollback and any(m.down is not None for m in new)
        options.say(
            f"running the change of {root}"
            + (", with seeded rows" if seeding else "")
            + (", up/down/up" if rolling_back else "")
        )
        _run_experiments(server, base, migration_set, options, result, touched, seeding, rolling_back, keep)
        if noting is not None:
            server.remember(base, noting.result())
        hints = [
            hint
            for run in result.runs
            if run.outcome is Outcome.APPLIED
            for statement in statements[run.migration.id]
            if _RENAME.search(statement.text, 0, 10_000) and not statement.too_large_to_analyse
            for hint in rename_hints(statement.text, migration_set.dialect)
        ]
        assert result.after is not None
        result.changes = _diff(result.before, result.after, hints, migration_set.dialect)
    except BaseException:
        _drop_quietly(server, base)  # the error on its way out matters more than a failed cleanup
        raise
    finally:
        notes.shutdown(wait=True, cancel_futures=True)
    if not keep and not _goes_with_the_server(server):
        server.drop_database(base)
    return result


def _goes_with_the_server(server: Server) -> bool:
    """Whether what this run makes on `server` is thrown away with it: a kept cluster that is not kept
    again. Dropping a database there only costs time (a 1,000-table copy: ~20 ms)."""
    return server.keeps_named_databases and not server.keeps_this_run


def _diff(
    before: SchemaSnapshot, after: SchemaSnapshot, hints: list[RenameHint], dialect: Dialect
) -> list[SchemaChange]:
    """What the change did to the schema. In SQLite, the names of a renamed table's constraints and
    indexes follow it (`derived_renames`): that is no change of theirs to report."""
    if dialect is not Dialect.SQLITE:
        return diff(before, after, hints)
    derived = derived_renames(hints, before, after)
    followed = {(f"{hint.kind}_renamed", hint.new) for hint in derived}
    return [c for c in diff(before, after, hints + derived) if (c.kind, c.name) not in followed]


def _lost_while_running(exc: DatabaseUnavailable, statement: Statement) -> DatabaseUnavailable:
    """The server went away during a statement: say which, and why where it is known."""
    hint = exc.hint
    if "No space left on device" in exc.message:
        hint = (
            "the disk that holds the throwaway database filled up: this statement writes more than there is "
            "room for. Free space in the temp folder (TMPDIR), or lower --seed-rows"
        )
    return DatabaseUnavailable(f"{exc.message} (while running {statement.location})", hint=hint)


# Only statements that say RENAME (or MySQL's CHANGE) early on can be renames: the others are not parsed
# for hints.
_RENAME = re.compile(r"\b(?:RENAME|CHANGE)\b", re.I)


def _kept_base(
    server: Server, migration_set: MigrationSet, chain: list[str]
) -> tuple[Database, KeptBase | None]:
    """The database to replay the base history in, and what it holds already: a base kept by an earlier
    run whose history is a first part of this one (all of it, or all but the base branch's newer
    migrations), else a new database (None). A kept base of another history (a base migration edited or
    removed since) is dropped."""
    if not server.keeps_named_databases:
        return server.create_database(), None
    name = kept_base_name(migration_set)
    base = server.find_database(name)
    if base is not None:
        note = server.recall(base)
        kept = kept_base(note) if note is not None else None
        if kept is not None and holds_first_part(chain, kept.migrations, kept.key):
            return base, kept
        server.drop_database(base)
    return server.create_database(name=name), None


def kept_base_name(migration_set: MigrationSet) -> str:
    return f"mr_base_{set_identity(migration_set)[:32]}"


def holds_first_part(chain: Sequence[str], migrations: int, key: str) -> bool:
    """Whether a base kept after `migrations` migrations, under `key`, holds the first part of the history
    `chain` (`base_chain`) stands for."""
    return 0 <= migrations < len(chain) and chain[migrations] == key


def spared_migrations(chains: Mapping[str, Sequence[str]], notes: Mapping[str, str]) -> int:
    """How many base migrations a kept cluster with `notes` holds already, for the sets whose histories
    `chains` gives by kept base name (`kept_base_name`, `base_chain`): the sum, over the kept bases that hold
    a first part of their set's history, of that part's length. Reads only the head of each note, not the
    schema."""
    spared = 0
    for name, chain in chains.items():
        head = _NOTE_HEAD.match(notes.get(name, ""))
        if head is not None and holds_first_part(chain, int(head[1]), head[2]):
            spared += int(head[1])
    return spared


# How `KeptBase.to_note` begins: how many migrations, and the key of that history.
_NOTE_HEAD = re.compile(r'\{"migrations": (\d+), "key": "([0-9a-f]{64})"')


@functools.lru_cache(maxsize=8)
def kept_base(note: str) -> KeptBase | None:
    """What a note kept with a base says (`KeptBase.to_note`), decoded once: a review may decode it while
    its server starts, before the replay asks for it. None for a note of an older version."""
    try:
        data = json.loads(note)
        return KeptBase(
            int(data["migrations"]),
            str(data["key"]),
            SchemaSnapshot.from_dict(data["schema"]),
            bool(data.get("from_baseline", False)),
            tuple(str(note) for note in data.get("replay_notes", ())),
        )
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):  # a note nested past reason
        return None


def _run_experiments(
    server: Server,
    base: Database,
    migration_set: MigrationSet,
    options: ReplayOptions,
    result: SetReplay,
    touched: set[ObjectName],
    seeding: bool,
    rolling_back: bool,
    preserve: bool,
) -> None:
    """The experiments run side by side, each on its own copy of the base: the server does the work in
    separate backends, so they overlap on several cores. Copies are made first, all at once, while the
    base has no session (PostgreSQL requires it of a template). A kept base must stay as it is: then the
    change itself runs on a copy too.

    Where the change's own run gives the rollback check every schema it compares with (the schema before
    each migration), the rollback goes on from where the change ends, on the same database: down, then up
    again. That spares a copy of the base and a second run of the change, and takes no longer: the up had
    to come first either way."""
    assert result.before is not None
    before = result.before
    new = migration_set.new_migrations
    # The change runs its migrations as the real runner does; one transaction around them all (BATCH)
    # leaves no schema between two of them to compare a down with, unless there is only one.
    rolls_back_after_change = rolling_back and (
        len(new) == 1 or all(m.wrapping is not Wrapping.BATCH for m in new)
    )
    copies: list[Database] = []
    pool = ThreadPoolExecutor(max_workers=3, thread_name_prefix="experiment")
    failed = True
    try:
        copies += server.copy_database(
            base, seeding + (rolling_back and not rolls_back_after_change) + preserve
        )
        made = iter(copies)
        seeded = (
            pool.submit(_seeded_experiment, next(made), migration_set, touched, options, before)
            if seeding
            else None
        )
        rollback = (
            pool.submit(_rollback_experiment, next(made), migration_set, options, before)
            if rolling_back and not rolls_back_after_change
            else None
        )
        changed = next(made) if preserve else base
        main = pool.submit(
            _change_experiment, changed, migration_set, options, before, rolls_back_after_change
        )
        result.runs, result.after, after_change = main.result()
        if preserve and not _goes_with_the_server(server):
            # The change's copy goes while the other experiments still run (the seeded one is longer).
            copies.remove(changed)
            server.drop_database(changed)
        result.seeded = seeded.result() if seeded else None
        result.rollback = rollback.result() if rollback else after_change
        failed = False
    finally:
        if failed:
            # Dropping a copy ends its sessions: experiments still running stop at once instead of
            # finishing a long statement before the error (or Ctrl-C) gets out.
            for database in copies:
                _drop_quietly(server, database)
            if not preserve:
                _drop_quietly(server, base)
        pool.shutdown(wait=True, cancel_futures=True)
    if not _goes_with_the_server(server):
        for database in copies:
            server.drop_database(database)


def _change_experiment(
    database: Database,
    migration_set: MigrationSet,
    options: ReplayOptions,
    before: SchemaSnapshot,
    then_roll_back: bool = False,
) -> tuple[list[MigrationRun], SchemaSnapshot, RollbackReplay | None]:
    """The change as the runner applies it, observed; with `then_roll_back`, the rollback check goes on
    from there (see `_roll_back_and_up_again`)."""
    with open_session(database, options.statement_timeout_ms) as session:
        since = baseline(session, before)
        snapshots = [before]

        def read_schema() -> None:
            snapshots.append(session.introspect(baseline(session, snapshots[-1])))

        # The schema after each migration, for the down of the next one to be compared with. Each
        # migration has ended its own transaction by then (a BATCH change does not come here with more
        # than one), so reading between them changes nothing the runner does.
        several = then_roll_back and len(migration_set.new_migrations) > 1
        runs = _Runner(session, migration_set.dialect).run(
            migration_set.new_migrations, after_each=read_schema if several else None
        )
        after = snapshots[-1] if several and len(snapshots) == len(runs) + 1 else session.introspect(since)
        if not then_roll_back:
            return runs, after, None
        replay = RollbackReplay(up_runs=list(runs))
        if all(run.outcome is Outcome.APPLIED for run in runs):
            _roll_back_and_up_again(session, migration_set, snapshots if several else [before, after], replay)
        return runs, after, replay


def baseline(session: Session, snapshot: SchemaSnapshot) -> Baseline | None:
    """`snapshot`, true of the session's database now, and where its history stands: the snapshot after
    the next change then reads only what that change can have altered."""
    position = session.position()
    return None if position is None else (snapshot, position)


def _drop_quietly(server: Server, database: Database) -> None:
    # ValueError: it is gone already (an earlier cleanup dropped it).
    with suppress(DatabaseUnavailable, ValueError):
        server.drop_database(database)


def _seeded_experiment(
    database: Database,
    migration_set: MigrationSet,
    touched: set[ObjectName],
    options: ReplayOptions,
    before: SchemaSnapshot,
) -> SeededReplay | None:
    """The change again, on a copy of the base whose touched tables hold rows: failures that need data,
    and timings that mean something."""
    from migration_reviewer.replay.seed import shown_name  # with psycopg: only once a seeded run starts

    with open_session(database, options.statement_timeout_ms) as session:
        names = ", ".join(sorted(str(name) for name in touched))
        options.say(f"seeding up to {options.seed_rows:,} rows into {names} (and the tables they reference)")
        rows = session.seed(before, touched, options.seed_rows)
        if rows is None:
            return None
        # Past a failure the runner would stop; here every migration still gets its turn, so one data
        # problem does not hide the next (the analysis tells data failures from their knock-on effects).
        # Each statement runs the least disruptive way the server accepts, which it says (MySQL's
        # ALGORITHM): the server picks that way itself by default, so the timings stay those of the text.
        # The seeded tables, and the touched tables of the base the seeder could not fill (their rows are
        # the base history's own, which the change may add to).
        counted = [table.table for table in rows.tables] + [
            shown_name(name) for name in sorted(touched, key=str) if before.table(name.schema, name.name)
        ]
        counted = list(dict.fromkeys(counted))
        rows_before = {t: n for t, n in session.row_counts(counted).items() if n is not None}
        new = migration_set.new_migrations
        runs = _Runner(session, migration_set.dialect, cheapest=True, evidence_from=before).run(
            new, keep_going=True
        )
        violations = session.violations()
        rows_after = session.row_counts(counted)
        replay = SeededReplay(rows, runs, violations, rows_before, rows_after)
        if options.check_rollback and all(m.down is not None for m in new) and all(
            run.outcome is Outcome.APPLIED for run in runs
        ):
            _seeded_downs(session, migration_set, before, replay, counted)
    return replay


def _seeded_downs(
    session: Session,
    migration_set: MigrationSet,
    before: SchemaSnapshot,
    replay: SeededReplay,
    counted: list[str],
) -> None:
    """The rollback over rows: first a value the widened columns hold only since the change, as the
    application writes once it is deployed; then every down, last migration first. A down that narrows a
    type back fails on it, and one that leaves rows its up inserted shows in the counts."""
    from migration_reviewer.replay.seed import beyond_old_type, shown_name

    after = session.introspect()
    written = []
    for table in after.tables:
        old_table = before.table(table.schema, table.name)
        for column in table.columns if old_table is not None else ():
            old = old_table.column(column.name) if old_table is not None else None
            value = beyond_old_type(old.type, column.type) if old is not None else None
            shown = shown_name(ObjectName(table.schema, table.name))
            if old is not None and value is not None and session.write_one(shown, column.name, value):
                written.append(WrittenAfterDeploy(shown, column.name, old.type, column.type, value))
    replay.written = tuple(written)
    replay.down_runs = _Runner(session, migration_set.dialect, observe=False, down=True).run(
        list(reversed(migration_set.new_migrations))
    )
    replay.rows_after_down = session.row_counts(counted)


def _rollback_experiment(
    database: Database,
    migration_set: MigrationSet,
    options: ReplayOptions,
    before: SchemaSnapshot,
) -> RollbackReplay:
    """On a copy of the base: each migration up (a snapshot after each), then down and up again (see
    `_roll_back_and_up_again`). For a change whose own run leaves no schema between its migrations."""
    replay = RollbackReplay()
    with open_session(database, options.statement_timeout_ms) as session:
        up = _Runner(session, migration_set.dialect, observe=False)
        snapshots = [before]
        for migration in migration_set.new_migrations:
            since = baseline(session, snapshots[-1])
            run = up.run([migration])[0]
            replay.up_runs.append(run)
            if run.outcome is not Outcome.APPLIED:
                return replay  # up itself fails: the main replay reports it
            snapshots.append(session.introspect(since))
        _roll_back_and_up_again(session, migration_set, snapshots, replay)
    return replay


def _roll_back_and_up_again(
    session: Session, migration_set: MigrationSet, snapshots: list[SchemaSnapshot], replay: RollbackReplay
) -> None:
    """With every migration of the change up (`snapshots`: the schema before the first, then after each),
    each down in reverse order, comparing the schema after a migration's down with the schema before its
    up; then up again, which must work for the down to be a usable rollback. What a later migration's down
    left behind is still there after the earlier ones': it is that migration's leftover, not theirs."""
    new = migration_set.new_migrations
    now = snapshots[-1]
    already: set[tuple[str, str | None, str | None]] = set()  # leftovers of the downs that ran before
    down = _Runner(session, migration_set.dialect, observe=False, down=True)
    for index in range(len(new) - 1, -1, -1):
        migration = new[index]
        if migration.down is None:
            replay.steps.append(RollbackStep(migration, None))
            return  # the runner cannot go further down than a migration without a down
        since = baseline(session, now)
        run = down.run([migration])[0]
        step = RollbackStep(migration, run)
        replay.steps.append(step)
        if run.outcome is not Outcome.APPLIED:
            return
        now = session.introspect(since)
        left = diff(snapshots[index], now, [])
        step.leftovers = [c for c in left if (c.kind, c.table, c.name) not in already]
        already.update((c.kind, c.table, c.name) for c in left)
    replay.up_again_runs = _Runner(session, migration_set.dialect, observe=False).run(new)


def _replay_base(
    server: Server,
    base: Database,
    migration_set: MigrationSet,
    migrations: Sequence[Migration],
    kept: KeptBase | None,
    options: ReplayOptions,
    result: SetReplay,
) -> Database:
    """Replays `migrations` of the base history into `base` (fills `result`'s base runs, schema before the
    change, baseline and notes) and returns the database that holds it: `base`, or a database that
    replayed from the set's schema dump where the history does not replay from an empty one (dbmate
    keeps that dump: `Baseline.fallback`)."""
    root = migration_set.root or "."
    count = len(migrations)

    def progress(done: int) -> None:
        options.say(f"replayed {done} of {count} base migrations of {root}")

    if kept is not None:  # the platform, the dump and the first part of the history are there already
        with open_session(base, options.statement_timeout_ms) as session:
            since = baseline(session, kept.schema)
            book = bookkeeping_for(migration_set.framework, migration_set.dialect)
            record = _recorder(session, book) if book is not None else None
            dialect = migration_set.dialect
            result.base_runs = _apply_base_history(session, migrations, dialect, progress, record)
            result.before = session.introspect(since)
            result.baseline = migration_set.baseline if kept.from_baseline else None
        return base
    dump = migration_set.baseline
    first = _FreshBase(server, base, migration_set, migrations, options)
    first.replay(from_dump=dump is not None and not dump.fallback, progress=progress)
    chosen = first
    if dump is not None and dump.fallback and first.failures:
        options.say(f"the base history of {root} fails from an empty database: replaying it from {dump.path}")
        second = _FreshBase(server, server.create_database(), migration_set, migrations, options)
        try:
            second.replay(from_dump=True, progress=progress)
        except BaseException:
            _drop_quietly(server, second.database)
            raise
        failure = first.failures[0].error
        where = f" ({failure.path}:{failure.line}: {failure.message})" if failure is not None else ""
        if len(second.failures) < len(first.failures):
            chosen = second
            second.notes.insert(0, f"the base history does not replay from an empty database{where}: it was "
                                f"replayed from the schema dump {dump.path} instead")
            server.drop_database(base)
            if server.keeps_named_databases:  # the kept base goes by its folder's name
                replayed = second.database
                chosen.database = server.create_database(template=replayed, name=base.name)
                server.drop_database(replayed)
        else:
            first.notes.append(f"the base history does not replay from an empty database{where}, nor from "
                               f"the schema dump {dump.path}")
            server.drop_database(second.database)
    result.base_runs, result.before = chosen.runs, chosen.before
    result.baseline = dump if chosen.from_dump else None
    result.notes += chosen.notes
    return chosen.database


@dataclass
class _FreshBase:
    """One replay of the base history into an empty database: the platform first (as the admin role),
    then, as the migrations' role, the runner's bookkeeping table, the schema dump where it starts from
    one, and the base migrations the dump does not include."""

    server: Server
    database: Database
    migration_set: MigrationSet
    migrations: Sequence[Migration]
    options: ReplayOptions
    from_dump: bool = False
    runs: list[MigrationRun] = field(default_factory=list)
    before: SchemaSnapshot | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def failures(self) -> list[MigrationRun]:
        return [run for run in self.runs if run.outcome is Outcome.FAILED]

    def replay(self, *, from_dump: bool, progress: Callable[[int], None]) -> None:
        migration_set, dialect = self.migration_set, self.migration_set.dialect
        self.from_dump = from_dump
        if migration_set.platform is not None:
            self._prepare_platform(migration_set.platform)
        if migration_set.extensions:
            self._enable_extensions(migration_set.extensions, migration_set.platform)
        todo = list(self.migrations)
        with open_session(self.database, self.options.statement_timeout_ms) as session:
            book = bookkeeping_for(migration_set.framework, dialect)
            record = _recorder(session, book) if book is not None else None
            if from_dump:
                dump = migration_set.baseline
                assert dump is not None
                run, notes = _apply_dump(session, dump, dialect)
                self.runs.append(run)
                self.notes += notes
                todo = [m for m in self.migrations if m.id not in dump.versions]
                self.notes.append(
                    f"the base history started from the schema dump {dump.path}, which includes "
                    f"{counted(len(self.migrations) - len(todo), 'base migration')}; replayed on top of it: "
                    f"{counted(len(todo), 'base migration')}"
                )
            if book is not None:
                try:
                    session.run_script(book.create)
                except StatementError as exc:
                    _rollback(session)
                    self.notes.append(f"the runner's own table could not be made: {exc.message}")
                    record = None
                if record is not None and from_dump:
                    record([m for m in self.migrations if m not in todo])
            self.runs += _apply_base_history(session, todo, dialect, progress, record)
            self.before = session.introspect()

    def _prepare_platform(self, platform: str) -> None:
        if not isinstance(self.server, AdminScripts):
            self.notes.append(f"the {platform} platform's schemas and roles could not be made on a "
                              f"{self.server.provider} server: migrations that use them fail here")
            return
        parts = [(what, or_stand_in(what, sql)) for what, sql in sections(platform_script(platform))]
        left_out = self.server.run_as_admin(self.database, parts)
        self.notes += [f"{platform} platform: {note}" for note in left_out]


    def _enable_extensions(self, names: Sequence[str], platform: str | None) -> None:
        """The extensions production has without a migration (enabled on the platform), as its admin
        enabled them: in the platform's schema for them where it has one."""
        if not isinstance(self.server, AdminScripts):
            self.notes.append(f"the extensions production enables outside migrations could not be made on a "
                              f"{self.server.provider} server")
            return
        schema = " WITH SCHEMA extensions" if platform == "supabase" else ""
        left_out = self.server.run_as_admin(
            self.database,
            [(f"extension {name}", f"CREATE EXTENSION IF NOT EXISTS {quoted_name(name)}{schema};")
             for name in names],
        )
        self.notes += [f"extensions enabled outside migrations: {note}" for note in left_out]


def _recorder(session: Session, book: Bookkeeping) -> Callable[[Sequence[Migration]], None]:
    """Records applied base migrations in the runner's table, as the runner does after each. A migration
    may have altered or dropped that table so that the runner's row no longer fits: then nothing is
    recorded, and the migrations are not to blame."""

    def record(migrations: Sequence[Migration]) -> None:
        if not migrations:
            return
        try:
            session.run_script(book.record(migrations))
        except StatementError:
            _rollback(session)

    return record


# pg_dump's statements that cannot or must not run as the migrations' role: `public` exists already, an
# extension's comment belongs to its owner, and ownership stays with the role the migrations run as (the
# dump's owners may not exist here, and objects given to them would refuse the later migrations). Lines
# that start with a backslash are psql's commands (`\restrict`), not SQL.
_DUMP_SKIPPED = re.compile(
    r"(?:CREATE\s+SCHEMA\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:public|\"public\")\s*$"
    r"|COMMENT\s+ON\s+EXTENSION\b|ALTER\s+.*\sOWNER\s+TO\s)",
    re.IGNORECASE | re.DOTALL,
)
_PSQL_COMMAND = re.compile(r"^\\.*$", re.MULTILINE)
# pg_dump's session settings that would outlive the dump (an empty search_path) or lift our limits.
_DUMP_SETTINGS = (
    "role",  # a dump's SET ROLE: the base migrations after it run as the migrations' role again
    "search_path",
    "check_function_bodies",
    "client_min_messages",
    "row_security",
    "standard_conforming_strings",
    "xmloption",
    "default_tablespace",
    "default_table_access_method",
)
_OUR_LIMITS = re.compile(
    r"SET\s+(?:SESSION\s+)?(?:statement_timeout|lock_timeout|idle_in_transaction_session_timeout"
    r"|transaction_timeout)\b",
    re.IGNORECASE,
)
# Errors a dump's statement may meet here without the base being wrong: a role the dump grants to does
# not exist, a right only the object's owner or a superuser has, an object the platform made already.
_DUMP_TOLERATED = frozenset({"42704", "42501", "42P06", "42710"})


def _apply_dump(session: Session, dump: SchemaDump, dialect: Dialect) -> tuple[MigrationRun, list[str]]:
    """Runs a schema dump statement by statement as the migrations' role, each committing on its own:
    what only a dump's own owner could run is left out with a note; the session's settings are as they
    were afterwards."""
    text = _PSQL_COMMAND.sub("", dump.text)
    migration = Migration(
        id="baseline",
        name=dump.path.rpartition("/")[2],
        path=dump.path,
        status=MigrationStatus.BASE,
        up=(SqlScript(dump.path, text),),
        wrapping=Wrapping.NONE,
        files=(dump.path,),
    )
    run = MigrationRun(migration, Outcome.APPLIED)
    left_out: list[str] = []
    started = time.perf_counter()
    for statement in split_scripts(migration.up, dialect):
        if _DUMP_SKIPPED.match(statement.text) or _OUR_LIMITS.match(statement.text):
            run.statements.append(StatementRun(statement, Outcome.NOT_RUN))
            continue
        step = StatementRun(statement, Outcome.APPLIED)
        try:
            session.execute(statement.text)
        except StatementError as exc:
            _rollback(session)
            if exc.code in _DUMP_TOLERATED:
                step.outcome = Outcome.NOT_RUN
                left_out.append(f"{statement.location}: {exc.message}")
            else:
                step.outcome, step.error = Outcome.FAILED, _replay_error(exc, statement)
                if run.error is None:
                    run.outcome, run.error = Outcome.FAILED, step.error
        run.statements.append(step)
    run.duration_ms = (time.perf_counter() - started) * 1000
    if dialect is Dialect.POSTGRESQL:  # back to the session's own values (the dump set them with SET)
        session.run_script("; ".join(f"RESET {name}" for name in _DUMP_SETTINGS))
    skipped = sum(1 for step in run.statements if step.outcome is Outcome.NOT_RUN) - len(left_out)
    notes = []
    if skipped:
        notes.append(f"{dump.path}: {counted(skipped, 'statement')} left out (owners, the public schema, "
                     "extension comments, time limits): what the dump makes belongs to the migrations' role")
    if left_out:
        notes.append(f"{dump.path}: {counted(len(left_out), 'statement')} left out that cannot run here, "
                     f"e.g. {left_out[0]}")
    return run, notes


# A long base history says how far it got this often (the terminal's progress lines).
_PROGRESS_EVERY_S = 2.0
# Base migrations sent to the server in one query, at most (a failure re-runs them one by one).
_CHUNK_MIGRATIONS = 200
_CHUNK_CHARS = 4_000_000


def _apply_base_history(
    session: Session,
    migrations: Sequence[Migration],
    dialect: Dialect,
    progress: Callable[[int], None] | None = None,
    record: Callable[[Sequence[Migration]], None] | None = None,
) -> list[MigrationRun]:
    """Base migrations already ran in production: replay them as fast as the server allows. Consecutive
    migrations go to the server as one multi-statement query (one round trip, one implicit transaction);
    a migration with a statement that must run outside a transaction goes alone, statement by statement.
    If a chunk fails, its migrations are replayed one at a time, so the failure is pinned on its own
    migration, statement and line, and the others still apply. `progress` hears how many have run, every
    few seconds of a long history. `record` hears the migrations that applied, after each query (the
    runner's own table, `_recorder`)."""
    runs: list[MigrationRun] = []
    chunk: list[Migration] = []
    size = 0
    told = time.monotonic()

    def tell() -> None:
        nonlocal told
        late = time.monotonic() - told >= _PROGRESS_EVERY_S
        if progress is not None and late and len(runs) < len(migrations):
            progress(len(runs))
            told = time.monotonic()

    def flush() -> None:
        nonlocal chunk, size
        if chunk:
            applied = _apply_chunk(session, chunk, dialect)
            runs.extend(applied)
            if record is not None:
                record([run.migration for run in applied if run.outcome is Outcome.APPLIED])
            tell()
        chunk, size = [], 0

    for migration in migrations:
        text = _script_text(migration)
        # Where a failed script leaves its first statements applied, it cannot be retried one by one; a
        # script with its own COMMIT would commit the rest of the chunk before it; the session may run a
        # statement on the migration's behalf (CREATE EXTENSION, CREATE ROLE) only when it runs alone.
        alone = may_need_own_transaction(text) or controls_own_transactions(text)
        alone = alone or (dialect is Dialect.POSTGRESQL and may_act_on_behalf(text))
        if alone or not session.scripts_are_atomic:
            flush()
            ran = _Runner(session, dialect, observe=False).run([migration])
            runs.extend(ran)
            if record is not None:
                record([run.migration for run in ran if run.outcome is Outcome.APPLIED])
            tell()
            continue
        if len(chunk) >= _CHUNK_MIGRATIONS or size + len(text) > _CHUNK_CHARS:
            flush()
        chunk.append(migration)
        size += len(text)
    flush()
    return runs


def _apply_chunk(session: Session, chunk: Sequence[Migration], dialect: Dialect) -> list[MigrationRun]:
    started = time.perf_counter()
    try:
        # The separating semicolons end a statement a file left unterminated; empty statements are no-ops.
        session.run_script(";\n".join(_script_text(m) for m in chunk))
    except StatementError:
        _rollback(session)
        if len(chunk) == 1:
            return _Runner(session, dialect, observe=False).run(chunk)
        return [run for migration in chunk for run in _apply_chunk(session, [migration], dialect)]
    share = (time.perf_counter() - started) * 1000 / len(chunk)
    return [MigrationRun(migration, Outcome.APPLIED, duration_ms=share) for migration in chunk]


def _script_text(migration: Migration) -> str:
    return ";\n".join(script.text for script in migration.up)


def _rollback(session: Session) -> None:
    if session.state() is not TxState.IDLE:
        session.execute("ROLLBACK")


@dataclass
class _OpenTransaction:
    started: float
    statements: list[tuple[StatementRun, float]] = field(default_factory=list)  # with start times
    migrations: list[MigrationRun] = field(default_factory=list)


class _Runner:
    """Executes migrations statement by statement, imitating the runner's transaction wrapping."""

    def __init__(
        self,
        session: Session,
        dialect: Dialect,
        *,
        observe: bool = True,
        down: bool = False,
        cheapest: bool = False,
        evidence_from: SchemaSnapshot | None = None,
    ) -> None:
        self.session = session
        self.dialect = dialect
        self.observe = observe
        self.down = down  # run each migration's down scripts instead of its up scripts
        self.cheapest = cheapest  # ask the server for the least disruptive way (Session.execute_cheapest)
        self.tx: _OpenTransaction | None = None
        # Over seeded rows: the base schema whose tables' rows are looked at before a statement needs
        # something of them (Session.row_evidence).
        self.evidence_from = evidence_from

    def run(
        self,
        migrations: Sequence[Migration],
        *,
        keep_going: bool = False,
        after_each: Callable[[], None] | None = None,
    ) -> list[MigrationRun]:
        """Runs `migrations` in order; `after_each` is called after each one that applied."""
        runs: list[MigrationRun] = []
        failed = False
        for migration in migrations:
            if failed and not keep_going:  # the real runner stops at the first failure
                runs.append(MigrationRun(migration, Outcome.NOT_RUN, self._not_run(migration)))
                continue
            run = self._run_one(migration, batch=migration.wrapping is Wrapping.BATCH)
            runs.append(run)
            failed = run.outcome is Outcome.FAILED
            if after_each is not None and run.outcome is Outcome.APPLIED:
                after_each()
        if self._status() is TxState.OPEN:  # a batch still open: the runner commits it
            self._end(commit=True)
        elif self._status() is TxState.FAILED:
            self._end(commit=False)
        return runs

    def _scripts(self, migration: Migration) -> tuple[SqlScript, ...]:
        return (migration.down or ()) if self.down else migration.up

    def _run_one(self, migration: Migration, *, batch: bool) -> MigrationRun:
        statements = split_scripts(self._scripts(migration), self.dialect)
        wrapping = migration.wrapping
        if wrapping is Wrapping.SCRIPT:
            # One multi-statement query is an implicit transaction where the server makes it one; a lone
            # statement is not.
            atomic = len(statements) > 1 and self.session.scripts_are_atomic
            wrapping = Wrapping.PER_MIGRATION if atomic else Wrapping.NONE
        run = MigrationRun(migration, Outcome.APPLIED)
        started = time.perf_counter()
        if wrapping in (Wrapping.PER_MIGRATION, Wrapping.BATCH) and self.tx is None:
            self._begin()
        if self.tx is not None:
            self.tx.migrations.append(run)
        for statement in statements:
            if run.outcome is Outcome.FAILED:
                run.statements.append(StatementRun(statement, Outcome.NOT_RUN))
                continue
            own_tx = (
                wrapping is Wrapping.NONE
                and self.tx is None
                and self.session.sees_locks
                and not runs_outside_transaction(statement)
                and not is_transaction_control(statement)
            )
            if own_tx:  # autocommit: the statement is its own transaction; BEGIN lets us see its locks
                self._begin()
                self.tx.migrations.append(run)  # type: ignore[union-attr]
            step = self._execute(statement)
            run.statements.append(step)
            if step.error is not None:
                run.outcome, run.error = Outcome.FAILED, step.error
                if self.tx is not None:
                    self._end(commit=False)
            elif own_tx and self.tx is not None:
                self._end(commit=True)
        if wrapping is Wrapping.PER_MIGRATION and self.tx is not None and not batch:
            self._end(commit=True)
        run.duration_ms = (time.perf_counter() - started) * 1000
        return run

    def _execute(self, statement: Statement) -> StatementRun:
        evidence = (
            self.session.row_evidence(statement.text, self.evidence_from) if self.evidence_from else ()
        )
        before = self.session.relations() if self.observe else {}
        held = self._locks(before)
        started = time.perf_counter()
        step = StatementRun(
            statement, Outcome.APPLIED, in_transaction=self.tx is not None, evidence=evidence
        )
        try:
            if self.cheapest:
                step.rows, step.form = self.session.execute_cheapest(statement.text)
            else:
                step.rows = self.session.execute(statement.text)
        except StatementError as exc:
            step.outcome = Outcome.FAILED
            step.error = _replay_error(exc, statement)
            step.form = exc.form
        except DatabaseUnavailable as exc:
            raise _lost_while_running(exc, statement) from None
        step.duration_ms = (time.perf_counter() - started) * 1000
        self._follow_transaction(statement, step, started)
        if self.observe and step.error is None:
            after = self.session.relations()
            step.rewrites = rewritten(before, after)
            step.locks = tuple(
                sorted(self._locks({**after, **before}) - held, key=lambda lock: (lock.relation, lock.mode))
            )
        return step

    def _locks(self, known: RelationMap) -> set[LockTaken]:
        if not self.observe or self._status() is not TxState.OPEN:
            return set()
        return self.session.own_locks(known)

    def _follow_transaction(self, statement: Statement, step: StatementRun, started: float) -> None:
        """Keep our idea of the open transaction in line with the server's after a statement the
        migration's author wrote (BEGIN, COMMIT, ROLLBACK)."""
        status = self._status()
        if self.tx is None and status is TxState.OPEN:
            self.tx = _OpenTransaction(started)
        if self.tx is not None:
            self.tx.statements.append((step, started))
            if status is TxState.IDLE:  # the author's COMMIT or ROLLBACK ended it, or MySQL's DDL
                # committed it implicitly: only a rollback does not commit
                self._close(committed=statement.text.split(None, 1)[0].upper() not in ("ROLLBACK", "ABORT"))

    def _begin(self) -> None:
        self.session.execute("BEGIN")
        self.tx = _OpenTransaction(time.perf_counter())

    def _end(self, *, commit: bool) -> None:
        status = self._status()
        if status is TxState.FAILED or (status is TxState.OPEN and not commit):
            self.session.execute("ROLLBACK")
            commit = False
        elif status is TxState.OPEN:
            self.session.execute("COMMIT")
        self._close(committed=commit)

    def _close(self, *, committed: bool) -> None:
        tx, self.tx = self.tx, None
        if tx is None:
            return
        ended = time.perf_counter()
        for step, started in tx.statements:
            if step.locks:  # a lock is held from the statement that takes it until the transaction ends
                step.lock_hold_ms = (ended - started) * 1000
            if not committed and step.outcome is Outcome.APPLIED:
                step.outcome = Outcome.ROLLED_BACK
        if not committed:
            for run in tx.migrations:
                if run.outcome is Outcome.APPLIED:
                    run.outcome = Outcome.ROLLED_BACK

    def _status(self) -> TxState:
        return self.session.state()

    def _not_run(self, migration: Migration) -> list[StatementRun]:
        return [
            StatementRun(s, Outcome.NOT_RUN) for s in split_scripts(self._scripts(migration), self.dialect)
        ]


def _replay_error(exc: StatementError, statement: Statement) -> ReplayError:
    line = statement.line if exc.position is None else statement.line_of_offset(exc.position)
    return ReplayError(
        exc.message,
        statement.path,
        line,
        statement.text,
        exc.code,
        exc.detail,
        table=exc.table,
        column=exc.column,
        constraint=exc.constraint,
    )
