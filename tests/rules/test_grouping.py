"""One finding per rule per migration file: the statements it covers are its locations."""

from __future__ import annotations

import json

import pytest

from migration_reviewer.renderers import annotations, sarif
from migration_reviewer.renderers import json as json_renderer
from migration_reviewer.replay.providers.base import Server
from migration_reviewer.report.load import load_report
from report_samples import report
from rules.harness import run_case

TABLES = ("orders", "items", "invoices")
KEYS = "".join(
    f"ALTER TABLE {t} ADD COLUMN account_id bigint;\n"
    f"ALTER TABLE {t} ADD CONSTRAINT {t}_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id);\n"
    f"CREATE INDEX {t}_account_idx ON {t} (account_id);\n"
    for t in TABLES
)


def test_an_index_per_table_is_one_finding_that_names_every_table_and_line() -> None:
    findings = run_case([KEYS])

    [unindexed] = [f for f in findings if f.rule == "LK001"]
    assert unindexed.lines == (3, 6, 9)
    assert [loc.table for loc in unindexed.locations] == ["orders", "items", "invoices"]
    assert unindexed.message.startswith(
        "3 statements take SHARE (writes wait, reads continue) on `orders` (line 3), `items` (line 6), "
        "`invoices` (line 9). At line 3: `CREATE INDEX orders_account_idx` builds its index without"
    )
    assert (unindexed.path, unindexed.line, unindexed.table) == ("migrations/001_case.sql", 3, "orders")
    assert len({f.rule for f in findings}) == len(findings)  # no rule twice on the file


def test_each_migration_file_keeps_its_own_finding() -> None:
    findings = run_case([KEYS, KEYS.replace("_fk", "_fk2").replace("_idx", "_idx2")])

    unindexed = [f for f in findings if f.rule == "LK001"]
    assert [(f.path, f.lines) for f in unindexed] == [
        ("migrations/001_case.sql", (3, 6, 9)),
        ("migrations/002_case.sql", (3, 6, 9)),
    ]


@pytest.mark.postgres
def test_the_replay_names_each_statements_lock_and_time_and_the_json_reads_back(server: Server) -> None:
    setup = "CREATE TABLE accounts (id bigint PRIMARY KEY);\n" + "".join(
        f"CREATE TABLE {t} (id bigint PRIMARY KEY);\n" for t in TABLES
    )
    findings = run_case([KEYS], setup=setup, server=server)

    [foreign] = [f for f in findings if f.rule == "LK008"]
    assert [(loc.line, loc.lock) for loc in foreign.locations] == [
        (2, "SHARE ROW EXCLUSIVE"),
        (5, "SHARE ROW EXCLUSIVE"),
        (8, "SHARE ROW EXCLUSIVE"),
    ]
    assert all(loc.duration_ms is not None for loc in foreign.locations)
    stored = json.loads(json_renderer.render(report(tuple(findings))))
    [entry] = [f for f in stored["findings"] if f["rule"] == "LK008"]
    assert [loc["line"] for loc in entry["locations"]] == [2, 5, 8]
    assert entry["path"] == "migrations/001_case.sql" and entry["line"] == 2
    back = load_report(json_renderer.render(report(tuple(findings))).encode())
    [read] = [f for f in back.findings if f.rule == "LK008"]
    assert [(loc.line, loc.table, loc.lock) for loc in read.locations] == [
        (loc.line, loc.table, loc.lock) for loc in foreign.locations
    ]


def test_sarif_and_annotations_still_point_at_every_line() -> None:
    findings = [f for f in run_case([KEYS]) if f.rule == "LK001"]
    document = sarif.to_sarif(report(tuple(findings)))

    lines = [
        r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in document["runs"][0]["results"]
    ]
    assert lines == [3, 6, 9]
    commands = annotations.render(report(tuple(findings)), {"migrations/001_case.sql"})
    assert [c.split("line=")[1].split(",")[0] for c in commands] == ["3", "6", "9"]
