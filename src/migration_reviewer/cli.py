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
from typing import TYPE_CHECKING, Any

from migration_reviewer import __version__
from migration_reviewer.adapters.base import Wrapping
from migration_reviewer.config import Settings, load_settings, parse_pg_version, parse_seconds
from migration_reviewer.errors import (
    EXIT_REVIEW_FAILED,
    EXIT_USAGE,
    ReviewerError,
    UsageError,
)

if TYPE_CHECKING:
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

    lint_cmd = commands.add_parser(
        "lint", help="check SQL files with the rules alone: no git, no replay (standard input with -)"
    )
    add_lint_arguments(lint_cmd)

    demo = commands.add_parser("demo", help="review a small bundled example project, to see the tool work")
    demo.add_argument("--format", choices=["terminal", "json", "markdown"], help="output format")
    demo.add_argument("--database", choices=["embedded", "url", "docker"], help="throwaway database provider")
    demo.add_argument("--database-url", help="server for --database url")
    demo.add_argument("--keep", action="store_true", help="keep the example repository and print its path")

    prepare = commands.add_parser(
        "prepare",
        help="make the embedded server's initialised data folders now, for an image or a machine's "
        "shared folder: a first review then starts without initdb",
    )
    prepare.add_argument(
        "--pg-bin-dir",
        action="append",
        help="server binaries to prepare for (repeatable; default: every PostgreSQL found on the machine)",
    )
    prepare.add_argument(
        "--into",
        help="where (default: $MIGRATION_REVIEWER_PREPARED_DIR, else /usr/local/share/migration-reviewer, "
        "which reviews read when their cache has none)",
    )

    commands.add_parser(
        "github",
        help="what the GitHub Action runs: review the event's change and publish (settings from INPUT_*)",
    )
    publish = commands.add_parser(
        "publish",
        help="publish a stored JSON report: job summary and pull-request comment (fork-safe second stage)",
    )
    publish.add_argument("--report", required=True, help="the JSON report (review --format json)")
    publish.add_argument("--pr", type=int, help="the pull request (default: the workflow run's)")
    publish.add_argument("--comment", choices=["update", "new", "off"], help="default: update")
    publish.add_argument("--template", help="a Jinja2 template for the comment (may extend comment.md.j2)")
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
        choices=["embedded", "url", "docker", "mysql", "sqlite"],
        help="embedded: a private PostgreSQL started for the review (default); url: scratch "
        "databases on a server you name; docker: a container image. SQLite (and D1) migrations always "
        "replay in temporary files; MySQL ones on the server of a mysql:// URL, or with docker",
    )
    db.add_argument(
        "--database-url",
        help="server for --database url, e.g. postgresql://postgres@localhost/postgres or "
        "mysql://root@127.0.0.1:3306/test (only a scratch database is written to)",
    )
    db.add_argument("--postgres-image", help="image for --database docker (default postgres:17)")
    db.add_argument(
        "--mysql-image", help="image for MySQL migrations with --database docker (default mysql:8.4)"
    )
    db.add_argument(
        "--pg-bin-dir",
        help="PostgreSQL server binaries for --database embedded, e.g. /usr/lib/postgresql/16/bin "
        "(default: the bundled server, or the installation here that has every extension the history "
        "creates)",
    )
    db.add_argument("--seed-rows", type=int, metavar="N",
                    help="synthetic rows per table the change touches, for the seeded replay (0: off)")
    db.add_argument("--cache-dir", help="where replayed base histories are kept between runs "
                    "(default: $MIGRATION_REVIEWER_CACHE_DIR, else ~/.cache/migration-reviewer)")
    db.add_argument("--no-cache", dest="cache", action="store_false", default=None,
                    help="replay the base history even when an earlier run kept it")
    db.add_argument("--statement-timeout", help="stop a statement after this long, e.g. 30s (default 5m)")
    db.add_argument("--timeout", help="stop the whole review after this long, e.g. 10m (default 30m)")
    add_rule_arguments(parser)

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


def add_rule_arguments(parser: argparse.ArgumentParser) -> None:
    rules = parser.add_argument_group("rules")
    rules.add_argument(
        "--pg-version",
        metavar="MAJOR",
        help="production's PostgreSQL major version, for the rules that depend on it; the embedded "
        "server runs the installation of that major where there is one (default: the replay server's; "
        "lint: 18)",
    )
    rules.add_argument(
        "--stats-from",
        metavar="URL",
        help="a production database to read table row estimates and sizes from (pg_class only, "
        "read-only), for time estimates",
    )


def add_lint_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "files", nargs="*", metavar="FILE", help="SQL files, in the order they run (- or none: stdin)"
    )
    parser.add_argument("--stdin-filepath", metavar="PATH", help="the name findings give standard input")
    parser.add_argument(
        "--wrapping",
        choices=[w.value for w in Wrapping],
        default=Wrapping.NONE.value,
        help="how the runner wraps each file in transactions (default none: each statement commits on "
        "its own unless the file says BEGIN)",
    )
    parser.add_argument(
        "--config", help="the config file (default: .migration-reviewer.toml or pyproject.toml here)"
    )
    add_rule_arguments(parser)
    out = parser.add_argument_group("output")
    out.add_argument("--format", choices=["terminal", "json", "markdown"], help="default: terminal")
    out.add_argument("--output", "-o", help="write the report to this file instead of standard output")
    out.add_argument(
        "--fail-on",
        choices=["error", "warning", "never"],
        help="exit 1 when a finding is at least this severe (default: error)",
    )
    color = out.add_mutually_exclusive_group()
    color.add_argument("--color", dest="color", action="store_true", default=None, help="colour the output")
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
        if args.command == "github":
            from migration_reviewer.action import run_github

            return run_github()
        if args.command == "publish":
            from migration_reviewer.action import run_publish

            return run_publish(args.report, pr=args.pr, comment=args.comment, template=args.template)
        if args.command == "demo":
            from migration_reviewer.demo import run_demo

            return run_demo(args, run_review)
        if args.command == "lint":
            return run_lint(args)
        if args.command == "prepare":
            return run_prepare(args)
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
        "mysql_image": args.mysql_image,
        "pg_bin_dir": args.pg_bin_dir,
        "fail_on": args.fail_on,
        "seed_rows": args.seed_rows,
        "cache_dir": args.cache_dir,
        "cache": args.cache,
        **_rule_flags(args),
    }
    if args.statement_timeout:
        flags["statement_timeout"] = parse_seconds(args.statement_timeout, "--statement-timeout")
    if args.timeout:
        flags["timeout"] = parse_seconds(args.timeout, "--timeout")
    if args.migrations:
        from migration_reviewer.config import parse_migration_dir

        flags["migrations"] = tuple(parse_migration_dir(entry, "--migrations") for entry in args.migrations)
    if args.exclude:
        flags["exclude"] = tuple(args.exclude)
    return flags


def _rule_flags(args: argparse.Namespace) -> dict[str, Any]:
    flags: dict[str, Any] = {"stats_from": args.stats_from}
    if args.pg_version:
        flags["pg_version"] = parse_pg_version(args.pg_version, "--pg-version")
    return flags


def run_lint(args: argparse.Namespace) -> int:
    flags = {"format": args.format, "output": args.output, "color": args.color, "fail_on": args.fail_on}
    settings = load_settings(".", {**flags, **_rule_flags(args)}, config_file=args.config)
    sources = []
    for name in args.files or ["-"]:
        if name == "-":
            sources.append((args.stdin_filepath or "<stdin>", sys.stdin.read()))
            continue
        try:
            sources.append((name, Path(name).read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read {name}: {exc}") from None
    # Not the pipeline: lint starts once per file save or commit, and needs none of the review's rooms.
    from migration_reviewer.linting import lint

    return _emit(lint(sources, settings, Wrapping(args.wrapping)), settings)


def run_prepare(args: argparse.Namespace) -> int:
    from migration_reviewer.replay.providers.embedded import prepare
    from migration_reviewer.replay.providers.installations import installations

    bin_dirs = [Path(d) for d in args.pg_bin_dir] if args.pg_bin_dir else [i.bin_dir for i in installations()]
    if not bin_dirs:
        raise UsageError("no PostgreSQL server binaries found", hint="name them with --pg-bin-dir")
    for archive in prepare(bin_dirs, Path(args.into) if args.into else None):
        print(f"migration-reviewer: prepared {archive}", file=sys.stderr)
    return 0


def run_review(settings: Settings) -> int:
    from migration_reviewer.replay.providers import begin_ahead

    # Before the pipeline's code loads, which takes longer than what begins here.
    begin_ahead(settings.database, settings.pg_bin_dir, settings.cache_dir, settings.pg_version)
    from migration_reviewer.pipeline import review

    progress = _progress_printer() if settings.format in (None, "terminal") and not settings.output else None
    return _emit(review(settings, progress), settings)


def _emit(report: Report, settings: Settings) -> int:
    """Render the report where the settings say, and the exit code it earns."""
    from migration_reviewer.report.model import exit_code

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
    # Each renderer loads only when asked for: the Markdown one brings Jinja2.
    if settings.format == "json":
        from migration_reviewer.renderers import json

        return json.render(report)
    if settings.format == "markdown":
        from migration_reviewer.renderers import comment

        return comment.render_comment(report, settings.template)
    from migration_reviewer.renderers import terminal

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


__all__ = ["main"]
