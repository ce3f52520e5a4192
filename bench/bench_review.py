"""Whole reviews against the physical floor, for histories of several lengths.

    python bench/bench_review.py [--sizes 50,300,1000] [--runs 3] [--output bench/RESULTS.md]

For each history length, a synthetic golang-migrate repository with a one-migration pull request:

- floor: a PostgreSQL server started for the purpose (our embedded one: a copy of an initialised data
  folder, then `postgres`), plus `psql -f` of the whole history on it; what any tool that executes the
  migrations must pay at least;
- cold: `migration-reviewer review` with an empty base cache (the initialised data folder is cached, as
  after the first run on a machine);
- nothing cached: the same review on a machine that has run none before (a CI runner without a cache:
  `initdb` too), beside the floor with `initdb` (what the first start adds to a start from a copy);
- warm: the same review again, starting from the base history kept by the cold run;
- warm, one-comment change: a review of a change that costs the server next to nothing (a COMMENT ON
  TABLE), from the same kept base: what a review costs beyond the change's own work;
- warm, base 2 migrations ahead: the review, from the history kept two base migrations earlier (another
  pull request merged since): the review catches the kept base up instead of replaying it all.

Each figure is the median of `--runs` runs of the CLI in a fresh process (start-up and imports included),
the sizes taking turns run after run; memory is the peak resident size of the review process and the
server together.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from installed import installed_environment
from synthetic import history, write_repository

from migration_reviewer.replay.providers.embedded import EmbeddedProvider, wheel_bin_dir


def _timed(command: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall time of a command, and the peak resident size (KB) of it and its children."""
    started = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "%M", *command], env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr}")
    peak_kb = int(done.stderr.strip().splitlines()[-1])
    return elapsed, peak_kb


# The medians reported, in the order of a row (peak memory, the maximum, last).
_COLUMNS = ("initdb", "floor", "first", "cold", "warm", "tiny", "caught_up", "memory")


def _initdb_and_start(cache_dir: Path) -> float:
    """What a server costs beyond a copy of an initialised folder when nothing is cached: `initdb`, then
    the first start (the copy and the start are in the floor already)."""
    shutil.rmtree(cache_dir, ignore_errors=True)
    started = time.perf_counter()
    with EmbeddedProvider(cache_dir=cache_dir).start():
        pass
    elapsed = time.perf_counter() - started
    started = time.perf_counter()
    with EmbeddedProvider(cache_dir=cache_dir).start():
        pass
    shutil.rmtree(cache_dir)
    return max(elapsed - (time.perf_counter() - started), 0.0)


def _floor(count: int, workdir: Path, cache_dir: Path) -> float:
    sql_file = workdir / f"history-{count}.sql"
    sql_file.write_text("\n".join(history(count)))
    started = time.perf_counter()
    with EmbeddedProvider(cache_dir=cache_dir).start() as server:
        database = server.create_database()
        subprocess.run(
            [
                str(wheel_bin_dir() / "psql"),
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-f",
                str(sql_file),
                database.conninfo,
            ],
            check=True,
            capture_output=True,
        )
        elapsed = time.perf_counter() - started
        server.drop_database(database)
    return elapsed


def options(description: str | None, sizes: str) -> argparse.Namespace:
    """--sizes (as a list of ints), --runs, --output: what every whole-review benchmark takes."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default=sizes)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--output", help="also write the table to this Markdown file")
    args = parser.parse_args()
    args.sizes = [int(s) for s in args.sizes.split(",")]
    return args


def initialised_cache(workdir: Path) -> Path:
    """A cache folder that holds the initialised data folder only, as after the first review on a machine."""
    pristine = workdir / "cache-pristine"
    with EmbeddedProvider(cache_dir=pristine).start():
        pass
    return pristine


def review_command(repo: Path, output: Path) -> list[str]:
    """The review of the branch `feature` against `main`, as a JSON report."""
    return [
        sys.executable, "-m", "migration_reviewer", "review", "--repo", str(repo), "--base", "main",
        "--head", "feature", "--format", "json", "--output", str(output),
    ]


def main() -> None:
    args = options(__doc__, "50,300,1000")
    sizes = args.sizes
    environment = installed_environment()

    with tempfile.TemporaryDirectory(prefix="mr-bench-") as tmp:
        workdir = Path(tmp)
        pristine = initialised_cache(workdir)
        commands = {}
        for count in sizes:
            repo = write_repository(workdir / f"repo-{count}", count)
            command = review_command(repo, workdir / "r.json")
            commands[count] = (
                command,
                [part if part != "feature" else "tiny" for part in command],
                [part if part != "main" else "behind" for part in command],
            )
        measured: dict[int, dict[str, list[float]]] = {count: defaultdict(list) for count in sizes}
        # Round after round over every size, rather than size after size: a change in the machine's load
        # then weighs on every size alike, and the ratios between sizes stay fair.
        for _ in range(args.runs):
            for count in sizes:
                command, tiny, behind = commands[count]
                figures = measured[count]
                figures["initdb"].append(_initdb_and_start(workdir / "initdb"))
                figures["floor"].append(_floor(count, workdir, pristine))
                cache = workdir / f"cache-{count}"
                shutil.rmtree(cache, ignore_errors=True)
                # Nothing cached at all, as on a new machine or a CI runner without a cache: initdb too.
                env = {**environment, "MIGRATION_REVIEWER_CACHE_DIR": str(cache)}
                first, first_kb = _timed(command, env)
                shutil.rmtree(cache)
                shutil.copytree(pristine, cache)  # the initialised data folder only: no kept base yet
                cold, cold_kb = _timed(command, env)
                warm, warm_kb = _timed(command, env)
                warm_tiny, tiny_kb = _timed(tiny, env)  # the same base: warm too
                # The base branch gained two migrations since the history was kept: kept from the review
                # of the same change on the older base, then caught up.
                shutil.rmtree(cache / "bases")
                _timed(behind, env)
                caught_up, caught_up_kb = _timed(command, env)
                figures["first"].append(first)
                figures["cold"].append(cold)
                figures["warm"].append(warm)
                figures["tiny"].append(warm_tiny)
                figures["caught_up"].append(caught_up)
                figures["memory"].append(max(first_kb, cold_kb, warm_kb, tiny_kb, caught_up_kb) / 1024)
        rows = [
            (
                count,
                *(statistics.median(measured[count][name]) for name in _COLUMNS[:-1]),
                max(measured[count]["memory"]),
            )
            for count in sizes
        ]

    lines = [
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; median of {args.runs} runs.",
        "",
        "| history | floor (start + psql -f) | review, cold | cold / floor | review, warm "
        "| warm, one-comment change | warm, base 2 migrations ahead | floor with initdb "
        "| review, nothing cached | nothing cached / floor | peak memory |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for count, initdb, floor, first, cold, warm, tiny, caught_up, peak in rows:
        lines.append(
            f"| {count} | {floor:.2f} s | {cold:.2f} s | {cold / floor:.2f}x | {warm:.2f} s | {tiny:.2f} s "
            f"| {caught_up:.2f} s | {initdb + floor:.2f} s | {first:.2f} s | {first / (initdb + floor):.2f}x "
            f"| {peak:.0f} MB |"
        )
    if len(rows) > 1:
        low, high = rows[0], rows[-1]
        lines += [
            "",
            f"Warm review, {high[0]} vs {low[0]} migrations: {high[5] / low[5]:.2f}x "
            f"(one-comment change: {high[6] / low[6]:.2f}x).",
        ]
    text = "\n".join(lines)
    print(text)
    if args.output:
        Path(args.output).write_text(text + "\n")


if __name__ == "__main__":
    main()
