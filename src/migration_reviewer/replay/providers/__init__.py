"""Where the throwaway database comes from, by the name a user gives to `--database`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from migration_reviewer.errors import UsageError
from migration_reviewer.replay.providers.base import Database, DatabaseProvider, Server
from migration_reviewer.replay.providers.docker import DEFAULT_IMAGE, DockerProvider
from migration_reviewer.replay.providers.embedded import EmbeddedProvider
from migration_reviewer.replay.providers.url import UrlProvider

__all__ = [
    "PROVIDERS",
    "Database",
    "DatabaseProvider",
    "ProviderOptions",
    "Server",
    "provider_from_settings",
]


@dataclass(frozen=True)
class ProviderOptions:
    url: str | None = None
    image: str | None = None
    bin_dir: str | None = None
    cache_dir: str | None = None
    base_cache_key: str | None = None  # embedded only: start from, and keep, replayed base histories


def _embedded(options: ProviderOptions) -> DatabaseProvider:
    return EmbeddedProvider(
        options.bin_dir, cache_dir=options.cache_dir, base_cache_key=options.base_cache_key
    )


def _url(options: ProviderOptions) -> DatabaseProvider:
    if not options.url:
        raise UsageError(
            "--database url needs --database-url",
            hint="e.g. --database-url postgresql://user@localhost:5432/postgres",
        )
    return UrlProvider(options.url)


def _docker(options: ProviderOptions) -> DatabaseProvider:
    return DockerProvider(options.image or DEFAULT_IMAGE)


PROVIDERS: Final[Mapping[str, Callable[[ProviderOptions], DatabaseProvider]]] = {
    "embedded": _embedded,
    "url": _url,
    "docker": _docker,
}


def provider_from_settings(
    name: str | None,
    *,
    url: str | None,
    image: str | None,
    bin_dir: str | None,
    cache_dir: str | None = None,
    base_cache_key: str | None = None,
) -> DatabaseProvider:
    """The provider for `--database NAME`. No name (None or "") means "url" when a URL is given, else
    "embedded". `image` is ignored by the providers that run no image: settings always carry a default."""
    name = name or ("url" if url else "embedded")
    factory = PROVIDERS.get(name)
    if factory is None:
        raise UsageError(
            f"unknown database provider {name!r}", hint=f"--database takes {', '.join(PROVIDERS)}"
        )
    if url and name != "url":
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
            url=url, image=image, bin_dir=bin_dir, cache_dir=cache_dir, base_cache_key=base_cache_key
        )
    )
