"""What a platform's database holds before the first migration: a Supabase history that uses auth.users,
auth.uid(), storage policies, the API roles and `create extension … with schema extensions` replays on a
server that lacks all of them, and leaves no role behind on a shared server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from gitrepo import make_repo
from migration_reviewer.config import load_settings
from migration_reviewer.pipeline import review
from migration_reviewer.replay.platforms import platform_script, sections
from migration_reviewer.replay.providers.url import scratch_server

INIT = """\
create extension if not exists "uuid-ossp" with schema extensions;
create extension if not exists pgcrypto with schema extensions;

create table public.profiles (
  id uuid primary key references auth.users (id) on delete cascade,
  username text unique,
  avatar_url text,
  updated_at timestamptz default now()
);
alter table public.profiles enable row level security;
create policy "profiles are public" on public.profiles for select to anon, authenticated using (true);
create policy "own profile" on public.profiles for update to authenticated using (auth.uid() = id);
grant select on public.profiles to anon;
grant all on public.profiles to authenticated, service_role;

create function public.handle_new_user() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  insert into public.profiles (id, username) values (new.id, new.raw_user_meta_data ->> 'username');
  return new;
end;
$$;
create trigger on_auth_user_created after insert on auth.users
  for each row execute procedure public.handle_new_user();

insert into storage.buckets (id, name, public) values ('avatars', 'avatars', true);
create policy "upload own avatar" on storage.objects for insert to authenticated
  with check (bucket_id = 'avatars' and auth.uid()::text = (storage.foldername(name))[1]);
alter publication supabase_realtime add table public.profiles;
"""

NOTES = """\
create table public.notes (
  id uuid primary key default uuid_generate_v4(),
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  body text,
  token text default encode(extensions.gen_random_bytes(16), 'hex'),
  created_at timestamptz not null default now()
);
create index notes_user_id_idx on public.notes (user_id);
alter table public.notes enable row level security;
create policy "own notes" on public.notes for all to authenticated
  using ((select auth.uid()) = user_id) with check ((select auth.uid()) = user_id);
grant select, insert, update, delete on public.notes to authenticated;
create policy "read own files" on storage.objects for select to authenticated
  using (bucket_id = 'avatars' and owner = auth.uid() and storage.extension(name) = 'png');
create policy "admins" on public.notes for select to authenticated
  using ((auth.jwt() -> 'app_metadata' ->> 'role') = 'admin' or auth.role() = 'service_role');
"""

PLATFORM_ROLES = ("anon", "authenticated", "service_role", "authenticator", "supabase_admin")


def _roles(url: str) -> set[str]:
    with psycopg.connect(url) as connection:
        rows = connection.execute(
            "SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)", (list(PLATFORM_ROLES),)
        )
        return {name for (name,) in rows}


def _review(repo: Path, **flags: Any) -> dict[str, Any]:
    settings = load_settings(str(repo), {"base": "main", "head": "feature", **flags}, {})
    return review(settings).to_dict()


def test_a_supabase_history_replays_on_a_plain_server_and_leaves_no_role_behind(
    tmp_path: Path, local_pg_url: str
) -> None:
    repo = make_repo(
        tmp_path / "repo",
        {"supabase/migrations/20240101000000_init.sql": INIT},
        {"supabase/migrations/20240301000000_notes.sql": NOTES},
    )
    roles_before = _roles(local_pg_url)

    report = _review(repo, database="url", database_url=local_pg_url)

    [migration_set] = report["migration_sets"]
    assert [f["rule"] for f in report["findings"] if f["rule"].startswith("RP")] == []
    assert [m["outcome"] for m in migration_set["migrations"]] == ["applied"]
    assert not any("left out" in note for note in migration_set["notes"]), migration_set["notes"]
    changes = {(c["kind"], c["table"], c["name"]) for c in migration_set["schema_changes"]}
    assert any(kind == "table_added" and table == "notes" for kind, table, _ in changes), changes
    assert any(kind == "policy_added" and table == "storage.objects" for kind, table, _ in changes), changes
    # The platform's own objects are there before and after the change: none of them is a change.
    assert not any(t and t.split(".")[0] in ("auth", "extensions", "realtime") for _, t, _ in changes)
    assert _roles(local_pg_url) == roles_before


def test_platform_none_replays_a_supabase_folder_on_a_plain_server(tmp_path: Path, local_pg_url: str) -> None:
    repo = make_repo(
        tmp_path / "repo",
        {"supabase/migrations/20240101000000_init.sql": INIT},
        {"supabase/migrations/20240301000000_notes.sql": NOTES},
    )
    report = _review(repo, database="url", database_url=local_pg_url, platform="none")
    assert "RP002" in {f["rule"] for f in report["findings"]}  # auth.users does not exist there


@pytest.mark.parametrize("folder", ["db/migrations"])
def test_a_folder_configured_as_supabase_gets_the_platform(
    tmp_path: Path, local_pg_url: str, folder: str
) -> None:
    repo = make_repo(
        tmp_path / "repo",
        {f"{folder}/20240101000000_init.sql": INIT},
        {f"{folder}/20240301000000_notes.sql": NOTES},
    )
    report = _review(repo, database="url", database_url=local_pg_url, platform="supabase")
    [migration_set] = report["migration_sets"]
    assert migration_set["framework"] == "plain-sql"
    assert [f["rule"] for f in report["findings"] if f["rule"].startswith("RP")] == []


# A pg_dump --schema-only of the history below after its first two migrations, as dbmate writes it: psql's
# \restrict lines, session settings, the public schema, owners and grants of roles this server lacks.
SCHEMA_DUMP = """\
\\restrict Zx81kq

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: public; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA public;

COMMENT ON EXTENSION plpgsql IS 'PL/pgSQL procedural language';

SET default_tablespace = '';

SET default_table_access_method = heap;

CREATE TABLE public.users (
    id bigint NOT NULL,
    name text NOT NULL
);

ALTER TABLE public.users OWNER TO app_owner;

CREATE SEQUENCE public.users_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.users_id_seq OWNED BY public.users.id;

CREATE TABLE public.orders (
    id bigint NOT NULL,
    user_id bigint NOT NULL
);

CREATE TABLE public.schema_migrations (
    version character varying(128) NOT NULL
);

ALTER TABLE ONLY public.users ALTER COLUMN id SET DEFAULT nextval('public.users_id_seq'::regclass);

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.orders
    ADD CONSTRAINT orders_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.schema_migrations
    ADD CONSTRAINT schema_migrations_pkey PRIMARY KEY (version);

ALTER TABLE ONLY public.orders
    ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);

GRANT SELECT ON TABLE public.users TO reporting;

\\unrestrict Zx81kq


--
-- Dbmate schema migrations
--

INSERT INTO public.schema_migrations (version) VALUES
    ('20230101000000'),
    ('20230102000000');
"""

DBMATE_BASE = {
    # Renames a table someone made by hand long ago: it never replays from an empty database.
    "db/migrations/20230101000000_users.sql": "-- migrate:up\nALTER TABLE legacy_users RENAME TO users;\n\n"
    "-- migrate:down\nALTER TABLE users RENAME TO legacy_users;\n",
    "db/migrations/20230102000000_orders.sql": "-- migrate:up\nCREATE TABLE orders (id bigint PRIMARY KEY, "
    "user_id bigint NOT NULL REFERENCES users (id));\n\n-- migrate:down\nDROP TABLE orders;\n",
    # Newer than the dump: replayed on top of it.
    "db/migrations/20230103000000_created_at.sql": "-- migrate:up\nALTER TABLE users ADD COLUMN created_at "
    "timestamptz;\n\n-- migrate:down\nALTER TABLE users DROP COLUMN created_at;\n",
    "db/schema.sql": SCHEMA_DUMP,
}
DBMATE_CHANGE = {
    "db/migrations/20230201000000_email.sql": "-- migrate:up\nALTER TABLE users ADD COLUMN email text;\n\n"
    "-- migrate:down\nALTER TABLE users DROP COLUMN email;\n",
}


def test_a_dbmate_history_that_does_not_replay_from_zero_starts_from_its_schema_dump(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", DBMATE_BASE, DBMATE_CHANGE)
    cache = str(tmp_path / "cache")

    for _ in ("cold", "from the kept base"):
        report = _review(repo, cache_dir=cache)
        [migration_set] = report["migration_sets"]
        assert migration_set["baseline"] == {
            "path": "db/schema.sql",
            "versions": ["20230101000000", "20230102000000"],
        }
        assert [f["rule"] for f in report["findings"] if f["rule"].startswith("RP")] == []
        assert [m["outcome"] for m in migration_set["migrations"] if m["status"] == "added"] == ["applied"]
        changes = [(c["kind"], c["table"], c["name"]) for c in migration_set["schema_changes"]]
        assert changes == [("column_added", "users", "email")]
        notes = " ".join(migration_set["notes"])
        assert "does not replay from an empty database (db/migrations/20230101000000_users.sql:2" in notes
        assert "started from the schema dump db/schema.sql" in notes


def test_a_configured_baseline_is_used_from_the_start(tmp_path: Path) -> None:
    base = {**DBMATE_BASE, "db/squashed.sql": DBMATE_BASE.pop("db/schema.sql")}
    base["db/migrations/20230101000000_users.sql"] = base["db/migrations/20230101000000_users.sql"].replace(
        "ALTER TABLE legacy_users RENAME TO users;", "SELECT 1;"
    )
    base[".migration-reviewer.toml"] = (
        'migrations = [{ path = "db/migrations", baseline = "db/squashed.sql", '
        "baseline-version = 20230102000000 }]\n"
    )
    repo = make_repo(tmp_path / "repo", base, DBMATE_CHANGE)
    report = _review(repo, cache=False)
    [migration_set] = report["migration_sets"]
    assert migration_set["baseline"]["path"] == "db/squashed.sql"
    assert [f["rule"] for f in report["findings"] if f["rule"].startswith("RP")] == []
    assert [(c["kind"], c["name"]) for c in migration_set["schema_changes"]] == [("column_added", "email")]


def test_a_golang_migrate_history_alters_and_then_drops_a_column_of_the_runners_table(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "repo",
        {
            "db/migrations/1_users.up.sql": "CREATE TABLE users (id bigint PRIMARY KEY);\n",
            "db/migrations/2_applied_at.up.sql": "ALTER TABLE schema_migrations ADD COLUMN applied_at "
            "timestamptz DEFAULT now();\n",
        },
        {"db/migrations/3_drop_applied_at.up.sql": "ALTER TABLE schema_migrations DROP COLUMN applied_at;\n"},
    )
    report = _review(repo, cache=False)
    [migration_set] = report["migration_sets"]
    assert [f["rule"] for f in report["findings"] if f["rule"].startswith("RP")] == []
    assert [(m["id"], m["outcome"]) for m in migration_set["migrations"] if m["status"] == "added"] == [
        ("3", "applied")
    ]
    assert [(c["kind"], c["table"], c["name"]) for c in migration_set["schema_changes"]] == [
        ("column_dropped", "schema_migrations", "applied_at")
    ]


def _expect_rows(table: str, condition: str) -> str:
    """A migration that fails unless the runner's table holds what the runner would have put there."""
    return (
        f"DO $$ BEGIN IF NOT ({condition}) THEN RAISE EXCEPTION 'unexpected rows in {table}'; END IF; "
        "END $$;\n"
    )


@pytest.mark.parametrize(
    ("base", "change"),
    [
        (
            {
                "db/migrations/1_a.up.sql": "CREATE TABLE a (id int);\n",
                "db/migrations/2_b.up.sql": "CREATE TABLE b (id int);\n",
            },
            {"db/migrations/3_check.up.sql": _expect_rows(
                "schema_migrations", "(SELECT array_agg(version::text || dirty::text) FROM schema_migrations)"
                " = ARRAY['2false']")},
        ),
        (
            {"supabase/migrations/20240101000000_a.sql": "create table a (id int);\n"},
            {"supabase/migrations/20240201000000_check.sql": _expect_rows(
                "supabase_migrations.schema_migrations",
                "(SELECT array_agg(version || name) FROM supabase_migrations.schema_migrations)"
                " = ARRAY['20240101000000a']")},
        ),
        (
            {
                "prisma/migrations/migration_lock.toml": 'provider = "postgresql"\n',
                "prisma/migrations/20240101000000_init/migration.sql": "CREATE TABLE a (id int);\n",
            },
            {"prisma/migrations/20240201000000_check/migration.sql": _expect_rows(
                "_prisma_migrations",
                "(SELECT array_agg(migration_name::text) FROM _prisma_migrations"
                " WHERE finished_at IS NOT NULL) = ARRAY['20240101000000_init']")},
        ),
    ],
    ids=["golang-migrate", "supabase", "prisma"],
)
def test_the_runners_table_holds_the_base_migrations_as_the_runner_records_them(
    tmp_path: Path, base: dict[str, str], change: dict[str, str]
) -> None:
    report = _review(make_repo(tmp_path / "repo", base, change), cache=False)
    [migration_set] = report["migration_sets"]
    added = [m for m in migration_set["migrations"] if m["status"] == "added"]
    assert [(m["outcome"], m["error"]) for m in added] == [("applied", None)]


def test_an_alembic_history_says_the_platform_setting_does_not_apply_to_it(tmp_path: Path) -> None:
    scenario = Path(__file__).parents[1] / "scenarios" / "alembic_linear"

    def files(side: str) -> dict[str, str]:
        root = scenario / side
        return {p.relative_to(root).as_posix(): p.read_text() for p in root.rglob("*") if p.is_file()}

    report = _review(make_repo(tmp_path / "repo", files("base"), files("head")), platform="supabase")
    [migration_set] = report["migration_sets"]
    assert migration_set["framework"] == "alembic"
    assert any("not applied to a history the framework's own runner" in n for n in migration_set["notes"])


def test_the_platform_tolerates_what_exists_already_and_keeps_existing_functions(local_pg_url: str) -> None:
    parts = sections(platform_script("supabase"))
    with scratch_server("url", local_pg_url, file_copy=False, temporary_role=True) as server:
        database = server.create_database()
        assert server.run_as_admin(database, parts) == []
        with psycopg.connect(make_conninfo(local_pg_url, dbname=database.name), autocommit=True) as admin:
            admin.execute("CREATE OR REPLACE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql AS "
                          "$$ SELECT '00000000-0000-0000-0000-000000000001'::uuid $$")
        # Again on the same database, as on a server that has the platform already (a Supabase image).
        assert server.run_as_admin(database, parts) == []
        with psycopg.connect(make_conninfo(local_pg_url, dbname=database.name)) as admin:
            row = admin.execute("SELECT auth.uid()::text, storage.extension('a/b/c.png')").fetchone()
        assert row == ("00000000-0000-0000-0000-000000000001", "png")


def test_an_extension_production_enabled_outside_migrations_is_there_before_the_history(
    tmp_path: Path,
) -> None:
    """Supabase projects often enable pgvector in the dashboard: no migration creates it, and the first
    one that uses the type fails on a fresh database unless the configuration says production has it."""
    base = {
        "supabase/migrations/20240101000000_docs.sql":
            "CREATE TABLE public.docs (id bigint PRIMARY KEY, embedding extensions.vector(3));\n",
        ".migration-reviewer.toml": 'extensions = ["vector"]\n',
    }
    head = {"supabase/migrations/20240102000000_index.sql":
            "CREATE INDEX docs_embedding ON public.docs USING hnsw (embedding extensions.vector_l2_ops);\n"}
    report = _review(make_repo(tmp_path / "repo", base, head))
    assert [f["rule"] for f in report["findings"] if f["rule"].startswith("RP")] == []
    [migration] = report["migration_sets"][0]["migrations"]
    assert migration["outcome"] == "applied"
    # Without the setting the history does not replay: the type is missing from the first migration on.
    (tmp_path / "repo" / ".migration-reviewer.toml").unlink()
    without = _review(tmp_path / "repo")
    assert "RP002" in [f["rule"] for f in without["findings"]]
