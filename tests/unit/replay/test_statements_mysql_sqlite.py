from __future__ import annotations

from migration_reviewer.adapters.base import Dialect
from migration_reviewer.replay.statements import referenced_tables, split_sql
from migration_reviewer.schema.model import ObjectName


def texts(sql: str, dialect: Dialect) -> list[tuple[int, str]]:
    return [(s.line, s.text) for s in split_sql(sql, dialect=dialect)]


def test_a_mysql_dump_follows_delimiter_and_keeps_routine_bodies_whole() -> None:
    dump = (
        "DELIMITER $$\n"
        "CREATE PROCEDURE p()\nBEGIN\n  IF 1 THEN SELECT 1; END IF;\n"
        "  CASE WHEN 1 THEN SELECT 2; END CASE;\n  SELECT CASE WHEN 1 THEN 2 END;\nEND$$\n"
        "DELIMITER ;\n"
        "# a comment; with a semicolon\n"
        "SELECT 'it\\'s; fine';\n"
    )
    split = texts(dump, Dialect.MYSQL)
    assert [line for line, _ in split] == [2, 10]
    assert split[0][1].startswith("CREATE PROCEDURE p()") and split[0][1].endswith("END")
    assert split[1][1] == "SELECT 'it\\'s; fine'"


def test_mysql_compound_statements_without_delimiter_stay_whole() -> None:
    sql = (
        "CREATE DEFINER=`root`@`%` TRIGGER t BEFORE INSERT ON a FOR EACH ROW BEGIN\n"
        "  IF NEW.x < 0 THEN SET NEW.x = 0; END IF;\nEND;\n"
        "CREATE TRIGGER u BEFORE INSERT ON a FOR EACH ROW SET NEW.x = 1;\n"
        "SELECT 1"
    )
    assert [line for line, _ in texts(sql, Dialect.MYSQL)] == [1, 4, 5]


def test_sqlite_strings_have_no_backslash_escapes() -> None:
    assert texts("SELECT 'C:\\'; SELECT [a;b] FROM t", Dialect.SQLITE) == [
        (1, "SELECT 'C:\\'"),
        (1, "SELECT [a;b] FROM t"),
    ]


def test_tables_named_by_mysql_and_sqlite_statements() -> None:
    mysql = split_sql(
        "ALTER TABLE `orders` CONVERT TO CHARACTER SET utf8mb4; INSERT INTO a SELECT * FROM b",
        dialect=Dialect.MYSQL,
    )
    assert referenced_tables(mysql, Dialect.MYSQL) == {ObjectName("public", n) for n in ("orders", "a", "b")}
    sqlite = split_sql('ALTER TABLE "__new_users" RENAME TO "users"', dialect=Dialect.SQLITE)
    assert referenced_tables(sqlite, Dialect.SQLITE) == {
        ObjectName("public", n) for n in ("__new_users", "users")
    }
