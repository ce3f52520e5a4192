import pytest

from migration_reviewer.adapters.base import Dialect, SqlScript
from migration_reviewer.replay.statements import (
    ANALYSED_STATEMENT_CHARS,
    is_transaction_control,
    referenced_tables,
    rows_cannot_matter,
    runs_outside_transaction,
    split_scripts,
    split_sql,
)
from migration_reviewer.schema.model import ObjectName


def texts(sql: str, dialect: Dialect = Dialect.POSTGRESQL) -> list[str]:
    return [s.text for s in split_sql(sql, dialect=dialect)]


def test_statements_keep_their_file_line_after_comments_and_blank_lines() -> None:
    sql = "-- create the table\nCREATE TABLE a (id int);\n\n/* index\n it */\nCREATE INDEX ON a (id);\n"
    statements = split_sql(sql, "db/1.sql", first_line=5)
    assert [(s.line, s.text) for s in statements] == [
        (6, "CREATE TABLE a (id int)"),
        (10, "CREATE INDEX ON a (id)"),
    ]
    assert statements[0].comments == "-- create the table"
    assert statements[1].location == "db/1.sql:10"


def test_semicolons_inside_quotes_dollar_bodies_and_atomic_bodies_do_not_split() -> None:
    sql = (
        "SELECT 'a;b';\n"
        "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;\n"
        "CREATE FUNCTION g() RETURNS int LANGUAGE sql\n"
        "BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; SELECT 2; END;\n"
        "SELECT 3"
    )
    assert len(texts(sql)) == 4
    assert texts(sql)[2].endswith("SELECT 2; END")


def test_unparsable_sql_is_kept_for_the_server_to_reject() -> None:
    assert texts("SELECT 1; garbage here; SELECT 'unterminated") == [
        "SELECT 1",
        "garbage here",
        "SELECT 'unterminated",
    ]


def test_the_same_statements_come_out_whether_the_text_parses_or_not() -> None:
    valid = "-- lead; in a comment\nSELECT 1 /* trailing */ ;;\n/* c; */ SELECT $$ ; $$;\nSELECT 'é;'"
    broken = valid + ";\nSELEC 4"  # the parser rejects it: the scanner splits it token by token
    assert texts(valid) == ["SELECT 1 /* trailing */", "SELECT $$ ; $$", "SELECT 'é;'"]
    assert texts(broken) == [*texts(valid), "SELEC 4"]
    assert [s.comments for s in split_sql(valid)] == ["-- lead; in a comment", "/* c; */", ""]
    assert [s.line for s in split_sql(broken)] == [2, 3, 4, 5]


def test_a_data_load_too_large_to_parse_still_names_its_table() -> None:
    rows = ",".join(["(1)"] * (ANALYSED_STATEMENT_CHARS // 4 + 1))
    [load, alter] = split_sql(f'INSERT INTO app."Prices" VALUES {rows};\nALTER TABLE users ADD COLUMN x int;')
    assert load.too_large_to_analyse and not alter.too_large_to_analyse
    assert referenced_tables([load, alter]) == {ObjectName("app", "Prices"), ObjectName("public", "users")}


def test_multi_line_statement_knows_its_last_line_and_error_offsets() -> None:
    [statement] = split_sql("\n\nALTER TABLE a\n  ADD COLUMN b int\n  NOT NULL;", first_line=1)
    assert (statement.line, statement.end_line) == (3, 5)
    assert statement.line_of_offset(statement.text.index("NOT NULL")) == 5


def test_scripts_map_to_their_own_files() -> None:
    scripts = [SqlScript("a.sql", "SELECT 1;\nSELECT 2;", 3), SqlScript("b.sql", "SELECT 3", 1)]
    assert [(s.path, s.line) for s in split_scripts(scripts)] == [("a.sql", 3), ("a.sql", 4), ("b.sql", 1)]


def test_statements_postgres_refuses_inside_a_transaction() -> None:
    def outside(sql: str) -> bool:
        return runs_outside_transaction(split_sql(sql)[0])

    assert outside("CREATE INDEX CONCURRENTLY i ON t (a)")
    assert outside("create unique index concurrently i on t (a)")
    assert outside("DROP INDEX CONCURRENTLY i")
    assert outside("REINDEX (VERBOSE) INDEX CONCURRENTLY i")
    assert outside("VACUUM FULL t")
    assert outside("ALTER TABLE p DETACH PARTITION c CONCURRENTLY")
    assert not outside("CREATE INDEX i ON t (a)")
    assert not outside("REINDEX INDEX i")
    assert not outside("COMMENT ON TABLE t IS 'built concurrently'")


def test_transaction_control_written_by_the_author() -> None:
    assert is_transaction_control(split_sql("BEGIN")[0])
    assert is_transaction_control(split_sql("commit")[0])
    assert not is_transaction_control(split_sql("CREATE TABLE begin_x (id int)")[0])


def test_mysql_and_sqlite_split_on_semicolons_outside_quotes_and_trigger_bodies() -> None:
    sql = (
        "CREATE TABLE a (x text DEFAULT 'a;b'); -- c;\n"
        "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE a SET x = 'y'; END;\n"
        'INSERT INTO a VALUES ("q;")'
    )
    assert len(texts(sql, Dialect.SQLITE)) == 3
    assert texts(sql, Dialect.SQLITE)[1].endswith("END")


@pytest.mark.parametrize(
    ("sql", "free"),
    [
        ("ALTER TABLE t ADD COLUMN c text", True),
        ("ALTER TABLE t ADD COLUMN a timestamptz, ADD COLUMN b integer", True),
        ("ALTER TABLE t DROP COLUMN c, ALTER COLUMN d SET DEFAULT 5", True),
        ("ALTER TABLE t RENAME COLUMN c TO d", True),
        ("CREATE TABLE n (id bigint PRIMARY KEY)", True),
        ("CREATE VIEW v AS SELECT * FROM t", True),
        ("ALTER TABLE t ADD COLUMN c text NOT NULL", False),  # fails on existing rows
        ("ALTER TABLE t ADD COLUMN c int DEFAULT 0", False),
        ("ALTER TABLE t ADD COLUMN c bigserial", False),  # numbers every row
        ("ALTER TABLE t ADD COLUMN c positive_int", False),  # a domain may CHECK what rows hold
        ("ALTER TABLE t ALTER COLUMN c SET NOT NULL", False),
        ("CREATE INDEX ON t (c)", False),
        ("CREATE TABLE p1 PARTITION OF p DEFAULT", False),
        ("UPDATE t SET c = 1", False),
    ],
)
def test_statements_whose_outcome_cannot_depend_on_rows(sql: str, free: bool) -> None:
    [statement] = split_sql(sql)
    assert rows_cannot_matter(statement) is free
    assert rows_cannot_matter(statement, Dialect.MYSQL) is False
