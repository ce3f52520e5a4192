"""Real projects' migration histories, replayed on the default database: does the base replay whole?

    python bench/real_histories.py [--corpus DIR] [--only NAME,…] [--last N] [--database-args "…"]

The corpus is a folder of real migration folders of public projects, one folder each, with a
`make_case.py NAME OUT_DIR [--last N]` beside them that builds a git repository whose `main` holds the
history but its last N migrations and whose `change` branch adds them (the layout of the shared corpus;
default: ../shared/corpus, else $MIGRATION_REVIEWER_CORPUS). Nothing of the corpus is copied here.

For each history, one review of that pull request in a fresh process, nothing cached (what a new user
sees first), and from its JSON report: the base migrations, how many of them failed and why (the root
causes RP002 and RP007 name, each with the later migrations that fail because of it), the verdict, the
server that ran, the findings and the size of the pull-request comment rendered from the report, and the
time. A history "replays whole" when no base migration failed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass
class Outcome:
    name: str
    base: int = 0
    failed: int = 0
    causes: list[str] = field(default_factory=list)  # "message (+N knock-ons)"
    verdict: str = ""
    server: str = ""
    findings: int = 0
    comment_chars: int = 0
    seeded: str = ""  # what the seeded replay filled: tables and rows, and the tables it could not
    seconds: float = 0.0
    problem: str = ""  # the case could not be built or the review did not run


def corpus_folder(given: str | None) -> Path:
    shared = HERE.parent.parent / "shared" / "corpus"
    for candidate in (given, os.environ.get("MIGRATION_REVIEWER_CORPUS"), shared):
        if candidate and Path(candidate, "make_case.py").is_file():
            return Path(candidate).resolve()
    sys.exit("no corpus: give --corpus DIR (a folder with make_case.py and one folder per history)")


def histories(corpus: Path, only: set[str]) -> list[str]:
    names = sorted(p.name for p in corpus.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
    return [name for name in names if not only or name in only]


def review_one(corpus: Path, name: str, last: int, extra: list[str], work: Path) -> Outcome:
    outcome = Outcome(name)
    case = work / name
    built = subprocess.run(
        [sys.executable, str(corpus / "make_case.py"), name, str(case), "--last", str(last)],
        capture_output=True,
        text=True,
        cwd=corpus,
    )
    if built.returncode != 0:
        outcome.problem = f"make_case failed: {(built.stderr or built.stdout).strip()[-200:]}"
        return outcome
    report_path = work / f"{name}.json"
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable, "-m", "migration_reviewer", "review", "--repo", str(case), "--base", "main",
            "--head", "change", "--no-cache", "--format", "json", "--output", str(report_path),
            "--fail-on", "never", *extra,
        ],
        capture_output=True,
        text=True,
    )
    outcome.seconds = time.perf_counter() - started
    if not report_path.is_file():
        outcome.problem = f"exit {done.returncode}: {done.stderr.strip()[-300:]}"
        return outcome
    report = json.loads(report_path.read_text())
    outcome.verdict = report["verdict"]
    outcome.findings = len(report["findings"])
    outcome.comment_chars = len(_comment(report_path))
    for migration_set in report["migration_sets"]:
        database = migration_set.get("database") or {}
        outcome.server = f"{database.get('provider') or '-'} {database.get('server_version') or ''}".strip()
        outcome.base += migration_set.get("base_migrations", 0)
        seeded = migration_set.get("seeded")
        if seeded:
            rows = sum(seeded.get("tables", {}).values())
            skipped = len(seeded.get("skipped", {}))
            outcome.seeded = f"{len(seeded.get('tables', {}))} tables, {rows:,} rows" + (
                f"; {skipped} not filled" if skipped else ""
            )
    for finding in report["findings"]:
        if finding["rule"] not in ("RP002", "RP007"):  # a base migration that fails, or a missing extension
            continue
        knock_ons = finding.get("knock_ons", [])
        outcome.failed += 1 + sum(1 for k in knock_ons if not k["changed"])
        said = finding["message"].split(": ", 1)[-1]
        cause = re.split(r" \(this fails|; ", said, maxsplit=1)[0]
        if "fails on any PostgreSQL" in said:
            cause += " [fails on any PostgreSQL]"
        outcome.causes.append(f"{cause} (+{len(knock_ons)})" if knock_ons else cause)
    return outcome


def _comment(report_path: Path) -> str:
    """The pull-request comment of a stored report, rendered by the version that made it."""
    from migration_reviewer.renderers.comment import render_comment
    from migration_reviewer.report.load import load_report

    return render_comment(load_report(report_path.read_bytes()))


def table(outcomes: list[Outcome]) -> str:
    rows = [
        "| history | base migrations | failed | verdict | server | findings | comment | seeded | time "
        "| causes |",
        "|---|---:|---:|---|---|---:|---:|---|---:|---|",
    ]
    for o in outcomes:
        if o.problem:
            rows.append(f"| {o.name} | | | | | | | | | {o.problem} |")
            continue
        causes = "; ".join(c.replace("|", "\\|") for c in o.causes) or "–"
        rows.append(
            f"| {o.name} | {o.base} | {o.failed} | {o.verdict} | {o.server} | {o.findings} "
            f"| {o.comment_chars:,} | {o.seeded or '–'} | {o.seconds:.1f} s | {causes} |"
        )
    whole = sum(1 for o in outcomes if not o.problem and o.failed == 0)
    rows.append("")
    rows.append(f"{whole} of {len(outcomes)} histories replay their whole base.")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus")
    parser.add_argument("--only", default="", help="comma-separated history names")
    parser.add_argument("--last", type=int, default=1, help="migrations the pull request adds")
    parser.add_argument("--database-args", default="", help='extra review flags, e.g. "--pg-bin-dir …"')
    parser.add_argument("--keep", help="a folder to keep the cases and their JSON reports in")
    args = parser.parse_args()
    corpus = corpus_folder(args.corpus)
    only = {n for n in args.only.split(",") if n}
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="mr-real-") as scratch:
        work = Path(args.keep or scratch)
        work.mkdir(parents=True, exist_ok=True)
        for name in histories(corpus, only):
            outcome = review_one(corpus, name, args.last, shlex.split(args.database_args), work)
            print(f"{name}: {outcome.failed} failed of {outcome.base}, {outcome.verdict or outcome.problem}",
                  file=sys.stderr)
            outcomes.append(outcome)
    print(table(outcomes))


if __name__ == "__main__":
    main()
