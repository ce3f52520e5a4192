"""An unchanged base history is replayed once: later reviews start from the kept cluster, and any edit to
a base migration is a miss."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gitrepo import git, make_repo, write
from migration_reviewer.config import load_settings
from migration_reviewer.pipeline import review
from migration_reviewer.replay.engine import _recalled_snapshot
from migration_reviewer.replay.providers.embedded import EmbeddedProvider
from migration_reviewer.schema.model import SchemaSnapshot

ORDERS = "CREATE TABLE orders (id bigserial PRIMARY KEY, user_id bigint REFERENCES users);\n"
BASE = {
    "db/migrations/001_users.up.sql": "CREATE TABLE users (id bigserial PRIMARY KEY, name text NOT NULL);\n",
    "db/migrations/002_orders.up.sql": ORDERS,
}
CHANGE = {"db/migrations/003_email.up.sql": "ALTER TABLE users ADD COLUMN email text;\n"}


def _review(repo: Path, cache_dir: Path, **flags: object) -> tuple[bool, dict[str, Any]]:
    wanted = {"base": "main", "head": "feature", "cache_dir": str(cache_dir), **flags}
    report = review(load_settings(str(repo), wanted, {}))
    [migration_set] = report.migration_sets
    return migration_set.base_cached, report.to_dict()


def test_second_review_starts_from_the_kept_base_and_reports_the_same(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", BASE, CHANGE)
    cache = tmp_path / "cache"
    cold_cached, cold = _review(repo, cache)
    warm_cached, warm = _review(repo, cache)
    assert (cold_cached, warm_cached) == (False, True)
    assert warm["migration_sets"][0]["schema_changes"] == cold["migration_sets"][0]["schema_changes"]
    assert warm["migration_sets"][0]["schema_changes"][0]["kind"] == "column_added"
    assert warm["findings"] == cold["findings"]
    assert _review(repo, cache, cache=False)[0] is False


def test_editing_a_base_migration_misses_the_cache(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", BASE, CHANGE)
    cache = tmp_path / "cache"
    _review(repo, cache)
    git(repo, "checkout", "-q", "main")
    write(repo, {"db/migrations/002_orders.up.sql": ORDERS.replace(");", ", total int);")})
    git(repo, "commit", "-qam", "edit history")
    git(repo, "checkout", "-q", "feature")
    git(repo, "rebase", "-q", "main")
    assert _review(repo, cache)[0] is False
    assert _review(repo, cache)[0] is True


def test_the_base_schema_is_kept_with_the_cluster_and_read_back_instead_of_the_catalogs(
    tmp_path: Path,
) -> None:
    provider = EmbeddedProvider(cache_dir=tmp_path / "cache", base_cache_key="k" * 64)
    with provider.run() as server:
        base = server.create_database(name="mr_base_test")
        assert server.recall(base) is None
        server.remember(base, '{"schemas": ["public"]}')
    with provider.run() as server:
        assert server.warm
        kept = server.find_database("mr_base_test")
        assert kept is not None
        assert server.recall(kept) == '{"schemas": ["public"]}'
        assert _recalled_snapshot(server, kept) == SchemaSnapshot(schemas=("public",))
        server.remember(kept, "not json")
        assert _recalled_snapshot(server, kept) is None  # read from the catalogs instead


def test_a_damaged_kept_cluster_is_replayed_again_and_replaced(tmp_path: Path, caplog: Any) -> None:
    repo = make_repo(tmp_path / "r", BASE, CHANGE)
    cache = tmp_path / "cache"
    _review(repo, cache)
    [kept] = (cache / "bases").iterdir()
    kept.write_bytes(kept.read_bytes()[: kept.stat().st_size // 2])  # a cache restore cut short

    cached, report = _review(repo, cache)

    assert cached is False
    assert report["migration_sets"][0]["schema_changes"][0]["kind"] == "column_added"
    assert "cannot use the kept cluster" in caplog.text
    assert _review(repo, cache)[0] is True  # kept anew
