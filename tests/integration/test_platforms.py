"""What a platform's database holds before the first migration: a Supabase history that uses auth.users,
auth.uid(), storage policies, the API roles and `create extension … with schema extensions` replays on a
server that lacks all of them, and leaves no role behind on a shared server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest

from gitrepo import make_repo
from migration_reviewer.config import load_settings
from migration_reviewer.pipeline import review

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
