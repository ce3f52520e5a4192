"""Lint-only precision, recall and speed, side by side with Squawk.

    python bench/bench_lint.py            # both measurements
    python bench/bench_lint.py --no-speed

Precision and recall: every statement of bench/corpus/*.sql carries a label (`-- expect: risky|safe`,
see bench/corpus/README.md). A tool flags a statement when it reports anything on it; ours counts
findings of warning or error (info findings are notes), Squawk counts every violation, and again
without its style rules. A statement Squawk flags rightly that we miss is listed by name: there must
be none.

Speed: a 5,000-statement file made of the corpus' statements, linted by `migration-reviewer lint
--format json` and by `squawk --reporter json` as separate processes (best of three), as a ratio.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from installed import installed_environment

from migration_reviewer.config import Settings
from migration_reviewer.pipeline import lint
from migration_reviewer.replay.statements import Statement, split_sql

CORPUS = Path(__file__).parent / "corpus"
LABEL = re.compile(r"--\s*expect:\s*(risky|safe)")
# Squawk rules about style or conventions rather than what a statement does to a live table.
SQUAWK_STYLE = {
    "prefer-robust-stmts",
    "prefer-text-field",
    "prefer-bigint-over-int",
    "prefer-bigint-over-smallint",
    "prefer-identity",
    "prefer-timestamptz",
    "ban-char-field",
    "require-enum-value-ordering",
    "identifier-too-long",
}


@dataclass
class Labelled:
    path: str
    statement: Statement
    risky: bool
    ours: set[str] = field(default_factory=set)  # rule codes at warning or error
    ours_info: set[str] = field(default_factory=set)
    squawk: set[str] = field(default_factory=set)

    def covers(self, line: int) -> bool:
        return self.statement.line <= line <= self.statement.end_line


def labelled_statements() -> list[Labelled]:
    result = []
    for path in sorted(CORPUS.glob("*.sql")):
        for statement in split_sql(path.read_text(), str(path.relative_to(CORPUS))):
            match = LABEL.search(statement.comments)
            if match:
                result.append(Labelled(statement.path, statement, match.group(1) == "risky"))
    return result


def run_ours(items: list[Labelled]) -> None:
    for path in sorted({item.path for item in items}):
        report = lint([(path, (CORPUS / path).read_text())], Settings())
        for finding in report.findings:
            for item in items:
                if item.path == finding.path and finding.line is not None and item.covers(finding.line):
                    target = item.ours if finding.severity.value != "info" else item.ours_info
                    target.add(finding.rule)


def run_squawk(items: list[Labelled], squawk: str) -> None:
    files = sorted({item.path for item in items})
    done = subprocess.run(
        [squawk, "--reporter", "json", *files], cwd=CORPUS, capture_output=True, text=True, check=False
    )
    for violation in json.loads(done.stdout or "[]"):
        line = int(violation["line"]) + 1  # Squawk counts lines from 0
        path = Path(violation["file"]).name
        for item in items:
            if item.path == path and item.covers(line):
                item.squawk.add(violation["rule_name"])


def score(items: list[Labelled], flagged: list[bool]) -> tuple[int, int, int, float, float]:
    tp = sum(1 for item, hit in zip(items, flagged, strict=True) if hit and item.risky)
    fp = sum(1 for item, hit in zip(items, flagged, strict=True) if hit and not item.risky)
    fn = sum(1 for item, hit in zip(items, flagged, strict=True) if not hit and item.risky)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return tp, fp, fn, precision, recall


def accuracy(squawk: str | None) -> None:
    items = labelled_statements()
    run_ours(items)
    rows = {"migration-reviewer lint (warning, error)": [bool(i.ours) for i in items]}
    rows["migration-reviewer lint (every finding)"] = [bool(i.ours or i.ours_info) for i in items]
    if squawk:
        run_squawk(items, squawk)
        rows["squawk (every rule)"] = [bool(i.squawk) for i in items]
        rows["squawk (without style rules)"] = [bool(i.squawk - SQUAWK_STYLE) for i in items]
        rows["squawk (without style rules, statement timeout)"] = [
            bool(i.squawk - SQUAWK_STYLE - {"require-statement-timeout"}) for i in items
        ]
    risky = sum(i.risky for i in items)
    print(f"{len(items)} labelled statements ({risky} risky, {len(items) - risky} safe) in {CORPUS.name}/\n")
    print("| tool | true positives | false positives | missed | precision | recall |")
    print("|---|---|---|---|---|---|")
    for name, flagged in rows.items():
        tp, fp, fn, precision, recall = score(items, flagged)
        print(f"| {name} | {tp} | {fp} | {fn} | {precision:.2f} | {recall:.2f} |")
    print()
    for item in items:
        where = f"{item.path}:{item.statement.line}"
        if item.risky and not item.ours:
            print(f"missed by us: {where} {item.statement.text[:70]!r} (squawk: {sorted(item.squawk)})")
        if not item.risky and item.ours:
            print(f"false positive of ours: {where} {sorted(item.ours)}")
        if item.risky and (item.squawk - SQUAWK_STYLE) and not item.ours:
            print(f"RISKY, FOUND BY SQUAWK, MISSED BY US: {where}")
    if squawk:
        noisy: dict[str, int] = {}
        for item in items:
            if not item.risky:
                for rule in item.squawk:
                    noisy[rule] = noisy.get(rule, 0) + 1
        counts = ", ".join(f"{rule} ×{n}" for rule, n in sorted(noisy.items()))
        print(f"\nsquawk rules firing on safe statements: {counts}")


def _best_of(command: list[str], runs: int = 3) -> float:
    best = float("inf")
    environment = installed_environment()
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environment, check=False
        )
        best = min(best, time.perf_counter() - started)
    return best


def speed(squawk: str | None, count: int = 5_000) -> None:
    statements = [item.statement.text for item in labelled_statements()]
    lines = []
    for index in range(count):
        text = statements[index % len(statements)]
        # Distinct index and constraint names, so the file reads like a long history, not one repeat.
        lines.append(re.sub(r"\b(\w+_(?:idx|key|fk|positive|not_null))\b", rf"\1_{index}", text) + ";")
    with tempfile.TemporaryDirectory() as folder:
        big = Path(folder) / "big.sql"
        big.write_text("\n".join(lines) + "\n")
        ours = _best_of([sys.executable, "-m", "migration_reviewer", "lint", "--format", "json", str(big)])
        started = time.perf_counter()
        lint([(str(big), big.read_text())], Settings())
        in_process = time.perf_counter() - started
        print(f"\nlint speed on {count:,} statements (best of 3, whole process):")
        print(f"  migration-reviewer lint --format json: {ours:.2f} s ({in_process:.2f} s of it linting)")
        if squawk:
            theirs = _best_of([squawk, "--reporter", "json", str(big)])
            print(f"  squawk --reporter json:                {theirs:.2f} s")
            print(f"  ratio (ours / squawk):                 {ours / theirs:.1f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--no-speed", action="store_true")
    args = parser.parse_args()
    squawk = shutil.which("squawk")
    if squawk is None:
        print("squawk is not installed (pip install squawk-cli): showing our figures only\n")
    accuracy(squawk)
    if not args.no_speed:
        speed(squawk)
    return 0


if __name__ == "__main__":
    sys.exit(main())
