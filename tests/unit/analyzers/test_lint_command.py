"""`migration-reviewer lint`: plain SQL files in, the review's outputs and exit codes out."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from migration_reviewer.cli import main

RISKY = "ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid();\n"
SAFE = "SET lock_timeout = '2s';\nALTER TABLE orders ADD COLUMN note text;\n"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["lint", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_rewrite_fails_the_lint_with_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "001_token.sql"
    path.write_text("-- add a token\n" + RISKY)
    code, out, _ = run(capsys, str(path), "--no-color")
    assert code == 1
    assert f"LK005 add-column-rewrite  {path}:2" in out
    assert "ACCESS EXCLUSIVE on `orders`" in out


def test_safe_file_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "002_note.sql"
    path.write_text(SAFE)
    code, out, _ = run(capsys, str(path), "--no-color")
    assert code == 0
    assert out.startswith("PASS")


def test_fail_on_warning_and_never(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "003_index.sql"
    path.write_text("SET lock_timeout = '2s';\nCREATE INDEX orders_status_idx ON orders (status);\n")
    assert run(capsys, str(path))[0] == 0  # a warning, below the default fail-on=error
    assert run(capsys, str(path), "--fail-on", "warning")[0] == 1
    assert run(capsys, "--fail-on", "never", str(path))[0] == 0


def test_json_report_to_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, output = tmp_path / "004.sql", tmp_path / "report.json"
    path.write_text(RISKY)
    code, _, err = run(capsys, str(path), "--format", "json", "--output", str(output))
    assert code == 1 and "verdict: fail" in err
    report = json.loads(output.read_text())
    [finding] = [f for f in report["findings"] if f["rule"] == "LK005"]
    assert finding["line"] == 1 and finding["table"] == "orders" and finding["confirmed_by_replay"] is False
    assert "without the default" in finding["fix"]


def test_standard_input(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(RISKY))
    code, out, _ = run(capsys, "-", "--stdin-filepath", "db/005.sql", "--format", "json")
    assert code == 1
    assert {f["path"] for f in json.loads(out)["findings"]} == {"db/005.sql"}


def test_pg_version_changes_the_rules(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "006.sql"
    path.write_text(
        "SET lock_timeout = '2s';\nALTER TABLE orders ADD COLUMN archived boolean DEFAULT false;\n"
    )
    assert run(capsys, str(path))[0] == 0
    code, out, _ = run(capsys, str(path), "--pg-version", "10", "--no-color")
    assert code == 1 and "LK005" in out


def test_runner_wrapping_matters(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "007.sql"
    path.write_text(
        "SET lock_timeout = '2s';\nCREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);\n"
    )
    assert run(capsys, str(path))[0] == 0
    code, out, _ = run(capsys, str(path), "--wrapping", "per-migration", "--no-color")
    assert code == 1 and "LK004" in out


def test_config_file_turns_rules_off_and_sets_table_sizes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, config = tmp_path / "008.sql", tmp_path / "mr.toml"
    path.write_text("CREATE INDEX orders_status_idx ON orders (status);\n")
    config.write_text('table-rows = { orders = 50_000_000 }\n[rules]\nLK022 = "off"\nLK023 = "off"\n')
    code, out, _ = run(capsys, str(path), "--config", str(config), "--format", "json")
    findings = json.loads(out)["findings"]
    assert code == 1  # LK001 became an error: the index build is estimated at minutes
    assert [f["rule"] for f in findings] == ["LK001"]
    assert findings[0]["severity"] == "error" and "50,000,000 production rows" in findings[0]["message"]


def test_unknown_rule_in_config_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, config = tmp_path / "009.sql", tmp_path / "mr.toml"
    path.write_text(RISKY)
    config.write_text('[rules]\nLK999 = "off"\n')
    code, _, err = run(capsys, str(path), "--config", str(config))
    assert code == 2 and "no rule 'LK999'" in err


def test_missing_file_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, str(tmp_path / "nope.sql"))
    assert code == 2 and "cannot read" in err


def test_a_long_file_reports_every_statement_of_a_kind_at_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The rules read the statements of the kinds they judge from an index of the file: those among
    # hundreds of others are each found, at their own line, and an earlier statement of another kind
    # (the column added before it is dropped) still counts.
    filler = [
        "SELECT 1;",
        "CREATE TABLE audit_{n} (id bigint PRIMARY KEY);",
        "UPDATE orders SET note = 'x' WHERE id = {n};",
        "ALTER TABLE orders ALTER COLUMN note SET DEFAULT '';",
    ]
    lines = [filler[n % len(filler)].format(n=n) for n in range(400)]
    lines[99] = "ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid();"
    lines[249] = "ALTER TABLE invoices ADD COLUMN token uuid DEFAULT gen_random_uuid();"
    lines[299] = "ALTER TABLE invoices ADD COLUMN scratch text;"
    lines[349] = "ALTER TABLE invoices DROP COLUMN scratch, DROP COLUMN legacy;"
    path = tmp_path / "005_long.sql"
    path.write_text("\n".join(lines) + "\n")
    code, out, _ = run(capsys, str(path), "--format", "json")
    findings = json.loads(out)["findings"]
    [rewrite] = [f for f in findings if f["rule"] == "LK005"]
    assert [(spot["line"], spot["table"]) for spot in rewrite["locations"]] == [
        (100, "orders"),
        (250, "invoices"),
    ]
    [dropped] = [f for f in findings if f["rule"] == "LK015"]
    assert dropped["line"] == 350 and "legacy" in dropped["message"] and "scratch" not in dropped["message"]
    assert code == 1
