"""The sticky comment and line comments, published by PyGithub to a fake GitHub over HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from github_server import BOT, PAT, TOKEN, FakeGitHub, PullRequest, start
from migration_reviewer.publishers import pull_request
from migration_reviewer.publishers.github_comment import Action
from migration_reviewer.renderers.comment import MARKER, render_comment
from report_samples import PATH, finding, report

PR = 12


@pytest.fixture
def github(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> FakeGitHub:
    return start(httpserver, monkeypatch)


def post(github: FakeGitHub, body: str, token: str = TOKEN, **options: Any) -> pull_request.Outcome:
    settings: dict[str, Any] = {
        "marker": MARKER,
        "mode": "update",
        "author": "",
        "has_news": True,
        "line_findings": None,
    }
    settings.update(options)
    connection = pull_request.Connection(token, github.api_url, github.repository)
    return pull_request.publish(connection, PR, body, **settings)


def test_first_run_creates_the_comment_and_the_next_edits_it_in_place(github: FakeGitHub) -> None:
    first = post(github, f"{MARKER}\nfirst report")
    assert first.comment is not None and first.comment.action is Action.CREATED
    comment_id = github.comments[PR][0]["id"]

    second = post(github, f"{MARKER}\nsecond report")

    assert second.comment is not None and second.comment.action is Action.UPDATED
    assert [(c["id"], c["body"]) for c in github.comments[PR]] == [(comment_id, f"{MARKER}\nsecond report")]


def test_an_unchanged_report_makes_no_write(github: FakeGitHub) -> None:
    post(github, f"{MARKER}\nsame")
    github.requests.clear()

    outcome = post(github, f"{MARKER}\nsame")

    assert outcome.comment is not None and outcome.comment.action is Action.UNCHANGED
    assert github.writes == []


def test_duplicates_are_removed_and_the_oldest_kept(github: FakeGitHub) -> None:
    oldest = github.add_comment(PR, f"{MARKER}\nold")
    github.add_comment(PR, f"{MARKER}\nold copy")
    quoted = github.add_comment(PR, f"> {MARKER}\nas the bot said…", login="alice")  # a person quoting us
    other_bot = github.add_comment(PR, f"{MARKER}\nnot ours", login="renovate[bot]")

    outcome = post(github, f"{MARKER}\nnew")

    assert outcome.comment is not None and outcome.comment.removed == 1
    ids = [c["id"] for c in github.comments[PR]]
    assert ids == [oldest["id"], quoted["id"], other_bot["id"]]
    assert github.comments[PR][0]["body"] == f"{MARKER}\nnew"


def test_our_comment_is_found_past_the_first_page(github: FakeGitHub) -> None:
    for n in range(130):
        github.add_comment(PR, f"review remark {n}", login="alice")
    ours = github.add_comment(PR, f"{MARKER}\nold")

    post(github, f"{MARKER}\nnew")

    assert github.bodies(PR).count(f"{MARKER}\nnew") == 1
    assert [c["id"] for c in github.comments[PR] if MARKER in c["body"]] == [ours["id"]]
    assert ("GET", f"/repos/{github.repository}/issues/{PR}/comments") in github.requests


def test_a_post_retried_after_a_server_error_leaves_one_comment(github: FakeGitHub) -> None:
    github.fail_posts = 1
    github.store_failed_posts = True  # GitHub stored the first attempt, then answered 502

    outcome = post(github, f"{MARKER}\nreport")

    posts = [r for r in github.requests if r[0] == "POST"]
    assert len(posts) == 2  # the client retried
    assert github.bodies(PR) == [f"{MARKER}\nreport"]
    assert outcome.comment is not None and outcome.comment.removed == 1


def test_a_server_error_is_retried(github: FakeGitHub) -> None:
    github.fail_posts = 2

    outcome = post(github, f"{MARKER}\nreport")

    assert outcome.error is None
    assert github.bodies(PR) == [f"{MARKER}\nreport"]


def test_a_read_only_token_is_an_outcome_not_an_error(github: FakeGitHub) -> None:
    github.read_only = True

    outcome = post(github, f"{MARKER}\nreport")

    assert outcome.read_only and outcome.error is None
    assert github.bodies(PR) == []


def test_a_clean_result_replaces_an_old_report_but_is_not_posted_alone(github: FakeGitHub) -> None:
    assert post(github, f"{MARKER}\nno migrations changed", has_news=False).comment.action is Action.SKIPPED  # type: ignore[union-attr]
    assert github.bodies(PR) == []

    github.add_comment(PR, f"{MARKER}\n🛑 two errors")
    post(github, f"{MARKER}\nno migrations changed", has_news=False)

    assert github.bodies(PR) == [f"{MARKER}\nno migrations changed"]


def test_mode_new_posts_a_fresh_comment_and_removes_the_old_one(github: FakeGitHub) -> None:
    old = github.add_comment(PR, f"{MARKER}\nold")
    github.add_comment(PR, "a human remark", login="alice")

    outcome = post(github, f"{MARKER}\nnew", mode="new")

    assert outcome.comment is not None and outcome.comment.action is Action.RECREATED
    assert github.bodies(PR) == ["a human remark", f"{MARKER}\nnew"]
    assert old["id"] not in [c["id"] for c in github.comments[PR]]


def test_with_a_personal_token_the_comment_author_is_the_tokens_user(github: FakeGitHub) -> None:
    github.add_comment(PR, f"{MARKER}\nposted by the actions bot earlier", login=BOT)

    post(github, f"{MARKER}\nnew", token=PAT)

    authors = [(c["user"]["login"], c["body"]) for c in github.comments[PR]]
    assert authors == [
        (BOT, f"{MARKER}\nposted by the actions bot earlier"),
        ("release-bot", f"{MARKER}\nnew"),
    ]


def test_a_huge_report_is_folded_under_the_limit_and_posted(github: FakeGitHub) -> None:
    findings = tuple(
        finding(f"statement {n} rewrites `orders` " + "x" * 400, line=n, statement="SELECT 1;\n" * 200)
        for n in range(1, 1001)
    )
    body = render_comment(report(findings))

    post(github, body)

    posted = github.bodies(PR)[0]
    assert len(posted) <= 20_000 and posted.startswith(MARKER)
    assert "… and" in posted and "more findings: the job summary has them all" in posted
    for line in posted.splitlines():  # no table was cut inside a row
        if line.startswith("|"):
            assert line.endswith("|")


PATCH = (
    "@@ -0,0 +1,4 @@\n+CREATE TABLE t (id int);\n+\n+ALTER TABLE customers ADD COLUMN email text;\n+SELECT 1;"
)


def test_line_comments_only_on_lines_of_the_diff_and_only_once(github: FakeGitHub) -> None:
    github.pulls[PR] = PullRequest(PR, files={PATH: PATCH})
    findings = (
        finding("on a line of the diff", line=3),
        finding("outside the diff", line=40),
        finding("in a file the pull request does not change", line=1, path="db/other.sql"),
    )

    first = post(github, f"{MARKER}\nreport", line_findings=findings)
    second = post(github, f"{MARKER}\nreport", line_findings=findings)

    assert (first.line_comments, second.line_comments) == (1, 0)
    [comment] = github.review_comments[PR]
    assert (comment["path"], comment["line"]) == (PATH, 3)
    assert "on a line of the diff" in comment["body"]
    assert [review["event"] for review in github.reviews[PR]] == ["COMMENT"]


def test_a_server_that_keeps_failing_is_an_outcome_not_a_crash(github: FakeGitHub) -> None:
    github.fail_posts = 100

    outcome = post(github, f"{MARKER}\nreport")

    assert outcome.error is not None and not outcome.read_only
    assert github.bodies(PR) == []
