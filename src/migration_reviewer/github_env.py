"""What GitHub Actions hands a container action: inputs as `INPUT_*` variables (hyphens kept, so
`fail-on` is `INPUT_FAIL-ON`), the event payload in the file `GITHUB_EVENT_PATH`, and the paths of the
runner's command files. Reading only: nothing here talks to GitHub or changes anything.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from migration_reviewer.errors import UsageError

API_URL = "https://api.github.com"
ACTIONS_BOT = "github-actions[bot]"
COMMENT_MODES = ("update", "new", "off")
FORK_PR_DOC = "docs/fork-pull-requests.md"

# Credentials the runner puts in the container. They are removed from the process environment before the
# review starts, so nothing the review runs (git, the database server, a framework's migration runner)
# inherits them.
SECRET_VARIABLES = (
    "GITHUB_TOKEN",
    "INPUT_GITHUB-TOKEN",
    "ACTIONS_RUNTIME_TOKEN",
    "ACTIONS_RUNTIME_URL",
    "ACTIONS_RESULTS_URL",
    "ACTIONS_CACHE_URL",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    "ACTIONS_ID_TOKEN_REQUEST_URL",
)


def read_input(environ: Mapping[str, str], name: str) -> str:
    """The value of action input `name` ('' when unset), as the runner names its variable."""
    return environ.get(f"INPUT_{name.replace(' ', '_').upper()}", "").strip()


@dataclass(frozen=True)
class ActionInputs:
    """The action's inputs (action.yml). Empty strings mean "not given": the defaults live in Settings
    and the repository's config file, so an unset input never overrides them."""

    base: str = ""
    paths: tuple[str, ...] = ()
    database: str = ""
    database_url: str = ""
    postgres_image: str = ""
    pg_version: str = ""
    timeout: str = ""
    fail_on: str = ""
    comment: str = "update"
    comment_author: str = ""
    review_comments: bool = False
    config: str = ""
    template: str = ""
    sarif_file: str = ""
    report_file: str = "migration-review.json"
    report: str = ""  # a stored JSON report to publish instead of reviewing
    extra_packages: tuple[str, ...] = ()
    github_token: str = ""

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> ActionInputs:
        def get(name: str) -> str:
            return read_input(environ, name)

        comment = get("comment") or "update"
        if comment not in COMMENT_MODES:
            raise UsageError(f"input comment must be one of {', '.join(COMMENT_MODES)}, not '{comment}'")
        pg_version = get("pg-version")
        if pg_version and not pg_version.isdigit():
            raise UsageError(f"input pg-version must be a major version such as 16, not '{pg_version}'")
        return cls(
            base=get("base"),
            paths=_split(get("paths")),
            database=get("database"),
            database_url=get("database-url"),
            postgres_image=get("postgres-image"),
            pg_version=pg_version,
            timeout=get("timeout"),
            fail_on=get("fail-on"),
            comment=comment,
            comment_author=get("comment-author"),
            review_comments=_boolean(get("review-comments"), "review-comments"),
            config=get("config"),
            template=get("template"),
            sarif_file=get("sarif-file"),
            report_file=get("report-file") or cls.report_file,
            report=get("report"),
            extra_packages=_split(get("extra-packages")),
            github_token=get("github-token") or environ.get("GITHUB_TOKEN", ""),
        )


def _split(value: str) -> tuple[str, ...]:
    """A list input: one item a line, or separated by commas or spaces."""
    return tuple(item for item in value.replace(",", " ").split() if item)


def _boolean(value: str, name: str) -> bool:
    if value.lower() in ("", "false", "no", "0"):
        return False
    if value.lower() in ("true", "yes", "1"):
        return True
    raise UsageError(f"input {name} must be true or false, not '{value}'")


@dataclass(frozen=True)
class Runner:
    """Where the runner wants things: the checkout, the command files, the API."""

    workspace: str
    output_file: str | None
    summary_file: str | None
    api_url: str
    repository: str  # owner/name
    sha: str
    server_url: str = "https://github.com"  # where the repository's pages are (GitHub Enterprise: its host)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Runner:
        return cls(
            workspace=environ.get("GITHUB_WORKSPACE") or os.getcwd(),
            output_file=environ.get("GITHUB_OUTPUT") or None,
            summary_file=environ.get("GITHUB_STEP_SUMMARY") or None,
            api_url=(environ.get("GITHUB_API_URL") or API_URL).rstrip("/"),
            repository=environ.get("GITHUB_REPOSITORY", ""),
            sha=environ.get("GITHUB_SHA", ""),
            server_url=(environ.get("GITHUB_SERVER_URL") or "https://github.com").rstrip("/"),
        )

    def path(self, relative: str) -> Path:
        """A path an input names, taken relative to the checkout."""
        return Path(self.workspace, relative)


@dataclass(frozen=True)
class Event:
    name: str
    payload: Mapping[str, Any]

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Event:
        name = environ.get("GITHUB_EVENT_NAME", "")
        path = environ.get("GITHUB_EVENT_PATH", "")
        if not name or not path:
            raise UsageError(
                "not running in GitHub Actions: GITHUB_EVENT_NAME and GITHUB_EVENT_PATH are not set",
                hint="outside Actions, run `migration-reviewer review` (e.g. --base origin/main)",
            )
        try:
            payload = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise UsageError(f"cannot read the event payload {path}: {exc}") from None
        if not isinstance(payload, dict):
            raise UsageError(f"the event payload {path} is not a JSON object")
        return cls(name, payload)

    def get(self, *keys: str) -> Any:
        value: Any = self.payload
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        return value


@dataclass(frozen=True)
class Target:
    """What to review, and where the result may go."""

    base: str | None  # None: the merge-base with the default branch
    head: str
    pr_number: int | None  # the pull request to comment on
    fork: bool  # the pull request comes from another repository: the token cannot write
    description: str


_ZERO_SHA = "0" * 40


def review_target(event: Event, base_input: str) -> Target:
    """Base and head for the event. `base_input` (the `base` input) overrides the event's base."""
    name = event.name
    if name == "pull_request_target":
        raise UsageError(
            "refusing to run on pull_request_target: that event runs with a write token and the "
            "repository's secrets, and replaying the pull request's migrations runs its code",
            hint=f"run on pull_request; for pull requests from forks see the two-stage workflow in "
            f"{FORK_PR_DOC}",
        )
    default_branch = event.get("repository", "default_branch")
    fallback = f"origin/{default_branch}" if default_branch else None
    if name == "pull_request":
        number = event.get("pull_request", "number")
        base, head = event.get("pull_request", "base", "sha"), event.get("pull_request", "head", "sha")
        if not isinstance(number, int) or not isinstance(base, str) or not isinstance(head, str):
            raise UsageError("the pull_request event has no number, base or head")
        fork = event.get("pull_request", "head", "repo", "full_name") != event.get("repository", "full_name")
        return Target(base_input or base, head, number, fork, f"pull request #{number}")
    if name == "push":
        before, after = event.get("before"), event.get("after")
        if not isinstance(after, str) or after == _ZERO_SHA:
            raise UsageError("the push event deleted the branch: nothing to review")
        # A new branch has no "before": compare it with the default branch instead.
        base = before if isinstance(before, str) and before != _ZERO_SHA else fallback
        return Target(base_input or base, after, None, False, f"push to {event.get('ref')}")
    if name == "merge_group":
        base, head = event.get("merge_group", "base_sha"), event.get("merge_group", "head_sha")
        if not isinstance(base, str) or not isinstance(head, str):
            raise UsageError("the merge_group event has no base_sha or head_sha")
        return Target(base_input or base, head, None, False, "merge queue")
    if name in ("workflow_dispatch", "schedule"):
        return Target(base_input or fallback, "HEAD", None, False, f"{name} on {event.get('ref') or 'HEAD'}")
    raise UsageError(
        f"unsupported event '{name}'",
        hint="run on pull_request, push, merge_group or workflow_dispatch; "
        "publish a stored report on workflow_run with `migration-reviewer publish`",
    )


def take_secrets(environ: MutableMapping[str, str]) -> None:
    """Remove the runner's credentials from `environ` (the process environment, in practice)."""
    for name in SECRET_VARIABLES:
        environ.pop(name, None)
