"""Rename hints read from migration SQL."""

from __future__ import annotations

import pytest

from migration_reviewer.adapters.base import Dialect
from migration_reviewer.schema.model import RenameHint
from migration_reviewer.schema.renames import rename_hints


@pytest.mark.parametrize(
    ("sql", "hint"),
    [
        ("ALTER TABLE users RENAME TO accounts", RenameHint("table", "public", "users", "users", "accounts")),
        (
            "alter table if exists app.users rename to people",
            RenameHint("table", "app", "users", "users", "people"),
        ),
        (
            "ALTER TABLE users RENAME COLUMN email TO mail",
            RenameHint("column", "public", "users", "email", "mail"),
        ),
        (
            "ALTER TABLE ONLY users RENAME email TO mail",
            RenameHint("column", "public", "users", "email", "mail"),
        ),
        (
            "ALTER INDEX app.users_email_idx RENAME TO users_mail_idx",
            RenameHint("index", "app", "users_email_idx", "users_email_idx", "users_mail_idx"),
        ),
        (
            "ALTER VIEW active RENAME TO active_users",
            RenameHint("view", "public", "active", "active", "active_users"),
        ),
        (
            "ALTER MATERIALIZED VIEW totals RENAME TO sums",
            RenameHint("view", "public", "totals", "totals", "sums"),
        ),
        (
            "ALTER FOREIGN TABLE remote RENAME TO far",
            RenameHint("table", "public", "remote", "remote", "far"),
        ),
        (
            "ALTER TABLE users RENAME CONSTRAINT users_pkey TO users_pk",
            RenameHint("constraint", "public", "users", "users_pkey", "users_pk"),
        ),
        (
            'ALTER TABLE "Users" RENAME COLUMN "eMail" TO email',
            RenameHint("column", "public", "Users", "eMail", "email"),
        ),
    ],
)
def test_rename_statements_give_hints(sql: str, hint: RenameHint) -> None:
    assert rename_hints(sql) == [hint]


def test_hints_keep_the_order_of_the_statements_and_ignore_the_rest() -> None:
    sql = """
        CREATE TABLE tmp (id int);
        ALTER TABLE users RENAME TO members;
        ALTER SEQUENCE users_id_seq RENAME TO members_id_seq;
        UPDATE members SET email = lower(email);
        ALTER TABLE members RENAME COLUMN email TO mail;
    """
    assert rename_hints(sql) == [
        RenameHint("table", "public", "users", "users", "members"),
        RenameHint("column", "public", "members", "email", "mail"),
    ]


@pytest.mark.parametrize(
    "sql", ["", "-- nothing", "ALTER TABLE users RENAME", "\\i other.sql", "RENAME users"]
)
def test_sql_that_does_not_parse_or_renames_nothing_gives_no_hints(sql: str) -> None:
    assert rename_hints(sql) == []


def _hint(kind: str, table: str, old: str, new: str, schema: str = "public") -> RenameHint:
    return RenameHint(kind, schema, table, old, new)


@pytest.mark.parametrize(
    ("sql", "hints"),
    [
        ("RENAME TABLE orders TO purchases", [_hint("table", "orders", "orders", "purchases")]),
        (
            "rename table `a` to `b`, shop.c to shop.d",
            [_hint("table", "a", "a", "b"), _hint("table", "c", "c", "d", schema="shop")],
        ),
        ("ALTER TABLE orders RENAME AS purchases", [_hint("table", "orders", "orders", "purchases")]),
        ("ALTER TABLE orders RENAME TO purchases", [_hint("table", "orders", "orders", "purchases")]),
        (
            "ALTER TABLE orders CHANGE COLUMN total amount DECIMAL(10,2)",
            [_hint("column", "orders", "total", "amount")],
        ),
        (
            "ALTER TABLE orders CHANGE `total` `amount` INT NOT NULL",
            [_hint("column", "orders", "total", "amount")],
        ),
        ("ALTER TABLE orders CHANGE total total BIGINT", []),  # the same name: a type change
        ("ALTER TABLE orders MODIFY total BIGINT", []),
        ("ALTER TABLE orders RENAME COLUMN total TO amount", [_hint("column", "orders", "total", "amount")]),
        (
            "ALTER TABLE orders RENAME INDEX by_total TO by_amount",
            [_hint("index", "by_total", "by_total", "by_amount")],
        ),
        (
            "ALTER TABLE orders RENAME TO purchases, CHANGE total amount INT",
            [
                _hint("table", "orders", "orders", "purchases"),
                _hint("column", "purchases", "total", "amount"),
            ],
        ),
        ("ALTER TABLE orders ADD COLUMN note TEXT", []),
        ("RENAME USER bob TO alice", []),
    ],
)
def test_mysql_renames_give_hints(sql: str, hints: list[RenameHint]) -> None:
    assert rename_hints(sql, Dialect.MYSQL) == hints
