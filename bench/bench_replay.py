"""How close the replay of a base history comes to the physical floor: `psql -f` of the same SQL on the
same server.

    python bench/bench_replay.py [--migrations 300] [--runs 5]

Both sides run against one embedded cluster, each into a fresh database. Reported: the median of the
runs for psql -f, for our replay of the base history alone, and for the whole `replay_set` (base history,
two schema snapshots, the pull request's migration with per-statement observation, the diff).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from synthetic import write_repository

from migration_reviewer.adapters import load_plan
from migration_reviewer.discovery.git import discover
from migration_reviewer.replay.engine import ReplayOptions, replay_set
from migration_reviewer.replay.providers.embedded import EmbeddedProvider, wheel_bin_dir


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--migrations", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="mr-bench-") as tmp:
        repo = write_repository(Path(tmp) / "repo", args.migrations)
        changes = discover(str(repo), "main", "feature")
        [migration_set] = load_plan(changes).sets
        history_sql = Path(tmp) / "history.sql"
        history_sql.write_text("\n".join(s.text for m in migration_set.base_migrations for s in m.up))
        statements = sum(s.text.count(";") for m in migration_set.base_migrations for s in m.up)
        psql = str(wheel_bin_dir() / "psql")

        floor, base, whole = [], [], []
        with EmbeddedProvider().start() as server:
            for _ in range(args.runs):
                database = server.create_database()
                started = time.perf_counter()
                subprocess.run(
                    [psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", str(history_sql), database.conninfo],
                    check=True,
                    capture_output=True,
                )
                floor.append(time.perf_counter() - started)
                server.drop_database(database)

                started = time.perf_counter()
                result = replay_set(migration_set, server, ReplayOptions())
                whole.append(time.perf_counter() - started)
                base.append(result.base_duration_ms / 1000)
                assert not result.base_failures and result.runs[0].error is None, (
                    "the synthetic history must replay"
                )

    def ms(values: list[float]) -> str:
        return f"{statistics.median(values) * 1000:8.1f} ms"

    floor_median = statistics.median(floor)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"PostgreSQL {server.server_version}"
    )
    print(f"history: {args.migrations} migrations, {statements} statements; median of {args.runs} runs\n")
    print(f"psql -f (floor)                    {ms(floor)}   1.00x")
    print(f"replay of the base history         {ms(base)}   {statistics.median(base) / floor_median:.2f}x")
    print(f"replay_set (base + PR + snapshots) {ms(whole)}   {statistics.median(whole) / floor_median:.2f}x")


if __name__ == "__main__":
    main()
