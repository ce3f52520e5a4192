"""Histories that need more than SQL: extensions the bundled server lacks, extensions no server here has,
platform extensions, roles. The review picks the server binaries that have what the history needs, and
does on the migration's behalf what production's migration role may do and the replay's may not, without
letting a migration through anything production's role could not do."""

from __future__ import annotations

import json
import tempfile
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest

from gitrepo import make_repo
from migration_reviewer.cli import main
from migration_reviewer.replay.providers.installations import installations
from system_server import SYSTEM_BIN, system_bin

pytestmark = pytest.mark.postgres

BASE = {"db/migrations/001_t.up.sql": "CREATE TABLE t (id int PRIMARY KEY);\nINSERT INTO t VALUES (1);\n"}
PATH = "db/migrations/002_change.up.sql"



# Both servers the machine has: the bundled 18 (the default) and the system's 15.
SERVERS = [pytest.param([], id="bundled"), pytest.param(["--pg-bin-dir", "system"], id="system-15")]


def review(
    tmp_path: Path, head: dict[str, str], *flags: str, base: dict[str, str] | None = None
) -> dict[str, Any]:
    flags = tuple(system_bin() if flag == "system" else flag for flag in flags)
    repo = make_repo(tmp_path / "r", BASE if base is None else base, head)
    output = tmp_path / "report.json"
    main(["review", "--repo", str(repo), "--base", "main", "--head", "feature", "--format", "json",
          "--output", str(output), "--no-cache", *flags])
    report: dict[str, Any] = json.loads(output.read_text())
    return report


def outcomes(report: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    return [
        (m["path"], m["outcome"], m["error"] and m["error"]["message"])
        for m in report["migration_sets"][0]["migrations"]
    ]


def test_a_history_needing_pgcrypto_and_uuid_ossp_replays_fully_on_the_system_server(tmp_path: Path) -> None:
    system_bin()
    base = {
        "db/migrations/001_ids.up.sql": "CREATE EXTENSION IF NOT EXISTS pgcrypto;\n"
        "CREATE TABLE t (id uuid PRIMARY KEY DEFAULT gen_random_uuid());\n",
    }
    head = {PATH: 'CREATE EXTENSION "uuid-ossp";\nALTER TABLE t ADD old uuid DEFAULT uuid_generate_v4();\n'}
    report = review(tmp_path, head, base=base)
    [migrations] = report["migration_sets"]
    assert outcomes(report) == [(PATH, "applied", None)]  # and the base, which only failures list
    assert migrations["database"]["server_version"].startswith("15.")
    assert f"PostgreSQL {migrations['database']['server_version']} from {SYSTEM_BIN}, chosen because the " \
        "history needs pgcrypto, uuid-ossp" in migrations["notes"]
    added = {"kind": "extension_added", "table": None, "name": "uuid-ossp", "detail": "version 1.1 in public"}
    assert added in migrations["schema_changes"]
    assert not [f for f in report["findings"] if f["rule"].startswith("RP")]


def test_a_history_needing_vector_stays_on_the_bundled_server(tmp_path: Path) -> None:
    if not any("vector" in found.extensions and found.major == 18 for found in installations()):
        pytest.skip("the bundled server has no pgvector here")
    head = {PATH: "CREATE EXTENSION vector;\nCREATE TABLE items (id int, embedding vector(3));\n"}
    report = review(tmp_path, head)
    [migrations] = report["migration_sets"]
    assert outcomes(report) == [(PATH, "applied", None)]
    assert migrations["database"]["server_version"].startswith("18.")
    assert not any("chosen because" in note for note in migrations["notes"])


def test_pg_version_runs_the_installation_of_that_major(tmp_path: Path) -> None:
    system_bin()
    report = review(tmp_path, {PATH: "ALTER TABLE t ADD c int;\n"}, "--pg-version", "15")
    [migrations] = report["migration_sets"]
    assert migrations["database"]["server_version"].startswith("15.")
    assert f"PostgreSQL {migrations['database']['server_version']} from {SYSTEM_BIN}, chosen because " \
        "pg-version is 15" in migrations["notes"]


def test_an_extension_no_server_has_is_one_finding_naming_its_migrations(tmp_path: Path) -> None:
    name = "no_such_extension_anywhere"
    base = {
        "db/migrations/001_t.up.sql": f"CREATE EXTENSION {name};\n",
        "db/migrations/002_more.up.sql": f"CREATE EXTENSION IF NOT EXISTS {name};\n",
        "db/migrations/003_t.up.sql": "CREATE TABLE t (id int);\n",
    }
    report = review(tmp_path, {"db/migrations/004_c.up.sql": "ALTER TABLE t ADD c int;\n"}, base=base)
    findings = [(f["rule"], f["path"], f["message"]) for f in report["findings"] if f["rule"][:2] == "RP"]
    assert findings == [
        (
            "RP007",
            "db/migrations/001_t.up.sql",
            f"`{name}` is not installed on any PostgreSQL server found here, so "
            "`db/migrations/001_t.up.sql` and `db/migrations/002_more.up.sql` cannot replay fully: the "
            "statements that need it fail during the review, not in production",
        )
    ]
    # The replay went on past the failures: the base's table is there for the change.
    assert ("db/migrations/004_c.up.sql", "applied", None) in outcomes(report)
    assert report["verdict"] == "warn"


def test_the_migrations_that_fail_only_for_the_missing_extension_are_its_knock_ons(tmp_path: Path) -> None:
    base = {
        "db/migrations/001_geo.up.sql": "CREATE EXTENSION postgis;\n",
        "db/migrations/002_places.up.sql": "CREATE TABLE places (id int, at geometry(Point, 4326));\n",
        "db/migrations/003_t.up.sql": "CREATE TABLE t (id int);\n",
    }
    report = review(tmp_path, {"db/migrations/004_c.up.sql": "ALTER TABLE t ADD c int;\n"}, base=base)
    [finding] = [f for f in report["findings"] if f["category"] == "replay"]
    where = (finding["rule"], finding["line"], finding["statement"])
    assert where == ("RP007", 1, "CREATE EXTENSION postgis")
    assert [(k["path"], k["message"], k["changed"]) for k in finding["knock_ons"]] == [
        ("db/migrations/002_places.up.sql", 'type "geometry" does not exist', False)
    ]
    assert report["verdict"] == "warn"


def test_pg_cron_and_pg_net_replay_on_empty_stand_ins(tmp_path: Path) -> None:
    head = {
        PATH: "CREATE EXTENSION IF NOT EXISTS pg_cron;\nCREATE EXTENSION IF NOT EXISTS pg_net;\n"
        "SELECT cron.schedule('nightly', '0 3 * * *', $$DELETE FROM t$$);\n"
        "SELECT cron.schedule('0 4 * * *', 'VACUUM');\n"
        "SELECT cron.unschedule('nightly');\n"
        "SELECT net.http_post('https://example.invalid/hook', '{\"id\": 1}'::jsonb);\n"
        "SELECT net.http_get('https://example.invalid/');\n"
    }
    report = review(tmp_path, head)
    assert outcomes(report)[-1] == (PATH, "applied", None)
    notes = report["migration_sets"][0]["notes"]
    assert [note.split(" ", 1)[0] for note in notes if "empty stand-in" in note] == ["pg_cron", "pg_net"]
    assert not [f for f in report["findings"] if f["rule"].startswith("RP")]


@pytest.mark.parametrize("server", SERVERS)
def test_a_migration_creating_a_login_role_and_granting_to_it_replays(
    tmp_path: Path, server: list[str]
) -> None:
    role = f"mr_test_app_{uuid.uuid4().hex[:8]}"
    head = {
        PATH: f"CREATE ROLE {role} LOGIN PASSWORD 'x';\nGRANT SELECT ON t TO {role};\n"
        f"CREATE USER {role}_u IN ROLE {role};\nGRANT {role} TO CURRENT_USER;\n"
        f"REVOKE SELECT ON t FROM {role};\n"
    }
    report = review(tmp_path, head, *server)
    assert outcomes(report)[-1] == (PATH, "applied", None)
    assert not [f for f in report["findings"] if f["rule"] in ("RP001", "RP004")]


@pytest.mark.parametrize("server", SERVERS)
def test_a_role_the_change_creates_is_dropped_by_its_down_and_made_again(
    tmp_path: Path, server: list[str]
) -> None:
    role = f"mr_test_app_{uuid.uuid4().hex[:8]}"
    head = {
        PATH: f"CREATE ROLE {role} LOGIN;\nGRANT SELECT ON t TO {role};\n",
        PATH.replace(".up.", ".down."): f"REVOKE SELECT ON t FROM {role};\nDROP ROLE {role};\n",
    }
    report = review(tmp_path, head, *server)
    [change] = report["migration_sets"][0]["migrations"]
    assert (change["outcome"], change["reversible"]) == ("applied", True)
    assert not [f for f in report["findings"] if f["category"] in ("replay", "rollback")]


@pytest.mark.parametrize("server", SERVERS)
@pytest.mark.parametrize(
    ("migration", "error"),
    [
        ("CREATE ROLE boss SUPERUSER;", 'permission denied to create role "boss" with SUPERUSER'),
        ("CREATE ROLE boss LOGIN CREATEROLE BYPASSRLS;", 'permission denied to create role "boss" with '
         "CREATEROLE, BYPASSRLS"),
        ("CREATE ROLE boss IN ROLE pg_execute_server_program;",
         'permission denied to grant role "pg_execute_server_program"'),
        ("GRANT pg_execute_server_program TO CURRENT_USER;", None),
        ("CREATE EXTENSION file_fdw;", 'permission denied to create extension "file_fdw"'),
        ("SELECT pg_migration_reviewer.create_extension('file_fdw', 'public', NULL, false, false);",
         'permission denied to create extension "file_fdw"'),
        ("SELECT pg_migration_reviewer.create_role('boss', '{\"superuser\": true}');",
         'permission denied to create role "boss" with SUPERUSER'),
        ("ALTER ROLE CURRENT_USER SUPERUSER;", None),
        ("DROP ROLE postgres;", 'permission denied to drop role "postgres"'),
        ("DELETE FROM pg_migration_reviewer.denied_extensions;",
         "permission denied for table denied_extensions"),
        ("CREATE OR REPLACE FUNCTION pg_migration_reviewer.create_role(text, jsonb) RETURNS void "
         "LANGUAGE sql AS 'SELECT';", None),
        ("ALTER ROLE postgres SET search_path = evil;", 'permission denied to alter role "postgres"'),
        ("CREATE ROLE someone LOGIN;\nALTER ROLE someone SET session_preload_libraries = 'evil';",
         'permission denied to set parameter "session_preload_libraries" for role "someone"'),
    ],
    ids=["superuser", "createrole", "in-pg-role", "grant-pg-role", "file-fdw", "call-extension", "call-role",
         "alter-self", "drop-other-role", "deny-list", "replace-function", "set-for-superuser",
         "set-superuser-parameter"],
)
def test_a_migration_cannot_escalate_through_what_is_done_on_its_behalf(
    tmp_path: Path, server: list[str], migration: str, error: str | None
) -> None:
    marker = Path(tempfile.gettempdir(), f"mr-escaped-{uuid.uuid4().hex}")
    # An extension first: the functions that act on a migration's behalf are there for the attempt.
    first = "CREATE EXTENSION IF NOT EXISTS hstore;\n"
    then = f"\nCOPY (SELECT 1) TO PROGRAM 'touch {marker}';\n"
    report = review(tmp_path, {PATH: first + migration + then}, *server)
    [*_, (_, outcome, message)] = outcomes(report)
    assert outcome == "failed"
    assert message is not None
    if error is not None:
        assert message == error
    else:
        assert message.startswith(("permission denied", "must ", "must be"))
    assert not marker.exists()


def test_roles_made_on_a_shared_server_are_dropped_after_the_review(
    tmp_path: Path, local_pg_url: str
) -> None:
    role = f"mr_test_app_{uuid.uuid4().hex[:8]}"
    head = {PATH: f"CREATE ROLE {role} LOGIN;\nGRANT SELECT ON t TO {role};\n"}
    report = review(tmp_path, head, "--database", "url", "--database-url", local_pg_url)
    assert outcomes(report)[-1] == (PATH, "applied", None)
    with psycopg.connect(local_pg_url) as admin:
        assert admin.execute("SELECT count(*) FROM pg_roles WHERE rolname = %s", (role,)).fetchone() == (0,)


@pytest.mark.parametrize("server", SERVERS)
def test_a_migration_sets_a_platform_role_s_defaults_on_its_behalf(tmp_path: Path, server: list[str]) -> None:
    """`ALTER ROLE … SET` needs CREATEROLE, which production's migration role has for the API roles it
    configures (PostgREST reads its settings from them); the replay's role does not."""
    role = f"mr_test_api_{uuid.uuid4().hex[:8]}"
    head = {
        PATH: f"CREATE ROLE {role} LOGIN NOINHERIT;\n"
        f"ALTER ROLE {role} SET pgrst.db_aggregates_enabled = 'true';\n"
        f"ALTER ROLE {role} SET search_path TO public, extensions;\n"
        f"ALTER ROLE {role} SET statement_timeout = 3000;\n"
        f"ALTER ROLE {role} RESET statement_timeout;\n"
    }
    report = review(tmp_path, head, *server)
    assert outcomes(report)[-1] == (PATH, "applied", None)
    assert not [f for f in report["findings"] if f["rule"].startswith("RP")]


def test_supabase_s_own_extensions_replay_on_stand_ins(tmp_path: Path) -> None:
    """A `supabase db pull` history starts by creating the extensions of Supabase's image, some of which
    no ordinary server packages: each gets a stand-in with the objects migrations use, and the rest of
    the history replays."""
    pulled = (
        'CREATE EXTENSION IF NOT EXISTS "pgsodium" WITH SCHEMA "pgsodium";\n'
        'CREATE EXTENSION IF NOT EXISTS "pg_graphql" WITH SCHEMA "graphql";\n'
        'CREATE EXTENSION IF NOT EXISTS "pgjwt" WITH SCHEMA "extensions";\n'
        'CREATE EXTENSION IF NOT EXISTS "supabase_vault" WITH SCHEMA "vault";\n'
        "CREATE TABLE public.profiles (id uuid PRIMARY KEY REFERENCES auth.users, token text);\n"
    )
    change = (
        "SELECT vault.create_secret('s3cret', 'api_key');\n"
        "UPDATE public.profiles SET token = extensions.sign('{\"sub\": \"x\"}'::json, 'key');\n"
        "SELECT graphql.resolve('{ __typename }');\n"
    )
    base = {"supabase/migrations/20240101000000_remote_schema.sql": pulled}
    report = review(tmp_path, {"supabase/migrations/20240102000000_use.sql": change}, base=base)
    assert outcomes(report) == [("supabase/migrations/20240102000000_use.sql", "applied", None)]
    assert not [f["rule"] for f in report["findings"] if f["rule"].startswith("RP")]
    notes = report["migration_sets"][0]["notes"]
    stood_in = [note.split(" ", 1)[0] for note in notes if "is not on this server: an empty stand-in" in note]
    assert stood_in == ["pgsodium", "pg_graphql", "pgjwt", "supabase_vault"]


@pytest.mark.parametrize("server", SERVERS)
def test_objects_handed_to_the_superuser_stay_with_the_migration_role(
    tmp_path: Path, server: list[str]
) -> None:
    """pg_dump and `supabase db pull` write `ALTER … OWNER TO postgres` after every object: the role
    production's migrations run as. The replay's role may not give an object to a superuser, nor set a
    superuser's default privileges: it stands for that role, as production's does, and the history goes
    on."""
    head = {
        PATH: "CREATE TABLE t2 (id int);\nALTER TABLE public.t2 OWNER TO postgres;\n"
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';\n"
        'ALTER FUNCTION public.f() OWNER TO "postgres";\n'
        "ALTER TABLE t2 ADD COLUMN n int;\n"
        'ALTER DEFAULT PRIVILEGES FOR ROLE "postgres" IN SCHEMA public GRANT SELECT ON TABLES TO PUBLIC;\n'
        "CREATE TABLE t3 (id int);\n"
    }
    report = review(tmp_path, head, *server)
    assert outcomes(report)[-1] == (PATH, "applied", None)
    assert not [f for f in report["findings"] if f["rule"].startswith("RP")]


def test_uuid_ossp_beside_pgvector_replays_on_the_bundled_server_with_a_stand_in(tmp_path: Path) -> None:
    """No server here has both (the bundled one has pgvector, the system one uuid-ossp): the one with the
    extension no stand-in can replace runs, and uuid-ossp's functions stand in over gen_random_uuid()."""
    head = {
        PATH: 'CREATE EXTENSION IF NOT EXISTS "uuid-ossp";\nCREATE EXTENSION IF NOT EXISTS vector;\n'
        "CREATE TABLE docs (id uuid PRIMARY KEY DEFAULT uuid_generate_v4(), embedding vector(3));\n"
        "INSERT INTO docs (embedding) VALUES ('[1,2,3]');\n"
        "SELECT uuid_generate_v3(uuid_ns_url(), 'https://example.com');\n"
    }
    report = review(tmp_path, head)
    assert outcomes(report)[-1] == (PATH, "applied", None)
    assert not [f["rule"] for f in report["findings"] if f["rule"].startswith("RP")]
    assert report["migration_sets"][0]["database"]["server_version"].startswith("18")
