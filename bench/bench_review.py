"""Whole reviews against the physical floor, for histories of several lengths.

    python bench/bench_review.py [--sizes 50,300,1000] [--runs 3] [--output bench/RESULTS.md]

For each history length, a synthetic golang-migrate repository with a one-migration pull request:

- floor: a PostgreSQL server started for the purpose (our embedded one: a copy of an initialised data
  folder, then `postgres`), plus `psql -f` of the whole history on it; what any tool that executes the
  migrations must pay at least;
- cold: `migration-reviewer review` with an empty base cache (the initialised data folder is cached, as
  after the first run on a machine);
- warm: the same review again, starting from the base history kept by the cold run;
- warm, one-comment change: a review of a change that costs the server next to nothing (a COMMENT ON
  TABLE), from the same kept base: what a review costs beyond the change's own work.

Each figure is the median of `--runs` runs of the CLI in a fresh process (start-up and imports included);
memory is the peak resident size of the review process and the server together.
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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="50,300,1000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--output", help="also write the table to this Markdown file")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    environment = installed_environment()

    rows = []
    with tempfile.TemporaryDirectory(prefix="mr-bench-") as tmp:
        workdir = Path(tmp)
        pristine = workdir / "cache-pristine"
        with EmbeddedProvider(cache_dir=pristine).start():
            pass  # initialises the data folder once, as the first review on a machine does
        for count in sizes:
            repo = write_repository(workdir / f"repo-{count}", count)
            command = [
                sys.executable,
                "-m",
                "migration_reviewer",
                "review",
                "--repo",
                str(repo),
                "--base",
                "main",
                "--head",
                "feature",
                "--format",
                "json",
                "--output",
                str(workdir / "r.json"),
            ]
            tiny = [part if part != "feature" else "tiny" for part in command]
            floors, colds, warms, tinies, memory = [], [], [], [], []
            for _ in range(args.runs):
                floors.append(_floor(count, workdir, pristine))
                cache = workdir / f"cache-{count}"
                shutil.rmtree(cache, ignore_errors=True)
                shutil.copytree(pristine, cache)  # the initialised data folder only: no kept base yet
                env = {**environment, "MIGRATION_REVIEWER_CACHE_DIR": str(cache)}
                cold, cold_kb = _timed(command, env)
                warm, warm_kb = _timed(command, env)
                warm_tiny, tiny_kb = _timed(tiny, env)  # the same base: warm too
                colds.append(cold)
                warms.append(warm)
                tinies.append(warm_tiny)
                memory.append(max(cold_kb, warm_kb, tiny_kb))
            rows.append(
                (
                    count,
                    statistics.median(floors),
                    statistics.median(colds),
                    statistics.median(warms),
                    statistics.median(tinies),
                    max(memory) / 1024,
                )
            )

    lines = [
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; median of {args.runs} runs.",
        "",
        "| history | floor (start + psql -f) | review, cold | cold / floor | review, warm "
        "| warm, one-comment change | peak memory |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for count, floor, cold, warm, tiny, peak in rows:
        lines.append(
            f"| {count} | {floor:.2f} s | {cold:.2f} s | {cold / floor:.2f}x | {warm:.2f} s | {tiny:.2f} s "
            f"| {peak:.0f} MB |"
        )
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        lines += [
            "",
            f"Warm review, {last[0]} vs {first[0]} migrations: {last[3] / first[3]:.2f}x "
            f"(one-comment change: {last[4] / first[4]:.2f}x).",
        ]
    text = "\n".join(lines)
    print(text)
    if args.output:
        Path(args.output).write_text(text + "\n")


if __name__ == "__main__":
    main()
