"""Golden end-to-end scenarios: a base tree and a change, reviewed for real on the embedded PostgreSQL,
compared with the expected JSON report (and, where present, the expected comment).

Each folder holds `base/` (committed on main), `head/` (files written on top of it, on a branch),
optionally `scenario.toml` (`delete = [paths]`, `flags = {…}`) and `expected.json` / `expected.md`.
Regenerate the expectations after an intended change with UPDATE_GOLDEN=1 and read the diff.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest

from gitrepo import git, make_repo
from migration_reviewer.config import load_settings
from migration_reviewer.pipeline import review
from migration_reviewer.renderers import comment
from migration_reviewer.renderers import json as json_renderer

HERE = Path(__file__).parent
SCENARIOS = sorted(p.name for p in HERE.iterdir() if p.is_dir() and (p / "base").is_dir())
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def _tree(folder: Path) -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {}
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                files[path.relative_to(folder).as_posix()] = path.read_bytes()
    return files


# Said when the review runs as root and this Python is out of the unprivileged user's reach, or as a normal
# user where the system allows no user namespaces: it depends on the machine, not on the scenario
# (tests/unit/replay/test_alembic_sandbox.py and test_code_sandbox.py cover it).
_MACHINE_NOTE = "the Alembic revisions ran as "


def _normalise(report: dict[str, Any]) -> dict[str, Any]:
    """Blank what changes from run to run: commit ids, timings, versions."""
    report["base"] = report["head"] = "<sha>"
    report["tool"]["version"] = "<version>"
    for migration_set in report["migration_sets"]:
        migration_set["notes"] = [
            # Which installation ran depends on the machine's: its version and folder are blanked.
            re.sub(r"^PostgreSQL \S+ from \S+, chosen", "PostgreSQL <version> from <binaries>, chosen", n)
            for n in migration_set["notes"]
            if not n.startswith(_MACHINE_NOTE)
        ]
        if migration_set["database"]["server_version"]:
            migration_set["database"]["server_version"] = "<version>"
        for migration in migration_set["migrations"]:
            migration["duration_ms"] = None if migration["duration_ms"] is None else "<ms>"
            for statement in migration["statements"]:
                statement["duration_ms"] = "<ms>"
                statement["lock_hold_ms"] = None if statement["lock_hold_ms"] is None else "<ms>"
    for finding in report["findings"]:  # lock-risk messages quote what the replay measured
        finding["message"] = re.sub(r"(under )?\b\d+(\.\d+)? (ms|s|min|h)\b", "<time>", finding["message"])
        for location in finding.get("locations", []):
            location["duration_ms"] = None if location["duration_ms"] is None else "<ms>"
    return report


def _normalise_markdown(text: str) -> str:
    text = "\n".join(line for line in text.split("\n") if _MACHINE_NOTE not in line)
    text = re.sub(r"`[0-9a-f]{12}`", "`<sha>`", text)
    text = re.sub(r"\b\d+(\.\d+)? (ms|s)\b|<1 ms", "<time>", text)
    return re.sub(r"PostgreSQL \d+\.\d+|migration-reviewer \d+\.\d+\.\d+", "<version>", text)


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario(name: str, tmp_path: Path) -> None:
    folder = HERE / name
    spec = (
        tomllib.loads((folder / "scenario.toml").read_text()) if (folder / "scenario.toml").exists() else {}
    )
    head: dict[str, str | bytes | None] = dict(_tree(folder / "head"))
    for path in spec.get("delete", []):
        head[path] = None
    repo = make_repo(tmp_path / "repo", _tree(folder / "base"), head)
    git(repo, "checkout", "-q", "feature")

    settings = load_settings(
        str(repo), {"base": "main", "head": "feature", **spec.get("flags", {})}, environ={}
    )
    report = review(settings)

    actual = _normalise(report.to_dict())
    expected_json = folder / "expected.json"
    if UPDATE:
        expected_json.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n")
    assert actual == json.loads(expected_json.read_text())
    assert json.loads(json_renderer.render(report))["schema_version"] == 1

    expected_md = folder / "expected.md"
    if expected_md.exists() or spec.get("markdown"):
        markdown = _normalise_markdown(comment.render(report))
        if UPDATE:
            expected_md.write_text(markdown)
        assert markdown == expected_md.read_text()

    # The same review again starts from the base the first one kept, and says the same: a kept base must
    # be the base the replay would build. A review that ran the project's own code (Alembic) keeps nothing.
    again = review(settings)
    kept = [
        s.base_cached for s in again.migration_sets if s.provider == "embedded" and s.base_migration_count
    ]
    if any(s.framework == "alembic" for s in again.migration_sets):
        assert not any(kept)
    elif not any(f.rule in ("RP002", "RP007") for f in report.findings):  # a failed base is not kept
        assert all(kept)
    assert _normalise(again.to_dict()) == json.loads(expected_json.read_text())
    shutil.rmtree(repo, ignore_errors=True)


def test_a_change_blocked_by_its_base_is_incomplete_and_never_passes(tmp_path: Path) -> None:
    """The knock-on scenario's report fails the check under every fail-on but "never", and its comment
    says the change was not reviewed instead of blaming it."""
    from migration_reviewer.report.model import exit_code

    folder = HERE / "base_history_knock_ons"
    repo = make_repo(tmp_path / "repo", _tree(folder / "base"), dict(_tree(folder / "head")))
    git(repo, "checkout", "-q", "feature")
    report = review(load_settings(str(repo), {"base": "main", "head": "feature", "cache": False}, environ={}))
    assert report.verdict.value == "incomplete"
    assert [exit_code(report, level) for level in ("error", "warning", "never")] == [1, 1, 0]
    assert not [f for f in report.findings if f.rule == "RP001"]
    text = comment.render_comment(report)
    assert "Not fully reviewed: some migrations could not run here" in text
    # The knock-ons are listed under their cause, the change's own marked as such.
    assert "Failing because of it (3)" in text
    assert "`migrations/007_tags_color.up.sql:1` (this change): relation \"tags\" does not exist" in text
