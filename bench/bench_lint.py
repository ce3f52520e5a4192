"""Lint-only precision, recall and speed, side by side with Squawk.

    python bench/bench_lint.py            # both measurements
    python bench/bench_lint.py --no-speed

Precision and recall: every file of bench/corpus/ is one documented example, labelled `-- expect:
risky|safe` and `-- family: …` from its cited source (see bench/corpus/README.md). A tool flags a file
when it reports anything on it; ours counts findings of warning or error (info findings are notes),
Squawk counts every violation, and again without its style rules. Files Squawk flags rightly that we
miss are listed by name.

Speed: a 2-statement file, and a 5,000-statement file made of the corpus' statements, linted by
`migration-reviewer lint` (`--format json` for the long one) and by `squawk` (`--reporter json`) as
separate processes: CPU time of the whole process, best of nine, and the ratio.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
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
from migration_reviewer.replay.statements import split_sql

CORPUS = Path(__file__).parent / "corpus"
SQUAWK_ROW = "squawk (without style rules and require-statement-timeout)"
LABEL = re.compile(r"^--\s*expect:\s*(risky|safe)\s*$", re.M)
FAMILY = re.compile(r"^--\s*family:\s*(\S+)", re.M)
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
    family: str
    risky: bool
    ours: set[str] = field(default_factory=set)  # rule codes at warning or error
    ours_info: set[str] = field(default_factory=set)
    squawk: set[str] = field(default_factory=set)


def labelled_files() -> list[Labelled]:
    result = []
    for path in sorted(CORPUS.glob("*.sql")):
        text = path.read_text()
        label, family = LABEL.search(text), FAMILY.search(text)
        if label is None or family is None:
            raise SystemExit(f"{path.name}: no `-- expect:` or `-- family:` line")
        result.append(Labelled(path.name, family.group(1), label.group(1) == "risky"))
    return result


def run_ours(items: list[Labelled]) -> None:
    for item in items:
        report = lint([(item.path, (CORPUS / item.path).read_text())], Settings())
        for finding in report.findings:
            target = item.ours if finding.severity.value != "info" else item.ours_info
            target.add(finding.rule)


def run_squawk(items: list[Labelled], squawk: str) -> None:
    by_name = {item.path: item for item in items}
    done = subprocess.run(
        [squawk, "--reporter", "json", *by_name], cwd=CORPUS, capture_output=True, text=True, check=False
    )
    for violation in json.loads(done.stdout or "[]"):
        item = by_name.get(Path(violation["file"]).name)
        if item is not None:
            item.squawk.add(violation["rule_name"])


def score(items: list[Labelled], flagged: list[bool]) -> tuple[int, int, int, float, float]:
    tp = sum(1 for item, hit in zip(items, flagged, strict=True) if hit and item.risky)
    fp = sum(1 for item, hit in zip(items, flagged, strict=True) if hit and not item.risky)
    fn = sum(1 for item, hit in zip(items, flagged, strict=True) if not hit and item.risky)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return tp, fp, fn, precision, recall


def accuracy(squawk: str | None) -> None:
    items = labelled_files()
    run_ours(items)
    rows = {"migration-reviewer lint (warning, error)": lambda i: bool(i.ours)}
    rows["migration-reviewer lint (every finding)"] = lambda i: bool(i.ours or i.ours_info)
    if squawk:
        run_squawk(items, squawk)
        rows["squawk (every rule)"] = lambda i: bool(i.squawk)
        rows["squawk (without style rules)"] = lambda i: bool(i.squawk - SQUAWK_STYLE)
        # Ours reports a missing statement_timeout as a note only: compare like with like.
        rows[SQUAWK_ROW] = lambda i: bool(i.squawk - SQUAWK_STYLE - {"require-statement-timeout"})
    risky = sum(i.risky for i in items)
    safe = len(items) - risky
    print(f"{len(items)} labelled files ({risky} risky, {safe} safe) in {CORPUS.name}/\n")
    print("| tool | true positives | false positives | missed | precision | recall | safe files flagged |")
    print("|---|---|---|---|---|---|---|")
    for name, flags in rows.items():
        tp, fp, fn, precision, recall = score(items, [flags(i) for i in items])
        print(f"| {name} | {tp} | {fp} | {fn} | {precision:.2f} | {recall:.2f} | {fp / safe:.0%} |")
    print("\nPer family: recall, and safe files flagged (ours: warning and error; squawk: without style")
    print("rules and require-statement-timeout):\n")
    print("| family | risky | safe | ours recall | ours safe flagged | squawk recall | squawk safe flagged |")
    print("|---|---|---|---|---|---|---|")
    for family in sorted({i.family for i in items}):
        group = [i for i in items if i.family == family]
        risky_n = sum(i.risky for i in group)
        safe_n = len(group) - risky_n
        cells = []
        ours, theirs = rows["migration-reviewer lint (warning, error)"], rows.get(SQUAWK_ROW)
        for flags in (ours, theirs):
            if flags is None:
                cells += ["–", "–"]
                continue
            _tp, fp, _fn, _precision, recall = score(group, [flags(i) for i in group])
            cells += [f"{recall:.2f}" if risky_n else "–", f"{fp}/{safe_n}" if safe_n else "–"]
        print(f"| {family} | {risky_n} | {safe_n} | {' | '.join(cells)} |")
    print()
    for item in items:
        if item.risky and not item.ours:
            notes = f"info: {sorted(item.ours_info)}; squawk: {sorted(item.squawk)}"
            print(f"missed by us: {item.path} ({notes})")
        if not item.risky and item.ours:
            print(f"false positive of ours: {item.path} {sorted(item.ours)}")
        if item.risky and (item.squawk - SQUAWK_STYLE) and not item.ours:
            print(f"RISKY, FOUND BY SQUAWK, MISSED BY US: {item.path}")
    if squawk:
        noisy: dict[str, int] = {}
        for item in items:
            if not item.risky:
                for rule in item.squawk:
                    noisy[rule] = noisy.get(rule, 0) + 1
        counts = ", ".join(f"{rule} ×{n}" for rule, n in sorted(noisy.items()))
        print(f"\nsquawk rules firing on safe files: {counts}")


def _best_of(command: list[str], runs: int = 9) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of the whole process, each the best of `runs`: CPU time, user and
    system, says what the process costs whatever else the machine runs."""
    best_cpu = best_wall = float("inf")
    environment = installed_environment()
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environment, check=False
        )
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        best_cpu, best_wall = min(best_cpu, cpu), min(best_wall, wall)
    return best_cpu, best_wall


def _figure(times: tuple[float, float]) -> str:
    return f"{times[0] * 1000:.0f} ms ({times[1] * 1000:.0f} ms)"


SMALL = "ALTER TABLE users ADD COLUMN nick text;\nCREATE INDEX users_nick_idx ON users (nick);\n"


def speed(squawk: str | None, count: int = 5_000) -> None:
    statements = [
        statement.text
        for item in labelled_files()
        for statement in split_sql((CORPUS / item.path).read_text(), item.path)
        if item.family != "syntax"  # a file of errors says nothing about speed
    ]
    lines = []
    for index in range(count):
        text = statements[index % len(statements)]
        # Distinct index and constraint names, so the file reads like a long history, not one repeat.
        lines.append(re.sub(r"\b(\w+_(?:idx|key|fk|positive|not_null))\b", rf"\1_{index}", text) + ";")
    with tempfile.TemporaryDirectory() as folder:
        big, small = Path(folder) / "big.sql", Path(folder) / "small.sql"
        big.write_text("\n".join(lines) + "\n")
        small.write_text(SMALL)
        started = time.perf_counter()
        lint([(str(big), big.read_text())], Settings())
        in_process = time.perf_counter() - started
        print("\nlint speed, whole process, best of 9: CPU time (user + system), wall time in brackets")
        print("| file | migration-reviewer lint | squawk | ratio (CPU) |")
        print("|---|---|---|---|")
        for name, path, ours_flags, theirs_flags in (
            ("2 statements", small, [], []),
            (f"{count:,} statements, JSON", big, ["--format", "json"], ["--reporter", "json"]),
        ):
            ours = _best_of([sys.executable, "-m", "migration_reviewer", "lint", *ours_flags, str(path)])
            cells = [_figure(ours)]
            if squawk:
                theirs = _best_of([squawk, *theirs_flags, str(path)])
                cells += [_figure(theirs), f"{ours[0] / theirs[0]:.1f}x"]
            else:
                cells += ["–", "–"]
            print(f"| {name} | {' | '.join(cells)} |")
        print(f"\n({in_process:.2f} s of the {count:,}-statement run is linting, in one process)")


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
