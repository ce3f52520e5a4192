"""Replays an Alembic migration set with Alembic itself, in a subprocess (replay/alembic_runner.py).

The head side's project files are written to a temp folder; the runner upgrades a scratch database to the
base heads, then (on copies) runs the experiments and the change, recording every statement a revision
executes. Those statements become the new migrations' SQL, so every rule reads them as it reads SQL files,
with the revision file and the line of the `op.` call.
"""

from __future__ import annotations

import json
import os
import pwd
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from psycopg.conninfo import conninfo_to_dict

from migration_reviewer.adapters.base import (
    CodeRunner,
    Dialect,
    Migration,
    MigrationSet,
    SqlScript,
    Wrapping,
)
from migration_reviewer.discovery.changeset import RepoTree
from migration_reviewer.errors import DatabaseUnavailable
from migration_reviewer.replay import code_sandbox
from migration_reviewer.replay.alembic_install import InstallError, plan_install
from migration_reviewer.replay.alembic_runner import OWN_ENV
from migration_reviewer.replay.engine import ReplayOptions, baseline, not_replayed
from migration_reviewer.replay.providers.base import Database, Server
from migration_reviewer.replay.providers.embedded import (
    RunAs,
    default_temp_root,
    run_as_user,
    user_arguments,
)
from migration_reviewer.replay.result import (
    LockTaken,
    MigrationRun,
    ModelDrift,
    Outcome,
    ReplayError,
    RollbackReplay,
    RollbackStep,
    SeededReplay,
    SetReplay,
    StatementRun,
)
from migration_reviewer.replay.sessions import open_session
from migration_reviewer.replay.statements import Statement, referenced_tables, split_scripts
from migration_reviewer.schema.declared import Drift, DriftKind
from migration_reviewer.schema.diff import diff
from migration_reviewer.schema.renames import rename_hints

# What the runner needs of the repository: Python code, Alembic's configuration and templates.
_PROJECT_FILES = (".py", ".ini", ".mako", ".cfg", ".toml", ".json", ".yaml", ".yml", ".sql")
_SECRET_PREFIXES = ("GITHUB_TOKEN", "ACTIONS_", "INPUT_")
RUN_TIMEOUT_S = 600
# Offline mode needs only the dialect: nothing connects.
_OFFLINE_URLS = {Dialect.POSTGRESQL: "postgresql://", Dialect.MYSQL: "mysql://", Dialect.SQLITE: "sqlite://"}
_RUNNER = "migration_reviewer.replay.alembic_runner"
CODE_USER = "nobody"  # runs the project's Python when the review runs as root


@dataclass
class _Outcome:
    """What one runner invocation did."""

    statements: list[dict[str, Any]] = field(default_factory=list)
    failure: dict[str, Any] | None = None
    model_drift: dict[str, Any] | None = None  # what `compare` found


class _Project:
    """One side's files on disk, and how to run Alembic over them."""

    def __init__(self, runner: CodeRunner, tree: RepoTree, folder: Path, revision_files: list[str],
                 timeout_ms: int, workspace: _Workspace) -> None:
        self.runner = runner
        self.tree = tree
        self.folder = folder
        self.revision_files = revision_files
        self.timeout_ms = timeout_ms
        self.workspace = workspace
        self.dialect = Dialect.POSTGRESQL
        self.own_env = False
        self.new_files: set[str] = set()  # written only once the base history ran
        self._worker: _Worker | None = None

    def add_new_revisions(self) -> None:
        for path in self.new_files:
            (self.folder / path).write_bytes(self.tree.read_bytes(path))

    def run(
        self, database: Database | None, commands: Sequence[tuple[str, str]], *, observe: bool
    ) -> _Outcome:
        """Runs `commands` against `database` (None: offline, Alembic only writes the SQL)."""
        events = self.folder.parent / "events.jsonl"
        events.write_text("")
        if self.workspace.user is not None:
            os.chown(events, self.workspace.user.uid, self.workspace.user.gid)  # the worker writes it
        own = self.folder.parent / "own_env"
        if self.own_env and not own.exists():
            own.mkdir()
            (own / "env.py").write_text(OWN_ENV)
        request = {
            "events": str(events),
            "ini": self.runner.config_path,
            "section": self.runner.section,
            "url": _sqlalchemy_url(database, self.timeout_ms) if database else _OFFLINE_URLS[self.dialect],
            "script_location": self.runner.script_location,
            "own_env": self.own_env,
            "own_script_location": str(own),
            "version_locations": sorted({str(self.folder / Path(p).parent) for p in self.revision_files}),
            "commands": list(commands),
            "observe": observe,
            "revision_files": self.revision_files,
            "transaction_per_migration": self.runner.transaction_per_migration,
        }
        stopped = self._ask(request)
        outcome = _Outcome()
        for line in events.read_text().splitlines():
            event = json.loads(line)
            if event["type"] == "statement":
                outcome.statements.append(event)
            elif event["type"] == "model_drift":
                outcome.model_drift = event
            elif event["type"] == "failed":
                outcome.failure = event
        if stopped is not None and outcome.failure is None:
            outcome.failure = {"message": stopped, "path": None, "line": None}
        return outcome

    def _ask(self, request: dict[str, Any]) -> str | None:
        """Sends one request to the worker (started on first use) and waits for it; why the worker
        stopped instead of answering, if it did."""
        if self._worker is None:
            workspace = self.workspace
            self._worker = _take_spare(workspace) or _Worker.start(workspace.user, workspace.site)
            self._worker.serve(self.folder, self.workspace, dict(self.runner.environment))
        ready = self._worker.ask(json.dumps(request))
        if ready:
            return None
        why = self._worker.last_words() if ready is False else None
        self.close()  # the next request starts a fresh worker
        if ready is None:
            return f"Alembic did not finish within {RUN_TIMEOUT_S} s"
        return why or "the Alembic runner stopped"

    def close(self) -> None:
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.close()


class _Worker:
    """A runner process (replay/alembic_runner.py). It loads Alembic and SQLAlchemy first, then waits to be
    told which project to serve: it can be started ahead of need, while the review does other work."""

    def __init__(self, process: subprocess.Popen[str], reply: int, log: Path, user: RunAs | None,
                 site: Path | None) -> None:
        self.process = process
        self.reply = reply  # the pipe it answers on
        self.log = log
        self.user = user
        self.site = site
        self.stage: Path | None = None  # the empty folder its confinement was set up in

    @classmethod
    def start(cls, user: RunAs | None, site: Path | None) -> _Worker:
        """`user`: who runs it (None: ourselves); `site`: where the `install` requirements went."""
        environment = _without_credentials()
        if site is not None:
            paths = (str(site), environment.get("PYTHONPATH"))
            environment["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
        descriptor, log_name = tempfile.mkstemp(prefix="mr-alembic-", suffix=".log")
        reply, write_end = os.pipe()
        # -P: nothing of the folder it starts in is importable; the project's folder is added later.
        command = [sys.executable, "-P", "-m", _RUNNER, str(write_end)]
        command, stage = _confined(command, user, site)
        try:
            process = subprocess.Popen(
                command, cwd="/", env=environment,
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=descriptor, text=True,
                pass_fds=(write_end,), **user_arguments(user),
            )
        except BaseException:
            os.close(reply)
            os.unlink(log_name)
            if stage is not None:
                stage.rmdir()
            raise
        finally:
            os.close(write_end)
            os.close(descriptor)
        worker = cls(process, reply, Path(log_name), user, site)
        worker.stage = stage
        return worker

    def serve(self, folder: Path, workspace: _Workspace, environment: dict[str, str]) -> None:
        """The project to serve: its files, the home its code sees, and the settings it reads from its
        environment (`alembic-env`)."""
        home = str(workspace.folder) if workspace.user is not None else None
        self._send(json.dumps({"workdir": str(folder), "home": home, "environment": environment}))

    def ask(self, line: str) -> bool | None:
        """Sends one request and waits for the answer: True, answered; False, the worker stopped; None,
        it did not answer in time."""
        self._send(line)
        ready, _, _ = select.select([self.reply], [], [], RUN_TIMEOUT_S)
        if not ready:
            return None
        return bool(os.read(self.reply, 64))

    def _send(self, line: str) -> None:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(line + "\n")
            self.process.stdin.flush()
        except BrokenPipeError:
            pass  # the worker died: reading the reply says so

    def last_words(self) -> str | None:
        lines = self.log.read_text(errors="replace").strip().splitlines()
        return lines[-1] if lines else None

    def close(self) -> None:
        """Ends it (its stdin closes: it exits), and removes its log."""
        if self.process.stdin is not None:
            with suppress(OSError):
                self.process.stdin.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self.reply)
        self.log.unlink(missing_ok=True)
        if self.stage is not None:
            with suppress(OSError):
                self.stage.rmdir()


# Workers started ahead of need (`spare_worker`), for the first project whose user and packages they fit.
_SPARES: list[_Worker] = []
_SPARES_LOCK = threading.Lock()


@contextmanager
def spare_worker(count: int = 1) -> Iterator[None]:
    """Starts `count` workers now, so that Alembic and SQLAlchemy (~0.4 s) load on the other core while
    the review reads the revisions and starts its server; the first Alembic projects without `install`
    requirements take them (the head's, and the base's where the models are compared). Ended on the way
    out if none did."""
    user, _ = _worker_user()
    workers = []
    try:
        for _ in range(count):
            workers.append(_Worker.start(user, None))
            with _SPARES_LOCK:
                _SPARES.append(workers[-1])
        yield
    finally:
        with _SPARES_LOCK:
            unused = [worker for worker in workers if worker in _SPARES]
            for worker in unused:
                _SPARES.remove(worker)
        for worker in unused:
            worker.close()


def _take_spare(workspace: _Workspace) -> _Worker | None:
    with _SPARES_LOCK:
        for worker in _SPARES:
            fits = worker.user == workspace.user and worker.site == workspace.site
            if fits and worker.process.poll() is None:
                _SPARES.remove(worker)
                return worker
    return None


def _confined(command: list[str], user: RunAs | None, site: Path | None) -> tuple[list[str], Path | None]:
    """`command` in namespaces of its own (code_sandbox), where the review runs as a normal user and
    they can be made; and the folder made for setting them up, to remove once it ended."""
    if user is not None or not code_sandbox.available():
        return command, None
    stage = Path(tempfile.mkdtemp(prefix="mr-confine-", dir=default_temp_root()))
    hidden = code_sandbox.hidden_folders()
    kept = code_sandbox.kept_folders(hidden, [site] if site is not None else [])
    return code_sandbox.confine(command, stage, kept, hidden), stage


def _without_credentials() -> dict[str, str]:
    """Our environment without any credential: the project's code runs in it."""
    return {k: v for k, v in os.environ.items() if not k.startswith(_SECRET_PREFIXES)}


def _environment(workspace: _Workspace) -> dict[str, str]:
    """`_without_credentials`, at home in the workspace."""
    environment = _without_credentials()
    if workspace.user is not None:
        environment["HOME"] = str(workspace.folder)
    return environment


@dataclass(frozen=True)
class _Workspace:
    """Where the project's files go, and who runs its Python (None: the reviewer's own user)."""

    folder: Path
    user: RunAs | None
    site: Path | None = None  # where the `install` requirements went


@contextmanager
def _workspace(runner: CodeRunner, notes: list[str]) -> Iterator[_Workspace]:
    """A temporary folder for one replay. When the review runs as root, the project's Python (its
    revisions and env.py, and pip for `install`) runs as an unprivileged user (`_code_user`), in a
    folder of that user's: it can read the reviewer's files no more than the migrations can."""
    user, why = _worker_user()
    if why:
        notes.append(why)
    # On tmpfs where there is one: a disk may take a millisecond per file, and the project has thousands.
    with tempfile.TemporaryDirectory(prefix="mr-alembic-", dir=default_temp_root()) as temp:
        workspace = _Workspace(Path(temp), user)
        if user is not None:
            os.chown(temp, user.uid, user.gid)
        site, installed = _install(runner, workspace)
        if installed:
            notes.append(installed)
        yield replace(workspace, site=site)


def _worker_user(folders: Sequence[Path] | None = None) -> tuple[RunAs | None, str | None]:
    """The unprivileged user to run the project's Python as (None: ourselves), and why not, when we are
    root but cannot hand it to one: that user must reach `folders`, by default this interpreter's and
    its libraries'."""
    try:
        user = _code_user()
    except DatabaseUnavailable:
        return None, "the Alembic revisions ran as root: there is no postgres or nobody user to run them as"
    if user is None:
        return None, (None if code_sandbox.available() else code_sandbox.UNAVAILABLE_NOTE)
    if folders is None:
        folders = [Path(sys.executable).resolve().parent, *(Path(p) for p in sys.path if os.path.isdir(p))]
    closed = next((folder for folder in folders if not user.can_enter(folder)), None)
    if closed is not None:
        return None, (
            f"the Alembic revisions ran as root: the user {user.name}, who would run them without rights, "
            f"cannot reach this Python ({closed}). Install the review tool where every user can read it "
            "(the Docker image does)"
        )
    return user, None


def _code_user() -> RunAs | None:
    """Who runs the project's Python when we are root (None: we are not). `nobody` rather than the
    server's user where they differ: then that code reaches the cluster only through its socket, as the
    replay role, and cannot touch the server's data files or processes."""
    server = run_as_user()
    if server is None:
        return None
    try:
        entry = pwd.getpwnam(CODE_USER)
    except KeyError:
        return server
    return RunAs(CODE_USER, entry.pw_uid, entry.pw_gid)


def replay_revisions(migration_set: MigrationSet, server: Server, options: ReplayOptions) -> SetReplay:
    """The base history, then each experiment on a copy of it. Nothing of it is kept for a later review:
    the project's code ran against the server (and, where the review is not root, as the user that runs
    it), and could have changed anything there."""
    runner = migration_set.runner
    assert runner is not None
    if migration_set.dialect is Dialect.MYSQL:
        return replay_offline(migration_set, options)
    new = migration_set.new_migrations
    notes: list[str] = []
    result = SetReplay(migration_set, provider=server.provider, server_version=server.server_version)
    with _workspace(runner, notes) as workspace, ExitStack() as workers:
        project = _materialise(migration_set, runner.tree, "head", options, workspace)
        workers.callback(project.close)
        base = server.create_database()
        try:
            started = time.perf_counter()
            outcome = project.run(base, [("upgrade", h) for h in runner.base_heads], observe=False)
            if _env_failed(outcome, project, notes):
                server.drop_database(base)
                base = server.create_database()
                outcome = project.run(base, [("upgrade", h) for h in runner.base_heads], observe=False)
            result.base_runs = _runs(migration_set.base_migrations, outcome, observed=False)
            result.base_duration_ms = (time.perf_counter() - started) * 1000
            project.add_new_revisions()
            with open_session(base, options.statement_timeout_ms) as session:
                result.before = session.introspect()
            if outcome.failure is not None:
                # `alembic upgrade` stops at the first revision that fails: the change has no complete
                # base to run on. Its SQL still comes from offline mode, for the static rules.
                result.runs = _not_run_offline(project, new, _incomplete_base(outcome), notes)
                if any(run.statements for run in result.runs):
                    notes.append("the change's revisions did not run on the incomplete base: their "
                                 "statements come from `alembic upgrade --sql`, checked by the static rules")
                result.after = result.before
                result.migration_set = _with_statements(migration_set, result.runs, notes)
                return result
            with _copy(server, base) as database:
                with open_session(database, options.statement_timeout_ms) as session:
                    # Where the history stands before the change: the snapshot after it reads only what
                    # the change can have altered.
                    since = baseline(session, result.before)
                    outcome = project.run(database, [("upgrade", "heads")], observe=True)
                    result.runs = _runs(new, outcome, observed=True)
                    result.after = session.introspect(since)
                unloadable = _unloadable(outcome, result.runs)
                if runner.metadata:
                    base_project = _materialise(migration_set, runner.base_tree, "base", options, workspace)
                    workers.callback(base_project.close)
                    result.model_drift = _model_drift(runner.metadata, project.run(
                        database, [("compare", runner.metadata)], observe=False), base_project.run(
                        base, [("compare", runner.metadata)], observe=False))
            hints = [hint for run in result.runs if run.outcome is Outcome.APPLIED for step in run.statements
                     for hint in rename_hints(step.statement.text, migration_set.dialect)]
            result.changes = diff(result.before, result.after, hints)
            if unloadable:  # nothing more of the change can run here
                result.migration_set = _with_statements(migration_set, result.runs, notes)
                return result
            if options.check_rollback and new and all(m.down is not None for m in new):
                result.rollback = _rollback(project, server, base, migration_set, options, result.before)
            result.seeded = _seeded(project, server, base, result, options)
        finally:
            with suppress(DatabaseUnavailable):
                server.drop_database(base)
    result.migration_set = _with_statements(migration_set, result.runs, notes)
    return result


def _incomplete_base(outcome: _Outcome) -> str:
    """Why the change's revisions could not run: where and why the base history stopped."""
    failure = outcome.failure
    assert failure is not None
    erring = next((e for e in outcome.statements if e.get("error")), None)
    path = failure.get("path") or (erring["path"] if erring else None)
    why = erring["error"]["message"] if erring else failure["message"]
    if failure.get("module"):
        why = f"it imports `{failure['module']}`, which is not installed where the review runs"
    where = f"at {path}" if path else "before any revision"
    return f"not run: the base history stopped {where} ({why}), so this revision has no complete base here"


def _not_run_offline(
    project: _Project, migrations: Sequence[Migration], reason: str, notes: list[str]
) -> list[MigrationRun]:
    """`migrations` as not run, for `reason`, with the statements `alembic upgrade --sql` writes for them
    (none where even that cannot run)."""
    outcome = project.run(None, [("offline", "heads")], observe=True)
    if _env_failed(outcome, project, notes):
        outcome = project.run(None, [("offline", "heads")], observe=True)
    runs = _runs(migrations, _Outcome(statements=outcome.statements), observed=True)
    for run in runs:
        run.outcome = Outcome.NOT_RUN
        how = ("its statements come from `alembic upgrade --sql` and were checked by the static rules only"
               if run.statements else "`alembic upgrade --sql` could not write its statements either")
        run.error = ReplayError(f"{reason}; {how}", run.migration.path, 1, "")
        for statement in run.statements:
            statement.outcome = Outcome.NOT_RUN
    return runs


def _unloadable(outcome: _Outcome, runs: list[MigrationRun]) -> bool:
    """Whether a revision of the change imports a module the review lacks: it did not run, nor did any
    after it (nor any at all where Alembic could not load the revisions), and each says why. The module
    is missing here, not necessarily where the project deploys: not a failure of the revision."""
    failure = outcome.failure
    if failure is None or not failure.get("module"):
        return False
    culprit = failure.get("path") or "env.py"
    why = ("Alembic could not load the revisions" if not outcome.statements
           else "the runner stopped before it")
    for run in runs:
        if run.outcome in (Outcome.APPLIED, Outcome.ROLLED_BACK):
            continue  # it ran before the import (and, in one transaction for all, was undone with it)
        run.outcome = Outcome.NOT_RUN
        if run.error is None or run.migration.path != culprit:
            run.error = ReplayError(f"not run: {why}: {culprit} imports `{failure['module']}`, which is not "
                                    "installed where the review runs", run.migration.path, 1, "")
    return True


def _env_failed(outcome: _Outcome, project: _Project, notes: list[str]) -> bool:
    """Whether the project's env.py itself could not run (it needs the application's settings, a
    service…); then the revisions run under a minimal env.py of ours from now on."""
    failure = outcome.failure
    if project.own_env or failure is None or failure.get("path") is not None:  # a revision's own failure
        return False
    notes.append(f"the project's env.py could not run here ({failure['message']}); the revisions ran "
                 "under a minimal env.py (our database URL, target_metadata=None)")
    project.own_env = True
    return True


def _with_statements(migration_set: MigrationSet, runs: list[MigrationRun], notes: list[str]) -> MigrationSet:
    """The set as the rules read it: each revision's recorded statements become its SQL."""
    recorded = {run.migration.id: run for run in runs}
    enriched = replace(
        migration_set,
        head_migrations=tuple(
            replace(m, up=_scripts(recorded[m.id])) if m.id in recorded else m
            for m in migration_set.head_migrations
        ),
        notes=(*migration_set.notes, *notes),
    )
    by_id = {m.id: m for m in enriched.head_migrations}
    for run in runs:
        run.migration = by_id[run.migration.id]
    return enriched


def replay_offline(migration_set: MigrationSet, options: ReplayOptions) -> SetReplay:
    """Where Alembic cannot run against a scratch database of the dialect: `alembic upgrade --sql` writes
    the statements without running them, which the static rules can still read."""
    runner = migration_set.runner
    assert runner is not None
    notes: list[str] = []
    with _workspace(runner, notes) as workspace, ExitStack() as workers:
        project = _materialise(migration_set, runner.tree, "head", options, workspace)
        workers.callback(project.close)
        project.add_new_revisions()
        outcome = project.run(None, [("offline", "heads")], observe=True)
        if _env_failed(outcome, project, notes):
            outcome = project.run(None, [("offline", "heads")], observe=True)
    runs = _runs(migration_set.new_migrations, outcome, observed=True)
    return not_replayed(
        _with_statements(migration_set, runs, notes),
        f"Alembic replays {migration_set.dialect} offline only: the statements come from "
        "`alembic upgrade --sql` and were checked by the static rules, not run",
    )


@contextmanager
def _copy(server: Server, base: Database) -> Iterator[Database]:
    database = server.create_database(template=base)
    try:
        yield database
    finally:
        with suppress(DatabaseUnavailable):  # an error on its way out matters more than the cleanup
            server.drop_database(database)


def _seeded(
    project: _Project, server: Server, base: Database, result: SetReplay, options: ReplayOptions
) -> SeededReplay | None:
    new_scripts = [s for run in result.runs for s in _scripts(run)]
    touched = referenced_tables(split_scripts(new_scripts, Dialect.POSTGRESQL), Dialect.POSTGRESQL)
    if not options.seed_rows or not touched or result.before is None:
        return None
    with _copy(server, base) as database:
        with open_session(database, options.statement_timeout_ms) as session:
            rows = session.seed(result.before, touched, options.seed_rows)
        if rows is None:
            return None
        outcome = project.run(database, [("upgrade", "heads")], observe=True)
    return SeededReplay(rows, _runs([run.migration for run in result.runs], outcome, observed=True))


def _rollback(
    project: _Project,
    server: Server,
    base: Database,
    migration_set: MigrationSet,
    options: ReplayOptions,
    before: Any,
) -> RollbackReplay:
    """Up to the new heads, down to the base heads, up again: as `alembic downgrade` would roll back a
    deploy. The schema after the downgrade is compared with the base schema."""
    new = migration_set.new_migrations
    assert migration_set.runner is not None
    replay = RollbackReplay()
    with _copy(server, base) as database:
        outcome = project.run(database, [("upgrade", "heads")], observe=False)
        replay.up_runs = _runs(new, outcome, observed=False)
        if outcome.failure is not None:
            return replay
        targets = migration_set.runner.base_heads or ("base",)
        outcome = project.run(database, [("downgrade", t) for t in targets], observe=False)
        downs = _runs(tuple(reversed(new)), outcome, observed=False)
        replay.steps = [RollbackStep(run.migration, run) for run in downs]
        if outcome.failure is None and replay.steps:
            with open_session(database, options.statement_timeout_ms) as session:
                replay.steps[-1].leftovers = diff(before, session.introspect(), [])
            replay.up_again_runs = _runs(new, project.run(database, [("upgrade", "heads")], observe=False),
                                         observed=False)
    return replay


def _runs(migrations: Sequence[Migration], outcome: _Outcome, *, observed: bool) -> list[MigrationRun]:
    """The runner's events as runs, one per migration in order. A failure stops the runner: a revision
    after it did not run, and in one transaction for all (Alembic's default) the ones before it are undone
    with it."""
    by_path: dict[str, list[StatementRun]] = {}
    for event in outcome.statements:
        by_path.setdefault(event["path"], []).append(_statement_run(event))
    failure = outcome.failure
    failed_path = None
    if failure is not None:
        erring = next((e for e in outcome.statements if e.get("error")), None)
        failed_path = failure.get("path") or (erring["path"] if erring else None)
    runs: list[MigrationRun] = []
    failed_at: int | None = None
    for index, migration in enumerate(migrations):
        statements = by_path.get(migration.path, []) if observed or failure else []
        run = MigrationRun(migration, Outcome.APPLIED, statements,
                           duration_ms=sum(s.duration_ms for s in statements))
        if failure is not None and (failed_path == migration.path or (failed_path is None and index == 0)):
            run.outcome = Outcome.FAILED
            run.error = next((s.error for s in statements if s.error), None) or _error(failure, migration)
            failed_at = index
        elif failed_at is not None:
            run.outcome = Outcome.NOT_RUN
        runs.append(run)
    # A module missing before any statement ran: Alembic could not even load the revisions.
    loading = failure is not None and failure.get("module") and not outcome.statements
    for run in runs:
        if loading and run.outcome is not Outcome.FAILED:
            run.outcome = Outcome.NOT_RUN
    if failed_at is not None and not loading and migrations and migrations[0].wrapping is Wrapping.BATCH:
        for run in runs[:failed_at]:
            run.outcome = Outcome.ROLLED_BACK
    return runs


def _statement_run(event: dict[str, Any]) -> StatementRun:
    text = event["sql"].strip()
    statement = Statement(text, event["path"], event["line"], event["line"] + text.count("\n"))
    run = StatementRun(
        statement,
        Outcome.APPLIED,
        duration_ms=event.get("duration_ms", 0.0),
        in_transaction=event.get("in_transaction", False),
        locks=tuple(LockTaken(*lock) for lock in event.get("locks", [])),
        rewrites=tuple(event.get("rewrites", [])),
        rows=event.get("rows"),
    )
    error = event.get("error")
    if error:
        run.outcome = Outcome.FAILED
        run.error = ReplayError(error["message"], statement.path, statement.line, text, error.get("sqlstate"),
                                error.get("detail"), table=error.get("table"), column=error.get("column"),
                                constraint=error.get("constraint"))
    return run


def _error(failure: dict[str, Any], migration: Migration) -> ReplayError:
    message = failure["message"]
    if failure.get("module"):
        message = (f"the revision imports `{failure['module']}`, which is not installed where the review "
                   "runs: list it under `install` in the configuration, or add it to the action's "
                   "`extra-packages` input")
    return ReplayError(message, failure.get("path") or migration.path, failure.get("line") or 1, "")


def _scripts(run: MigrationRun) -> tuple[SqlScript, ...]:
    return tuple(SqlScript(s.statement.path, s.statement.text, s.statement.line) for s in run.statements)


def _sqlalchemy_url(database: Database, timeout_ms: int) -> str:
    if database.dialect is Dialect.SQLITE:
        return f"sqlite:///{database.conninfo}"
    from sqlalchemy.engine import URL  # here, not with the module: only Alembic projects need it

    params = {k: str(v) for k, v in conninfo_to_dict(database.conninfo).items() if v is not None}
    query = {k: v for k, v in params.items() if k not in ("user", "password", "dbname")}
    query["options"] = f"-c statement_timeout={int(timeout_ms)}"
    url = URL.create("postgresql+psycopg", username=params.get("user"), password=params.get("password"),
                     database=params.get("dbname"), query=query)
    return url.render_as_string(hide_password=False)


def _materialise(
    migration_set: MigrationSet, tree: RepoTree, side: str, options: ReplayOptions, workspace: _Workspace
) -> _Project:
    """`tree`'s project files under `side`/repo of the workspace."""
    assert migration_set.runner is not None
    folder = workspace.folder / side / "repo"
    for path in tree.paths:
        if path.endswith(_PROJECT_FILES) and "node_modules/" not in path:
            target = folder / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(tree.read_bytes(path))
    project = _Project(migration_set.runner, tree, folder, [m.path for m in migration_set.head_migrations],
                       options.statement_timeout_ms, workspace)
    project.dialect = migration_set.dialect
    if tree is migration_set.runner.tree:
        # The base history runs with the base's revisions only: a new one that cannot load (a module
        # missing here) must not stop it.
        project.new_files = {m.path for m in migration_set.new_migrations}
        for path in project.new_files:
            (folder / path).unlink(missing_ok=True)
    return project


def _install(runner: CodeRunner, workspace: _Workspace) -> tuple[Path | None, str | None]:
    """pip installs what `install` names into a folder of its own; a note says what happened. What pip
    installs comes from the repository, and installing a package runs its build: pip runs as the worker
    does. The result is kept in the cache folder under the content hash of all it was made from, so only
    the first review of the same requirements pays for it; it is kept before any of the project's own code
    (env.py, the revisions) runs, which never gets to write it when the review runs as root."""
    if not runner.install:
        return None, None
    try:
        plan = plan_install(runner.install, runner.tree)
    except InstallError as exc:
        return None, f"`install` was not installed ({exc}): the revisions ran without it"
    said = plan.described()
    skipped = f" (from the lock, not installed: {', '.join(plan.skipped)})" if plan.skipped else ""
    site = workspace.folder / "site"
    kept = Path(runner.install_cache) / "alembic-site" / plan.key() if runner.install_cache else None
    if kept is not None and kept.is_dir():
        shutil.copytree(kept, site, symlinks=True)
        return site, f"installed for the Alembic runner (kept from an earlier review): {said}{skipped}"
    top = workspace.folder / "install"
    for path, content in plan.files.items():
        (top / path).parent.mkdir(parents=True, exist_ok=True)
        (top / path).write_bytes(content)
    (top / plan.working_folder).mkdir(parents=True, exist_ok=True)
    if workspace.user is not None:  # builds write beside the sources (egg-info, build/)
        for folder, _, files in os.walk(top):
            for name in [folder, *(os.path.join(folder, f) for f in files)]:
                os.chown(name, workspace.user.uid, workspace.user.gid)
    command, stage = _confined(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-cache-dir",
         "--target", str(site), *plan.arguments(top)], workspace.user, None)
    try:
        completed = subprocess.run(
            command, env=_environment(workspace), cwd=top / plan.working_folder, capture_output=True,
            text=True, timeout=RUN_TIMEOUT_S, check=False, **user_arguments(workspace.user),
        )
    finally:
        if stage is not None:
            stage.rmdir()
    if completed.returncode != 0:
        error = (completed.stderr.strip().splitlines() or ["pip failed"])[-1]
        return None, f"`install` failed ({error}): the revisions ran without {said}"
    if kept is not None:
        _keep(site, kept)
    return site, f"installed for the Alembic runner: {said}{skipped}"


def _keep(site: Path, kept: Path) -> None:
    """Copies the installed packages into the cache, whole or not at all (a copy under a temporary name,
    then renamed). A cache that cannot be written costs the next review the install, nothing more."""
    with suppress(OSError):
        kept.parent.mkdir(parents=True, exist_ok=True)
        partial = Path(tempfile.mkdtemp(prefix=".partial-", dir=kept.parent))
        try:
            shutil.copytree(site, partial / "site", symlinks=True)
            (partial / "site").rename(kept)
        finally:
            shutil.rmtree(partial, ignore_errors=True)


def _model_drift(source: str, head: _Outcome, base: _Outcome) -> ModelDrift:
    if head.model_drift is None:
        failure = head.failure or {"message": "the models were not compared"}
        return ModelDrift(source, error=failure["message"])
    drift = ModelDrift(source, head.model_drift.get("path"), _drifts(head.model_drift))
    if base.model_drift is not None:  # a base without these models has no drift of its own
        drift.known = _drifts(base.model_drift)
    return drift


def _drifts(event: dict[str, Any]) -> list[Drift]:
    return [Drift(DriftKind(d["kind"]), d["table"], d["column"], d.get("line"), d.get("nullable"))
            for d in event["drifts"]]
