"""Whole reviews of an Alembic project, whose revisions Alembic itself runs in a subprocess.

    python bench/bench_alembic.py [--sizes 50,300] [--runs 3] [--output FILE]

For each history length, a synthetic Alembic project (each revision runs the SQL of bench_review.py's
history with `op.execute`) and a one-revision pull request, reviewed with the initialised data folder
cached (as after a machine's first run). Nothing of an Alembic replay is kept, so every review replays the
history: the figure is the median of `--runs` runs of the CLI in a fresh process, the sizes taking turns.
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
            commands[count] = review_command(repo, workdir / "r.json")
        measured: dict[int, list[float]] = defaultdict(list)
        cache = workdir / "cache"
        shutil.copytree(pristine, cache)
        env = {**environment, "MIGRATION_REVIEWER_CACHE_DIR": str(cache)}
        for _ in range(args.runs):
            for count in sizes:
                measured[count].append(_timed(commands[count], env)[0])

    lines = [
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; median of {args.runs} runs.",
        "",
        "| revisions | review |",
        "|---:|---:|",
        *(f"| {count} | {statistics.median(measured[count]):.2f} s |" for count in sizes),
    ]
    text = "\n".join(lines)
    print(text)
    if args.output:
        Path(args.output).write_text(text + "\n")


if __name__ == "__main__":
    main()
