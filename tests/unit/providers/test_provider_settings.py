"""Choosing a provider from settings, and keeping passwords out of everything we print."""

from __future__ import annotations

import pytest

from migration_reviewer.adapters.base import Dialect
from migration_reviewer.errors import UsageError
from migration_reviewer.replay.providers import PROVIDERS, provider_from_settings
from migration_reviewer.replay.providers.base import Database, mask_password
from migration_reviewer.replay.providers.docker import DockerProvider
from migration_reviewer.replay.providers.embedded import EmbeddedProvider
from migration_reviewer.replay.providers.url import UrlProvider, check_url

URL = "postgresql://reviewer:s3cr%40t@db.example:5432/app"


def test_registry_names_every_provider() -> None:
    assert set(PROVIDERS) == {"embedded", "url", "docker", "mysql", "sqlite"}


def test_default_is_embedded_and_a_url_alone_means_url() -> None:
    assert isinstance(
        provider_from_settings(None, url=None, image="postgres:17", bin_dir=None), EmbeddedProvider
    )
    assert isinstance(provider_from_settings("", url=URL, image="postgres:17", bin_dir=None), UrlProvider)


def test_each_name_builds_its_provider() -> None:
    docker = provider_from_settings("docker", url=None, image="postgres:16", bin_dir=None)
    assert isinstance(docker, DockerProvider)
    assert docker.image == "postgres:16"
    assert provider_from_settings("url", url=URL, image=None, bin_dir=None).name == "url"


def test_unknown_name_lists_the_choices() -> None:
    with pytest.raises(UsageError, match="unknown database provider 'oracle'") as caught:
        provider_from_settings("oracle", url=None, image=None, bin_dir=None)
    assert caught.value.hint == "--database takes embedded, url, docker, mysql, sqlite"


def test_url_provider_needs_a_url() -> None:
    with pytest.raises(UsageError, match="--database url needs --database-url"):
        provider_from_settings("url", url=None, image=None, bin_dir=None)


def test_options_of_another_provider_are_refused() -> None:
    with pytest.raises(UsageError, match="--database-url only applies to --database url, not docker"):
        provider_from_settings("docker", url=URL, image=None, bin_dir=None)
    with pytest.raises(UsageError, match="--pg-bin-dir only applies to --database embedded, not url"):
        provider_from_settings("url", url=URL, image=None, bin_dir="/usr/lib/postgresql/15/bin")


def test_bin_dir_without_server_binaries_is_a_usage_error(tmp_path: object) -> None:
    with pytest.raises(UsageError, match="no postgres or initdb in /nonexistent/bin"):
        provider_from_settings("embedded", url=None, image=None, bin_dir="/nonexistent/bin")


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (URL, "postgresql://reviewer:***@db.example:5432/app"),
        ("postgres://u:p:w@h/db", "postgres://u:***@h/db"),
        ("postgresql://u@h/db", "postgresql://u@h/db"),
        (
            "postgresql://h/db?user=u&password=pw&sslmode=require",
            "postgresql://h/db?user=u&password=***&sslmode=require",
        ),
        ("host=h password=pw dbname=x", "host=h password=*** dbname=x"),
        ("host=h password = 'p w\\'d' dbname=x", "host=h password = *** dbname=x"),
        (
            "could not connect to postgresql://u:pw@h/db: refused",
            "could not connect to postgresql://u:***@h/db: refused",
        ),
    ],
)
def test_mask_password(text: str, masked: str) -> None:
    assert mask_password(text) == masked


def test_reprs_hide_the_password() -> None:
    database = Database(
        "mr_scratch_1",
        "user=u password=pw host=h dbname=mr_scratch_1",
        Dialect.POSTGRESQL,
        "url",
        "15.20",
        150020,
    )
    assert "pw" not in repr(database)
    assert "password=***" in repr(database)
    assert "s3cr" not in repr(UrlProvider(URL))


@pytest.mark.parametrize("url", ["mysql://u:pw@h/db", "u:pw@h/db", "postgresql://u:pw@h/db?bogus=1"])
def test_bad_urls_are_usage_errors_without_the_password(url: str) -> None:
    with pytest.raises(UsageError) as caught:
        check_url(url)
    assert "pw" not in str(caught.value)
    assert "postgresql://user:password@host:5432/postgres" in (caught.value.hint or "")
