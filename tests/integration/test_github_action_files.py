"""The action's files agree with the code and with each other: action.yml, the README, the example
workflows, the Dockerfile and the pre-commit hook."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from migration_reviewer.cli import build_parser, main
from migration_reviewer.github_env import ActionInputs

ROOT = Path(__file__).parents[2]
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
README = (ROOT / "README.md").read_text()
WORKFLOWS = {path.name: yaml.safe_load(path.read_text()) for path in (ROOT / "docs/workflows").glob("*.yml")}
OWN_WORKFLOWS = {p.name: yaml.safe_load(p.read_text()) for p in (ROOT / ".github/workflows").glob("*.yml")}

# A value each input accepts that differs from its default.
SAMPLES = {
    "base": "origin/release",
    "paths": "db/migrations",
    "database": "docker",
    "database-url": "postgresql://localhost/postgres",
    "postgres-image": "postgres:16",
    "pg-version": "16",
    "timeout": "10m",
    "fail-on": "warning",
    "comment": "new",
    "comment-author": "my-app[bot]",
    "review-comments": "true",
    "config": "ci/review.toml",
    "template": "ci/comment.md.j2",
    "sarif-file": "review.sarif",
    "report-file": "out/review.json",
    "report": "review.json",
    "extra-packages": "postgresql-15",
    "github-token": "ghs_sample",
}


def _table(heading: str) -> dict[str, list[str]]:
    """The README table whose header row starts with `heading`, by its first column."""
    lines = README.split(f"| {heading} |", 1)[1].split("\n\n", 1)[0].splitlines()[2:]
    rows = [[cell.strip() for cell in line.strip("|").split(" | ")] for line in lines]
    return {row[0].strip("`"): row[1:] for row in rows}


def test_the_readme_lists_every_input_and_output_as_action_yml_declares_them() -> None:
    inputs = {
        name: [f"`{spec['default']}`" if spec["default"] else "", spec["description"]]
        for name, spec in ACTION["inputs"].items()
    }
    outputs = {name: [spec["description"]] for name, spec in ACTION["outputs"].items()}

    assert _table("input") == inputs
    assert _table("output") == outputs
    assert {"verdict", "findings-count", "report-json"} <= set(outputs)


def test_the_readme_quick_start_is_the_example_workflow() -> None:
    workflow = (ROOT / "docs/workflows/pull-request.yml").read_text().rstrip()
    assert f"```yaml\n{workflow}\n```" in README


def test_every_input_reaches_the_code_through_its_environment_variable() -> None:
    assert set(SAMPLES) == set(ACTION["inputs"])
    defaults = ActionInputs.from_environ({})
    for name, value in SAMPLES.items():
        # The runner's name: INPUT_ + the input upper-cased, hyphens kept.
        assert ActionInputs.from_environ({f"INPUT_{name.upper()}": value}) != defaults, name


def test_inputs_are_passed_only_through_the_environment() -> None:
    runs = ACTION["runs"]
    assert runs["using"] == "docker" and runs["args"] == ["github"]
    assert "${{" not in yaml.safe_dump(runs)
    # GitHub does not enforce `required`: every input has a default and the code validates values.
    assert all(not spec.get("required") and "default" in spec for spec in ACTION["inputs"].values())


def _steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def test_example_workflows_use_least_privilege_and_run_no_shell_on_inputs() -> None:
    assert set(WORKFLOWS) >= {
        "pull-request.yml",
        "fork-safe-review.yml",
        "fork-safe-comment.yml",
        "manual-dispatch.yml",
        "services-postgres.yml",
    }
    for name, workflow in WORKFLOWS.items():
        assert workflow["permissions"]["contents"] == "read", name
        assert not any("run" in step for step in _steps(workflow)), name
        assert any(step.get("uses", "").startswith("migration-reviewer/") for step in _steps(workflow)), name


def test_the_fork_safe_pair_keeps_pull_request_code_away_from_the_write_token() -> None:
    review, comment = WORKFLOWS["fork-safe-review.yml"], WORKFLOWS["fork-safe-comment.yml"]

    assert review[True] == "pull_request"  # YAML reads the key `on` as true
    assert review["permissions"] == {"contents": "read"}
    assert comment[True]["workflow_run"]["workflows"] == [review["name"]]
    assert comment["permissions"]["pull-requests"] == "write"
    [job] = comment["jobs"].values()
    assert "github.event.workflow_run.event == 'pull_request'" in job["if"]
    assert not any("checkout" in step.get("uses", "") for step in job["steps"])
    uploaded = next(s for s in _steps(review) if "upload-artifact" in s["uses"])["with"]["name"]
    downloaded = next(s for s in job["steps"] if "download-artifact" in s["uses"])["with"]["name"]
    assert uploaded == downloaded


def test_the_dockerfile_follows_the_container_action_rules() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    instructions = [line.split()[0] for line in dockerfile.splitlines() if re.match(r"^[A-Z]+ ", line)]

    assert "USER" not in instructions and "WORKDIR" not in instructions
    assert re.search(r'^ENTRYPOINT \["/[^"]+"\]$', dockerfile, re.M)
    assert "git config --system --add safe.directory" in dockerfile
    assert "DEBIAN_FRONTEND=noninteractive" in dockerfile
    assert "pip install --require-hashes --no-deps -r /tmp/migration-reviewer/requirements.lock" in dockerfile
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert ignored[1:4] == ["*", "!pyproject.toml", "!README.md"] and "!src/" in ignored
    for source in re.findall(r"^COPY (.+) \S+$", dockerfile, re.M):
        for path in source.split():
            assert (ROOT / path).exists(), path


def test_the_pre_commit_hook_runs_the_lint_command_on_migration_files() -> None:
    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    command, *arguments = hook["entry"].split()

    assert command == "migration-reviewer"
    assert build_parser().parse_args([*arguments, "x.sql"]).command == "lint"
    pattern = re.compile(hook["files"])
    for path in ("db/migrations/001_init.up.sql", "supabase/migrations/2024_x.sql", "drizzle/0001_x.sql"):
        assert pattern.search(path), path
    assert not pattern.search("sql/reports/monthly.sql")


def test_every_action_a_workflow_uses_is_pinned_by_commit_and_checkouts_keep_no_token() -> None:
    files = [*(ROOT / "docs/workflows").glob("*.yml"), *(ROOT / ".github/workflows").glob("*.yml")]
    for path in files:
        uses = re.findall(r"uses: (\S+)(.*)", path.read_text())
        for action, comment in uses:
            if action.startswith(("./", "migration-reviewer/migration-reviewer@")):
                continue  # this repository's own action
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", action), (path.name, action)
            assert re.fullmatch(r" # v\d+\.\d+\.\d+", comment), (path.name, action)
    for name, workflow in {**WORKFLOWS, **OWN_WORKFLOWS}.items():
        for step in _steps(workflow):
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False, name


def test_the_action_runs_the_image_the_release_publishes_for_its_major_version() -> None:
    release = OWN_WORKFLOWS["release.yml"]
    image = ACTION["runs"]["image"]
    published = release["env"]["IMAGE"].replace("${{ github.repository_owner }}", "migration-reviewer")
    assert image == f"docker://{published}:v1"
    [build] = [s for s in release["jobs"]["image"]["steps"] if "build-push-action" in s.get("uses", "")]
    assert build["with"]["platforms"] == "linux/amd64,linux/arm64"
    assert build["with"]["provenance"] == "mode=max" and build["with"]["sbom"] is True
    meta = next(s for s in release["jobs"]["image"]["steps"] if s.get("id") == "meta")
    assert "type=semver,pattern=v{{major}}" in meta["with"]["tags"]
    assert release["jobs"]["move-major-tag"]["needs"] == "image"


def test_the_pre_commit_hook_fails_on_warnings_unless_relaxed_as_the_readme_says(tmp_path: Path) -> None:
    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    _command, *arguments = hook["entry"].split()
    migration = tmp_path / "migrations" / "001_drop.sql"
    migration.parent.mkdir()
    migration.write_text("SET lock_timeout = '2s';\nDROP TABLE legacy_sessions;\n")  # LK016: a warning only
    relaxed = re.search(r"args: \[(.+)\]", (ROOT / "README.md").read_text())
    assert relaxed is not None, "the README shows how to relax the hook"

    assert main([*arguments, str(migration)]) == 1
    assert main([*arguments, *[a.strip() for a in relaxed.group(1).split(",")], str(migration)]) == 0
