from __future__ import annotations

from migration_reviewer.adapters import detect_sets
from migration_reviewer.adapters.base import Dialect, MigrationStatus, Wrapping
from migration_reviewer.adapters.d1 import D1Adapter
from migration_reviewer.adapters.golang_migrate import GolangMigrateAdapter

from ._trees import changes, tree

ADAPTER = D1Adapter()
WRANGLER = '[[d1_databases]]\nbinding = "DB"\ndatabase_name = "shop"\ndatabase_id = "x"\n'
BASE = {
    "worker/wrangler.toml": WRANGLER,
    "worker/migrations/0001_items.sql": "CREATE TABLE items (id INTEGER PRIMARY KEY);\n",
}


def test_the_wrangler_config_names_the_folder_wherever_it_is() -> None:
    jsonc = """{
      // comments and trailing commas are allowed in wrangler.jsonc
      "env": {"staging": {"d1_databases": [{"binding": "DB", "migrations_dir": "../db/d1",}]}},
      "routes": ["https://example.com/*"],
    }"""
    found = ADAPTER.detect(
        tree(
            {
                **BASE,
                "api/wrangler.jsonc": jsonc,
                "db/d1/0001_x.sql": "SELECT 1;",
                "other/wrangler.toml": "name = 'no databases'",
                "other/migrations/0001_x.sql": "SELECT 1;",
            }
        )
    )
    assert found == ["db/d1", "worker/migrations"]


def test_files_run_in_name_order_one_transaction_each_as_sqlite() -> None:
    head = {**BASE, "worker/migrations/0002_prices.sql": "ALTER TABLE items ADD price INTEGER;\n"}
    mset = ADAPTER.load("worker/migrations", changes(BASE, head))
    assert mset.dialect is Dialect.SQLITE
    assert [(m.id, m.name, m.status) for m in mset.head_migrations] == [
        ("0001_items.sql", "items", MigrationStatus.BASE),
        ("0002_prices.sql", "prices", MigrationStatus.ADDED),
    ]
    assert {m.wrapping for m in mset.head_migrations} == {Wrapping.PER_MIGRATION}


def test_wrangler_runs_a_folder_that_drizzle_also_generated() -> None:
    files = {
        "wrangler.toml": WRANGLER.replace('"x"\n', '"x"\nmigrations_dir = "drizzle"\n'),
        "drizzle/0000_init.sql": "CREATE TABLE a (id integer);",
        "drizzle/meta/_journal.json": '{"dialect": "sqlite", "entries": []}',
    }
    assert detect_sets(tree(files)) == [("d1", "drizzle")]


def test_golang_migrate_wraps_sqlite_files_in_a_transaction() -> None:
    files = {
        "db/sqlite/1_a.up.sql": "CREATE TABLE a (id int);",
        "db/mysql/1_a.up.sql": "CREATE TABLE a (id int);",
    }
    adapter = GolangMigrateAdapter()
    sqlite = adapter.load("db/sqlite", changes({}, files))
    mysql = adapter.load("db/mysql", changes({}, files))
    assert (sqlite.dialect, sqlite.head_migrations[0].wrapping) == (Dialect.SQLITE, Wrapping.PER_MIGRATION)
    assert (mysql.dialect, mysql.head_migrations[0].wrapping) == (Dialect.MYSQL, Wrapping.SCRIPT)
