"""What the action reviews for each event, and how it reads the runner's environment."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from migration_reviewer.errors import UsageError
from migration_reviewer.github_env import ActionInputs, Event, Target, review_target, take_secrets

REPO = {"full_name": "octo/shop", "default_branch": "trunk"}
BEFORE, AFTER = "1" * 40, "2" * 40


@pytest.mark.parametrize(
    ("name", "payload", "expected"),
    [
        (
            "pull_request",
            {"pull_request": {"number": 4, "base": {"sha": BEFORE}, "head": {"sha": AFTER, "repo": REPO}}},
            Target(BEFORE, AFTER, 4, False, "pull request #4"),
        ),
        (
            "pull_request",
            {
                "pull_request": {
                    "number": 4,
                    "base": {"sha": BEFORE},
                    "head": {"sha": AFTER, "repo": {"full_name": "fork/shop"}},
                }
            },
            Target(BEFORE, AFTER, 4, True, "pull request #4"),
        ),
        (
            "push",
            {"before": BEFORE, "after": AFTER, "ref": "refs/heads/x"},
            Target(BEFORE, AFTER, None, False, "push to refs/heads/x"),
        ),
        (
            "push",
            {"before": "0" * 40, "after": AFTER, "ref": "refs/heads/new"},
            Target("origin/trunk", AFTER, None, False, "push to refs/heads/new"),
        ),
        (
            "merge_group",
            {"merge_group": {"base_sha": BEFORE, "head_sha": AFTER}},
            Target(BEFORE, AFTER, None, False, "merge queue"),
        ),
        (
            "workflow_dispatch",
            {"ref": "refs/heads/feature"},
            Target("origin/trunk", "HEAD", None, False, "workflow_dispatch on refs/heads/feature"),
        ),
    ],
)
def test_each_event_picks_base_and_head(name: str, payload: dict[str, Any], expected: Target) -> None:
    assert review_target(Event(name, {**payload, "repository": REPO}), "") == expected


def test_the_base_input_wins_over_the_event() -> None:
    event = Event("workflow_dispatch", {"repository": REPO})
    assert review_target(event, "origin/release").base == "origin/release"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("pull_request_target", "refusing to run on pull_request_target"),
        ("issue_comment", "unsupported event 'issue_comment'"),
    ],
)
def test_events_it_will_not_review(name: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        review_target(Event(name, {"repository": REPO}), "")


def test_the_event_comes_from_the_runners_file(tmp_path: Path) -> None:
    path = tmp_path / "event.json"
    path.write_text(json.dumps({"after": AFTER}))

    event = Event.from_environ({"GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": str(path)})

    assert event.get("after") == AFTER and event.get("repository", "full_name") is None
    with pytest.raises(UsageError, match="not running in GitHub Actions"):
        Event.from_environ({})


def test_bad_input_values_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="comment must be one of update, new, off"):
        ActionInputs.from_environ({"INPUT_COMMENT": "always"})
    with pytest.raises(UsageError, match="review-comments must be true or false"):
        ActionInputs.from_environ({"INPUT_REVIEW-COMMENTS": "maybe"})
    assert ActionInputs.from_environ({"INPUT_PATHS": "db/a, db/b\nsupabase/migrations"}).paths == (
        "db/a",
        "db/b",
        "supabase/migrations",
    )


def test_the_runners_credentials_are_taken_out_of_the_environment() -> None:
    environ = {
        "GITHUB_TOKEN": "t",
        "INPUT_GITHUB-TOKEN": "t",
        "ACTIONS_RUNTIME_TOKEN": "r",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "o",
        "ACTIONS_ID_TOKEN_REQUEST_URL": "u",
        "GITHUB_REPOSITORY": "octo/shop",
        "PATH": "/usr/bin",
    }

    take_secrets(environ)

    assert environ == {"GITHUB_REPOSITORY": "octo/shop", "PATH": "/usr/bin"}
