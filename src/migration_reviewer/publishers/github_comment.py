"""The sticky pull-request comment: one per pull request, found again by its hidden marker and its
author, edited in place on every push.

- No edit when the body is unchanged (every write counts against GitHub's secondary limits).
- A clean result replaces an earlier report rather than leaving it stale; with no earlier report, a
  clean result posts nothing.
- Never two: extra copies (a race between two runs, or a POST that the client retried after a server
  error although GitHub had stored it) are deleted, the oldest is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from github import GithubException, UnknownObjectException
from github.Issue import Issue
from github.IssueComment import IssueComment

from migration_reviewer.renderers.comment import DIGEST


class Action(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    RECREATED = "recreated"  # comment mode "new": the old one deleted, a new one posted
    SKIPPED = "skipped"  # nothing to report and nothing to replace


@dataclass(frozen=True)
class CommentResult:
    action: Action
    url: str | None = None
    removed: int = 0  # duplicates deleted


def publish(
    issue: Issue, body: str, *, marker: str, author: str, mode: str = "update", has_news: bool = True
) -> CommentResult:
    """`mode` "update" edits our comment in place; "new" deletes it and posts a fresh one (at the bottom
    of the conversation, notifying again). `has_news` False: a clean result, posted only to replace an
    earlier report."""
    ours = find(issue, marker=marker, author=author)
    if mode == "new" and (ours or has_news):
        for comment in ours:
            _delete(comment)
        created = issue.create_comment(body)
        removed = _remove_copies(issue, marker, author, keep=created.id)
        return CommentResult(Action.RECREATED if ours else Action.CREATED, created.html_url, removed)
    if not ours:
        if not has_news:
            return CommentResult(Action.SKIPPED)
        created = issue.create_comment(body)
        return CommentResult(
            Action.CREATED, created.html_url, _remove_copies(issue, marker, author, keep=created.id)
        )
    kept, extras = ours[0], ours[1:]
    for comment in extras:
        _delete(comment)
    if _same(kept.body, body):
        return CommentResult(Action.UNCHANGED, kept.html_url, len(extras))
    kept.edit(body)
    return CommentResult(Action.UPDATED, kept.html_url, len(extras))


def find(issue: Issue, *, marker: str, author: str) -> list[IssueComment]:
    """Our comments, oldest first. Both checks matter: the marker alone would match a person quoting our
    comment, the author alone another tool posting as the same bot."""
    ours = [c for c in issue.get_comments() if c.user.login == author and marker in (c.body or "")]
    return sorted(ours, key=lambda c: (c.created_at, c.id))


def _remove_copies(issue: Issue, marker: str, author: str, *, keep: int) -> int:
    copies = [c for c in find(issue, marker=marker, author=author) if c.id != keep]
    for comment in copies:
        _delete(comment)
    return len(copies)


def _delete(comment: IssueComment) -> None:
    try:
        comment.delete()
    except UnknownObjectException:
        pass  # deleted already, by a concurrent run
    except GithubException as exc:
        if exc.status != 404:
            raise


def _same(posted: str | None, body: str) -> bool:
    """Whether the posted comment says what `body` says: by their digests where both have one (timings
    differ on every run), else by their text (GitHub may store CRLF line ends and trim the end)."""
    old_digest, new_digest = DIGEST.search(posted or ""), DIGEST.search(body)
    if old_digest and new_digest:
        return old_digest.group(1) == new_digest.group(1)
    return (posted or "").replace("\r\n", "\n").rstrip() == body.rstrip()
