"""Choosing the server for each dialect, and reading MySQL URLs."""

from __future__ import annotations

import pytest

from migration_reviewer.adapters.base import Dialect
from migration_reviewer.errors import UsageError
from migration_reviewer.replay.providers import provider_for_dialect, provider_from_settings
from migration_reviewer.replay.providers.embedded import EmbeddedProvider
from migration_reviewer.replay.providers.mysql import (
    MySqlDockerProvider,
    MySqlProvider,
    connect_args,
    version_of,
)
from migration_reviewer.replay.providers.sqlite import SqliteProvider
from migration_reviewer.replay.providers.url import UrlProvider

MYSQL = "mysql://reviewer:s3cr%40t@db.example:3307/app?unix_socket=/run/mysqld.sock"
PG = "postgresql://u@h/db"


def choose(dialect: Dialect, name: str | None = None, url: str | None = None) -> object:
    return provider_for_dialect(
        dialect, name, url=url, image="postgres:17", mysql_image="mariadb:11", bin_dir=None
    )


def test_each_dialect_gets_its_default_server() -> None:
    assert isinstance(choose(Dialect.SQLITE, "embedded"), SqliteProvider)
    assert isinstance(choose(Dialect.POSTGRESQL, "embedded"), EmbeddedProvider)
    assert choose(Dialect.MYSQL, "embedded") is None  # no server named: not replayed, and said why


def test_a_mysql_url_selects_mysql_by_its_scheme_and_leaves_postgresql_its_default() -> None:
    assert isinstance(choose(Dialect.MYSQL, "url", MYSQL), MySqlProvider)
    assert isinstance(choose(Dialect.POSTGRESQL, "url", MYSQL), EmbeddedProvider)
    assert isinstance(choose(Dialect.POSTGRESQL, "url", PG), UrlProvider)
    assert choose(Dialect.MYSQL, "url", PG) is None
    assert isinstance(provider_from_settings(None, url=MYSQL, image=None, bin_dir=None), MySqlProvider)


def test_docker_runs_the_mysql_image_for_mysql() -> None:
    docker = choose(Dialect.MYSQL, "docker")
    assert isinstance(docker, MySqlDockerProvider) and docker.image == "mariadb:11"


def test_mysql_urls_are_read_without_showing_the_password() -> None:
    assert connect_args(MYSQL) == {
        "host": "db.example",
        "port": 3307,
        "user": "reviewer",
        "password": "s3cr@t",
        "database": "app",
        "unix_socket": "/run/mysqld.sock",
    }
    with pytest.raises(UsageError) as caught:
        connect_args("mysql://u:secret@h:port/x")
    assert "secret" not in str(caught.value)
    assert "secret" not in repr(MySqlProvider("mysql://u:secret@h/x"))


def test_server_versions_are_shown_short() -> None:
    assert version_of("10.11.19-MariaDB-0+deb12u1") == ("10.11.19-MariaDB", 101119)
    assert version_of("8.4.3") == ("8.4.3", 80403)
