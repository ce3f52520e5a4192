"""The GitHub API failing the action in every way it answers: the review still ends with its job summary and
the exit code its findings earn, retries are bounded, and no comment is posted twice."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from test_github_action import PR, Action

from github_server import Fault, start
from migration_reviewer.renderers.comment import MARKER

COMMENTS = f"/repos/octo/shop/issues/{PR}/comments"
REPORT = "Migrations will cause trouble"  # the verdict line of the summary and comment


@pytest.fixture
def action(tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> Callable[[], Action]:
    github = start(httpserver, monkeypatch)
    return lambda: Action(tmp_path, github, monkeypatch)


@pytest.mark.parametrize(
    ("fault", "warning"),
    [
        (Fault("*", 500, "Server Error", times=100), "too many 500 error responses"),
        (Fault("*", 503, "Unavailable", times=100), "too many 503 error responses"),
        (Fault("GET", 404, "Not Found", times=100), "404 Not Found"),
        (
            Fault("POST", 422, "Validation Failed", times=100),
            "422 Validation Failed",
        ),
        (
            # A primary rate limit that resets in an hour: failing beats sleeping the job away.
            Fault(
                "*",
                403,
                "API rate limit exceeded",
                {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.time()) + 3600)},
                times=100,
            ),
            "API rate limit exceeded",
        ),
    ],
    ids=["500", "503", "404", "422", "rate-limit-for-an-hour"],
)
def test_an_api_that_fails_leaves_the_summary_and_the_exit_code(
    action: Callable[[], Action], capsys: pytest.CaptureFixture[str], fault: Fault, warning: str
) -> None:
    step = action()
    step.pull_request()
    step.github.faults.append(fault)
    started = time.monotonic()

    code, out, _ = step.run(capsys)

    assert code == 1  # the findings decide, not the API
    [line] = [line for line in out.splitlines() if line.startswith("::warning::")]
    assert line.startswith("::warning::Could not publish to the pull request: ") and warning in line
    assert REPORT in step.summary
    assert step.github.bodies(PR) == []
    assert len(step.github.requests) <= 8  # bounded retries
    assert time.monotonic() - started < 30


def test_a_secondary_rate_limit_is_waited_out_and_one_comment_posted(
    action: Callable[[], Action], capsys: pytest.CaptureFixture[str]
) -> None:
    step = action()
    step.pull_request()
    limited = Fault("POST", 429, "You have exceeded a secondary rate limit", {"Retry-After": "1"})
    step.github.faults.append(limited)

    code, out, _ = step.run(capsys)

    assert code == 1 and "::warning::" not in out
    [body] = step.github.bodies(PR)
    assert body.startswith(MARKER) and REPORT in body
    assert [r for r in step.github.requests if r == ("POST", COMMENTS)] == [("POST", COMMENTS)] * 2


def test_a_permission_error_is_a_notice_and_nothing_is_retried(
    action: Callable[[], Action], capsys: pytest.CaptureFixture[str]
) -> None:
    step = action()
    step.pull_request()
    step.github.faults.append(Fault("POST", 403, "Resource not accessible by integration", times=100))

    code, out, _ = step.run(capsys)

    assert code == 1
    assert "::notice::The token cannot write to this pull request" in out
    assert REPORT in step.summary and step.github.bodies(PR) == []
    assert step.github.writes == [("POST", COMMENTS)]
