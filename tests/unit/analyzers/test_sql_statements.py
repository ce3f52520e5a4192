"""How the analyzers see a change's statements: transactions as the runner opens them, and the
timeouts in force."""

from __future__ import annotations

from migration_reviewer.adapters.base import Migration, MigrationStatus, SqlScript, Wrapping
from migration_reviewer.analyzers.sql import SqlStatement, duration_ms, statements_of
from migration_reviewer.replay.statements import split_scripts


def _statements(*texts: str, wrapping: Wrapping = Wrapping.NONE) -> list[SqlStatement]:
    migrations = [
        Migration(
            str(i),
            f"m{i}",
            f"m{i}.sql",
            MigrationStatus.ADDED,
            (SqlScript(f"m{i}.sql", t),),
            wrapping=wrapping,
        )
        for i, t in enumerate(texts)
    ]
    split = {m.id: split_scripts(m.up) for m in migrations}
    return statements_of(migrations, split, {}, {})


def test_autocommit_statements_have_no_transaction() -> None:
    first, second = _statements("ALTER TABLE a ADD x int; ALTER TABLE b ADD y int;")
    assert first.transaction is None and second.transaction is None


def test_begin_commit_in_the_file() -> None:
    begin, alter, commit, after = _statements("BEGIN; ALTER TABLE a ADD x int; COMMIT; SELECT 1;")
    assert begin.transaction == alter.transaction == commit.transaction is not None
    assert alter.transaction is not None and alter.transaction.by_file
    assert after.transaction is None


def test_per_migration_wrapping_gives_each_file_its_transaction() -> None:
    a, b = _statements("SELECT 1", "SELECT 2", wrapping=Wrapping.PER_MIGRATION)
    assert a.transaction is not None and b.transaction is not None and a.transaction != b.transaction


def test_batch_wrapping_shares_one_transaction() -> None:
    a, b = _statements("SELECT 1", "SELECT 2", wrapping=Wrapping.BATCH)
    assert a.transaction == b.transaction is not None


def test_script_wrapping_is_a_transaction_only_for_several_statements() -> None:
    [alone] = _statements("CREATE INDEX CONCURRENTLY i ON t (a)", wrapping=Wrapping.SCRIPT)
    assert alone.transaction is None
    pair = _statements("SELECT 1; SELECT 2", wrapping=Wrapping.SCRIPT)
    assert pair[0].transaction == pair[1].transaction is not None


def test_timeouts_in_force() -> None:
    stmts = _statements(
        "SET lock_timeout = '2s'; SELECT 1; BEGIN; SET LOCAL statement_timeout = 500; SELECT 2; COMMIT; "
        "SELECT 3; RESET lock_timeout; SELECT 4;"
    )
    by_text = {s.statement.text: s for s in stmts}
    assert by_text["SELECT 1"].lock_timeout_ms == 2000
    assert by_text["SELECT 2"].statement_timeout_ms == 500
    assert by_text["SELECT 3"].statement_timeout_ms is None and by_text["SELECT 3"].lock_timeout_ms == 2000
    assert by_text["SELECT 4"].lock_timeout_ms is None


def test_timeouts_do_not_carry_into_the_next_file() -> None:
    _, other = _statements("SET lock_timeout = '2s'", "SELECT 1")
    assert other.lock_timeout_ms is None


def test_durations_in_postgresql_units() -> None:
    assert duration_ms("2s") == 2000
    assert duration_ms("1min") == 60_000
    assert duration_ms("250ms") == 250
    assert duration_ms(1500) == 1500
    assert duration_ms("0") == 0
    assert duration_ms("soon") is None


def test_a_statement_that_does_not_parse_has_no_tree() -> None:
    [broken] = _statements("ALTER TABLE WHERE")
    assert broken.tree is None and broken.kind == ""
