"""Provider "docker": a PostgreSQL container from any image, to match production's exact version.

A thin layer over testcontainers. Scratch databases are made inside the container as the url provider
makes them. Before anything heavy is imported, a missing daemon is detected in milliseconds and said
plainly: on a laptop without Docker, or in a job whose runner mounts no socket, that is the likely case.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any
from urllib.parse import urlsplit

from migration_reviewer.errors import DatabaseUnavailable, first_line
from migration_reviewer.replay.providers.base import Meanwhile, Server
from migration_reviewer.replay.providers.url import REPLAY_ROLE, ScratchServer, scratch_server

DEFAULT_IMAGE = "postgres:17"
DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock"
PING_TIMEOUT_S = 0.5
NO_DOCKER_HINT = "use --database embedded, or --database url with a server you run"


def docker_host() -> str:
    """Where the Docker client looks for the daemon (DOCKER_HOST, else the default socket)."""
    return os.environ.get("DOCKER_HOST") or DEFAULT_DOCKER_HOST


def check_docker(host: str | None = None, timeout: float = PING_TIMEOUT_S) -> None:
    """Raise `DatabaseUnavailable` unless a Docker daemon answers at `host`."""
    host = host or docker_host()
    if host.startswith("unix://"):
        path = host.removeprefix("unix://")
        if not os.path.exists(path):
            raise DatabaseUnavailable(
                f"Docker is not available here: no daemon at {host}", hint=NO_DOCKER_HINT
            )
        reason = _ping(path, timeout)
    elif host.startswith("tcp://"):
        # Only whether something listens: the daemon may speak TLS, which a bare ping cannot.
        address = urlsplit(host)
        try:
            socket.create_connection((address.hostname or "localhost", address.port or 2375), timeout).close()
            reason = None
        except OSError as exc:
            reason = _describe(exc, timeout)
    else:
        return  # ssh:// and the like: the Docker client knows them better than a probe would
    if reason:
        raise DatabaseUnavailable(
            f"Docker is not available here: the daemon at {host} {reason}", hint=NO_DOCKER_HINT
        )


def _ping(path: str, timeout: float) -> str | None:
    """Docker's `/_ping` over the unix socket: None when the daemon answers 200, else what went wrong."""
    reply = b""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(path)
            sock.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
            while b"\r\n" not in reply and len(reply) < 1024 and (chunk := sock.recv(1024)):
                reply += chunk
    except OSError as exc:
        return _describe(exc, timeout)
    status = reply.split(b"\r\n", 1)[0].split()
    if len(status) < 2 or not status[0].startswith(b"HTTP/") or status[1] != b"200":
        return "does not answer like a Docker daemon"
    return None


def _describe(exc: OSError, timeout: float) -> str:
    if isinstance(exc, TimeoutError):
        return f"does not answer within {timeout:g} s"
    return f"cannot be reached ({exc.strerror or exc})"


@contextmanager
def running(container: Any, image: str) -> Iterator[None]:
    """Start a testcontainers container, stop it when the block ends; a container that cannot start is a
    one-line DatabaseUnavailable, not a Docker traceback."""
    from docker.errors import DockerException

    try:
        container.start()
    except BaseException as exc:
        container.stop()  # a container that was created but never became ready
        if not isinstance(exc, DockerException | TimeoutError):
            raise
        reason = first_line(exc)
        raise DatabaseUnavailable(
            f"could not start a {image} container: {reason}",
            hint=f"check that Docker can pull and run {image}, or {NO_DOCKER_HINT}",
        ) from None
    try:
        yield
    finally:
        container.stop()


class DockerProvider:
    name = "docker"

    def __init__(
        self, image: str = DEFAULT_IMAGE, *, superuser: bool = False, on_behalf: bool = True
    ) -> None:
        self.image = image
        self.on_behalf = on_behalf
        self.superuser = superuser  # replay as the container's superuser instead of REPLAY_ROLE

    def __repr__(self) -> str:
        return f"DockerProvider({self.image!r})"

    def start(self, meanwhile: Meanwhile | None = None) -> AbstractContextManager[Server]:
        if meanwhile is not None:
            meanwhile({})  # nothing kept
        return self.run()

    @contextmanager
    def run(self) -> Iterator[ScratchServer]:
        check_docker()
        # Heavy imports, only once a daemon answers.
        try:
            from testcontainers.community.postgres import PostgresContainer
        except ImportError:  # testcontainers < 4.14 keeps it at the top level
            from testcontainers.postgres import PostgresContainer

        container = PostgresContainer(self.image, driver=None)
        with (
            running(container, self.image),
            scratch_server(
                self.name,
                container.get_connection_url(),
                file_copy=True,
                hint=f"the {self.image} container stopped answering; {NO_DOCKER_HINT}",
                replay_role=None if self.superuser else REPLAY_ROLE,
                on_behalf=self.on_behalf,
            ) as server,
        ):
            yield server
