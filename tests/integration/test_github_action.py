"""`migration-reviewer github` as the action's container runs it, outside Docker: the environment the
runner gives (GITHUB_WORKSPACE, GITHUB_EVENT_PATH, INPUT_* with hyphens kept, the command files), a real
git checkout, the embedded PostgreSQL, and a fake GitHub that PyGithub talks to over HTTP."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from github_server import TOKEN, FakeGitHub, PullRequest, start
from gitrepo import git, make_repo, write
from migration_reviewer.cli import main
from migration_reviewer.renderers.comment import MARKER

PR = 7
BASE = {
    "db/migrations/001_customers.up.sql": "CREATE TABLE customers (id bigint PRIMARY KEY, name text);\n",
    "db/migrations/002_orders.up.sql": (
        "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers);\n"
    ),
}
CHANGE = {
    "db/migrations/003_email.up.sql": "ALTER TABLE customers ADD COLUMN email text;\n",
    "db/migrations/004_broken.up.sql": "SELECT 1;\nALTER TABLE nope ADD COLUMN x int;\n",
}


class Action:
    """One checkout and the runner's environment around it; `run()` is one step of a job."""

    def __init__(self, root: Path, github: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root = root
        self.github = github
        self.monkeypatch = monkeypatch
        self.repo = make_repo(root / "workspace", BASE, CHANGE)
        self.inputs: dict[str, str] = {"github-token": TOKEN}

    def event(self, name: str, payload: dict[str, Any]) -> None:
        payload.setdefault("repository", {"full_name": self.github.repository, "default_branch": "main"})
        (self.root / "event.json").write_text(json.dumps(payload))
        self.event_name = name

    def pull_request(self, *, fork: bool = False) -> None:
        head_repo = "someone/shop" if fork else self.github.repository
        self.event(
            "pull_request",
            {
                "number": PR,
                "pull_request": {
                    "number": PR,
                    "base": {"sha": git(self.repo, "rev-parse", "main")},
                    "head": {"sha": git(self.repo, "rev-parse", "feature"), "repo": {"full_name": head_repo}},
                },
            },
        )

    def run(self, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
        for path in ("output", "summary.md"):
            (self.root / path).write_text("")
        environment = {
            "GITHUB_ACTIONS": "true",
            "CI": "true",
            "GITHUB_WORKSPACE": str(self.repo),
            "GITHUB_EVENT_PATH": str(self.root / "event.json"),
            "GITHUB_EVENT_NAME": self.event_name,
            "GITHUB_REPOSITORY": self.github.repository,
            "GITHUB_API_URL": self.github.api_url,
            "GITHUB_OUTPUT": str(self.root / "output"),
            "GITHUB_STEP_SUMMARY": str(self.root / "summary.md"),
            "ACTIONS_RUNTIME_TOKEN": "runtime-secret",
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "oidc-secret",
            **{f"INPUT_{name.upper()}": value for name, value in self.inputs.items()},
        }
        for name in [name for name in os.environ if name.startswith("INPUT_")]:
            self.monkeypatch.delenv(name)
        for name, value in environment.items():
            self.monkeypatch.setenv(name, value)
        code = main(list(args or ["github"]))
        out, err = capsys.readouterr()
        return code, out, err

    @property
    def summary(self) -> str:
        return (self.root / "summary.md").read_text()

    @property
    def outputs(self) -> dict[str, str]:
        text = (self.root / "output").read_text()
        blocks = re.findall(r"^(\S+)<<(\S+)\n(.*?)\n\2$", text, re.M | re.S)
        return {name: value for name, _, value in blocks}


@pytest.fixture
def action(tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> Callable[[], Action]:
    github = start(httpserver, monkeypatch)
    return lambda: Action(tmp_path, github, monkeypatch)


def test_a_pull_request_gets_one_comment_edited_on_every_push(
    action: Callable[[], Action], capsys: pytest.CaptureFixture[str]
) -> None:
    step = action()
    step.pull_request()

    code, out, _ = step.run(capsys)

    assert code == 1  # fail-on error, and a migration fails
    [body] = step.github.bodies(PR)
    assert body.startswith(MARKER) and "🛑 **Migrations will cause trouble**" in body
    assert 'relation "nope" does not exist' in body and "erDiagram" in body
    assert "::error file=db/migrations/004_broken.up.sql,line=2,title=RP001 migration-fails::" in out
    assert re.search(r"^::stop-commands::[0-9a-f]{32}$", out, re.M)  # the report printed as inert text
    assert "Migrations will cause trouble" in step.summary
    report = json.loads((step.repo / "migration-review.json").read_text())
    assert report["verdict"] == "fail" and report["head"] == git(step.repo, "rev-parse", "feature")
    assert step.outputs == {
        "verdict": "fail",
        "findings-count": str(len(report["findings"])),
        "report-json": "migration-review.json",
    }

    step.github.requests.clear()
    assert step.run(capsys)[0] == 1
    assert step.github.writes == []  # same report: no edit

    comment_id = step.github.comments[PR][0]["id"]
    write(step.repo, {"db/migrations/004_broken.up.sql": "SELECT 1;\n"})
    git(step.repo, "commit", "-qam", "fix the migration")
    step.pull_request()
    code, _, _ = step.run(capsys)

    assert code == 0
    assert [c["id"] for c in step.github.comments[PR]] == [comment_id]
    body = step.github.bodies(PR)[0]
    assert "Migrations will cause trouble" not in body and 'relation "nope"' not in body


def test_a_pull_request_without_migration_changes_clears_the_old_report(
    action: Callable[[], Action], capsys: pytest.CaptureFixture[str]
) -> None:
    step = action()
    git(step.repo, "checkout", "-q", "main")
    git(step.repo, "checkout", "-q", "-b", "docs")
    write(step.repo, {"README.md": "docs only\n"})
    git(step.repo, "add", "-A")
    git(step.repo, "commit", "-qm", "docs")
    git(step.repo, "branch", "-f", "feature", "docs")
    step.pull_request()
    step.github.add_comment(PR, f"{MARKER}\n## 🛑 **Migrations will cause trouble**")

    code, _, _ = step.run(capsys)

    assert code == 0
    [body] = step.github.bodies(PR)
    assert "No migration files changed" in body and "trouble" not in body


def test_workflow_dispatch_reviews_the_branch_against_the_default_branch_into_the_summary(
    action: Callable[[], Action], capsys: pytest.CaptureFixture[str]
) -> None:
    step = action()
    git(step.repo, "update-ref", "refs/remotes/origin/main", "main")
    step.event("workflow_dispatch", {"ref": "refs/heads/feature", "inputs": {}})
    step.inputs["fail-on"] = "never"

    code, _, _ = step.run(capsys)

    assert code == 0
    assert step.github.requests == []  # no pull request: nothing to call
    assert "🛑 **Migrations will cause trouble**" in step.summary and MARKER not in step.summary
    assert "| `email` | added | ✅ applied |" in step.summary


def test_a_fork_or_a_read_only_token_falls_back_to_the_summary_with_a_notice(
    action: Callable[[], Action], capsys: pytest.CaptureFixture[str]
) -> None:
    step = action()
    step.pull_request(fork=True)

    code, out, _ = step.run(capsys)

    assert code == 1 and step.github.requests == []
    assert "::notice::This pull request comes from a fork" in out
    assert "Migrations will cause trouble" in step.summary

    step.pull_request()
    step.github.read_only = True
    code, out, _ = step.run(capsys)

    assert code == 1  # decided by the findings, not by the comment
    assert "::notice::The token cannot write to this pull request" in out
    assert step.github.bodies(PR) == [] and "Migrations will cause trouble" in step.summary


def test_pull_request_target_is_refused_with_the_reason(
    action: Callable[[], Action], capsys: pytest.CaptureFixture[str]
) -> None:
    step = action()
    step.pull_request()
    step.event_name = "pull_request_target"

    code, _, err = step.run(capsys)

    assert code == 2
    assert "refusing to run on pull_request_target" in err and "docs/fork-pull-requests.md" in err


def test_nothing_the_review_runs_sees_a_token(
    action: Callable[[], Action], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    spy = tmp_path / "bin"
    spy.mkdir()
    (spy / "git").write_text(f'#!/bin/sh\nenv >> "{tmp_path}/git-env"\nexec /usr/bin/git "$@"\n')
    (spy / "git").chmod(0o755)
    step = action()
    step.pull_request()
    step.monkeypatch.setenv("PATH", f"{spy}{os.pathsep}{os.environ['PATH']}")

    _, out, err = step.run(capsys)

    seen = (tmp_path / "git-env").read_text()
    assert "GIT_TERMINAL_PROMPT" in seen  # the spy did run
    for secret in (TOKEN, "runtime-secret", "oidc-secret"):
        assert secret not in seen and secret not in out and secret not in err
    assert step.github.bodies(PR)  # the token still reached the API


def test_the_fork_safe_second_stage_publishes_the_stored_report_on_the_right_pull_request(
    action: Callable[[], Action], capsys: pytest.CaptureFixture[str]
) -> None:
    step = action()
    step.pull_request(fork=True)
    step.inputs.update({"comment": "off", "sarif-file": "review.sarif"})
    step.run(capsys)  # stage 1: no write token; the report becomes an artifact
    artifact = step.root / "artifact.json"
    artifact.write_bytes((step.repo / "migration-review.json").read_bytes())
    sarif = json.loads((step.repo / "review.sarif").read_text())
    assert sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "db/migrations/004_broken.up.sql",
        "uriBaseId": "%SRCROOT%",
    }

    head = git(step.repo, "rev-parse", "feature")
    step.github.pulls[PR] = PullRequest(PR, head_sha=head, head_owner="someone", head_branch="feature")
    run = {
        "event": "pull_request",
        "head_sha": head,
        "head_branch": "feature",
        "head_repository": {"owner": {"login": "someone"}},
    }
    step.event("workflow_run", {"workflow_run": run})
    step.inputs = {"github-token": TOKEN}

    code, _, _ = step.run(capsys, "publish", "--report", str(artifact))

    assert code == 0
    [body] = step.github.bodies(PR)
    assert 'relation "nope" does not exist' in body and "erDiagram" in body

    step.event("workflow_run", {"workflow_run": {**run, "head_sha": "c" * 40}})
    code, _, err = step.run(capsys, "publish", "--report", str(artifact))
    assert code == 2 and "the report is for commit" in err


def test_a_review_that_cannot_run_says_why_in_the_summary(
    action: Callable[[], Action], capsys: pytest.CaptureFixture[str]
) -> None:
    step = action()
    step.event(
        "pull_request",
        {"pull_request": {"number": PR, "base": {"sha": "e" * 40}, "head": {"sha": "d" * 40, "repo": {}}}},
    )

    code, _, err = step.run(capsys)

    assert code == 2
    assert "unknown revision" in err
    assert step.summary.startswith("## 🛑 The migration review could not run\n\nunknown revision")
    assert step.github.requests == []
