"""Whole reviews of an Alembic project, whose revisions Alembic itself runs in a subprocess.

    python bench/bench_alembic.py [--sizes 50,300] [--runs 3] [--output FILE]

For each history length, a synthetic Alembic project (each revision runs the SQL of bench_review.py's
history with `op.execute`) and a one-revision pull request:

- cold: the review with nothing kept (the initialised data folder is cached, as after a machine's first run);
- warm: the same review again, from the base kept by the cold one;
- warm, base 2 revisions ahead: from the base kept by a review on the base branch two revisions earlier;
  Alembic upgrades the kept base by the two.

Each figure is the median of `--runs` runs of the CLI in a fresh process, the sizes taking turns.
"""

from __future__ import annotations

import os
import platform
import shutil
import statistics
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_review import _timed, initialised_cache, options, review_command
from installed import installed_environment
from synthetic import write_alembic_repository


def main() -> None:
    args = options(__doc__, "50,300")
    sizes = args.sizes
    environment = installed_environment()

    with tempfile.TemporaryDirectory(prefix="mr-bench-") as tmp:
        workdir = Path(tmp)
        pristine = initialised_cache(workdir)
        commands = {}
        for count in sizes:
            repo = write_alembic_repository(workdir / f"repo-{count}", count)
            command = review_command(repo, workdir / "r.json")
            commands[count] = (command, [part if part != "main" else "behind" for part in command])
        measured: dict[int, dict[str, list[float]]] = {count: defaultdict(list) for count in sizes}
        for _ in range(args.runs):
            for count in sizes:
                command, behind = commands[count]
                cache = workdir / f"cache-{count}"
                shutil.rmtree(cache, ignore_errors=True)
                shutil.copytree(pristine, cache)  # the initialised data folder only: nothing kept yet
                env = {**environment, "MIGRATION_REVIEWER_CACHE_DIR": str(cache)}
                measured[count]["cold"].append(_timed(command, env)[0])
                measured[count]["warm"].append(_timed(command, env)[0])
                shutil.rmtree(cache / "bases")
                _timed(behind, env)
                measured[count]["caught_up"].append(_timed(command, env)[0])

    lines = [
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; median of {args.runs} runs.",
        "",
        "| revisions | review, cold | review, warm | warm, base 2 revisions ahead | warm / cold |",
        "|---:|---:|---:|---:|---:|",
    ]
    for count in sizes:
        cold, warm, caught_up = (statistics.median(measured[count][k]) for k in ("cold", "warm", "caught_up"))
        lines.append(f"| {count} | {cold:.2f} s | {warm:.2f} s | {caught_up:.2f} s | {warm / cold:.2f} |")
    text = "\n".join(lines)
    print(text)
    if args.output:
        Path(args.output).write_text(text + "\n")


if __name__ == "__main__":
    main()
