"""Hostile and broken pull requests: each one gets a report that says exactly what happened, with the file
and line, never a traceback, and leaves nothing running."""

from __future__ import annotations

import glob
import json
import re
import time
from pathlib import Path
from typing import Any

import pytest

from gitrepo import git, make_repo
from migration_reviewer.cli import main
from migration_reviewer.renderers.comment import COMMENT_LIMIT, render_comment
from migration_reviewer.replay.providers.base import run_tag
from migration_reviewer.report.load import InvalidReport, load_report

BASE = {"db/migrations/001_t.up.sql": "CREATE TABLE t (id int);\n"}


def review(tmp_path: Path, head: dict[str, str | bytes | None], *flags: str) -> tuple[int, dict[str, Any]]:
    """The exit code and JSON report of a review of `head` on top of BASE (no seeded replay: faster)."""
    repo = make_repo(tmp_path / "r", BASE, head)
    output = tmp_path / "report.json"
    code = main(
        ["review", "--repo", str(repo), "--base", "main", "--head", "feature", "--seed-rows", "0",
         "--format", "json", "--output", str(output), *flags]
    )
    return code, json.loads(output.read_text())


def outcomes(report: dict[str, Any]) -> list[tuple[str, str, dict[str, Any] | None]]:
    return [(m["path"], m["outcome"], m["error"]) for s in report["migration_sets"] for m in s["migrations"]]


def findings(report: dict[str, Any], *rules: str) -> list[tuple[str, str, int | None, str]]:
    return [(f["rule"], f["path"], f["line"], f["message"]) for f in report["findings"] if f["rule"] in rules]


def our_clusters() -> list[str]:
    prefix = f"migration-reviewer-pg-{run_tag()}"
    return glob.glob(f"/dev/shm/{prefix}*") + glob.glob(f"/tmp/{prefix}*")


def test_unparsable_sql_fails_at_its_line(tmp_path: Path) -> None:
    path = "db/migrations/002_x.up.sql"
    code, report = review(tmp_path, {path: "SELECT 1;\nCREATE TABLE (;\n"})
    assert code == 1
    error = {"message": 'syntax error at or near "("', "path": path, "line": 2}
    assert outcomes(report) == [(path, "failed", error)]
    assert findings(report, "RP001") == [("RP001", path, 2, '`x` fails: syntax error at or near "("')]


def test_a_change_that_fails_half_way_shows_what_applied_and_what_did_not(tmp_path: Path) -> None:
    code, report = review(
        tmp_path,
        {
            "db/migrations/002_a.up.sql": "ALTER TABLE t ADD a int;\n",
            "db/migrations/003_b.up.sql": "ALTER TABLE t ADD b int;\nALTER TABLE nope ADD c int;\n",
            "db/migrations/004_c.up.sql": "ALTER TABLE t ADD d int;\n",
        },
    )
    assert code == 1
    error = {"message": 'relation "nope" does not exist', "path": "db/migrations/003_b.up.sql", "line": 2}
    assert outcomes(report) == [
        ("db/migrations/002_a.up.sql", "applied", None),
        ("db/migrations/003_b.up.sql", "failed", error),  # one query: its first ALTER went back too
        ("db/migrations/004_c.up.sql", "not-run", None),
    ]
    changes = [(c["kind"], c["table"], c["name"]) for c in report["migration_sets"][0]["schema_changes"]]
    assert changes == [("column_added", "t", "a")]


def test_a_down_migration_that_fails_is_reported(tmp_path: Path) -> None:
    code, report = review(
        tmp_path,
        {
            "db/migrations/002_a.up.sql": "ALTER TABLE t ADD a int;\n",
            "db/migrations/002_a.down.sql": "ALTER TABLE t DROP COLUMN nope;\n",
        },
    )
    assert code == 1
    assert outcomes(report) == [("db/migrations/002_a.up.sql", "applied", None)]
    assert findings(report, "RB001") == [
        (
            "RB001",
            "db/migrations/002_a.down.sql",
            1,
            'the down of `a` fails: column "nope" of relation "t" does not exist',
        )
    ]


def test_an_empty_migration_applies_and_changes_nothing(tmp_path: Path) -> None:
    code, report = review(tmp_path, {"db/migrations/002_e.up.sql": ""})
    assert code == 0 and report["verdict"] == "pass"
    assert outcomes(report) == [("db/migrations/002_e.up.sql", "applied", None)]
    assert report["migration_sets"][0]["schema_changes"] == []


@pytest.mark.parametrize(
    "content",
    [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "CREATE TABLE café (id int);\n".encode("latin-1")],
    ids=["binary", "latin-1"],
)
def test_a_binary_or_non_utf8_file_is_left_out_with_a_warning(tmp_path: Path, content: bytes) -> None:
    path = "db/migrations/002_b.up.sql"
    code, report = review(tmp_path, {path: content})
    assert code == 0 and report["verdict"] == "warn"
    assert outcomes(report) == []
    assert findings(report, "DR007") == [
        ("DR007", path, None, "002_b.up.sql is binary or not UTF-8 text: it is left out of the review")
    ]


def test_a_50_mb_migration_is_replayed_and_said_to_be_too_large_for_the_rules(tmp_path: Path) -> None:
    rows = ",".join(f"({n})" for n in range(6_000_000))  # one INSERT of 50 MB
    path = "db/migrations/002_big.up.sql"
    sql = f"-- a data load\nALTER TABLE t ADD COLUMN note text;\nINSERT INTO t VALUES {rows};\n"
    code, report = review(tmp_path, {path: sql})
    assert code == 0
    assert outcomes(report) == [(path, "applied", None)]
    [change] = report["migration_sets"][0]["schema_changes"]
    assert (change["kind"], change["name"]) == ("column_added", "note")
    # The rest of the file is analysed: the ALTER waits for its lock with no lock_timeout.
    assert [(f["rule"], f["line"]) for f in report["findings"] if f["rule"] == "LK022"] == [("LK022", 2)]
    [(rule, at, line, message)] = findings(report, "RP005")
    assert (rule, at, line) == ("RP005", path, 3)
    assert message.startswith("a statement of 58.9 million characters was replayed, but the rules read")
    assert our_clusters() == []


def test_a_migration_that_sleeps_for_an_hour_is_stopped_by_the_review_timeout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "r", BASE, {"db/migrations/002_slow.up.sql": "SELECT pg_sleep(3600);\n"})
    started = time.monotonic()
    code = main(
        ["review", "--repo", str(repo), "--base", "main", "--head", "feature", "--timeout", "2s",
         "--statement-timeout", "1h"]
    )
    _, err = capsys.readouterr()
    assert time.monotonic() - started < 20
    assert code == 3 and "did not finish within 2 s" in err and "Traceback" not in err
    assert "hint: --statement-timeout stops a migration that hangs" in err
    assert our_clusters() == []


def test_an_endless_loop_is_cut_by_the_statement_timeout(tmp_path: Path) -> None:
    path = "db/migrations/002_loop.up.sql"
    loop = {path: "DO $$ BEGIN LOOP END LOOP; END $$;\n"}
    code, report = review(tmp_path, loop, "--statement-timeout", "1s")
    assert code == 1
    assert outcomes(report) == [
        (path, "failed", {"message": "canceling statement due to statement timeout", "path": path, "line": 1})
    ]


def test_2000_migrations_in_one_change_are_all_replayed(tmp_path: Path) -> None:
    head = {f"db/migrations/{n:04d}_m{n}.up.sql": f"INSERT INTO t VALUES ({n});\n" for n in range(2, 2002)}
    code, report = review(tmp_path, head, "--fail-on", "never")
    assert code == 0
    results = outcomes(report)
    assert len(results) == 2000 and {outcome for _, outcome, _ in results} == {"applied"}
    comment = render_comment(load_report(json.dumps(report).encode()))
    assert len(comment) <= COMMENT_LIMIT and "The report is too long for a comment" not in comment
    folded = r"^\| … and \d+ more: the job summary has them all \| \| \| \|$"
    assert re.search(folded, comment, re.M)


def test_a_symlink_out_of_the_repository_is_never_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside.sql"
    outside.write_text("CREATE TABLE stolen (secret text);\n")
    repo = make_repo(tmp_path / "r", BASE)
    (repo / "db/migrations/002_link.up.sql").symlink_to(outside)
    output = tmp_path / "report.json"
    flags = ["--seed-rows", "0", "--format", "json", "--output", str(output)]
    main(["review", "--repo", str(repo), "--base", "main", "--head", "WORKTREE", *flags])
    uncommitted = json.loads(output.read_text())
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "link")
    main(["review", "--repo", str(repo), "--base", "HEAD~1", "--head", "HEAD", *flags])
    committed = json.loads(output.read_text())
    for report in (uncommitted, committed):  # a link is not a migration file: neither read nor replayed
        assert report["verdict"] == "pass" and report["migration_sets"] == [] and report["findings"] == []


NESTED = "[" * 100_000 + "]" * 100_000  # deeper than any parser in the standard library follows


def test_files_nested_past_reason_are_reported_and_the_review_goes_on(tmp_path: Path) -> None:
    journal = '{"version": "7", "dialect": "postgresql", "entries": ' + NESTED + "}"
    head = {
        "drizzle/meta/_journal.json": journal,
        "drizzle/0000_x.sql": "CREATE TABLE x (id int);\n",
        "prisma/migrations/migration_lock.toml": "provider = " + NESTED + "\n",
        "db/migrations/002_u.up.sql": "CREATE TABLE u (id int);\n",
    }
    code, report = review(tmp_path, head)
    assert code == 1
    assert ("db/migrations/002_u.up.sql", "applied", None) in outcomes(report)  # the rest is reviewed
    messages = {(f["path"], f["message"]) for f in report["findings"]}
    assert (
        "drizzle/meta/_journal.json",
        "the journal nests deeper than a JSON reader follows: drizzle's migrator cannot read it",
    ) in messages
    lock = "prisma/migrations/migration_lock.toml"
    assert (lock, "migration_lock.toml nests deeper than a TOML reader follows") in messages


def test_a_report_nested_past_reason_is_refused_plainly() -> None:
    with pytest.raises(InvalidReport, match="nests deeper than a JSON reader follows"):
        load_report(NESTED.encode())


def test_a_config_file_nested_past_reason_is_refused_plainly(tmp_path: Path, capsys: Any) -> None:
    config = {".migration-reviewer.toml": "seed-rows = " + NESTED + "\n"}
    repo = make_repo(tmp_path / "r", {**BASE, **config}, {})
    code = main(["review", "--repo", str(repo), "--base", "main", "--head", "feature"])
    assert code == 2
    assert ".migration-reviewer.toml: nests deeper than a TOML reader follows" in capsys.readouterr().err
