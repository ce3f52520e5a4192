"""Everything the action does to a pull request through the API, and what came of it. A token that may
not write (a fork's, or a workflow without `pull-requests: write`) is an outcome, not a failure: the job
summary has the report anyway."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from github import GithubException

from migration_reviewer.analyzers.finding import Finding
from migration_reviewer.publishers import github_client, github_comment, review_comments
from migration_reviewer.publishers.github_comment import CommentResult


@dataclass(frozen=True)
class Outcome:
    comment: CommentResult | None = None
    line_comments: int = 0
    read_only: bool = False
    error: str | None = None  # any other API failure, described


@dataclass(frozen=True)
class Connection:
    token: str
    api_url: str
    repository: str  # owner/name


def publish(
    connection: Connection,
    number: int,
    body: str,
    *,
    marker: str,
    mode: str,
    author: str,
    has_news: bool,
    line_findings: Sequence[Finding] | None,
) -> Outcome:
    """The sticky comment, then (when `line_findings` is given) the line comments."""
    client = github_client.connect(connection.token, connection.api_url)
    repo = client.get_repo(connection.repository)
    result = None
    try:
        login = github_client.own_login(client, connection.token, author)
        result = github_comment.publish(
            repo.get_issue(number), body, marker=marker, author=login, mode=mode, has_news=has_news
        )
        posted = 0
        if line_findings is not None:
            posted = review_comments.publish(repo.get_pull(number), line_findings, author=login)
        return Outcome(result, posted)
    except GithubException as exc:
        if github_client.is_read_only(exc):
            return Outcome(result, read_only=True)
        return Outcome(result, error=github_client.describe(exc))
    except OSError as exc:  # the API unreachable, or still failing after the retries
        return Outcome(result, error=f"{type(exc).__name__}: {exc}")


def open_pull_request(connection: Connection, *, owner: str, branch: str, head_sha: str) -> int | None:
    """The number of the open pull request from `owner:branch` whose head is `head_sha`."""
    repo = github_client.connect(connection.token, connection.api_url).get_repo(connection.repository)
    for pr in repo.get_pulls(state="open", head=f"{owner}:{branch}"):
        if pr.head.sha == head_sha:
            return pr.number
    return None
