"""How long the embedded provider takes to give a usable server, and to take it away again.

    python bench/bench_cluster_start.py [--runs 7] [--system-bin-dir /usr/lib/postgresql/15/bin]

For the wheel's binaries and the system's, with the cluster's folder on tmpfs and on disk: the median
(and range) over the runs of the time from `start()` to a first successful `SELECT 1`, and of the
teardown (stop the server, remove the folder). "first start" is one start with an empty cache, which
runs initdb; every other start copies the cached data folder. The cache is a temporary one, removed at
the end.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import psycopg

from migration_reviewer.replay.providers.embedded import TMPFS, EmbeddedProvider


def one_run(provider: EmbeddedProvider) -> tuple[float, float]:
    """(start to SELECT 1, teardown) in seconds."""
    started = time.perf_counter()
    with provider.run() as server, psycopg.connect(server.admin_conninfo) as conn:
        conn.execute("SELECT 1").fetchone()
        ready = time.perf_counter()
    return ready - started, time.perf_counter() - ready


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


def spread(samples: list[float]) -> str:
    return f"{ms(statistics.median(samples))} ({ms(min(samples))}–{ms(max(samples))})"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--system-bin-dir", default="/usr/lib/postgresql/15/bin")
    args = parser.parse_args()

    binaries: list[tuple[str, str | None]] = [("wheel", None)]
    if (Path(args.system_bin_dir) / "postgres").is_file():
        binaries.append(("system", args.system_bin_dir))
    storages: list[tuple[str, str]] = [("disk", tempfile.gettempdir())]
    if TMPFS.is_dir():
        storages.insert(0, ("tmpfs", str(TMPFS)))

    print(
        f"{platform.node()}: {os.cpu_count()} cores, Python {platform.python_version()}, uid {os.geteuid()}"
    )
    print(f"{args.runs} runs each; times in ms, median (min–max)\n")
    header = ("binaries", "server", "storage", "first start", "start → SELECT 1", "teardown")
    rows = [header]
    for label, bin_dir in binaries:
        for storage, root in storages:
            temp_root = Path(tempfile.mkdtemp(prefix="mr-bench-", dir=root))
            temp_root.chmod(0o755)  # as root the server runs as another user, who must pass through
            cache = Path(tempfile.mkdtemp(prefix="mr-bench-cache-"))
            try:
                provider = EmbeddedProvider(bin_dir, temp_root=temp_root, cache_dir=cache)
                first, _ = one_run(provider)
                with provider.run() as server:
                    version = server.server_version
                starts, stops = zip(*(one_run(provider) for _ in range(args.runs)), strict=True)
            finally:
                shutil.rmtree(temp_root, ignore_errors=True)
                shutil.rmtree(cache, ignore_errors=True)
            rows.append((label, version, storage, ms(first), spread(list(starts)), spread(list(stops))))

    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for index, row in enumerate(rows):
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
        if index == 0:
            print("  ".join("-" * width for width in widths))


if __name__ == "__main__":
    main()
