"""A fake GitHub: the REST endpoints the publishers use, served over HTTP by pytest-httpserver, so PyGithub
talks to it for real (pagination links, retries, status codes, an Enterprise-style /api/v3 prefix).

State is plain data that tests read and arrange: comments on issues, pull requests with their files,
review comments, open pull requests by head. Faults: a read-only token (403 on every write), server errors
on the next POSTs (optionally after storing the comment, as GitHub sometimes does), comments by others.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

BOT = "github-actions[bot]"
TOKEN = "ghs_test-token-not-secret"  # an installation token, like the workflow's
PAT = "ghp_test-personal-token"  # a person's (or a machine user's) token: GET /user answers
PREFIX = "/api/v3"


@dataclass
class PullRequest:
    number: int
    head_sha: str = "f" * 40
    head_owner: str = "octo"
    head_branch: str = "feature"
    files: dict[str, str] = field(default_factory=dict)  # filename → unified diff patch


@dataclass
class Fault:
    """The next `times` requests with this method (any: "*") answer `status` with this message and headers."""

    method: str
    status: int
    message: str
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1


@dataclass
class FakeGitHub:
    server: HTTPServer
    repository: str = "octo/shop"
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # issue number → comments
    review_comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    reviews: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    pulls: dict[int, PullRequest] = field(default_factory=dict)
    read_only: bool = False
    user_login: str = "release-bot"  # who the personal token belongs to
    fail_posts: int = 0  # the next N POSTs answer 502
    faults: list[Fault] = field(default_factory=list)
    store_failed_posts: bool = False  # ... after storing what they posted, as a timed-out write may
    requests: list[tuple[str, str]] = field(default_factory=list)
    identity: str = BOT  # who the last request's token posts as
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1001))
    _clock: datetime = field(default_factory=lambda: datetime(2026, 1, 1, tzinfo=UTC))

    def __post_init__(self) -> None:
        self.server.expect_request(re.compile(".*")).respond_with_handler(self._handle)

    @property
    def api_url(self) -> str:
        return self.server.url_for(PREFIX)

    @property
    def writes(self) -> list[tuple[str, str]]:
        return [(method, path) for method, path in self.requests if method != "GET"]

    def add_comment(self, number: int, body: str, login: str = BOT) -> dict[str, Any]:
        """A comment already on the pull request (ours from an earlier run, or someone else's)."""
        self._clock += timedelta(minutes=1)
        comment = {
            "id": next(self._ids),
            "body": body,
            "user": {"login": login, "id": 7, "type": "Bot" if login.endswith("[bot]") else "User"},
            "created_at": self._clock.isoformat().replace("+00:00", "Z"),
            "updated_at": self._clock.isoformat().replace("+00:00", "Z"),
        }
        comment["url"] = f"{self.api_url}/repos/{self.repository}/issues/comments/{comment['id']}"
        comment["html_url"] = f"https://github.example/{self.repository}/pull/{number}#c{comment['id']}"
        self.comments.setdefault(number, []).append(comment)
        return comment

    def bodies(self, number: int) -> list[str]:
        return [c["body"] for c in self.comments.get(number, [])]

    # --- the HTTP side ---

    def _handle(self, request: Request) -> Response:
        path = request.path.removeprefix(PREFIX)
        self.requests.append((request.method, path))
        token = request.headers.get("Authorization", "").split(" ")[-1]
        if token not in (TOKEN, PAT):
            return _json({"message": "Bad credentials"}, 401)
        self.identity = self.user_login if token == PAT else BOT
        if request.method != "GET" and self.read_only:
            return _json({"message": "Resource not accessible by integration"}, 403)
        fault = next((f for f in self.faults if f.times and f.method in ("*", request.method)), None)
        if fault is not None:
            fault.times -= 1
            return _json({"message": fault.message}, fault.status, fault.headers)
        if request.method == "POST" and self.fail_posts:
            self.fail_posts -= 1
            if self.store_failed_posts:
                self._route(request, path)
            return _json({"message": "Server Error"}, 502)
        return self._route(request, path)

    def _route(self, request: Request, path: str) -> Response:
        repo = f"/repos/{self.repository}"
        routes: list[tuple[str, str, Callable[..., Response]]] = [
            ("GET", r"/user", self._get_user),
            ("GET", rf"{repo}/issues/(\d+)/comments", self._list_comments),
            ("POST", rf"{repo}/issues/(\d+)/comments", self._create_comment),
            ("PATCH", rf"{repo}/issues/comments/(\d+)", self._edit_comment),
            ("DELETE", rf"{repo}/issues/comments/(\d+)", self._delete_comment),
            ("GET", rf"{repo}/pulls/(\d+)/files", self._list_files),
            ("GET", rf"{repo}/pulls/(\d+)/comments", self._list_review_comments),
            ("POST", rf"{repo}/pulls/(\d+)/reviews", self._create_review),
            ("GET", rf"{repo}/pulls", self._list_pulls),
        ]
        for method, pattern, handler in routes:
            match = re.fullmatch(pattern, path)
            if match and method == request.method:
                return handler(request, *(int(g) for g in match.groups()))
        return _json({"message": "Not Found"}, 404)

    def _get_user(self, request: Request) -> Response:
        if self.identity == BOT:
            return _json({"message": "Resource not accessible by integration"}, 403)
        return _json({"login": self.user_login, "id": 7, "type": "User"})

    def _page(self, request: Request, items: list[dict[str, Any]]) -> Response:
        per_page = int(request.args.get("per_page", 30))
        page = int(request.args.get("page", 1))
        chunk = items[(page - 1) * per_page : page * per_page]
        headers = {}
        if page * per_page < len(items):
            query = {**request.args.to_dict(), "page": page + 1}
            headers["Link"] = f'<{self.server.url_for(request.path)}?{urlencode(query)}>; rel="next"'
        return _json(chunk, headers=headers)

    def _list_comments(self, request: Request, number: int) -> Response:
        return self._page(request, self.comments.get(number, []))

    def _create_comment(self, request: Request, number: int) -> Response:
        return _json(self.add_comment(number, request.get_json()["body"], login=self.identity), 201)

    def _find(self, comment_id: int) -> dict[str, Any] | None:
        return next((c for cs in self.comments.values() for c in cs if c["id"] == comment_id), None)

    def _edit_comment(self, request: Request, comment_id: int) -> Response:
        comment = self._find(comment_id)
        if comment is None:
            return _json({"message": "Not Found"}, 404)
        comment["body"] = request.get_json()["body"]
        return _json(comment)

    def _delete_comment(self, request: Request, comment_id: int) -> Response:
        for comments in self.comments.values():
            for comment in comments:
                if comment["id"] == comment_id:
                    comments.remove(comment)
                    return Response(status=204)
        return _json({"message": "Not Found"}, 404)

    def _list_files(self, request: Request, number: int) -> Response:
        files = [
            {"filename": name, "status": "added", "patch": patch, "sha": "0" * 40}
            for name, patch in self.pulls[number].files.items()
        ]
        return self._page(request, files)

    def _list_review_comments(self, request: Request, number: int) -> Response:
        return self._page(request, self.review_comments.get(number, []))

    def _create_review(self, request: Request, number: int) -> Response:
        review = request.get_json()
        pull = self.pulls[number]
        for comment in review.get("comments", []):
            if comment["line"] not in _new_side_lines(pull.files.get(comment["path"], "")):
                return _json({"message": "Pull request review thread line must be part of the diff"}, 422)
        for comment in review.get("comments", []):
            self.review_comments.setdefault(number, []).append(
                {
                    "id": next(self._ids),
                    "path": comment["path"],
                    "line": comment["line"],
                    "original_line": comment["line"],
                    "body": comment["body"],
                    "user": {"login": self.identity, "id": 7, "type": "Bot"},
                }
            )
        self.reviews.setdefault(number, []).append(review)
        return _json({"id": next(self._ids), "body": review.get("body"), "state": "COMMENTED"})

    def _list_pulls(self, request: Request) -> Response:
        head = request.args.get("head", "")
        pulls = [
            {"number": p.number, "head": {"sha": p.head_sha, "ref": p.head_branch}, "state": "open"}
            for p in self.pulls.values()
            if not head or head == f"{p.head_owner}:{p.head_branch}"
        ]
        return self._page(request, pulls)


def _new_side_lines(patch: str) -> set[int]:
    """Lines of the new file that a hunk shows (added or unchanged), as GitHub accepts them."""
    lines: set[int] = set()
    current = None
    for line in patch.split("\n"):
        if line.startswith("@@"):
            current = int(line.split("+")[1].split(",")[0].split(" ")[0])
        elif current is not None and line[:1] in ("+", " "):
            lines.add(current)
            current += 1
    return lines


def start(server: HTTPServer, monkeypatch: Any) -> FakeGitHub:
    """The fake, with the client's waits between retries and writes shortened for tests."""
    from migration_reviewer.publishers import github_client

    monkeypatch.setattr(github_client, "BACKOFF", 0.0)
    monkeypatch.setattr(github_client, "SECONDS_BETWEEN_WRITES", 0.0)
    return FakeGitHub(server)


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(data), status=status, headers=headers, content_type="application/json")
