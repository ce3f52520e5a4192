"""The command starts without the database driver: it loads while the server starts, in the time another
process makes the server's data folder."""

from __future__ import annotations

import subprocess
import sys


def test_the_command_loads_without_the_database_driver() -> None:
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, migration_reviewer.cli; print('psycopg' in sys.modules)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert loaded.stdout.strip() == "False"


# What `lint` must not load: it starts on every commit and file save, and needs none of them.
_NOT_FOR_LINT = (
    "migration_reviewer.pipeline",  # the review's path: git, servers, the replay
    "migration_reviewer.adapters.registry",  # the eight framework adapters
    "migration_reviewer.replay.engine",
    "migration_reviewer.replay.providers",
    "pglast.enums.nodes",  # pglast's node classes: the rules read JSON trees
    "migration_reviewer.analyzers.mysql",  # the rules of other dialects: lint reads PostgreSQL
    "migration_reviewer.analyzers.sqlite",
    "sqlglot",  # the MySQL parser
    "importlib.resources",  # the replay's stand-in extensions and rights, read from package data
    "jinja2",
    "psycopg",
)


def test_lint_loads_only_what_it_uses() -> None:
    script = (
        "import sys\n"
        "from migration_reviewer.cli import main\n"
        "code = main(['lint', '--format', 'json', '-'])\n"
        f"print(sorted(m for m in {_NOT_FOR_LINT!r} if m in sys.modules), code)\n"
    )
    sql = "ALTER TABLE users ADD COLUMN nick text;\nCREATE INDEX users_nick_idx ON users (nick);\n"
    loaded = subprocess.run(
        [sys.executable, "-c", script], input=sql, capture_output=True, text=True, check=True
    )
    last = loaded.stdout.strip().splitlines()[-1]
    assert last == "[] 0", last  # and it still reports: the JSON above holds the findings
    assert '"rule": "LK001"' in loaded.stdout


def test_pglast_node_classes_still_load_when_the_review_uses_them() -> None:
    # lint leaves pglast's node classes unloaded; the review's rename detection and replay rules use them.
    script = (
        "import migration_reviewer.replay.statements\n"
        "import pglast\n"
        "from pglast.enums import ObjectType\n"
        "from migration_reviewer.schema.renames import __name__ as renames\n"
        "tree = pglast.parse_sql('ALTER TABLE t RENAME TO u')[0].stmt\n"
        "print(type(tree).__name__, tree.renameType == ObjectType.OBJECT_TABLE)\n"
    )
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "RenameStmt True", loaded.stderr
