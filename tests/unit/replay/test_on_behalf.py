"""Which statements the replay runs on the migration's behalf, and what it sends for them."""

from __future__ import annotations

import json

from migration_reviewer.adapters.base import (
    Baseline,
    Dialect,
    Migration,
    MigrationSet,
    MigrationStatus,
    RevisionStep,
    SqlScript,
)
from migration_reviewer.replay.extensions import needed_extensions, on_behalf


def test_create_extension_goes_through_the_function_with_its_options() -> None:
    call = on_behalf(
        "-- ids\nCREATE EXTENSION IF NOT EXISTS \"uuid-ossp\" WITH SCHEMA ext VERSION '1.1' CASCADE"
    )
    # uuid-ossp has a stand-in for servers that lack it; where the server has it, the extension itself.
    assert call is not None and call.kind == "stand-in"
    assert 'FUNCTION "ext".uuid_generate_v4()' in call.query
    assert call.otherwise is not None
    assert (call.otherwise.kind, call.otherwise.name, call.otherwise.params) == (
        "extension",
        "uuid-ossp",
        ("uuid-ossp", "ext", "1.1", True, True),
    )
    bare = on_behalf("create extension hstore")
    assert bare is not None and bare.params == ("hstore", None, None, False, False)
    assert "coalesce(%s, current_schema())" in bare.query  # the migration's own schema when it names none


def test_denied_and_built_in_extensions_run_as_written() -> None:
    assert on_behalf("CREATE EXTENSION plpython3u") is None
    assert on_behalf("CREATE EXTENSION dblink") is None
    assert on_behalf("CREATE EXTENSION IF NOT EXISTS plpgsql") is None


def test_platform_extensions_get_their_stand_in() -> None:
    call = on_behalf("CREATE EXTENSION IF NOT EXISTS pg_cron WITH SCHEMA pg_catalog")
    assert call is not None and call.kind == "stand-in"
    assert (
        "CREATE OR REPLACE FUNCTION cron.schedule(job_name text, schedule text, command text)" in call.query
    )


def test_create_role_sends_its_options_as_data() -> None:
    call = on_behalf(
        "CREATE ROLE app LOGIN PASSWORD 'it''s' CONNECTION LIMIT 3 IN ROLE readers ROLE a, b NOINHERIT"
    )
    assert call is not None and (call.kind, call.name) == ("role", "app")
    assert call.params[0] == "app"
    assert json.loads(call.params[1]) == {
        "login": True,
        "password": "it's",
        "connection_limit": 3,
        "in_role": ["readers"],
        "role": ["a", "b"],
        "inherit": False,
    }
    user = on_behalf("CREATE USER reader")
    assert user is not None and json.loads(user.params[1]) == {"login": True}
    escalating = on_behalf("CREATE ROLE boss SUPERUSER BYPASSRLS")
    assert escalating is not None  # the function refuses it, with the reason
    assert json.loads(escalating.params[1]) == {"login": False, "superuser": True, "bypassrls": True}


def test_other_statements_run_as_written() -> None:
    for sql in (
        "CREATE USER MAPPING FOR app SERVER s",
        "CREATE TABLE role (id int)",
        "SELECT 'CREATE ROLE x'",
    ):
        assert on_behalf(sql) is None


def test_the_extensions_a_history_needs_with_the_files_that_create_them() -> None:
    def migration(path: str, text: str, status: MigrationStatus) -> Migration:
        return Migration(id=path, name=path, path=path, status=status, up=(SqlScript(path, text),))

    base = migration(
        "001.sql", "CREATE TABLE t (id int);\nCREATE EXTENSION pgcrypto;", MigrationStatus.BASE
    )
    new = migration(
        "002.sql",
        'CREATE EXTENSION IF NOT EXISTS pgcrypto; CREATE EXTENSION plpgsql; CREATE EXTENSION "PostGIS";',
        MigrationStatus.ADDED,
    )
    found = needed_extensions([MigrationSet("db", "sql", Dialect.POSTGRESQL, (base,), (base, new))])
    assert [(need.name, need.paths, need.line) for need in found] == [
        ("pgcrypto", ("001.sql", "002.sql"), 2),
        ("PostGIS", ("002.sql",), 1),
    ]


def test_a_baseline_and_a_revision_file_say_what_they_need_too() -> None:
    """A dump the history starts from creates extensions (pg_dump writes them first), and Alembic
    revisions create them in strings of their code: both count when the server is chosen."""
    text = "SET x = 1;\nCREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;\n"
    dump = Baseline("db/schema.sql", text, frozenset({"1"}))
    source = 'def upgrade():\n    op.execute("CREATE EXTENSION IF NOT EXISTS \\"uuid-ossp\\"")\n'
    step = RevisionStep("r1", (), SqlScript("versions/r1.py", source), has_down=False)
    revision = Migration("r1", "r1", "versions/r1.py", MigrationStatus.BASE, (), step=step)
    found = needed_extensions(
        [MigrationSet("db", "alembic", Dialect.POSTGRESQL, (revision,), (revision,), baseline=dump)]
    )
    assert [(need.name, need.paths, need.line) for need in found] == [
        ("pg_trgm", ("db/schema.sql",), 2),
        ("uuid-ossp", ("versions/r1.py",), 2),
    ]
