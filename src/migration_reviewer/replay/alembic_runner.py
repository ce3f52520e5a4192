"""Runs Alembic commands against a scratch database and records every statement they execute.

Started by `replay/alembic.py` as `python -m migration_reviewer.replay.alembic_runner REPLY_FD`, a
subprocess because env.py and the revision files are the project's code: they import the application,
may change global state and may crash. It loads Alembic and SQLAlchemy first, then reads which project to
serve (the first line of stdin: its folder, and the home its code sees), so it can be started before the
project's files are written. It stays up for one review and serves one request (commands against one
database, see `_Project.run` in replay/alembic.py) per further line of stdin, so Python and the
application are loaded once. The request's events file receives one JSON object per line:

- `statement`: what a SQLAlchemy cursor executed for a revision: text, revision file and line of the
  `op.` call (from the stack), duration, rows, locks this backend holds, relations rewritten, error;
- `model_drift`: what `compare` found between the models and the database;
- `failed`: a command stopped, with where (the revision file and line, when it was in one) and why.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
import traceback
import weakref
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

# Our own env.py, for projects whose env.py cannot run here: the URL is ours and there is no metadata.
OWN_ENV = '''
from alembic import context
from sqlalchemy import create_engine, pool

config = context.config
url = config.get_main_option("sqlalchemy.url")
per_migration = config.attributes.get("transaction_per_migration", False)
if context.is_offline_mode():
    context.configure(url=url, target_metadata=None, literal_binds=True,
                      transaction_per_migration=per_migration)
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=None,
                          transaction_per_migration=per_migration)
        with context.begin_transaction():
            context.run_migrations()
'''


def _stack() -> Iterator[tuple[str, int]]:
    """The calling code's frames as (file, line), innermost first: without reading source lines, which
    `traceback.extract_stack` does for every frame (a statement of a revision runs some forty deep)."""
    frame = sys._getframe(1)
    while frame is not None:
        yield frame.f_code.co_filename, frame.f_lineno
        frame = frame.f_back  # type: ignore[assignment]


class _Recorder:
    def __init__(self) -> None:
        self.out: TextIO = sys.stderr
        self.files: dict[str, str] = {}  # absolute path → repository-relative path
        self.real_paths: dict[str, str] = {}  # a code object's file name → its absolute path
        self.observe = False
        self.busy = False  # our own catalog queries run on the same connection: do not record them
        self.pending: dict[int, dict[str, Any]] = {}

    def start(self, out: TextIO, request: dict[str, Any], workdir: str) -> None:
        self.out, self.observe = out, request["observe"]
        # The folder resolved once: below it are plain files we wrote, no links.
        real_workdir = os.path.realpath(workdir)
        self.files = {os.path.join(real_workdir, p): p for p in request["revision_files"]}
        self.pending.clear()

    def emit(self, event: dict[str, Any]) -> None:
        self.out.write(json.dumps(event) + "\n")
        self.out.flush()

    def where(self, frames: Iterable[tuple[str, int | None]]) -> tuple[str, int] | None:
        """The innermost frame inside a revision file, of (file, line) pairs innermost first: the `op.`
        call that led to the statement."""
        for filename, line in frames:
            real = self.real_paths.get(filename)
            if real is None:
                real = self.real_paths[filename] = os.path.realpath(filename)
            path = self.files.get(real)
            if path is not None:
                return path, line or 1
        return None

    def before(self, conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if self.busy:
            return
        place = self.where(_stack())
        if place is None:
            return  # Alembic's own bookkeeping (alembic_version), or env.py
        record: dict[str, Any] = {"type": "statement", "sql": statement, "path": place[0], "line": place[1],
                                  "in_transaction": conn.in_transaction()}
        record["relations"] = self._relations(conn)
        record["started"] = time.perf_counter()
        self.pending[id(cursor)] = record

    def after(self, conn: Any, cursor: Any, *_: Any) -> None:
        record = self.pending.pop(id(cursor), None)
        if record is None:
            return
        record["duration_ms"] = (time.perf_counter() - record.pop("started")) * 1000
        record["rows"] = cursor.rowcount if cursor.rowcount is not None and cursor.rowcount >= 0 else None
        before = record.pop("relations")
        session = self._session(conn)
        if session is not None and before is not None:
            from migration_reviewer.replay.sessions.base import rewritten

            with self._busy():
                after = session.relations()
                locks = session.own_locks({**after, **before}) if conn.in_transaction() else set()
            record["rewrites"] = list(rewritten(before, after))
            record["locks"] = sorted([lock.relation, lock.mode, lock.relkind] for lock in locks)
        self.emit(record)

    def error(self, context: Any) -> None:
        # Statements run one at a time: the one that failed is the one still pending (SQLAlchemy 2.1's
        # exception context does not always name the cursor).
        if not self.pending:
            return
        record = self.pending.popitem()[1]
        record.pop("relations")
        record["duration_ms"] = (time.perf_counter() - record.pop("started")) * 1000
        original = context.original_exception
        diag = getattr(original, "diag", None)
        position = getattr(diag, "statement_position", None)
        record["error"] = {
            "message": (getattr(diag, "message_primary", None) or str(original)).splitlines()[0],
            "sqlstate": getattr(original, "sqlstate", None),
            "detail": "\n".join(p for p in (getattr(diag, "message_detail", None),
                                            getattr(diag, "message_hint", None)) if p) or None,
            "table": getattr(diag, "table_name", None),
            "column": getattr(diag, "column_name", None),
            "constraint": getattr(diag, "constraint_name", None),
            "position": int(position) - 1 if position else None,
        }
        self.emit(record)

    def _session(self, conn: Any) -> Any:
        if not self.observe or conn.dialect.name != "postgresql":
            return None
        from migration_reviewer.replay.sessions.postgres import PostgresSession

        return PostgresSession(conn.connection.dbapi_connection)

    def _relations(self, conn: Any) -> Any:
        session = self._session(conn)
        if session is None:
            return None
        with self._busy():
            return session.relations()

    @contextmanager
    def _busy(self) -> Iterator[None]:
        self.busy = True
        try:
            yield
        finally:
            self.busy = False


def _on_behalf(
    conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, executemany: bool
) -> tuple[str, Any]:
    """A `CREATE EXTENSION` or `CREATE/DROP ROLE` a revision sends runs on its behalf where the replay's
    role may not run it itself, as the SQL runners' statements do (PostgresSession.execute): the checks
    are the database functions' own, whoever calls them."""
    if executemany or conn.dialect.name != "postgresql":
        return statement, parameters
    from migration_reviewer.replay.extensions import may_act_on_behalf

    if not may_act_on_behalf(statement):
        return statement, parameters
    from migration_reviewer.replay.sessions.postgres import PostgresSession

    call = PostgresSession(conn.connection.dbapi_connection).instead_of(statement)
    return (statement, parameters) if call is None else (call.query, call.params or None)


def main(reply_fd: int) -> int:
    """Serves requests, one JSON object per line on stdin, until stdin closes; after each, writes one line
    to `reply_fd` (stdout belongs to the project's code, which may print)."""
    import alembic.command  # noqa: F401  (what every request needs, loaded before the project is known)
    import sqlalchemy.dialects.postgresql.psycopg  # noqa: F401
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    recorder = _Recorder()
    event.listen(Engine, "before_cursor_execute", recorder.before)
    event.listen(Engine, "after_cursor_execute", recorder.after)
    event.listen(Engine, "handle_error", recorder.error)
    # A pooled engine of env.py would keep its connections open, and a database with connections can be
    # neither copied nor dropped: every engine is disposed of after each request.
    engines: weakref.WeakSet[Engine] = weakref.WeakSet()
    event.listen(Engine, "engine_connect", lambda connection: engines.add(connection.engine))
    # After the recorder, which keeps the statement as the revision wrote it.
    event.listen(Engine, "before_cursor_execute", _on_behalf, retval=True)
    _mark_autocommit_blocks(MigrationContext, recorder)
    _record_static_output(recorder)
    _reuse_loaded_revisions()
    first = sys.stdin.readline()
    if not first:
        return 0  # started ahead of need, and not needed
    project = json.loads(first)
    workdir = project["workdir"]
    if project["home"]:
        os.environ["HOME"] = project["home"]
    # The project's settings (`alembic-env`), before any of its code is imported: env.py reads them.
    os.environ.update(project.get("environment") or {})
    os.chdir(workdir)
    sys.path.insert(0, workdir)  # env.py and the revisions import the application from the repository
    # The folder goes with the review: bytecode written into it (a file per revision) would be thrown away.
    sys.dont_write_bytecode = True
    with os.fdopen(reply_fd, "w") as reply:
        for line in sys.stdin:
            request = json.loads(line)
            with open(request["events"], "w", encoding="utf-8") as out:
                recorder.start(out, request, workdir)
                _serve(request, recorder, workdir)
            for engine in list(engines):
                engine.dispose()
            reply.write("done\n")
            reply.flush()
    return 0


def _serve(request: dict[str, Any], recorder: _Recorder, workdir: str) -> None:
    from alembic import command
    from alembic.config import Config

    os.environ["DATABASE_URL"] = request["url"]  # where many env.py files read the URL from
    ini = os.path.join(workdir, request["ini"])
    # Alembic is run from the folder of its ini: relative paths in it (script_location,
    # `prepend_sys_path = .`) and in env.py are read from there, and the application is importable there.
    here = os.path.dirname(ini)
    os.chdir(here)
    if here not in sys.path:
        sys.path.insert(0, here)
    config = Config(ini, ini_section=request["section"])
    if request.get("script_location"):  # Flask-Migrate names it at run time, not in the ini
        config.set_main_option("script_location", os.path.join(workdir, request["script_location"]))
    config.set_main_option("sqlalchemy.url", request["url"].replace("%", "%%"))
    config.attributes["transaction_per_migration"] = request["transaction_per_migration"]
    if request["own_env"]:
        config.set_main_option("script_location", request["own_script_location"])
        config.set_main_option("path_separator", "os")
        config.set_main_option("version_locations", os.pathsep.join(request["version_locations"]))
    for index, (name, target) in enumerate(request["commands"]):
        try:
            if name == "compare":
                recorder.emit({"type": "model_drift", **_model_drift(request["url"], target, workdir)})
            elif name == "offline":  # `alembic upgrade --sql`: the SQL is written, not executed
                command.upgrade(config, target, sql=True)
            else:
                getattr(command, name)(config, target)
        except BaseException as exc:  # the project's code may raise anything, SystemExit included
            recorder.emit(_failure(index, exc, recorder))
            return


def _mark_autocommit_blocks(context_class: Any, recorder: _Recorder) -> None:
    """`autocommit_block()` commits Alembic's transaction, runs its body in autocommit and begins again:
    the COMMIT and BEGIN are recorded where the block is, so the rules see the same transactions."""
    original = context_class.autocommit_block

    @contextmanager
    def marked(self: Any) -> Iterator[None]:
        place = recorder.where(_stack())
        if place is not None:
            recorder.emit({"type": "statement", "sql": "COMMIT", "path": place[0], "line": place[1],
                           "in_transaction": True, "duration_ms": 0.0})
        with original(self):
            yield
        if place is not None:
            recorder.emit({"type": "statement", "sql": "BEGIN", "path": place[0], "line": place[1],
                           "in_transaction": False, "duration_ms": 0.0})

    context_class.autocommit_block = marked


def _reuse_loaded_revisions() -> None:
    """Alembic loads every revision file again for each command, and a review sends several (the base,
    the change, its rollback, the seeded run): 300 revisions cost ~0.1 s a time. A file is loaded once
    and reused while its size and modification time stay the same; a file written since (the change's
    revisions, added after the base ran) is loaded afresh."""
    from alembic.script.base import Script

    original = getattr(Script, "_from_path", None)
    if original is None:  # another Alembic than the ones this was written for: load as it does
        return
    loaded: dict[tuple[str, int, int, bool], Any] = {}

    def from_path(cls: Any, scriptdir: Any, path: Any) -> Any:
        try:
            stat = os.stat(path)
        except OSError:
            return original(scriptdir, path)
        key = (str(path), stat.st_mtime_ns, stat.st_size, bool(scriptdir.sourceless))  # Alembic resolved it
        if key not in loaded:
            loaded[key] = original(scriptdir, path)
        return loaded[key]

    Script._from_path = classmethod(from_path)  # type: ignore[method-assign,assignment]


def _record_static_output(recorder: _Recorder) -> None:
    """In offline mode Alembic writes each statement instead of executing it: recorded like one."""
    from alembic.ddl.impl import DefaultImpl

    original = DefaultImpl.static_output

    def recorded(self: Any, text: str) -> None:
        place = recorder.where(_stack())
        if place is not None:
            recorder.emit({"type": "statement", "sql": text.strip().rstrip(";").strip(), "path": place[0],
                           "line": place[1], "duration_ms": 0.0})
        original(self, text)

    DefaultImpl.static_output = recorded  # type: ignore[method-assign]


def _model_drift(url: str, target: str, workdir: str) -> dict[str, Any]:
    """What Alembic's autogenerate would change to make the database match the models `target` names
    ("package.module:Base.metadata"), as drift entries (see schema/declared.py)."""
    import importlib
    import inspect

    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine, pool

    module_name, _, attribute = target.partition(":")
    module = importlib.import_module(module_name)
    metadata: Any = module
    for part in attribute.split(".") if attribute else ():
        metadata = getattr(metadata, part)
    source = inspect.getsourcefile(module) or ""
    text = Path(source).read_text(encoding="utf-8") if source else ""
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        operations = compare_metadata(MigrationContext.configure(connection), metadata)
    engine.dispose()
    drifts = []
    for operation in _flatten(operations):
        entry = _drift(operation)
        if entry is not None:
            entry["line"] = _line_of(text, entry["column"] or entry["table"].rpartition(".")[2])
            drifts.append(entry)
    path = os.path.relpath(source, workdir) if source else None
    return {"path": None if path is None or path.startswith("..") else path, "drifts": drifts}


def _flatten(operations: list[Any]) -> Iterator[tuple[Any, ...]]:
    for operation in operations:
        if isinstance(operation, list):  # the modify_* entries of one column come grouped
            yield from operation
        else:
            yield operation


def _drift(operation: tuple[Any, ...]) -> dict[str, Any] | None:
    """autogenerate's operation → what it means here. `add_*`: the models have it and the database does
    not; `remove_*`: the other way round."""
    kind = operation[0]

    def name(schema: str | None, table: str) -> str:
        return table if schema in (None, "public") else f"{schema}.{table}"

    if kind in ("add_table", "remove_table"):
        table = operation[1]
        drift = "table-not-created" if kind == "add_table" else "table-not-declared"
        return {"kind": drift, "table": name(table.schema, table.name), "column": None, "nullable": None}
    if kind in ("add_column", "remove_column"):
        _, schema, table, column = operation
        drift = "column-not-created" if kind == "add_column" else "column-not-declared"
        return {"kind": drift, "table": name(schema, table), "column": column.name, "nullable": None}
    if kind == "modify_nullable":
        _, schema, table, column, _, _, nullable = operation
        return {"kind": "nullability", "table": name(schema, table), "column": column, "nullable": nullable}
    return None  # types, defaults, indexes: autogenerate's own judgement there is too noisy to report


def _line_of(text: str, word: str) -> int | None:
    for number, line in enumerate(text.splitlines(), 1):
        if f'"{word}"' in line or f"'{word}'" in line or re.match(rf"\s*{re.escape(word)}\s*[:=]", line):
            return number
    return None


def _failure(index: int, exc: BaseException, recorder: _Recorder) -> dict[str, Any]:
    frames = [(frame.f_code.co_filename, line) for frame, line in traceback.walk_tb(exc.__traceback__)]
    place = recorder.where(reversed(frames))
    failure: dict[str, Any] = {"type": "failed", "command": index, "message": f"{type(exc).__name__}: {exc}",
                               "path": place[0] if place else None, "line": place[1] if place else None}
    if isinstance(exc, ModuleNotFoundError):
        failure["module"] = exc.name
    return failure


if __name__ == "__main__":
    status = main(int(sys.argv[1]))
    # Every request has been answered: the interpreter's own teardown of SQLAlchemy, Alembic and the
    # application (~0.3 s) would only keep the review waiting.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
