"""Which replay failures are root causes and which only follow from them.

One base migration that fails (an extension the server lacks, a role that exists only in production)
makes every later migration that uses what it would have created fail too: hundreds of failures for one
cause, and the change's own migration among them, blamed for the base. A later failure follows from an
earlier one when the object the server says is missing is one the earlier failed migrations would have
made: their text names it, or an extension they create provides it. Failures that miss the same object,
which no failed migration makes, share one cause too (a platform role or schema, say). Pure.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from migration_reviewer.adapters.base import MigrationStatus
from migration_reviewer.analyzers.finding import KnockOn
from migration_reviewer.replay.extensions import created_extensions
from migration_reviewer.replay.result import MigrationRun, Outcome, ReplayError, SetReplay

# SQLSTATEs of "the object does not exist": undefined table, column, object (type, role, operator class,
# publication…), function, schema.
_MISSING = frozenset({"42P01", "42703", "42704", "42883", "3F000"})

# The first object a "does not exist" message names is the missing one: `relation "x"`, `column "c" of
# relation "t"`, `type "x"`, `function f(integer)`, `column t.c`.
_QUOTED = re.compile(r'"([^"]+)"')
_FUNCTION = re.compile(r"\bfunction ([\w.$]+)\(")
_DOTTED_COLUMN = re.compile(r"\bcolumn [\w$]+\.([\w$]+) does not exist")
# The unquoted form some messages use: `type vector does not exist` (a cast's target, say).
_UNQUOTED = re.compile(r"^[a-z ]*?\b([\w.$]+) does not exist")


# What common extensions provide that migrations use by name, for failures that follow a missing one.
_PROVIDED_BY_EXTENSION: dict[str, frozenset[str]] = {
    "pgcrypto": frozenset(
        {"crypt", "gen_salt", "digest", "hmac", "gen_random_bytes", "pgp_sym_encrypt", "pgp_sym_decrypt",
         "pgp_pub_encrypt", "pgp_pub_decrypt", "armor", "dearmor", "encrypt", "decrypt", "gen_random_uuid"}
    ),
    "uuid-ossp": frozenset(
        {"uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v3", "uuid_generate_v4",
         "uuid_generate_v5", "uuid_nil", "uuid_ns_dns", "uuid_ns_url", "uuid_ns_oid", "uuid_ns_x500"}
    ),
    "citext": frozenset({"citext"}),
    "hstore": frozenset({"hstore"}),
    "ltree": frozenset({"ltree", "lquery", "ltxtquery"}),
    "vector": frozenset(
        {"vector", "halfvec", "sparsevec", "hnsw", "ivfflat", "vector_l2_ops", "vector_ip_ops",
         "vector_cosine_ops", "halfvec_cosine_ops", "halfvec_l2_ops", "halfvec_ip_ops"}
    ),
    "pg_trgm": frozenset({"gin_trgm_ops", "gist_trgm_ops", "similarity", "word_similarity"}),
    "postgis": frozenset({"geometry", "geography", "box2d", "box3d", "spatial_ref_sys"}),
    "unaccent": frozenset({"unaccent"}),
    "fuzzystrmatch": frozenset({"levenshtein", "soundex", "metaphone", "dmetaphone", "difference"}),
    "earthdistance": frozenset({"earth", "ll_to_earth", "earth_distance", "earth_box"}),
    "cube": frozenset({"cube"}),
    "moddatetime": frozenset({"moddatetime"}),
    "pg_stat_statements": frozenset({"pg_stat_statements", "pg_stat_statements_reset"}),
    "pg_cron": frozenset({"cron"}),
    "pg_net": frozenset({"net"}),
}
# Names PostGIS provides by prefix: its functions are all st_something.
_POSTGIS_PREFIX = "st_"


@dataclass
class RootCause:
    """A failed migration that no earlier failure explains, and the later ones that fail because of it."""

    run: MigrationRun
    knock_ons: list[MigrationRun] = field(default_factory=list)
    # What the cause's failed migrations would have made, and what their failures miss, lower case.
    _texts: list[str] = field(default_factory=list, repr=False)
    _extensions: set[str] = field(default_factory=set, repr=False)
    _missing: set[str] = field(default_factory=set, repr=False)
    _messages: set[str] = field(default_factory=set, repr=False)

    def absorb(self, run: MigrationRun) -> None:
        text = _text_of(run)
        self._texts.append(text)
        self._extensions.update(name.lower() for name in created_extensions(text))
        name = missing_object(run.error)
        if name is not None:
            self._missing.add(name)
        if run.error is not None:
            self._messages.add(run.error.message)

    def repeats(self, message: str) -> bool:
        """Whether one of the cause's migrations failed with this very message."""
        return message in self._messages

    def explains(self, name: str) -> bool:
        if name in self._missing:
            return True
        for extension in self._extensions:
            if name in _PROVIDED_BY_EXTENSION.get(extension, ()):
                return True
            if extension == "postgis" and name.startswith(_POSTGIS_PREFIX):
                return True
        pattern = _word(name)
        return any(pattern.search(text) for text in self._texts)

    @property
    def changed_knock_ons(self) -> list[MigrationRun]:
        """The change's own migrations among the knock-ons."""
        return [run for run in self.knock_ons if run.migration.status is not MigrationStatus.BASE]

    def reported(self) -> tuple[KnockOn, ...]:
        """The knock-ons as the finding that names this cause lists them."""
        return tuple(
            KnockOn(run.error.path, run.error.line, run.error.message,
                    changed=run.migration.status is not MigrationStatus.BASE)
            for run in self.knock_ons
            if run.error is not None  # always set: a knock-on is matched by its error
        )


def missing_object(error: ReplayError | None) -> str | None:
    """The unqualified, lower-case name of the object a "does not exist" error says is missing."""
    if error is None or error.sqlstate not in _MISSING:
        return None
    message = error.message
    found = (
        _FUNCTION.search(message)
        or _DOTTED_COLUMN.search(message)
        or _QUOTED.search(message)
        or _UNQUOTED.search(message)
    )
    if found is None:
        return None
    return found.group(1).rsplit(".", 1)[-1].lower()


def root_causes(replay: SetReplay | None) -> list[RootCause]:
    """The base history's failures grouped by cause, in history order, with the change's migrations that
    fail because of them. Empty when the base replayed cleanly."""
    if replay is None or not replay.base_failures:
        return []
    causes: list[RootCause] = []
    for run in replay.base_failures:
        cause = _cause_of(causes, run)
        if cause is None:
            cause = RootCause(run)
            causes.append(cause)
        else:
            cause.knock_ons.append(run)
        cause.absorb(run)
    for run in _failed(replay.runs):
        cause = _cause_of(causes, run)
        if cause is not None:
            cause.knock_ons.append(run)
    return causes


def blocked_migrations(replay: SetReplay | None) -> dict[str, RootCause]:
    """The change's migrations that could not be reviewed because the base is incomplete, by migration
    id: those that fail on what a failed base migration would have made, and those the runner never
    reached after one of them."""
    causes = root_causes(replay)
    blocked = {run.migration.id: cause for cause in causes for run in cause.changed_knock_ons}
    if not causes or replay is None:
        return blocked
    # A runner that stops at the first failure (Alembic) never reaches the change at all: its migrations
    # are not run from the first one on, and the first root cause is why.
    first_cause = None if any(run.outcome is not Outcome.NOT_RUN for run in replay.runs[:1]) else causes[0]
    for run in replay.runs:
        if run.migration.id in blocked:
            first_cause = first_cause or blocked[run.migration.id]
        elif run.outcome is Outcome.NOT_RUN and first_cause is not None:
            blocked[run.migration.id] = first_cause
    return blocked


def _cause_of(causes: Sequence[RootCause], run: MigrationRun) -> RootCause | None:
    """The cause `run` fails because of: one whose migrations would have made what it misses, or one that
    failed with the very same message (an extension the server lacks, asked for again)."""
    if run.error is None:  # a failure the runner could not pin on a statement: a cause of its own
        return None
    message = run.error.message
    same = next((cause for cause in causes if cause.repeats(message)), None)
    name = missing_object(run.error)
    if same is not None or name is None:
        return same
    return next((cause for cause in causes if cause.explains(name)), None)


@functools.lru_cache(maxsize=1024)
def _word(name: str) -> re.Pattern[str]:
    """`name` as a whole identifier, in any case."""
    return re.compile(rf"(?<![\w$]){re.escape(name)}(?![\w$])", re.IGNORECASE)


def _failed(runs: Iterable[MigrationRun]) -> list[MigrationRun]:
    return [run for run in runs if run.outcome is Outcome.FAILED and run.error is not None]


def _text_of(run: MigrationRun) -> str:
    """The SQL the migration holds: its files, or what the runner sent (a framework that runs code)."""
    scripts = [script.text for script in run.migration.up]
    return "\n".join(scripts) if scripts else "\n".join(s.statement.text for s in run.statements)
