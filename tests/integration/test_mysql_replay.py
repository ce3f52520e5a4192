"""Replay on the machine's MariaDB: transactions as the server really has them, the ALGORITHM the server
accepts for each ALTER, copies of a replayed base, and the schema read back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from migration_reviewer.adapters.base import (
    Dialect,
    Migration,
    MigrationSet,
    MigrationStatus,
    Wrapping,
)
from migration_reviewer.errors import DatabaseUnavailable
from migration_reviewer.replay.engine import ReplayOptions, replay_set
from migration_reviewer.replay.providers.base import run_tag
from migration_reviewer.replay.providers.mysql import MySqlServer, connect, mysql_server
from migration_reviewer.replay.result import Outcome, SetReplay
from migration_reviewer.replay.sessions import open_session
from sql_migrations import sql_migration

BASE = """
CREATE TABLE customers (
  id BIGINT AUTO_INCREMENT PRIMARY KEY,
  email VARCHAR(190) NOT NULL,
  name VARCHAR(100) NULL,
  UNIQUE KEY customers_email (email)
);
CREATE TABLE orders (
  id BIGINT AUTO_INCREMENT PRIMARY KEY,
  customer_id BIGINT NOT NULL,
  status ENUM('new', 'paid') NOT NULL DEFAULT 'new',
  total DECIMAL(10, 2) NULL,
  CONSTRAINT orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE,
  CONSTRAINT orders_total CHECK (total >= 0)
);
CREATE INDEX orders_status ON orders (status, total);
CREATE VIEW paid_orders AS SELECT id, customer_id FROM orders WHERE status = 'paid';
CREATE TRIGGER orders_audit BEFORE UPDATE ON orders FOR EACH ROW BEGIN
  IF NEW.total < 0 THEN SET NEW.total = 0; END IF;
END;
CREATE FUNCTION order_count(customer BIGINT) RETURNS INT READS SQL DATA
  RETURN (SELECT count(*) FROM orders WHERE customer_id = customer);
INSERT INTO customers (email) VALUES ('a@example.com'), ('b@example.com');
"""


def migration(
    number: int,
    sql: str,
    *,
    status: MigrationStatus = MigrationStatus.ADDED,
    wrapping: Wrapping = Wrapping.SCRIPT,
    down: str | None = None,
) -> Migration:
    return sql_migration(number, sql, folder="db/mysql", status=status, wrapping=wrapping, down=down)


def replay(server: MySqlServer, *new: Migration, seed_rows: int = 0, base: str = BASE) -> SetReplay:
    base_migrations = (migration(1, base, status=MigrationStatus.BASE),)
    migration_set = MigrationSet(
        "db/mysql", "golang-migrate", Dialect.MYSQL, base_migrations, base_migrations + new
    )
    return replay_set(migration_set, server, ReplayOptions(statement_timeout_ms=30_000, seed_rows=seed_rows))


@pytest.fixture
def server(local_mysql_url: str) -> Iterator[MySqlServer]:
    with mysql_server("mysql", local_mysql_url) as started:
        yield started


def scratch_databases(url: str) -> set[str]:
    with connect(url) as conn, conn.cursor() as cursor:
        cursor.execute(f"SHOW DATABASES LIKE 'mr\\_scratch\\_{run_tag()}%'")
        return {name for (name,) in cursor.fetchall()}


def test_a_ddl_statement_commits_what_the_runners_transaction_held(server: MySqlServer) -> None:
    # dbmate wraps the file in BEGIN … COMMIT; MySQL commits the INSERT before the ALTER runs, so the
    # failure at the end takes back nothing (PostgreSQL would roll all three back).
    result = replay(
        server,
        migration(
            2,
            "INSERT INTO customers (email) VALUES ('c@example.com');\n"
            "ALTER TABLE customers ADD COLUMN plan VARCHAR(10) NULL;\n"
            "INSERT INTO customers (email) VALUES ('c@example.com');",
            wrapping=Wrapping.PER_MIGRATION,
        ),
    )
    [run] = result.runs
    assert [s.outcome for s in run.statements] == [Outcome.APPLIED, Outcome.APPLIED, Outcome.FAILED]
    assert run.error is not None and run.error.line == 3 and run.error.sqlstate == "23000"
    assert "Duplicate entry" in run.error.message and run.error.table == "customers"
    assert [c.kind for c in result.changes] == ["column_added"]


def test_a_multi_statement_file_is_not_a_transaction(server: MySqlServer) -> None:
    # golang-migrate and Prisma send the file as one query: each statement commits on its own.
    result = replay(
        server,
        migration(2, "INSERT INTO customers (email) VALUES ('c@example.com');\nSELECT * FROM missing_table;"),
    )
    [run] = result.runs
    assert [s.outcome for s in run.statements] == [Outcome.APPLIED, Outcome.FAILED]
    assert not run.statements[0].in_transaction
    assert result.after is not None and result.after.table("public", "customers") is not None


def test_the_copy_of_the_base_asks_the_server_how_each_alter_runs(server: MySqlServer) -> None:
    result = replay(
        server,
        migration(
            2,
            "ALTER TABLE orders ADD COLUMN note VARCHAR(200) NULL;\n"
            "ALTER TABLE orders MODIFY status ENUM('paid', 'new') NOT NULL DEFAULT 'new';\n"
            "CREATE INDEX customers_name ON customers (name);\n"
            "ALTER TABLE orders MODIFY total DECIMAL(10, 2) NOT NULL DEFAULT 0;",
        ),
        seed_rows=200,
    )
    assert result.seeded is not None
    assert {t.table: t.rows for t in result.seeded.rows.tables} == {"customers": 200, "orders": 200}
    [run] = result.seeded.runs
    assert [(s.form, s.rewrites) for s in run.statements[:3]] == [
        ("ALGORITHM=INSTANT", ()),
        ("ALGORITHM=COPY, LOCK=SHARED", ("orders",)),
        ("ALGORITHM=INPLACE, LOCK=NONE", ()),
    ]
    # NULL totals among the seeded rows: strict mode refuses them, and says which column
    failing = run.statements[3]
    assert failing.outcome is Outcome.FAILED and failing.error is not None
    assert (failing.error.table, failing.error.column) == ("orders", "total")
    # the change itself ran as written, on the empty base
    assert [s.form for s in result.runs[0].statements] == [None] * 4
    assert result.runs[0].outcome is Outcome.APPLIED


def test_a_copy_holds_every_object_and_row(server: MySqlServer) -> None:
    base = server.create_database()
    with open_session(base, 10_000) as session:
        session.run_script(BASE)
        original = session.introspect()
    copy = server.create_database(template=base)
    with open_session(copy, 10_000) as session:
        assert session.introspect() == original
        assert session.execute("UPDATE customers SET name = 'x'") == 2
        session.execute("INSERT INTO customers (email) VALUES ('c@example.com')")
        with pytest.raises(Exception, match="foreign key constraint fails"):
            session.execute("INSERT INTO orders (customer_id) VALUES (99)")
    assert {f.name for f in original.functions} == {"order_count"}
    server.drop_database(copy)
    server.drop_database(base)


def test_the_snapshot_and_the_diff_cover_mysql_objects(server: MySqlServer) -> None:
    result = replay(
        server,
        migration(
            2,
            "ALTER TABLE orders ADD COLUMN currency CHAR(3) NOT NULL DEFAULT 'EUR',\n"
            "  DROP CONSTRAINT orders_total;\n"
            "ALTER TABLE customers MODIFY name VARCHAR(100) CHARACTER SET latin1 NULL;\n"
            "DROP INDEX orders_status ON orders;\n"
            "CREATE UNIQUE INDEX orders_customer_status ON orders (customer_id, status);\n"
            "DROP TRIGGER orders_audit;\n"
            "CREATE OR REPLACE VIEW paid_orders AS SELECT id FROM orders WHERE status = 'paid';\n"
            "CREATE TABLE refunds (id INT PRIMARY KEY, order_id BIGINT REFERENCES orders (id));",
        ),
    )
    before = result.before
    assert before is not None
    orders = before.table("public", "orders")
    assert orders is not None
    assert [c.definition for c in orders.constraints] == [
        "FOREIGN KEY (customer_id) REFERENCES customers(id) ON DELETE CASCADE",
        "CHECK (`total` >= 0)",
        "PRIMARY KEY (id)",
    ]
    assert orders.column("id") is not None and orders.column("id").identity is not None  # type: ignore[union-attr]
    assert orders.column("status").default == "'new'"  # type: ignore[union-attr]
    view = before.table("public", "paid_orders")
    assert view is not None and "mr_scratch" not in (view.definition or "")
    changes = {(c.kind, c.table, c.name) for c in result.changes}
    assert {
        ("column_added", "orders", "currency"),
        ("constraint_dropped", "orders", "orders_total"),
        ("column_type_changed", "customers", "name"),
        ("index_dropped", "orders", "orders_status"),
        ("index_added", "orders", "orders_customer_status"),
        ("trigger_dropped", "orders", "orders_audit"),
        ("view_changed", "paid_orders", None),
        ("table_added", "refunds", None),
    } <= changes


def test_a_failing_base_migration_is_pinned_to_its_statement(server: MySqlServer) -> None:
    base = (
        migration(1, "CREATE TABLE a (id INT PRIMARY KEY);", status=MigrationStatus.BASE),
        migration(
            2,
            "CREATE TABLE b (id INT PRIMARY KEY);\nALTER TABLE nowhere ADD c INT;",
            status=MigrationStatus.BASE,
        ),
        migration(3, "CREATE TABLE c (id INT PRIMARY KEY);", status=MigrationStatus.BASE),
    )
    migration_set = MigrationSet("db/mysql", "golang-migrate", Dialect.MYSQL, base, base)
    result = replay_set(migration_set, server, ReplayOptions(seed_rows=0))
    assert [r.outcome for r in result.base_runs] == [Outcome.APPLIED, Outcome.FAILED, Outcome.APPLIED]
    error = result.base_runs[1].error
    assert error is not None and (error.line, error.sqlstate) == (2, "42S02")
    assert result.before is not None and {t.name for t in result.before.tables} == {"a", "b", "c"}


def test_a_dump_with_delimiter_commands_replays(server: MySqlServer) -> None:
    dump = (
        "CREATE TABLE t (id INT PRIMARY KEY);\n"
        "DELIMITER $$\n"
        "CREATE PROCEDURE fill(n INT)\nBEGIN\n  DECLARE i INT DEFAULT 0;\n"
        "  WHILE i < n DO INSERT INTO t VALUES (i); SET i = i + 1; END WHILE;\nEND$$\n"
        "DELIMITER ;\n"
        "CALL fill(3);\n"
    )
    result = replay(server, migration(2, "SELECT 1;"), base=dump)
    assert [r.outcome for r in result.base_runs] == [Outcome.APPLIED]
    assert result.before is not None and [f.name for f in result.before.functions] == ["fill"]
    assert result.before.table("public", "t").row_estimate is not None  # type: ignore[union-attr]


def test_scratch_databases_go_whatever_ends_the_review(local_mysql_url: str) -> None:
    created = set()
    with pytest.raises(KeyboardInterrupt), mysql_server("mysql", local_mysql_url) as server:
        created = {server.create_database().name, server.create_database().name}
        assert created <= scratch_databases(local_mysql_url)
        raise KeyboardInterrupt
    assert not created & scratch_databases(local_mysql_url)


def test_an_unreachable_server_is_said_plainly() -> None:
    with pytest.raises(
        DatabaseUnavailable, match=r"could not connect to MySQL at mysql://u:\*\*\*@127\.0\.0\.1:1/x"
    ):
        MySqlServer("mysql", "mysql://u:secret@127.0.0.1:1/x")


def test_the_rollback_check_runs_downs(server: MySqlServer) -> None:
    result = replay(
        server,
        migration(
            2,
            "ALTER TABLE orders ADD COLUMN note TEXT NULL;\nCREATE INDEX orders_total ON orders (total);",
            down="ALTER TABLE orders DROP COLUMN note;",
        ),
    )
    assert result.rollback is not None
    [step] = result.rollback.steps
    assert step.leftovers is not None
    assert [(c.kind, c.name) for c in step.leftovers] == [("index_added", "orders_total")]


def test_renames_are_reported_as_renames_not_as_a_drop_and_an_add(server: MySqlServer) -> None:
    result = replay(
        server,
        migration(
            2,
            "ALTER TABLE customers CHANGE COLUMN name full_name VARCHAR(100) NULL;\n"
            "ALTER TABLE orders RENAME INDEX orders_status TO orders_by_status;\n"
            "RENAME TABLE orders TO purchases;",
        ),
    )
    changes = {(c.kind, c.table, c.name) for c in result.changes}
    assert ("column_renamed", "customers", "full_name") in changes
    assert ("table_renamed", "purchases", None) in changes
    assert ("index_renamed", "purchases", "orders_by_status") in changes
    dropped_or_added = {change for change in changes if change[0].endswith(("_dropped", "_added"))}
    assert dropped_or_added == set()
