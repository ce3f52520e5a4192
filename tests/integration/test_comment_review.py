"""The comment of a real review of a large change: one migration giving eight existing tables a foreign
key (column, constraint, index), replayed on the embedded PostgreSQL, read as a reviewer reads it."""

from __future__ import annotations

import json
import re
from pathlib import Path

from gitrepo import git, make_repo
from migration_reviewer.config import load_settings
from migration_reviewer.pipeline import review
from migration_reviewer.renderers import comment, sarif
from migration_reviewer.renderers import json as json_renderer
from migration_reviewer.report.load import load_report

TABLES = ("orders", "items", "invoices", "payments", "shipments", "refunds", "notes", "events")
PATH = "db/migrations/002_account_keys.up.sql"
BLOB = "https://github.com/octo/shop/blob/{head}"


def test_eight_foreign_keys_read_as_one_entry_per_rule_under_the_file(tmp_path: Path) -> None:
    tables = "".join(f"CREATE TABLE {t} (id bigint PRIMARY KEY, body text);\n" for t in TABLES)
    base = {
        "db/migrations/001_init.up.sql": "CREATE TABLE accounts (id bigint PRIMARY KEY);\n" + tables,
        "db/migrations/001_init.down.sql": "DROP TABLE accounts;\n",
    }
    up = "".join(
        f"ALTER TABLE {t} ADD COLUMN account_id bigint;\n"
        f"ALTER TABLE {t} ADD CONSTRAINT {t}_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id);\n"
        f"CREATE INDEX {t}_account_id_idx ON {t} (account_id);\n"
        for t in TABLES
    )
    down = "".join(f"ALTER TABLE {t} DROP COLUMN account_id;\n" for t in TABLES)
    head = {PATH: up, "db/migrations/002_account_keys.down.sql": down}
    repo = make_repo(tmp_path / "repo", base, head)
    git(repo, "checkout", "-q", "feature")
    settings = load_settings(str(repo), {"base": "main", "head": "feature", "cache": False}, environ={})

    report = review(settings)
    blob = comment.blob_url("https://github.com", "octo/shop", report.head)
    body = comment.render_comment(report, blob=blob)

    # One finding per rule on the file; each names its statements.
    rules = [f.rule for f in report.findings if f.path == PATH]
    assert len(rules) == len(set(rules))
    [index] = [f for f in report.findings if f.rule == "LK001"]
    assert index.lines == (3, 6, 9, 12, 15, 18, 21, 24)
    assert "8 statements take SHARE (writes wait, reads continue) on `orders` (line 3), `items` (line 6)" in (
        index.message
    )
    # A comment read in a minute: short, the summary on top, the path written once with linked lines.
    assert len(body) < 10_000
    top = body.split("### Findings")[0]
    assert (
        "**If this merges:** Reads and writes of `events`, `invoices`, `items`, `notes`, `orders` and 3 more"
        in top
    )
    assert "**Before merging:**\n- start the migration with `SET lock_timeout = '2s';`" in top
    assert body.count(f"`{PATH}`") == 1
    file_url = f"{BLOB.format(head=report.head)}/{PATH}"
    assert f"[3]({file_url}#L3) `orders`, [6]({file_url}#L6) `items`" in body
    assert len(re.findall(r"^⏱️ `LK022`, `LK023`: ", body, flags=re.M)) == 1
    assert body.count("<details>") == body.count("</details>")
    # The JSON keeps every statement, and SARIF gives each its own result.
    stored = json.loads(json_renderer.render(report))
    [entry] = [f for f in stored["findings"] if f["rule"] == "LK008"]
    assert [(loc["line"], loc["table"], loc["lock"]) for loc in entry["locations"]] == [
        (3 * n + 2, t, "SHARE ROW EXCLUSIVE") for n, t in enumerate(TABLES)
    ]
    assert load_report(json_renderer.render(report).encode()).findings[0].locations
    lines = [
        r["locations"][0]["physicalLocation"]["region"]["startLine"]
        for r in sarif.to_sarif(report)["runs"][0]["results"]
        if r["ruleId"] == "LK001"
    ]
    assert lines == [3, 6, 9, 12, 15, 18, 21, 24]
