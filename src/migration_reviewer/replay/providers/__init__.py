"""Where the throwaway database comes from, by the name a user gives to `--database`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from migration_reviewer.adapters.base import Dialect
from migration_reviewer.errors import UsageError
from migration_reviewer.replay.providers.base import (
    Database,
    DatabaseProvider,
    KeptBases,
    Server,
    is_mysql_url,
)

# Each provider's module is imported when the provider is chosen: most of them load the database driver,
# which a review loads while its server starts instead (see DatabaseProvider.start).

__all__ = [
    "NO_MYSQL_SERVER",
    "PROVIDERS",
    "Database",
    "DatabaseProvider",
    "ProviderOptions",
    "Server",
    "begin_ahead",
    "provider_for_dialect",
    "provider_from_settings",
]


@dataclass(frozen=True)
class ProviderOptions:
    url: str | None = None
    image: str | None = None
    bin_dir: str | None = None
    cache_dir: str | None = None
    kept_bases: KeptBases | None = None  # embedded only: start from, and keep, replayed base histories
    superuser: bool = False  # replay as the URL's role / the server's superuser, not a role without rights
    on_behalf: bool = True  # a migration may need extensions or roles made on its behalf (ScratchServer)


def begin_ahead(database: str, bin_dir: str | None, cache_dir: str | None, major: int | None) -> None:
    """What can begin before the review knows its migrations: the embedded server's initdb, on a
    machine's first review (see `initialise_ahead`). Call it before the review's code loads."""
    if database == "embedded":
        from migration_reviewer.replay.providers.embedded import initialise_ahead

        initialise_ahead(bin_dir, cache_dir=cache_dir, major=major)


def _embedded(options: ProviderOptions) -> DatabaseProvider:
    from migration_reviewer.replay.providers.embedded import EmbeddedProvider

    return EmbeddedProvider(
        options.bin_dir,
        cache_dir=options.cache_dir,
        kept_bases=options.kept_bases,
        superuser=options.superuser,
        on_behalf=options.on_behalf,
    )


def _url(options: ProviderOptions) -> DatabaseProvider:
    if not options.url:
        raise UsageError(
            "--database url needs --database-url",
            hint="e.g. --database-url postgresql://user@localhost:5432/postgres",
        )
    if is_mysql_url(options.url):
        return _mysql(options)
    from migration_reviewer.replay.providers.url import UrlProvider

    return UrlProvider(options.url, superuser=options.superuser, on_behalf=options.on_behalf)


def _mysql(options: ProviderOptions) -> DatabaseProvider:
    if not options.url:
        raise UsageError("--database mysql needs --database-url", hint="e.g. mysql://root@localhost:3306/test")
    from migration_reviewer.replay.providers.mysql import MySqlProvider  # loads PyMySQL: only when asked

    return MySqlProvider(options.url)


def _sqlite() -> DatabaseProvider:
    from migration_reviewer.replay.providers.sqlite import SqliteProvider

    return SqliteProvider()


def _docker(options: ProviderOptions) -> DatabaseProvider:
    from migration_reviewer.replay.providers.docker import DEFAULT_IMAGE, DockerProvider

    return DockerProvider(
        options.image or DEFAULT_IMAGE, superuser=options.superuser, on_behalf=options.on_behalf
    )


PROVIDERS: Final[Mapping[str, Callable[[ProviderOptions], DatabaseProvider]]] = {
    "embedded": _embedded,
    "url": _url,
    "docker": _docker,
    "mysql": _mysql,
    "sqlite": lambda _options: _sqlite(),
}

NO_MYSQL_SERVER = (
    "MySQL migrations are replayed on a MySQL or MariaDB server: give --database-url "
    "mysql://user@host:3306/db (a scratch database is created beside that one), or --database docker "
    "where a Docker daemon runs"
)


def provider_for_dialect(
    dialect: Dialect,
    name: str | None,
    *,
    url: str | None,
    image: str | None,
    mysql_image: str | None,
    bin_dir: str | None,
    cache_dir: str | None = None,
    kept_bases: KeptBases | None = None,
    superuser: bool = False,
    on_behalf: bool = True,
) -> DatabaseProvider | None:
    """The provider that replays `dialect`'s sets (None: the settings name none, see NO_MYSQL_SERVER).
    SQLite (and D1) always runs in temporary files. MySQL runs on the server a mysql:// URL names, or in a
    container with --database docker. PostgreSQL follows `provider_from_settings`; a MySQL URL or
    provider is not for it, so it gets its default, the embedded server."""
    if dialect is Dialect.SQLITE:
        return _sqlite()
    if dialect is Dialect.MYSQL:
        from migration_reviewer.replay.providers.mysql import MySqlDockerProvider, MySqlProvider

        if is_mysql_url(url):
            return MySqlProvider(url or "")
        return MySqlDockerProvider(mysql_image) if name == "docker" and mysql_image else None
    if is_mysql_url(url) or name in ("mysql", "sqlite"):
        name, url = (None if name in ("url", "mysql", "sqlite") else name), None
    return provider_from_settings(
        name,
        url=url,
        image=image,
        bin_dir=bin_dir,
        cache_dir=cache_dir,
        kept_bases=kept_bases,
        superuser=superuser,
        on_behalf=on_behalf,
    )


def provider_from_settings(
    name: str | None,
    *,
    url: str | None,
    image: str | None,
    bin_dir: str | None,
    cache_dir: str | None = None,
    kept_bases: KeptBases | None = None,
    superuser: bool = False,
    on_behalf: bool = True,
) -> DatabaseProvider:
    """The provider for `--database NAME`. No name (None or "") means "url" when a URL is given, else
    "embedded". `image` is ignored by the providers that run no image: settings always carry a default."""
    name = name or ("url" if url else "embedded")
    if name == "url" and is_mysql_url(url):
        name = "mysql"  # the URL's scheme names the server
    factory = PROVIDERS.get(name)
    if factory is None:
        raise UsageError(
            f"unknown database provider {name!r}", hint=f"--database takes {', '.join(PROVIDERS)}"
        )
    if url and name not in ("url", "mysql"):
        raise UsageError(
            f"--database-url only applies to --database url, not {name}",
            hint="drop --database-url, or use --database url",
        )
    if bin_dir and name != "embedded":
        raise UsageError(
            f"--pg-bin-dir only applies to --database embedded, not {name}",
            hint="drop --pg-bin-dir, or use --database embedded",
        )
    return factory(
        ProviderOptions(
            url=url,
            image=image,
            bin_dir=bin_dir,
            cache_dir=cache_dir,
            kept_bases=kept_bases,
            superuser=superuser,
            on_behalf=on_behalf,
        )
    )
