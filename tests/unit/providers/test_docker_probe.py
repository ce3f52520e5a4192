"""The Docker daemon check, against real sockets: a daemon that answers, one that does not, none at all."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from migration_reviewer.errors import DatabaseUnavailable
from migration_reviewer.replay.providers.docker import NO_DOCKER_HINT, check_docker

SRC = Path(__file__).resolve().parents[3] / "src"


@contextmanager
def _serve(path: Path, reply: bytes | None) -> Iterator[None]:
    """A unix socket at `path` that answers each request with `reply`, or says nothing when None."""
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen()
    done = threading.Event()

    def loop() -> None:
        while not done.is_set():
            try:
                conn, _ = server.accept()
            except OSError:  # closed at the end of the test
                return
            with conn:
                conn.recv(1024)
                if reply is not None:
                    conn.sendall(reply)
                else:
                    done.wait(2)

    threading.Thread(target=loop, daemon=True).start()
    try:
        yield
    finally:
        done.set()
        server.close()


@pytest.fixture
def socket_dir() -> Iterator[Path]:
    # A short path: unix socket paths are limited to about 100 bytes, and pytest's tmp_path can be longer.
    with tempfile.TemporaryDirectory(prefix="mr-docker-") as folder:
        yield Path(folder)


def test_a_daemon_that_answers_ping_passes(socket_dir: Path) -> None:
    path = socket_dir / "docker.sock"
    with _serve(path, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK"):
        check_docker(f"unix://{path}")


def test_something_else_on_the_socket_is_not_a_daemon(socket_dir: Path) -> None:
    path = socket_dir / "docker.sock"
    with (
        _serve(path, b"HTTP/1.1 404 Not Found\r\n\r\n"),
        pytest.raises(DatabaseUnavailable, match="does not answer like a Docker daemon"),
    ):
        check_docker(f"unix://{path}")


def test_a_silent_daemon_times_out_quickly(socket_dir: Path) -> None:
    path = socket_dir / "docker.sock"
    with _serve(path, None):
        started = time.perf_counter()
        with pytest.raises(DatabaseUnavailable, match=r"does not answer within 0\.2 s"):
            check_docker(f"unix://{path}", timeout=0.2)
        assert time.perf_counter() - started < 1.0


def test_a_socket_nobody_listens_on_is_refused(socket_dir: Path) -> None:
    path = socket_dir / "docker.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as dead:
        dead.bind(str(path))  # the file exists, but nothing accepts
    with pytest.raises(DatabaseUnavailable, match=r"cannot be reached \(Connection refused\)"):
        check_docker(f"unix://{path}")


def test_missing_socket_is_reported_in_milliseconds() -> None:
    started = time.perf_counter()
    with pytest.raises(DatabaseUnavailable) as caught:
        check_docker("unix:///nonexistent/docker.sock")
    assert time.perf_counter() - started < 0.05
    assert (
        caught.value.message == "Docker is not available here: no daemon at unix:///nonexistent/docker.sock"
    )
    assert caught.value.hint == NO_DOCKER_HINT


def test_tcp_host_with_nothing_listening() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # free once closed
    with pytest.raises(DatabaseUnavailable, match=f"the daemon at tcp://127.0.0.1:{port} cannot be reached"):
        check_docker(f"tcp://127.0.0.1:{port}")


def test_provider_imports_nothing_heavy_without_a_daemon() -> None:
    script = (
        "import sys\n"
        "from migration_reviewer.errors import DatabaseUnavailable\n"
        "from migration_reviewer.replay.providers.docker import DockerProvider\n"
        "try:\n"
        "    with DockerProvider().start():\n"
        "        pass\n"
        "except DatabaseUnavailable as exc:\n"
        "    print(exc)\n"
        "print(sorted(m for m in ('docker', 'testcontainers') if m in sys.modules))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC), "DOCKER_HOST": "unix:///nonexistent/docker.sock"}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.splitlines() == [
        f"Docker is not available here: no daemon at unix:///nonexistent/docker.sock ({NO_DOCKER_HINT})",
        "[]",
    ]
