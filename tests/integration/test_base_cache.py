"""An unchanged base history is replayed once: later reviews start from the kept cluster, and any edit to
a base migration is a miss."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gitrepo import git, make_repo, write
from migration_reviewer.config import load_settings
from migration_reviewer.pipeline import review
from migration_reviewer.replay.engine import KeptBase, kept_base
from migration_reviewer.replay.providers.base import KeptBases
from migration_reviewer.replay.providers.embedded import EmbeddedProvider
from migration_reviewer.report.model import SetReport
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
    assert _untimed(warm["findings"]) == _untimed(cold["findings"])
    assert _review(repo, cache, cache=False)[0] is False


def _untimed(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The findings without the time each statement took in the replay, which varies run to run."""
    return [
        {**f, "locations": [{**loc, "duration_ms": None} for loc in f["locations"]]} for f in findings
    ]


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
    provider = EmbeddedProvider(cache_dir=tmp_path / "cache", kept_bases=KeptBases("k" * 64))
    note = KeptBase(2, "a" * 64, SchemaSnapshot(schemas=("public",))).to_note()
    with provider.run() as server:
        base = server.create_database(name="mr_base_test")
        assert server.recall(base) is None
        server.remember(base, note)
    with provider.run() as server:
        assert server.warm
        kept = server.find_database("mr_base_test")
        assert kept is not None
        assert server.recall(kept) == note
    assert kept_base(note) == KeptBase(2, "a" * 64, SchemaSnapshot(schemas=("public",)))
    assert kept_base("not json") is None
    assert kept_base('{"schemas": ["public"]}') is None  # an earlier version's note: the base is replayed


def _review_set(repo: Path, cache_dir: Path, **flags: object) -> tuple[SetReport, dict[str, Any]]:
    wanted = {"base": "main", "head": "feature", "cache_dir": str(cache_dir), **flags}
    report = review(load_settings(str(repo), wanted, {}))
    [migration_set] = report.migration_sets
    return migration_set, report.to_dict()


def _findings_and_schema(report: dict[str, Any]) -> tuple[object, ...]:
    [migration_set] = report["migration_sets"]
    return (
        [(f["rule"], f["path"], f["line"]) for f in report["findings"]],
        migration_set["schema_changes"],
        migration_set["tables"],
        [(m["id"], m["outcome"]) for m in migration_set["migrations"]],
    )


def _merge_into_main(repo: Path, files: dict[str, str]) -> None:
    """Another change lands on the base branch; the feature branch is rebased onto it."""
    git(repo, "checkout", "-q", "main")
    write(repo, files)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "another change")
    git(repo, "checkout", "-q", "feature")
    git(repo, "rebase", "-q", "main")


TOTAL = {"db/migrations/003_total.up.sql": "ALTER TABLE orders ADD COLUMN total int NOT NULL DEFAULT 0;\n"}
# Needs 003's column: it fails where the newer base migration was not replayed.
EMAIL = {
    "db/migrations/004_email.up.sql": "ALTER TABLE users ADD COLUMN email text;\n"
    "CREATE INDEX orders_total ON orders (total);\n"
}


def test_a_base_branch_that_gained_migrations_replays_only_those_on_the_kept_base(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", BASE, EMAIL)
    cache = tmp_path / "cache"
    first, _ = _review_set(repo, cache)
    assert (first.base_cached, first.base_replayed) == (False, 2)

    _merge_into_main(repo, TOTAL)
    extended, report = _review_set(repo, cache)
    assert (extended.base_cached, extended.base_replayed) == (True, 1)  # 003 on top of the kept 001-002
    _, replayed = _review_set(repo, tmp_path / "cache-unused", cache=False)
    assert _findings_and_schema(report) == _findings_and_schema(replayed)  # as from scratch

    # Kept again with 001-003, and as the replay left it, not as the change did.
    again, report = _review_set(repo, cache)
    assert (again.base_cached, again.base_replayed) == (True, 0)
    assert _findings_and_schema(report) == _findings_and_schema(replayed)


def test_an_edit_below_the_kept_part_of_the_history_replays_it_all(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", BASE, EMAIL)
    cache = tmp_path / "cache"
    _review_set(repo, cache)
    # The base branch gains 003 and edits 002: the kept base (001-002) is no first part of its history.
    edit = {"db/migrations/002_orders.up.sql": ORDERS.replace(");", ", note text);")}
    _merge_into_main(repo, {**TOTAL, **edit})
    edited, report = _review_set(repo, cache)
    assert (edited.base_cached, edited.base_replayed) == (False, 3)
    kinds = {change["kind"] for change in report["migration_sets"][0]["schema_changes"]}
    assert kinds == {"column_added", "index_added"}


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


def test_two_folders_catch_up_each_on_its_own(tmp_path: Path) -> None:
    """One cluster holds the bases of both folders: the one whose base branch gained a migration catches
    up, the other is taken as it is, and the cluster is kept again with both."""
    other = {f"services/billing/{path}": text for path, text in BASE.items()}
    change = {**EMAIL, **{f"services/billing/{p}": text for p, text in EMAIL.items()}}
    repo = make_repo(tmp_path / "r", {**BASE, **other}, change)
    cache = tmp_path / "cache"

    def review_both() -> tuple[dict[str, tuple[bool, int]], dict[str, Any]]:
        wanted = {"base": "main", "head": "feature", "cache_dir": str(cache)}
        report = review(load_settings(str(repo), wanted, {}))
        return {s.path: (s.base_cached, s.base_replayed) for s in report.migration_sets}, report.to_dict()

    assert review_both()[0] == {"db/migrations": (False, 2), "services/billing/db/migrations": (False, 2)}
    _merge_into_main(repo, TOTAL)  # db/migrations only
    # Both folders' changes index orders.total: billing's fails, its base has no such column.
    caught_up, report = review_both()
    assert caught_up == {"db/migrations": (True, 1), "services/billing/db/migrations": (True, 0)}
    outcomes = {s["path"]: [m["outcome"] for m in s["migrations"]] for s in report["migration_sets"]}
    assert outcomes == {"db/migrations": ["applied"], "services/billing/db/migrations": ["failed"]}
    again, report_again = review_both()
    assert again == {"db/migrations": (True, 0), "services/billing/db/migrations": (True, 0)}
    for migration_set, later in zip(report["migration_sets"], report_again["migration_sets"], strict=True):
        assert migration_set["schema_changes"] == later["schema_changes"]
        assert [m["outcome"] for m in later["migrations"]] == outcomes[later["path"]]


def test_the_kept_history_that_spares_the_most_is_chosen_not_the_newest(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", BASE, EMAIL)
    cache = tmp_path / "cache"
    _review_set(repo, cache)  # keeps 001-002 as on main
    # Then a review on a branch whose 002 differs: the newest kept cluster, of no use to main's history.
    git(repo, "checkout", "-q", "-b", "rewritten", "main")
    write(repo, {"db/migrations/002_orders.up.sql": ORDERS.replace(");", ", note text);")})
    git(repo, "commit", "-qam", "another 002")
    git(repo, "checkout", "-q", "-b", "rewritten-feature")
    write(repo, EMAIL)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "the change, on it")
    wanted = {"base": "rewritten", "head": "rewritten-feature", "cache_dir": str(cache)}
    review(load_settings(str(repo), wanted, {}))
    assert len(list((cache / "bases").iterdir())) == 2

    git(repo, "checkout", "-q", "feature")
    _merge_into_main(repo, TOTAL)
    caught_up, _ = _review_set(repo, cache)
    assert (caught_up.base_cached, caught_up.base_replayed) == (True, 1)  # from main's 001-002


def test_a_note_nested_past_reason_is_no_kept_base() -> None:
    assert kept_base("[" * 100_000 + "]" * 100_000) is None
