"""The GitHub API client, set up for a CI job: the API of the server the workflow runs on (Enterprise
too), 100 items a page, retries of server errors, and a bounded wait for rate limits."""

from __future__ import annotations

from github import Auth, Github, GithubException, GithubRetry, RateLimitExceededException

from migration_reviewer import __version__
from migration_reviewer.github_env import ACTIONS_BOT

# Longer than this and a rate-limited call fails instead of sleeping the job away.
MAX_RATE_LIMIT_WAIT = 120.0
RETRIES = 3
BACKOFF = 1.0  # seconds, doubled for each retry of a server error
SECONDS_BETWEEN_WRITES = 1.0  # GitHub's secondary limits punish bursts of content creation


def connect(token: str, api_url: str) -> Github:
    # Read at call time, so tests can shorten the waits.
    retry = GithubRetry(total=RETRIES, backoff_factor=BACKOFF, max_rate_limit_wait=MAX_RATE_LIMIT_WAIT)
    return Github(
        auth=Auth.Token(token),
        base_url=api_url,
        per_page=100,
        retry=retry,
        timeout=30,
        user_agent=f"migration-reviewer/{__version__}",
        seconds_between_requests=None,
        seconds_between_writes=SECONDS_BETWEEN_WRITES or None,
        lazy=True,  # objects from known URLs: no GET of the repository or pull request first
    )


def own_login(client: Github, token: str, configured: str) -> str:
    """The login our comments are posted under. A personal token can ask the API. Installation tokens
    (`ghs_`: the workflow's token, an app's) cannot; the workflow's posts as the Actions bot, an app's
    as `<app>[bot]`, which `configured` names."""
    if configured:
        return configured
    if token.startswith("ghs_"):
        return ACTIONS_BOT
    try:
        return client.get_user().login
    except GithubException:
        return ACTIONS_BOT


def is_read_only(exc: GithubException) -> bool:
    """A 403 that is about permissions (a fork's token, a workflow without `pull-requests: write`), not
    a rate limit."""
    return exc.status == 403 and not isinstance(exc, RateLimitExceededException)


def describe(exc: GithubException) -> str:
    message = exc.data.get("message") if isinstance(exc.data, dict) else None
    return f"{exc.status} {message}" if message else str(exc.status)
