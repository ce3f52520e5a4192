"""Alembic projects laid out as real ones are: an ini in a subfolder, Flask-Migrate's folder, an env.py
that imports the application and reads its settings from the environment, requirements the project
installs, and revisions that cannot run on the throwaway database."""

from __future__ import annotations

import time
from pathlib import Path

from alembic_project import ENV, revision
from gitrepo import make_repo
from migration_reviewer.config import load_settings
from migration_reviewer.pipeline import review
from migration_reviewer.report.model import MigrationEntry, Report

USERS = revision(
    "r01", None,
    '    op.create_table("users", sa.Column("id", sa.BigInteger, primary_key=True),'
    ' sa.Column("name", sa.Text))',
    'op.drop_table("users")',
)
ADD_EMAIL = revision("r02", "r01", '    op.add_column("users", sa.Column("email", sa.Text))',
                     'op.drop_column("users", "email")')
FALLBACK = "the project's env.py could not run here"


def reviewed(tmp_path: Path, base: dict[str, str], head: dict[str, str], **flags: object) -> Report:
    repo = make_repo(tmp_path / "repo", base, head)
    wanted = {"base": "main", "head": "feature", "seed_rows": 10, **flags}
    return review(load_settings(str(repo), wanted, environ={}))


def only_migration(report: Report) -> MigrationEntry:
    [migration_set] = report.migration_sets
    [migration] = migration_set.migrations
    return migration


def test_here_in_an_ini_of_a_subfolder(tmp_path: Path) -> None:
    base = {
        "backend/alembic.ini": "[alembic]\nscript_location = %(here)s/migrations\n",
        "backend/migrations/env.py": ENV,
        "backend/migrations/versions/r01.py": USERS,
    }
    report = reviewed(tmp_path, base, {"backend/migrations/versions/r02.py": ADD_EMAIL})
    [migration_set] = report.migration_sets
    assert migration_set.path == "backend/migrations"
    assert (only_migration(report).id, only_migration(report).outcome) == ("r02", "applied")
    assert [(c.kind, c.name) for c in migration_set.schema_changes] == [("column_added", "email")]


def test_relative_script_location_runs_the_project_env_from_the_ini_folder(tmp_path: Path) -> None:
    # Alembic reads a relative script_location from where it is run: the ini's folder. The project's own
    # env.py runs there, and reads a file beside the ini by a relative path, as it does for its users.
    env = 'open("settings.cfg").read()\n' + ENV
    base = {
        "backend/alembic.ini": "[alembic]\nscript_location = migrations\n",
        "backend/settings.cfg": "debug = false\n",
        "backend/migrations/env.py": env,
        "backend/migrations/versions/r01.py": USERS,
    }
    report = reviewed(tmp_path, base, {"backend/migrations/versions/r02.py": ADD_EMAIL})
    [migration_set] = report.migration_sets
    assert only_migration(report).outcome == "applied"
    assert not [note for note in migration_set.notes if FALLBACK in note]


FLASK_ENV = """\
from alembic import context
from sqlalchemy import create_engine

try:  # under `flask db upgrade` the application's engine; here, the URL of the configuration
    from flask import current_app
    url = current_app.extensions["migrate"].db.engine.url
except (ImportError, RuntimeError):
    url = context.config.get_main_option("sqlalchemy.url")

with create_engine(url).connect() as connection:
    context.configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()
"""


def test_flask_migrate_folder_is_reviewed(tmp_path: Path) -> None:
    # `flask db init`: alembic.ini without script_location, beside env.py, script.py.mako and versions/.
    base = {
        "migrations/alembic.ini": "# A generic, single database configuration.\n\n[alembic]\n",
        "migrations/env.py": FLASK_ENV,
        "migrations/script.py.mako": "${upgrades if upgrades else 'pass'}\n",
        "migrations/versions/r01_users.py": USERS,
    }
    report = reviewed(tmp_path, base, {"migrations/versions/r02_email.py": ADD_EMAIL})
    [migration_set] = report.migration_sets
    assert (migration_set.framework, migration_set.path) == ("alembic", "migrations")
    assert only_migration(report).outcome == "applied"
    assert not [note for note in migration_set.notes if FALLBACK in note]
    assert [(c.kind, c.name) for c in migration_set.schema_changes] == [("column_added", "email")]


APP_ENV = """\
import os

from alembic import context
from sqlalchemy import create_engine

from app.models import metadata  # the application, from the repository
from app.settings import settings

if os.environ.get("APP_ENV") != "test":  # settings of the application, read from the environment
    raise RuntimeError("APP_ENV is not set")

with create_engine(context.config.get_main_option("sqlalchemy.url")).connect() as connection:
    context.configure(connection=connection, target_metadata=metadata)
    with context.begin_transaction():
        context.run_migrations()
"""


def test_env_imports_the_application_and_reads_alembic_env(tmp_path: Path) -> None:
    base = {
        "backend/alembic.ini": "[alembic]\nscript_location = alembic\nprepend_sys_path = .\n",
        "backend/app/__init__.py": "",
        "backend/app/models.py": "import sqlalchemy as sa\n\nmetadata = sa.MetaData()\n",
        "backend/app/settings.py": "import os\n\nsettings = {'env': os.environ['APP_ENV']}\n",
        "backend/app/helpers.py": "def column_name():\n    return 'plan'\n",
        "backend/alembic/env.py": APP_ENV,
        "backend/alembic/versions/r01.py": USERS,
    }
    # A revision that imports a helper of the application.
    add = revision("r02", "r01", '    from app.helpers import column_name\n'
                   '    op.add_column("users", sa.Column(column_name(), sa.Text))')
    configured = {**base, ".migration-reviewer.toml": 'alembic-env = { APP_ENV = "test" }\n'}
    report = reviewed(tmp_path / "with", configured, {"backend/alembic/versions/r02.py": add})
    [migration_set] = report.migration_sets
    assert only_migration(report).outcome == "applied"
    assert not [note for note in migration_set.notes if FALLBACK in note]
    assert [(c.kind, c.name) for c in migration_set.schema_changes] == [("column_added", "plan")]

    # Without the setting, the project's env.py cannot run: the revisions run under ours, and it says so.
    report = reviewed(tmp_path / "without", base, {"backend/alembic/versions/r02.py": add})
    [migration_set] = report.migration_sets
    assert any(FALLBACK in note and "APP_ENV" in note for note in migration_set.notes)


# A package of the project's own, built by pip from the repository with a build backend of its own (no
# index needed): what a requirements file names by path.
BACKEND = '''\
import base64, hashlib, zipfile

NAME = "tinyhelpers"
DIST = f"{NAME}-1.0.dist-info"


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    files = {
        f"{NAME}/__init__.py": open("tinyhelpers/__init__.py", "rb").read(),
        f"{DIST}/METADATA": f"Metadata-Version: 2.1\\nName: {NAME}\\nVersion: 1.0\\n".encode(),
        f"{DIST}/WHEEL": b"Wheel-Version: 1.0\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
    }
    record = "".join(
        f"{path},sha256={base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()},"
        f"{len(data)}\\n" for path, data in files.items()) + f"{DIST}/RECORD,,\\n"
    name = f"{NAME}-1.0-py3-none-any.whl"
    with zipfile.ZipFile(f"{wheel_directory}/{name}", "w") as wheel:
        for path, data in {**files, f"{DIST}/RECORD": record.encode()}.items():
            wheel.writestr(path, data)
    return name
'''
PYPROJECT = """\
[build-system]
requires = []
build-backend = "backend"
backend-path = ["."]

[project]
name = "tinyhelpers"
version = "1.0"
"""


def test_install_a_requirements_file_once_then_from_the_cache(tmp_path: Path) -> None:
    base = {
        "alembic.ini": "[alembic]\nscript_location = migrations\n",
        "migrations/env.py": ENV,
        "migrations/versions/r01.py": USERS,
        "backend/requirements.txt": "# what the application needs\n./libs/tinyhelpers\n",
        "backend/libs/tinyhelpers/pyproject.toml": PYPROJECT,
        "backend/libs/tinyhelpers/backend.py": BACKEND,
        "backend/libs/tinyhelpers/tinyhelpers/__init__.py": "COLUMN = 'nickname'\n",
    }
    add = revision("r02", "r01", '    from tinyhelpers import COLUMN\n'
                   '    op.add_column("users", sa.Column(COLUMN, sa.Text))')
    repo = make_repo(tmp_path / "repo", base, {"migrations/versions/r02.py": add})
    flags = {"base": "main", "head": "feature", "seed_rows": 10, "cache_dir": str(tmp_path / "cache"),
             "install": ("-r backend/requirements.txt",)}
    timings, notes = [], []
    for _ in range(2):
        started = time.perf_counter()
        report = review(load_settings(str(repo), flags, environ={}))
        timings.append(time.perf_counter() - started)
        [migration_set] = report.migration_sets
        notes.append([note for note in migration_set.notes if note.startswith("installed for")])
        assert only_migration(report).outcome == "applied"
        assert [(c.kind, c.name) for c in migration_set.schema_changes] == [("column_added", "nickname")]
    assert notes == [
        ["installed for the Alembic runner: -r backend/requirements.txt"],
        ["installed for the Alembic runner (kept from an earlier review): -r backend/requirements.txt"],
    ]
    print(f"first review {timings[0]:.2f} s (pip), second {timings[1]:.2f} s (kept)")

    # An edit to the package is a new key: installed afresh, and its new code runs.
    head = {"migrations/versions/r02.py": add,
            "backend/libs/tinyhelpers/tinyhelpers/__init__.py": "COLUMN = 'handle'\n"}
    repo = make_repo(tmp_path / "edited", base, head)
    report = review(load_settings(str(repo), flags, environ={}))
    [migration_set] = report.migration_sets
    assert [(c.kind, c.name) for c in migration_set.schema_changes] == [("column_added", "handle")]
    assert "installed for the Alembic runner: -r backend/requirements.txt" in migration_set.notes


def test_revisions_on_an_incomplete_base_are_not_run_and_still_checked(tmp_path: Path) -> None:
    base = {
        "alembic.ini": "[alembic]\nscript_location = migrations\n",
        "migrations/env.py": ENV,
        "migrations/versions/r01.py": USERS,
        # Production has this extension; the throwaway server does not.
        "migrations/versions/r02.py": revision("r02", "r01", '    op.execute("CREATE EXTENSION nope_gis")'),
    }
    index = revision("r03", "r02", '    op.create_index("users_name_idx", "users", ["name"])')
    report = reviewed(tmp_path, base, {"migrations/versions/r03.py": index})
    [migration] = [m for m in report.migration_sets[0].migrations if m.status == "added"]
    assert (migration.id, migration.applied, migration.outcome) == ("r03", False, "not-run")
    assert migration.error is not None
    assert "the base history is incomplete here" in migration.error.message
    assert 'extension "nope_gis" is not available' in migration.error.message
    assert report.verdict.value == "incomplete"
    assert any("`alembic upgrade --sql`" in note for note in report.migration_sets[0].notes)
    rules = {f.rule: f for f in report.findings}
    # The extension no server here has is named once, in the revision that creates it.
    assert rules["RP007"].path == "migrations/versions/r02.py"
    assert "RP002" not in rules
    # The statement came from `alembic upgrade --sql`: the static rules still read it, at its line.
    lock = rules["LK001"]
    assert (lock.path, lock.line, lock.confirmed_by_replay) == ("migrations/versions/r03.py", 11, False)
    assert "RP001" not in rules


def test_a_revision_importing_a_missing_module_is_not_run_and_names_it(tmp_path: Path) -> None:
    base = {"alembic.ini": "[alembic]\nscript_location = migrations\n", "migrations/env.py": ENV,
            "migrations/versions/r01.py": USERS}
    # r02 runs; r03 imports, inside upgrade(), a package the review lacks; r04 comes after it.
    head = {
        "migrations/versions/r02.py": ADD_EMAIL,
        "migrations/versions/r03.py": revision("r03", "r02", "    import billing_sdk  # noqa: F401"),
        "migrations/versions/r04.py": revision("r04", "r03", '    op.drop_column("users", "name")'),
    }
    report = reviewed(tmp_path, base, head)
    outcomes = {m.id: (m.applied, m.outcome, m.error and m.error.message)
                for m in report.migration_sets[0].migrations}
    # One transaction for all (Alembic's default): what ran before the import was undone with it.
    assert outcomes["r02"] == (False, "rolled-back", None)
    assert outcomes["r03"][:2] == (False, "not-run")
    assert "`billing_sdk`, which is not installed" in str(outcomes["r03"][2])
    assert "`install`" in str(outcomes["r03"][2])
    assert outcomes["r04"] == (False, "not-run", "not run: the runner stopped before it: "
                               "migrations/versions/r03.py imports `billing_sdk`, which is not installed "
                               "where the review runs")
    assert not [f for f in report.findings if f.rule == "RP001"]
    # Never a quiet pass: the change was not reviewed.
    assert report.verdict.value == "incomplete"


def test_a_revision_that_creates_an_untrusted_extension_replays_on_its_behalf(tmp_path: Path) -> None:
    # pgvector is not a trusted extension: the replay's role may not create it itself, as production's
    # migration role usually may. The review sees the extension in the revision's code, picks a server
    # that has it, and creates it on the revision's behalf.
    vector = revision(
        "r01", None,
        '    op.execute("CREATE EXTENSION IF NOT EXISTS vector")\n'
        '    op.execute("CREATE TABLE notes (id bigint PRIMARY KEY, embedding vector(3))")',
    )
    index = revision(
        "r02", "r01",
        '    op.execute("CREATE INDEX notes_embedding ON notes USING hnsw (embedding vector_l2_ops)")',
    )
    report = reviewed(
        tmp_path,
        {"alembic.ini": "[alembic]\nscript_location = migrations\n", "migrations/env.py": ENV,
         "migrations/versions/r01.py": vector},
        {"migrations/versions/r02.py": index},
    )
    assert not [f.rule for f in report.findings if f.rule.startswith("RP")]
    assert (only_migration(report).id, only_migration(report).outcome) == ("r02", "applied")
    [migration_set] = report.migration_sets
    assert [(c.kind, c.name) for c in migration_set.schema_changes] == [("index_added", "notes_embedding")]
