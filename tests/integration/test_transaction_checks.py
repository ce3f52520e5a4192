"""What a reviewer reads when a migration fights its runner's transaction: a COMMIT the author wrote in a
migration dbmate already wraps, and a new enum value used before the transaction that adds it commits.
Reviewed end to end on the local PostgreSQL server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gitrepo import make_repo
from migration_reviewer.config import load_settings
from migration_reviewer.pipeline import review
from migration_reviewer.renderers.comment import render_comment

BASE = """\
-- migrate:up
CREATE TYPE order_status AS ENUM ('new', 'paid', 'shipped');
CREATE TABLE orders (id bigint PRIMARY KEY, status order_status NOT NULL DEFAULT 'new');

-- migrate:down
DROP TABLE orders;
DROP TYPE order_status;
"""


def _review(tmp_path: Path, url: str, migration: str) -> tuple[dict[str, Any], str]:
    repo = make_repo(
        tmp_path / "repo",
        {"db/migrations/20240101000000_orders.sql": BASE},
        {"db/migrations/20240301000000_change.sql": migration},
    )
    settings = load_settings(
        str(repo), {"base": "main", "head": "feature", "database": "url", "database_url": url}, {}
    )
    report = review(settings)
    return report.to_dict(), render_comment(report)


def test_a_commit_in_a_wrapped_migration_is_confirmed_by_the_replay(
    tmp_path: Path, local_pg_url: str
) -> None:
    report, comment = _review(
        tmp_path,
        local_pg_url,
        "-- migrate:up\n"
        "BEGIN;\n"
        "ALTER TABLE orders ADD COLUMN shipped_at timestamptz;\n"
        "COMMIT;\n"
        "UPDATE orders SET shipped_on = now() WHERE status = 'shipped';\n"
        "\n-- migrate:down\nALTER TABLE orders DROP COLUMN shipped_at;\n",
    )
    [finding] = [f for f in report["findings"] if f["rule"] == "LK038"]
    assert finding["path"] == "db/migrations/20240301000000_change.sql"
    assert finding["line"] == 4
    assert finding["confirmed_by_replay"] is True
    # The UPDATE names a column that does not exist: the replay shows the ALTER before the COMMIT stayed.
    assert "line 5 failed and what ran before the `COMMIT` stayed committed" in finding["message"]
    assert "let the runner's transaction cover the whole migration" in finding["fix"]
    assert "RP001" in {f["rule"] for f in report["findings"]}
    assert "ends the transaction the runner opened" in comment


def test_begin_and_commit_around_the_whole_file_is_not_reported(tmp_path: Path, local_pg_url: str) -> None:
    report, _ = _review(
        tmp_path,
        local_pg_url,
        "-- migrate:up\nBEGIN;\nALTER TABLE orders ADD COLUMN shipped_at timestamptz;\nCOMMIT;\n"
        "\n-- migrate:down\nALTER TABLE orders DROP COLUMN shipped_at;\n",
    )
    assert [f["rule"] for f in report["findings"] if f["rule"] in ("LK038", "RP001", "LK035")] == []
    [migration] = report["migration_sets"][0]["migrations"]
    assert migration["outcome"] == "applied"


def test_a_new_enum_value_used_in_its_own_transaction_fails_with_the_split_as_fix(
    tmp_path: Path, local_pg_url: str
) -> None:
    report, comment = _review(
        tmp_path,
        local_pg_url,
        "-- migrate:up\n"
        "ALTER TYPE order_status ADD VALUE 'refunded';\n"
        "UPDATE orders SET status = 'refunded' WHERE id < 0;\n"
        "\n-- migrate:down\n",
    )
    codes = [f["rule"] for f in report["findings"]]
    assert "LK012" not in codes  # the replay's failure says it once, as RP001
    [failure] = [f for f in report["findings"] if f["rule"] == "RP001"]
    assert failure["line"] == 3
    assert 'unsafe use of new value "refunded"' in failure["message"]
    assert failure["fix"].startswith(
        "split the migration: commit the ADD VALUE first (start the migration with "
        "`-- migrate:up transaction:false`)"
    )
    assert "split the migration" in comment
    assert report["verdict"] == "fail"


def test_a_new_enum_value_used_after_its_own_migration_commits_is_quiet(
    tmp_path: Path, local_pg_url: str
) -> None:
    repo = make_repo(
        tmp_path / "repo",
        {"db/migrations/20240101000000_orders.sql": BASE},
        {
            "db/migrations/20240301000000_refunded.sql": "-- migrate:up\n"
            "ALTER TYPE order_status ADD VALUE 'refunded';\n\n-- migrate:down\n",
            "db/migrations/20240302000000_use.sql": "-- migrate:up\n"
            "UPDATE orders SET status = 'refunded' WHERE id < 0;\n\n-- migrate:down\n",
        },
    )
    settings = load_settings(
        str(repo), {"base": "main", "head": "feature", "database": "url", "database_url": local_pg_url}, {}
    )
    report = review(settings).to_dict()
    assert {"LK012", "RP001"}.isdisjoint(f["rule"] for f in report["findings"])
    assert [m["outcome"] for m in report["migration_sets"][0]["migrations"]] == ["applied", "applied"]
