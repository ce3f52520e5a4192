from __future__ import annotations

import json

from migration_reviewer.adapters.base import Dialect, MigrationStatus, ProblemKind, SqlScript, Wrapping
from migration_reviewer.adapters.drizzle import DrizzleAdapter

from ._trees import changes, tree

ADAPTER = DrizzleAdapter()


def journal(*entries: tuple[str, int], dialect: str = "postgresql") -> str:
    return json.dumps({
        "version": "7",
        "dialect": dialect,
        "entries": [
            {"idx": i, "version": "7", "when": when, "tag": tag, "breakpoints": True}
            for i, (tag, when) in enumerate(entries)
        ],
    }, indent=2)


INIT = 'CREATE TABLE "users" ("id" serial);\n--> statement-breakpoint\nCREATE INDEX "u" ON "users" ("id");\n'
BASE = {
    "drizzle/meta/_journal.json": journal(("0000_init", 1000), ("0001_posts", 2000)),
    "drizzle/meta/0000_snapshot.json": "{}",
    "drizzle/0000_init.sql": INIT,
    "drizzle/0001_posts.sql": 'CREATE TABLE "posts" ("id" serial);\n',
}


def test_detects_the_folder_above_meta() -> None:
    files = {**BASE, "src/db/migrations/meta/_journal.json": journal(), "meta/_journal.json": journal()}
    assert sorted(ADAPTER.detect(tree(files))) == ["", "drizzle", "src/db/migrations"]


def test_chunks_map_back_to_file_lines() -> None:
    mset = ADAPTER.load("drizzle", changes({}, BASE))
    init = mset.head_migrations[0]
    assert init.up == (
        SqlScript("drizzle/0000_init.sql", 'CREATE TABLE "users" ("id" serial);\n', 1),
        SqlScript("drizzle/0000_init.sql", 'CREATE INDEX "u" ON "users" ("id");\n', 3),
    )
    assert init.files == ("drizzle/0000_init.sql", "drizzle/meta/0000_snapshot.json")
    assert (init.name, init.wrapping, init.down) == ("init", Wrapping.BATCH, None)


def test_breakpoint_in_the_middle_of_a_line() -> None:
    text = "SELECT 1;--> statement-breakpoint SELECT 2;\n\n--> statement-breakpoint\n\n"
    files = {"d/meta/_journal.json": journal(("0000_x", 1)), "d/0000_x.sql": text}
    mset = ADAPTER.load("d", changes({}, files))
    assert mset.head_migrations[0].up == (SqlScript("d/0000_x.sql", "SELECT 1;", 1),
                                          SqlScript("d/0000_x.sql", " SELECT 2;\n\n", 1))


def test_journal_order_wins_over_file_names() -> None:
    files = {"drizzle/meta/_journal.json": journal(("0001_b", 1000), ("0000_a", 2000)),
             "drizzle/0000_a.sql": "SELECT 'a';\n", "drizzle/0001_b.sql": "SELECT 'b';\n"}
    mset = ADAPTER.load("drizzle", changes({}, files))
    assert [m.id for m in mset.head_migrations] == ["0001_b", "0000_a"]


def test_new_entry_and_statuses() -> None:
    head = {**BASE, "drizzle/meta/_journal.json": journal(("0000_init", 1000), ("0001_posts", 2000),
                                                          ("0002_tags", 3000)),
            "drizzle/0002_tags.sql": 'CREATE TABLE "tags" ("id" serial);\n'}
    mset = ADAPTER.load("drizzle", changes(BASE, head))
    assert [(m.id, m.status) for m in mset.head_migrations] == [
        ("0000_init", MigrationStatus.BASE), ("0001_posts", MigrationStatus.BASE),
        ("0002_tags", MigrationStatus.ADDED)]
    assert mset.problems == ()
    assert mset.dialect is Dialect.POSTGRESQL


def test_entry_with_an_older_when_is_skipped_by_the_migrator() -> None:
    head = {**BASE, "drizzle/meta/_journal.json": journal(("0000_init", 1000), ("0001_posts", 2000),
                                                          ("0002_tags", 1500)),
            "drizzle/0002_tags.sql": "SELECT 1;\n"}
    mset = ADAPTER.load("drizzle", changes(BASE, head))
    (problem,) = mset.problems
    assert (problem.kind, problem.path) == (ProblemKind.OUT_OF_ORDER, "drizzle/0002_tags.sql")
    assert "`when`" in problem.message


def test_files_and_journal_disagree() -> None:
    head = {**BASE, "drizzle/meta/_journal.json": journal(("0000_init", 1000), ("0001_posts", 2000),
                                                          ("0002_gone", 3000)),
            "drizzle/0003_stray.sql": "SELECT 1;\n"}
    mset = ADAPTER.load("drizzle", changes(BASE, head))
    missing, stray = mset.problems
    assert (missing.kind, missing.path) == (ProblemKind.MISSING_FILE, "drizzle/meta/_journal.json")
    assert missing.line is not None
    assert head["drizzle/meta/_journal.json"].splitlines()[missing.line - 1].strip() == '"tag": "0002_gone",'
    assert (stray.kind, stray.path) == (ProblemKind.NOT_IN_JOURNAL, "drizzle/0003_stray.sql")


def test_invalid_journal_reports_its_line_and_deletes_nothing() -> None:
    head = {**BASE, "drizzle/meta/_journal.json": '{\n  "dialect": "postgresql",\n  "entries": [\n}\n'}
    mset = ADAPTER.load("drizzle", changes(BASE, head))
    (problem,) = mset.problems
    assert (problem.kind, problem.path) == (ProblemKind.INVALID, "drizzle/meta/_journal.json")
    assert problem.line == 4
    assert mset.head_migrations == ()


def test_dialects() -> None:
    known = [("pg", Dialect.POSTGRESQL), ("turso", Dialect.SQLITE), ("singlestore", Dialect.MYSQL)]
    for name, dialect in known:
        files = {**BASE, "drizzle/meta/_journal.json": journal(("0000_init", 1), dialect=name)}
        assert ADAPTER.load("drizzle", changes({}, files)).dialect is dialect
    files = {**BASE, "drizzle/meta/_journal.json": journal(("0000_init", 1), dialect="gel")}
    unsupported = ADAPTER.load("drizzle", changes({}, files))
    assert unsupported.head_migrations == ()
    assert [p.kind for p in unsupported.problems] == [ProblemKind.INVALID]
