from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.knock_ons import root_causes
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.replay_failures._extensions import fails_for_missing_extension

# The PostgreSQL that Debian 12 (the action's image) packages.
DEBIAN_MAJOR = 15

# The Debian/Ubuntu package of an extension that PostgreSQL itself does not ship, {major} its version.
_DEBIAN_PACKAGES = {
    "postgis": "postgresql-{major}-postgis-3",
    "postgis_raster": "postgresql-{major}-postgis-3",
    "postgis_topology": "postgresql-{major}-postgis-3",
    "postgis_tiger_geocoder": "postgresql-{major}-postgis-3",
    "address_standardizer": "postgresql-{major}-postgis-3",
    "pgrouting": "postgresql-{major}-pgrouting",
    "vector": "postgresql-{major}-pgvector",
    "h3": "postgresql-{major}-h3",
    "pg_partman": "postgresql-{major}-partman",
    "pgaudit": "postgresql-{major}-pgaudit",
    "pg_repack": "postgresql-{major}-repack",
    "hypopg": "postgresql-{major}-hypopg",
    "pg_hint_plan": "postgresql-{major}-pg-hint-plan",
    "orafce": "postgresql-{major}-orafce",
    "rum": "postgresql-{major}-rum",
    "pg_squeeze": "postgresql-{major}-squeeze",
    "pgtap": "postgresql-{major}-pgtap",
    "plpython3u": "postgresql-plpython3-{major}",
    "plperl": "postgresql-plperl-{major}",
    "plperlu": "postgresql-plperl-{major}",
    "pltcl": "postgresql-pltcl-{major}",
}


@rule("RP007", "extension-unavailable", Category.REPLAY, Severity.WARNING, dialects={"postgresql"})
def extension_unavailable(ctx: AnalysisContext) -> Iterator[Issue]:
    """The history creates an extension that no PostgreSQL server on the reviewing machine has.

    ## What it does
    Before the replay, the review looks for server binaries that have every extension the migrations
    create (the bundled server, the system's packages, `--pg-bin-dir`). When none has one of them, this
    says which extension, which migrations create it, and how to give the review a server that has it.
    The replay goes on without it: the statements that need it fail there, not in production.

    ## Why is this risky?
    A migration that fails on the review's server hides what it and every later migration would do:
    locks, rewrites and schema changes go unreviewed, and the base history the change builds on may be
    incomplete.

    ## Example
    ```sql
    CREATE EXTENSION postgis;
    ```

    ## Use instead
    Give the review a server with the extension: in the action, `extra-packages: postgresql-15-postgis-3`;
    locally, install that package (or point `--pg-bin-dir` at binaries that have it); or replay on a server
    like production's, `--database docker --postgres-image postgis/postgis:16-3.4` or `--database url`.
    """
    replay = ctx.replay
    if replay is None or not replay.missing_extensions:
        return
    needs = replay.missing_extensions
    names = ", ".join(f"`{need.name}`" for need in needs)
    paths = list(dict.fromkeys(path for need in needs for path in need.paths))
    packages = sorted({_DEBIAN_PACKAGES[need.name] for need in needs if need.name in _DEBIAN_PACKAGES})
    where = ""
    if packages:
        # The action's image is Debian 12: its packages are built for its PostgreSQL 15, which the review
        # then chooses for the history.
        if not replay.server_version.startswith(f"{DEBIAN_MAJOR}."):
            packages.insert(0, "postgresql-{major}")
        listed = " ".join(package.format(major=DEBIAN_MAJOR) for package in packages)
        where = f"`extra-packages: {listed}` in the action (the same Debian packages locally), "
    plural = len(needs) > 1
    first = needs[0]
    yield Issue(
        message=f"{names} {'are' if plural else 'is'} not installed on any PostgreSQL server found here, so "
        f"{_listed(paths) if paths else 'the history'} cannot replay fully: the statements that need "
        f"{'them' if plural else 'it'} fail during the review, not in production",
        path=next((need.paths[0] for need in needs if need.paths), None),
        line=first.line,
        statement=first.statement,
        fix=f"give the review a server that has {'them' if plural else 'it'}: {where}"
        "`--pg-bin-dir` pointed at such binaries, or a server like production's "
        "(`--database docker --postgres-image …`, `--database url`)",
        confirmed_by_replay=True,
        # The base migrations that fail only because the extension is missing (RP002 leaves this cause
        # to this finding).
        knock_ons=tuple(
            knock_on
            for cause in root_causes(replay)
            if cause.run.error is not None and fails_for_missing_extension(replay, cause.run.error)
            for knock_on in cause.reported()
        ),
    )


def _listed(paths: list[str]) -> str:
    shown = [f"`{path}`" for path in paths[:5]]
    if len(paths) > 5:
        shown.append(f"{len(paths) - 5} more")
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"
