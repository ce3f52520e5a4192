"""The CLI end to end, as a user runs it: real git repositories, real databases, real exit codes."""

from __future__ import annotations

import glob
import json
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from gitrepo import make_repo
from migration_reviewer.cli import main
from migration_reviewer.replay.providers.base import run_tag

BASE = {
    "db/migrations/001_users.up.sql": "CREATE TABLE users (id bigserial PRIMARY KEY, name text NOT NULL);\n"
}
# Safe as written: a short lock_timeout, then a nullable column (no rewrite, no scan).
GOOD = {"db/migrations/002_email.up.sql": "SET lock_timeout = '2s';\nALTER TABLE users ADD email text;"}
# This session's scratch databases only: other suites may share the server.
SCRATCH_DATABASES = f"SELECT datname FROM pg_database WHERE datname LIKE 'mr\\_scratch\\_{run_tag()}%'"
BROKEN = {"db/migrations/002_email.up.sql": "ALTER TABLE users ADD email text;\nALTER TABLE nope ADD x int;"}


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_clean_change_exits_0_and_reports_the_schema_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "r", BASE, GOOD)
    code, out, _ = run(
        capsys, "review", "--repo", str(repo), "--base", "main", "--head", "feature", "--no-color"
    )
    assert code == 0
    assert out.startswith("PASS")
    assert "column_added" in out and "users.email" in out


def test_failing_migration_exits_1_with_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "r", BASE, BROKEN)
    code, out, _ = run(
        capsys, "review", "--repo", str(repo), "--base", "main", "--head", "feature", "--no-color"
    )
    assert code == 1
    assert 'db/migrations/002_email.up.sql:2: relation "nope" does not exist' in out
    code, _, _ = run(
        capsys, "review", "--repo", str(repo), "--base", "main", "--head", "feature", "--fail-on", "never"
    )
    assert code == 0


def test_json_report_follows_the_contract(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo(tmp_path / "r", BASE, BROKEN)
    output = tmp_path / "report.json"
    code, out, err = run(
        capsys,
        "review",
        "--repo",
        str(repo),
        "--base",
        "main",
        "--head",
        "feature",
        "--format",
        "json",
        "--output",
        str(output),
    )
    assert code == 1 and out == ""
    assert "wrote" in err and "verdict: fail" in err
    report = json.loads(output.read_text())
    assert set(report) == {
        "schema_version",
        "tool",
        "base",
        "head",
        "verdict",
        "migration_sets",
        "findings",
        "handoff",
    }
    assert report["schema_version"] == 1 and report["verdict"] == "fail"
    [migration_set] = report["migration_sets"]
    assert migration_set["framework"] == "golang-migrate"
    assert migration_set["database"]["provider"] == "embedded"
    [migration] = migration_set["migrations"]
    assert migration["applied"] is False
    assert migration["error"] == {
        "message": 'relation "nope" does not exist',
        "path": "db/migrations/002_email.up.sql",
        "line": 2,
    }
    assert report["findings"][0]["rule"] == "RP001"
    assert report["findings"][0]["confirmed_by_replay"] is True


def test_url_provider_replays_in_a_scratch_database_and_drops_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], local_pg_url: str
) -> None:
    repo = make_repo(tmp_path / "r", BASE, GOOD)
    with psycopg.connect(local_pg_url) as conn:
        before = {r[0] for r in conn.execute(SCRATCH_DATABASES)}
    code, out, _ = run(
        capsys,
        "review",
        "--repo",
        str(repo),
        "--base",
        "main",
        "--head",
        "feature",
        "--database-url",
        local_pg_url,
        "--format",
        "json",
    )
    assert code == 0
    report = json.loads(out)
    assert report["migration_sets"][0]["database"]["provider"] == "url"
    assert report["migration_sets"][0]["database"]["server_version"].startswith("15")
    assert report["migration_sets"][0]["schema_changes"][0]["kind"] == "column_added"
    with psycopg.connect(local_pg_url) as conn:
        after = {r[0] for r in conn.execute(SCRATCH_DATABASES)}
        # the database named in the URL was only where we connected: nothing was created in it
        assert conn.execute("SELECT to_regclass('public.users')").fetchone() == (None,)
    assert after == before


def test_markdown_template_override_extends_the_packaged_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "r", BASE, GOOD)
    template = tmp_path / "mine.md.j2"
    template.write_text(
        '{% extends "comment.md.j2" %}{% block footer %}\nReviewed by the data team.\n{% endblock %}'
    )
    code, out, _ = run(
        capsys,
        "review",
        "--repo",
        str(repo),
        "--base",
        "main",
        "--head",
        "feature",
        "--format",
        "markdown",
        "--template",
        str(template),
    )
    assert code == 0
    assert "<!-- migration-reviewer:comment -->" in out
    assert out.rstrip().endswith("Reviewed by the data team.")


def test_user_errors_are_one_line_with_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo(tmp_path / "r", BASE, GOOD)
    code, out, err = run(capsys, "review", "--repo", str(repo), "--base", "no-such-branch")
    assert code == 2 and out == ""
    assert err.startswith("migration-reviewer: unknown revision 'no-such-branch'")
    assert "Traceback" not in err
    code, _, err = run(capsys, "review", "--repo", str(tmp_path))
    assert code == 2 and "is not a git repository" in err
    (repo / ".migration-reviewer.toml").write_text('colour = "always"\n')
    code, _, err = run(capsys, "review", "--repo", str(repo))
    assert code == 2 and "unknown setting 'colour'" in err


@pytest.mark.parametrize("change", [GOOD, {"README.md": "hello"}], ids=["migration", "no migration"])
def test_an_unknown_rule_in_the_configuration_stops_the_review_and_leaves_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: dict[str, str]
) -> None:
    """The rules' options are checked while the server starts: the error still ends the review, and the
    server and its folder go with it."""
    repo = make_repo(tmp_path / "r", BASE, change)
    (repo / ".migration-reviewer.toml").write_text('[rules]\nLK999 = "off"\n')
    code, out, err = run(capsys, "review", "--repo", str(repo), "--base", "main", "--head", "feature")
    assert (code, out) == (2, "")
    assert "no rule 'LK999'" in err and "Traceback" not in err
    assert glob.glob(f"/dev/shm/migration-reviewer-pg-{run_tag()}*") == []


def test_no_migration_change_is_a_clean_pass(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo(tmp_path / "r", BASE, {"README.md": "hello"})
    code, out, _ = run(
        capsys, "review", "--repo", str(repo), "--base", "main", "--head", "feature", "--no-color"
    )
    assert code == 0
    assert "No migration files changed." in out


def test_demo_runs_from_an_installed_package() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "migration_reviewer", "demo", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["verdict"] == "fail"
    failed = [m for s in report["migration_sets"] for m in s["migrations"] if m["error"]]
    assert failed[0]["error"]["message"] == "CREATE INDEX CONCURRENTLY cannot run inside a transaction block"


def test_prepare_makes_the_initialised_folder_a_first_review_starts_from(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from migration_reviewer.replay.providers.embedded import wheel_bin_dir

    code, _, err = run(capsys, "prepare", "--pg-bin-dir", str(wheel_bin_dir()), "--into", str(tmp_path / "p"))
    (archive,) = (tmp_path / "p").iterdir()
    assert (code, err) == (0, f"migration-reviewer: prepared {archive}\n")

    monkeypatch.setenv("MIGRATION_REVIEWER_PREPARED_DIR", str(tmp_path / "p"))
    repo = make_repo(tmp_path / "r", BASE, GOOD)
    cache = tmp_path / "cache"
    code, out, _ = run(
        capsys, "review", "--repo", str(repo), "--base", "main", "--head", "feature", "--format", "json",
        "--cache-dir", str(cache),
    )
    assert code == 0 and json.loads(out)["verdict"] == "pass"
    assert [p.name for p in cache.iterdir()] == ["bases"]  # no initdb of its own

    code, _, err = run(capsys, "prepare", "--pg-bin-dir", str(tmp_path), "--into", str(tmp_path / "q"))
    assert code == 2 and f"no postgres or initdb in {tmp_path}" in err and "Traceback" not in err


def test_a_cache_folder_that_cannot_be_written_costs_the_cache_not_the_review(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    not_a_folder = tmp_path / "cache"
    not_a_folder.write_text("a file where the cache folder should be")
    repo = make_repo(tmp_path / "r", BASE, GOOD)
    code, out, err = run(
        capsys, "review", "--repo", str(repo), "--base", "main", "--head", "feature", "--format", "json",
        "--cache-dir", str(not_a_folder / "sub"),
    )
    assert code == 0 and json.loads(out)["verdict"] == "pass"
    assert "internal error" not in err


def test_prepare_says_when_it_cannot_write(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from migration_reviewer.replay.providers.embedded import wheel_bin_dir

    (tmp_path / "file").write_text("")
    code, _, err = run(
        capsys, "prepare", "--pg-bin-dir", str(wheel_bin_dir()), "--into", str(tmp_path / "file" / "sub")
    )
    assert code == 3
    assert f"could not write the initialised data folder to {tmp_path / 'file' / 'sub'}" in err
    assert "hint: name a writable folder with --into" in err
