"""review(settings) -> Report: the one place that calls every room, in order."""

from __future__ import annotations

import dataclasses
import functools
import gc
import hashlib
import signal
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path

from migration_reviewer import __version__
from migration_reviewer.adapters import ADAPTERS, detect_sets, load_plan
from migration_reviewer.adapters.base import Dialect, MigrationSet
from migration_reviewer.adapters.platforms import SetSetup, with_platform
from migration_reviewer.analyzers import run_rules
from migration_reviewer.analyzers.context import AnalysisContext, RuleOptions, TableStats
from migration_reviewer.analyzers.registry import rule_options
from migration_reviewer.config import Settings
from migration_reviewer.discovery.changeset import ChangeSet, glob_match
from migration_reviewer.discovery.git import discover
from migration_reviewer.errors import ConfigError, ReviewFailed
from migration_reviewer.linting import lint, production_stats
from migration_reviewer.replay.engine import (
    ReplayOptions,
    base_chain,
    kept_base,
    kept_base_name,
    not_replayed,
    replay_set,
    set_identity,
    spared_migrations,
)
from migration_reviewer.replay.extensions import (
    STAND_INS,
    ExtensionNeed,
    may_act_on_behalf,
    needed_extensions,
    platform_extensions,
)
from migration_reviewer.replay.providers import NO_MYSQL_SERVER, provider_for_dialect
from migration_reviewer.replay.providers.base import KeptBases
from migration_reviewer.replay.providers.installations import ServerChoice, choose_server
from migration_reviewer.replay.result import SetReplay
from migration_reviewer.replay.sessions import load_driver
from migration_reviewer.report.build import build_report
from migration_reviewer.report.model import Report

Progress = Callable[[str], None]


def review(settings: Settings, progress: Progress | None = None) -> Report:
    with deadline(settings.timeout):
        return _review(settings, progress or (lambda _message: None))


def _review(settings: Settings, say: Progress) -> Report:
    changes = discover(settings.repo, settings.base, settings.head)
    with ExitStack() as workers:
        # Alembic's runner loads (~0.4 s) on the other core while the revisions are read and the server
        # starts, instead of after. Only Alembic's own detection runs here: the adapters all detect again
        # when the plan loads, and every review passes this point.
        if not settings.install and ADAPTERS["alembic"].detect(changes.head):
            from migration_reviewer.replay.alembic import spare_worker  # loads Alembic's side: only here

            # One more for the base's models, where they are compared with the replayed schema.
            workers.enter_context(spare_worker(2 if settings.alembic_metadata else 1))
        sets = select_sets(changes, settings)
        # The rules (a hundred modules) load and check their options while the first server starts; where
        # no server starts, right after.
        rule_options_once = functools.cache(lambda: _rule_options(settings, say))
        replays = replay_sets(sets, settings, say, meanwhile=rule_options_once)
    options = rule_options_once()
    findings = [
        finding
        # The replay's view of a set: a framework that runs code (Alembic) learns its SQL from the replay.
        for replay in replays
        for finding in run_rules(
            AnalysisContext(replay.migration_set, replay, changes.changed_paths, options)
        )
    ]
    return build_report(
        tool_version=__version__,
        base=changes.base_sha,
        head=changes.head_sha,
        replays=replays,
        findings=findings,
    )


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Stops the block after `seconds` by raising from SIGALRM wherever it waits, so that it unwinds as it
    does on Ctrl-C: every server, folder and scratch database it started is removed on the way out.
    Signals reach the main thread only; elsewhere (a test's thread) the block runs without a limit."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(_signum: int, _frame: object) -> None:
        raise ReviewFailed(
            f"the review did not finish within {seconds:g} s: it was stopped, and everything it started "
            "was removed",
            hint="--statement-timeout stops a migration that hangs (a lock wait, a loop) sooner; a very "
            "large change may need a longer --timeout",
        )

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def select_sets(changes: ChangeSet, settings: Settings) -> list[MigrationSet]:
    """The migration sets the change touches: the configured folders, else every detected one."""
    if settings.migrations:
        # Head's view wins where the two sides disagree (a folder converted to another framework).
        detected = {
            root: framework for framework, root in detect_sets(changes.base) + detect_sets(changes.head)
        }
        wanted = []
        for entry in settings.migrations:
            framework = entry.framework or detected.get(entry.path)
            if framework is None:
                raise ConfigError(
                    f"migrations: no framework recognised in '{entry.path}'",
                    hint='name it, e.g. migrations = ["golang-migrate:db/migrations"]',
                )
            wanted.append((framework, entry.path))
        plan = load_plan(changes, only=wanted)
        overrides = {entry.path: entry.dialect for entry in settings.migrations if entry.dialect}
    else:
        plan = load_plan(changes)
        overrides = {}
    setups = _set_setups(settings, plan.sets)
    selected = []
    for migration_set in plan.sets:
        if any(glob_match(migration_set.root, pattern) for pattern in settings.exclude):
            continue
        if migration_set.root in setups:
            migration_set = with_platform(migration_set, changes, setups[migration_set.root])
        if migration_set.root in overrides:
            try:
                dialect = Dialect(overrides[migration_set.root])
            except ValueError:
                raise ConfigError(f"migrations: unknown dialect '{overrides[migration_set.root]}'") from None
            migration_set = dataclasses.replace(migration_set, dialect=dialect)
        if migration_set.runner is not None:
            runner = dataclasses.replace(
                migration_set.runner,
                metadata=settings.alembic_metadata,
                install=settings.install,
                environment=settings.alembic_env,
                install_cache=_install_cache(settings),
            )
            migration_set = dataclasses.replace(migration_set, runner=runner)
        if (
            migration_set.touched
            or any(p.path in changes.changed_paths for p in migration_set.problems)
            or any(f.changed for f in migration_set.schema_files)  # models changed, maybe without a migration
        ):
            selected.append(migration_set)
    return selected


def _install_cache(settings: Settings) -> str | None:
    """Where the Alembic runner keeps what `install` installed, by the content of what was installed."""
    if not settings.cache or not settings.install:
        return None
    from migration_reviewer.replay.providers.embedded import default_cache_dir

    return str(Path(settings.cache_dir) if settings.cache_dir else default_cache_dir())


def _set_setups(settings: Settings, sets: Sequence[MigrationSet]) -> dict[str, SetSetup]:
    """What the configuration says of each set's database, by root: each `migrations` entry's own keys,
    over the top-level ones (a platform for every folder; a baseline only where there is one folder)."""
    single = SetSetup(settings.platform, settings.baseline, settings.baseline_version, settings.extensions)
    if (settings.baseline or settings.baseline_version) and len(sets) > 1:
        raise ConfigError(
            "baseline: the repository has several migration folders; say which one starts from the dump",
            hint='e.g. migrations = [{ path = "db/migrations", baseline = "db/schema.sql" }]',
        )
    setups = {s.root: single for s in sets} if single != SetSetup() else {}
    for entry in settings.migrations:
        if entry.platform or entry.baseline or entry.baseline_version or entry.extensions:
            root = entry.path.strip("/").removeprefix("./")
            setups[root] = SetSetup(
                entry.platform or settings.platform,
                entry.baseline or settings.baseline,
                entry.baseline_version or settings.baseline_version,
                entry.extensions or settings.extensions,
            )
    return setups


def replay_sets(
    sets: Sequence[MigrationSet],
    settings: Settings,
    say: Progress,
    meanwhile: Callable[[], object] | None = None,
) -> list[SetReplay]:
    """Each dialect's sets on one server of that dialect, started once. `meanwhile`: work of the caller's
    done while a server starts (once, where it is idempotent)."""
    options = ReplayOptions(
        statement_timeout_ms=int(settings.statement_timeout * 1000),
        seed_rows=settings.seed_rows,
        progress=say,
    )
    replays: dict[int, SetReplay] = {}
    for dialect in dict.fromkeys(s.dialect for s in sets):
        members = [(index, s) for index, s in enumerate(sets) if s.dialect is dialect]
        needs = {index: _extensions_needed(s) for index, s in members}
        wanted = [need for found in needs.values() for need in found]
        choice = _choose_server(dialect, wanted, settings)
        bin_dir = settings.pg_bin_dir
        if choice is not None and choice.reason is not None:
            bin_dir = str(choice.installation.bin_dir)
        provider = provider_for_dialect(
            dialect,
            settings.database,
            url=settings.database_url,
            image=settings.postgres_image,
            mysql_image=settings.mysql_image,
            bin_dir=bin_dir,
            cache_dir=settings.cache_dir,
            kept_bases=_kept_bases([s for _, s in members], settings),
            superuser=settings.replay_role == "superuser",
            on_behalf=any(may_act_on_behalf(text) for _, s in members for text in _texts(s)),
        )
        if provider is None:
            # Alembic can still write its SQL offline, for the static rules.
            from migration_reviewer.replay.alembic import replay_offline  # loads Alembic: only when needed

            replays.update(
                (index, replay_offline(s, options) if s.runner else not_replayed(s, NO_MYSQL_SERVER))
                for index, s in members
            )
            continue
        say(f"starting the {provider.name} database for the {dialect} migrations")
        # The driver loads while the server starts: the embedded one makes its data folder in another
        # process meanwhile.
        with provider.start(meanwhile=functools.partial(_while_starting, dialect, meanwhile)) as server:

            def replay_one(member: tuple[int, MigrationSet]) -> tuple[int, SetReplay]:
                index, migration_set = member
                say(f"replaying {migration_set.root or '.'} ({index + 1}/{len(sets)})")
                replay = replay_set(migration_set, server, options)
                if server.replay_note and replay.error is None:
                    replay.notes.append(server.replay_note)
                return index, replay

            # Folders of a monorepo side by side on one PostgreSQL server (its sessions are separate
            # processes); other servers' admin connections are not shared across threads. On Ctrl-C
            # nothing waits for the workers: leaving the block stops the server, which ends their work.
            if dialect is Dialect.POSTGRESQL and len(members) > 1:
                pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="set")
                try:
                    replays.update(pool.map(replay_one, members))
                finally:
                    pool.shutdown(wait=False, cancel_futures=True)
            else:
                replays.update(map(replay_one, members))
        for index, _ in members:
            if replays[index].error is None and provider.name == "embedded":
                _tell_of_server(replays[index], choice, needs[index])
    return [replays[index] for index in range(len(sets))]


def _texts(migration_set: MigrationSet) -> Iterator[str]:
    """The SQL of every migration of the set, base and new, up and down (a revision file's whole text,
    where the framework runs code)."""
    for migration in (*migration_set.base_migrations, *migration_set.new_migrations):
        for script in (*migration.up, *(migration.down or ())):
            yield script.text
        if migration.step is not None:
            yield migration.step.source.text


def _choose_server(
    dialect: Dialect, needs: Sequence[ExtensionNeed], settings: Settings
) -> ServerChoice | None:
    """For the embedded server: the binaries that have what the history needs (see `choose_server`)."""
    if dialect is not Dialect.POSTGRESQL or settings.database != "embedded":
        return None
    # Merged: one server runs every PostgreSQL set.
    merged = {need.name: need for need in needs}
    return choose_server(list(merged.values()), bin_dir=settings.pg_bin_dir, major=settings.pg_version)


def _extensions_needed(migration_set: MigrationSet) -> list[ExtensionNeed]:
    """The extensions a set's database needs: what its platform holds before the first migration
    (Supabase's), then what its history and configuration create, each once."""
    platform = platform_extensions(migration_set.platform) if migration_set.platform else []
    return list({need.name: need for need in (*platform, *needed_extensions([migration_set]))}.values())


def _tell_of_server(
    replay: SetReplay, choice: ServerChoice | None, needs: Sequence[ExtensionNeed]
) -> None:
    """Which embedded server ran the set and why, the stand-ins it used, and what it lacked."""
    if choice is not None and (note := choice.note()) is not None:
        replay.notes.append(note)
    for need in needs:
        if need.name not in STAND_INS:
            continue
        if STAND_INS[need.name] is not None:  # the embedded server never loads a library at start
            replay.notes.append(
                f"{need.name} only runs where the server loads it at start: an empty stand-in with its "
                "schema, tables and functions replaced it, so nothing it schedules or sends ever runs"
            )
        elif choice is None or need.name not in choice.installation.extensions:
            replay.notes.append(
                f"{need.name} is not on this server: an empty stand-in with its schema, tables and functions "
                "replaced it (what it encrypts, signs or resolves is a placeholder)"
            )
    lacking = {need.name for need in choice.missing} if choice is not None else set()
    replay.missing_extensions = [need for need in needs if need.name in lacking]


def _while_starting(
    dialect: Dialect, meanwhile: Callable[[], object] | None, notes: Mapping[str, str]
) -> None:
    # Loading the driver and the rules, and decoding the kept bases' schemas, makes hundreds of thousands
    # of objects that live as long as the review: the cyclic collector would walk them again and again,
    # while they load and whenever the review makes objects of its own later (a 1,000-table schema: ~40 ms
    # a time). They are set aside for good once made.
    collecting = gc.isenabled()
    gc.disable()
    try:
        load_driver(dialect)
        if meanwhile is not None:
            meanwhile()
        for note in notes.values():
            kept_base(note)  # what the kept bases hold, which the replay asks for first
    finally:
        gc.freeze()
        if collecting:
            gc.enable()


def _kept_bases(sets: Sequence[MigrationSet], settings: Settings) -> KeptBases | None:
    """Which kept clusters the embedded server may start from: one for these sets' base histories (all
    PostgreSQL sets in one cluster, kept as a whole), else one of the same folders that holds first parts
    of them. None where nothing is kept."""
    if not settings.cache or settings.database != "embedded" or sets[0].dialect is not Dialect.POSTGRESQL:
        return None
    if any(s.runner is not None for s in sets):
        # The project's own code (Alembic's env.py and revisions) runs on this server, as the user that
        # runs it: it could change any database and file of the cluster, and a cluster kept after it
        # could hand that to the review of another pull request. Nothing is kept, or started from.
        return None
    # Each set's history, read once: the exact key is made of the whole histories, and a kept cluster of
    # the family is weighed by the first parts of them it holds.
    chains = {kept_base_name(s): base_chain(s) for s in sets}
    # The role that replayed a base owns its objects: a base kept for one role is no use to the other.
    key = "".join(sorted(chain[-1] for chain in chains.values())) + settings.replay_role
    family = "".join(sorted(set_identity(s) for s in sets)) + settings.replay_role
    return KeptBases(
        key=hashlib.sha256(key.encode()).hexdigest(),
        family=family,
        worth=functools.partial(spared_migrations, chains),
    )


def _rule_options(settings: Settings, say: Progress) -> RuleOptions:
    production: Mapping[str, TableStats] = {}
    if settings.stats_from:
        say("reading table sizes from the --stats-from database")
        production = production_stats(settings.stats_from)
    return rule_options(settings, production)


__all__ = ["lint", "production_stats", "review"]
