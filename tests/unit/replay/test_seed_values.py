from __future__ import annotations

from migration_reviewer.replay.sessions._rows import value


def test_values_follow_mysql_and_sqlite_types() -> None:
    assert value("enum('new','it''s')", 3) == "it's"
    assert value("tinyint(1)", 3) == 1
    assert value("smallint(6)", 40_000) == 40_000 % 32_767
    assert value("bigint(20) unsigned", 7) == 7
    assert value("decimal(5,2)", 1234) == 1234 % 999
    assert value("varchar(3)", 12345) == "v12"
    assert value("char(36)", 1) == "00000000-0000-0000-0000-000000000001"
    assert value("datetime", 61) == "2020-01-01 00:01:01"
    assert value("INTEGER", 5) == 5
    assert value("", 5) == "v5"  # SQLite: no type is text enough
    assert value("geometry", 1) is None
