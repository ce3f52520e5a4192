"""The embedded cluster's server: scratch databases over its socket, like any server of ours, plus what
the cluster knows of how it died. Apart from the cluster's module because it needs the database driver,
which the cluster's start does not: the driver loads while the data folder is being made."""

from __future__ import annotations

from typing import TYPE_CHECKING

import psycopg
from psycopg.conninfo import make_conninfo

from migration_reviewer.errors import DatabaseUnavailable
from migration_reviewer.replay.providers.base import Database
from migration_reviewer.replay.providers.embedded import PORT
from migration_reviewer.replay.providers.url import REPLAY_ROLE, ScratchServer

if TYPE_CHECKING:
    from migration_reviewer.replay.providers.embedded import _Cluster


class EmbeddedServer(ScratchServer):
    """The running cluster: scratch databases over its socket. The superuser postgres creates them; the
    migrations run as REPLAY_ROLE, which owns them, unless the provider says `superuser`."""

    def __init__(self, cluster: _Cluster) -> None:
        self._cluster = cluster  # before connecting: a failed connection asks it what happened
        assert cluster.temp_dir is not None and cluster.installation is not None
        assert cluster.process is not None
        self.pid = cluster.process.pid  # the postmaster's, and the id of its process group
        self.temp_dir = cluster.temp_dir
        self.data_dir = cluster.temp_dir / "data"
        self.log_path = cluster.log_path
        self.bin_dir = cluster.installation.bin_dir
        self.run_as = cluster.run_as.name if cluster.run_as else None
        conninfo = make_conninfo(host=str(cluster.temp_dir), port=PORT, user="postgres", dbname="postgres")
        super().__init__(
            "embedded",
            conninfo,
            file_copy=True,
            drop_on_close=False,
            hint="the embedded server is up and refused: the message says why",
            replay_role=None if cluster.provider.superuser else REPLAY_ROLE,
            on_behalf=cluster.provider.on_behalf,
        )
        self.keeps_named_databases = cluster.provider.kept_bases is not None
        # A cluster is kept after a cold run, or after a run from another kept cluster of the same family.
        self.keeps_this_run = self.keeps_named_databases and cluster.save_to is not None
        self.warm = cluster.warm_from is not None

    def drop_database(self, database: Database) -> None:
        super().drop_database(database)
        self._cluster.notes.pop(database.name, None)

    def remember(self, database: Database, note: str) -> None:
        if self.keeps_named_databases:
            self._cluster.notes[database.name] = note  # kept with the cluster, if it is kept

    def recall(self, database: Database) -> str | None:
        return self._cluster.notes.get(database.name) if self.keeps_named_databases else None

    def _unavailable(self, what: str, exc: psycopg.Error) -> DatabaseUnavailable:
        return self._cluster.death() or super()._unavailable(what, exc)
