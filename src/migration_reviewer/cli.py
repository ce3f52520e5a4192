"""Command line: flags become Settings, the pipeline runs, a renderer writes, the exit code says how it went.

Exit codes: 0 clean (or findings below --fail-on), 1 findings at or above --fail-on, 2 usage or
configuration error, 3 the review itself could not run.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from migration_reviewer import __version__
from migration_reviewer.config import Settings, load_settings, parse_seconds
from migration_reviewer.errors import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    EXIT_REVIEW_FAILED,
    EXIT_USAGE,
    ReviewerError,
)
from migration_reviewer.pipeline import review
from migration_reviewer.renderers import comment, json, terminal
from migration_reviewer.report.model import Report

EXIT_INTERRUPTED = 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="migration-reviewer",
        description="Replays the database migrations a change adds on a throwaway database and reviews "
        "what really happens: errors, schema changes, risks.",
    )
    parser.add_argument("--version", action="version", version=f"migration-reviewer {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    review_cmd = commands.add_parser("review", help="review the migrations changed between two revisions")
    add_review_arguments(review_cmd)

    demo = commands.add_parser("demo", help="review a small bundled example project, to see the tool work")
    demo.add_argument("--format", choices=["terminal", "json", "markdown"], help="output format")
    demo.add_argument("--database", choices=["embedded", "url", "docker"], help="throwaway database provider")
    demo.add_argument("--database-url", help="server for --database url")
    demo.add_argument("--keep", action="store_true", help="keep the example repository and print its path")
    return parser


def add_review_arguments(parser: argparse.ArgumentParser) -> None:
    where = parser.add_argument_group("what to review")
    where.add_argument("--repo", default=".", help="the git repository (default: the current directory)")
    where.add_argument(
        "--base",
        help="compare with this revision (default: merge-base with origin/HEAD, else main or master)",
    )
    where.add_argument("--head", help="the revision to review (default: HEAD; WORKTREE for uncommitted work)")
    where.add_argument(
        "--migrations",
        action="append",
        metavar="[FRAMEWORK:]PATH",
        help="a migration folder to review (repeatable; default: detect every folder). "
        "Frameworks: golang-migrate, dbmate, supabase, prisma, drizzle, plain-sql",
    )
    where.add_argument(
        "--exclude", action="append", metavar="GLOB", help="folders never reviewed (repeatable)"
    )

    db = parser.add_argument_group("throwaway database")
    db.add_argument(
        "--database",
        choices=["embedded", "url", "docker"],
        help="embedded: a private PostgreSQL started for the review (default); url: scratch "
        "databases on a server you name; docker: a container image",
    )
    db.add_argument(
        "--database-url",
        help="server for --database url, e.g. postgresql://postgres@localhost/postgres "
        "(only a scratch database is written to)",
    )
    db.add_argument("--postgres-image", help="image for --database docker (default postgres:17)")
    db.add_argument(
        "--pg-bin-dir",
        help="PostgreSQL server binaries for --database embedded, e.g. "
        "/usr/lib/postgresql/16/bin (default: the bundled server)",
    )
    db.add_argument("--statement-timeout", help="stop a statement after this long, e.g. 30s (default 5m)")

    out = parser.add_argument_group("output")
    out.add_argument(
        "--format",
        choices=["terminal", "json", "markdown"],
        help="terminal text (default), the JSON report, or the Markdown pull-request comment",
    )
    out.add_argument("--output", "-o", help="write the report to this file instead of standard output")
    out.add_argument("--template", help="a Jinja2 template for --format markdown (may extend comment.md.j2)")
    out.add_argument(
        "--fail-on",
        choices=["error", "warning", "never"],
        help="exit 1 when a finding is at least this severe (default: error)",
    )
    color = out.add_mutually_exclusive_group()
    color.add_argument(
        "--color", dest="color", action="store_true", default=None, help="colour the terminal output"
    )
    color.add_argument("--no-color", dest="color", action="store_false", help="never colour the output")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # CI cancels a job with SIGTERM: unwind like Ctrl-C, so every server and scratch database is removed.
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        if args.command == "demo":
            from migration_reviewer.demo import run_demo

            return run_demo(args, run_review)
        settings = load_settings(args.repo, _flags(args))
        return run_review(settings)
    except ReviewerError as exc:
        print(f"migration-reviewer: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"  hint: {exc.hint}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("migration-reviewer: interrupted; everything it started was stopped", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug of ours: say so in one line, keep the traceback for those who ask
        if os.environ.get("MIGRATION_REVIEWER_DEBUG"):
            raise
        print(f"migration-reviewer: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        print(
            "  hint: rerun with MIGRATION_REVIEWER_DEBUG=1 for the traceback, and report it", file=sys.stderr
        )
        return EXIT_REVIEW_FAILED


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _flags(args: argparse.Namespace) -> dict[str, Any]:
    flags: dict[str, Any] = {
        "base": args.base,
        "head": args.head,
        "format": args.format,
        "output": args.output,
        "template": args.template,
        "color": args.color,
        "database": args.database,
        "database_url": args.database_url,
        "postgres_image": args.postgres_image,
        "pg_bin_dir": args.pg_bin_dir,
        "fail_on": args.fail_on,
    }
    if args.statement_timeout:
        flags["statement_timeout"] = parse_seconds(args.statement_timeout, "--statement-timeout")
    if args.migrations:
        from migration_reviewer.config import parse_migration_dir

        flags["migrations"] = tuple(parse_migration_dir(entry, "--migrations") for entry in args.migrations)
    if args.exclude:
        flags["exclude"] = tuple(args.exclude)
    return flags


def run_review(settings: Settings) -> int:
    progress = _progress_printer() if settings.format in (None, "terminal") and not settings.output else None
    report = review(settings, progress)
    text = render(report, settings)
    if settings.output:
        Path(settings.output).write_text(text, encoding="utf-8")
        print(
            f"migration-reviewer: wrote {settings.output} (verdict: {report.verdict.value})", file=sys.stderr
        )
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    return exit_code(report, settings.fail_on)


def render(report: Report, settings: Settings) -> str:
    if settings.format == "json":
        return json.render(report)
    if settings.format == "markdown":
        return comment.render(report, settings.template)
    color = settings.color if settings.color is not None else _wants_color(settings)
    return terminal.render(report, color=color)


def _wants_color(settings: Settings) -> bool:
    return not settings.output and sys.stdout.isatty() and "NO_COLOR" not in os.environ


def _progress_printer() -> Any:
    if not sys.stderr.isatty() or os.environ.get("CI"):
        return None  # progress lines are noise in CI logs and pipes

    def say(message: str) -> None:
        print(f"\x1b[2m… {message}\x1b[0m", file=sys.stderr)

    return say


def exit_code(report: Report, fail_on: str) -> int:
    if fail_on == "never":
        return EXIT_CLEAN
    threshold = {"error": ("error",), "warning": ("error", "warning")}[fail_on]
    return EXIT_FINDINGS if any(f.severity.value in threshold for f in report.findings) else EXIT_CLEAN


__all__ = ["main"]
