"""Settings, built in layers: defaults, then the repository's config file, then environment variables,
then command-line flags. Each layer only overrides what it names.

Config file: `.migration-reviewer.toml` at the repository root (settings at the top, or under
`[tool.migration-reviewer]` as in a pyproject), or `[tool.migration-reviewer]` in `pyproject.toml`. Keys
are kebab-case; environment variables are `MIGRATION_REVIEWER_` + the key in upper case with underscores.
Unknown keys are errors that name the key.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from migration_reviewer.errors import ConfigError

FORMATS = ("terminal", "json", "markdown")
FAIL_ON = ("error", "warning", "never")
DATABASES = ("embedded", "url", "docker", "mysql", "sqlite")
REPLAY_ROLES = ("owner", "superuser")
PLATFORMS = ("supabase", "none")  # "none": a plain server, even for a framework that implies a platform
ENV_PREFIX = "MIGRATION_REVIEWER_"


@dataclass(frozen=True)
class MigrationDir:
    """A migration directory named in config, for when detection is not enough."""

    path: str
    framework: str | None = None  # adapter name; None: detect
    dialect: str | None = None  # overrides what the framework's files say
    platform: str | None = None  # what the database provides before the first migration ("supabase")
    baseline: str | None = None  # a schema dump (pg_dump --schema-only) the base history starts from
    baseline_version: str | None = None  # the newest migration the dump includes, where it does not say
    # extensions production's database has without a migration creating them (enabled on the platform)
    extensions: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleSetting:
    """What the configuration says about one rule (checked against the registry by the analyzers)."""

    rule: str  # code or name, as written
    enabled: bool = True
    severity: str | None = None
    options: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class Settings:
    repo: str = "."
    base: str | None = None  # None: the merge-base with the default branch
    head: str = "HEAD"  # or "WORKTREE"
    format: str | None = None  # None: terminal
    output: str | None = None
    template: str | None = None
    color: bool | None = None  # None: when writing to a terminal
    database: str = "embedded"
    database_url: str | None = None
    postgres_image: str = "postgres:17"
    mysql_image: str = "mysql:8.4"  # for MySQL migrations with --database docker (mariadb:11 works too)
    pg_bin_dir: str | None = None  # PostgreSQL server binaries to use instead of the bundled ones
    statement_timeout: float = 300.0  # seconds, per statement
    # migrations run as the owner of their database, not as a superuser (see SECURITY.md)
    replay_role: str = "owner"
    timeout: float = 1800.0  # seconds, the whole review: past it, it stops and removes what it started
    fail_on: str = "error"
    migrations: tuple[MigrationDir, ...] = ()  # empty: detect every framework's folders
    exclude: tuple[str, ...] = ()  # globs of paths never treated as migrations
    pg_version: int | None = None  # the production major version the rules judge for; None: the replay's
    stats_from: str | None = None  # a production database to read table sizes from (read-only)
    table_rows: tuple[tuple[str, int], ...] = ()  # production row counts by table, for estimates
    rules: tuple[RuleSetting, ...] = ()  # per-rule configuration: disable, severity, options
    cache: bool = True  # keep replayed base histories for the next run (embedded database only)
    cache_dir: str | None = None  # default: MIGRATION_REVIEWER_CACHE_DIR, else ~/.cache/migration-reviewer
    seed_rows: int = 10_000  # synthetic rows per touched table in the seeded replay; 0 turns it off
    # Alembic: the project's SQLAlchemy metadata ("app.models:Base.metadata"), compared with the replay
    alembic_metadata: str | None = None
    install: tuple[str, ...] = ()  # pip requirements the project's env.py and revisions import
    # Alembic: settings the project's env.py reads from its environment (never secrets: the pull request's
    # code reads them)
    alembic_env: tuple[tuple[str, str], ...] = ()
    # For the single migration folder (each `migrations` entry may say its own): the platform, the schema
    # dump its base history starts from, and the newest migration that dump includes.
    platform: str | None = None
    baseline: str | None = None
    baseline_version: str | None = None
    extensions: tuple[str, ...] = ()  # what production has without a migration (enabled on the platform)
    config_file: str | None = field(default=None, compare=False)  # where file settings came from


# The keys a user may set in a config file or the environment, and how to read each.
_KEYS: dict[str, str] = {
    "base": "str",
    "head": "str",
    "format": "str",
    "template": "str",
    "database": "str",
    "database-url": "str",
    "postgres-image": "str",
    "mysql-image": "str",
    "pg-bin-dir": "str",
    "statement-timeout": "seconds",
    "timeout": "seconds",
    "replay-role": "str",
    "fail-on": "str",
    "migrations": "dirs",
    "exclude": "list",
    "pg-version": "int",
    "stats-from": "str",
    "table-rows": "rows",
    "rules": "rules",
    "cache": "bool",
    "cache-dir": "str",
    "seed-rows": "count",
    "alembic-metadata": "str",
    "install": "list",
    "alembic-env": "env",
    "platform": "str",
    "baseline": "str",
    "baseline-version": "version",
    "extensions": "list",
}


def load_settings(
    repo: str,
    flags: Mapping[str, Any],
    environ: Mapping[str, str] | None = None,
    config_file: str | None = None,
) -> Settings:
    """`flags` holds only what the user passed on the command line (snake_case field names).
    `config_file` replaces the files looked for at the repository root."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {"repo": repo}
    file_values, source = _read_config_file(Path(repo), config_file)
    values.update(file_values)
    values.update(_from_environment(environ))
    values.update({k: v for k, v in flags.items() if v is not None})
    values["config_file"] = source
    if values.get("database_url") and "database" not in values:
        values["database"] = "url"  # naming a server is choosing it
    settings = Settings(**values)
    _validate(settings)
    return settings


def _read_config_file(repo: Path, named: str | None = None) -> tuple[dict[str, Any], str | None]:
    if named is not None:
        if not Path(named).is_file():
            raise ConfigError(f"config file {named} does not exist")
        return _read_table(Path(named), in_pyproject=Path(named).name == "pyproject.toml")
    dedicated = repo / ".migration-reviewer.toml"
    pyproject = repo / "pyproject.toml"
    if dedicated.is_file():
        return _read_table(dedicated, in_pyproject=False)
    if pyproject.is_file():
        return _read_table(pyproject, in_pyproject=True)
    return {}, None


def _read_table(source: Path, *, in_pyproject: bool) -> tuple[dict[str, Any], str]:
    table = _load_toml(source)
    tool = table.get("tool")
    nested = tool.get("migration-reviewer", {}) if isinstance(tool, dict) else {}
    if in_pyproject:
        table = nested
    elif "tool" in table and isinstance(nested, dict):
        # The dedicated file may hold the settings at the top or, copied from a pyproject.toml, under
        # [tool.migration-reviewer]: both forms are read.
        table = {**{k: v for k, v in table.items() if k != "tool"}, **nested}
    if not isinstance(table, dict):
        raise ConfigError(f"{source.name}: the migration-reviewer settings must be a table")
    return {_field(key, source.name): _convert(key, value, source.name) for key, value in table.items()}, str(
        source
    )


def _load_toml(path: Path) -> dict[str, Any]:
    import tomllib  # only where there is a file to read: `lint` outside a Python project starts without it

    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path.name}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{path.name}: nests deeper than a TOML reader follows") from None


def _from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    values = {}
    for key in _KEYS:
        name = ENV_PREFIX + key.upper().replace("-", "_")
        if environ.get(name):
            kind = _KEYS[key]
            raw: Any = environ[name]
            if kind in ("list", "dirs"):
                raw = [part.strip() for part in raw.split(",") if part.strip()]
            elif kind in ("rows", "rules", "env"):  # name=value,name=value
                raw = dict(part.split("=", 1) for part in raw.split(",") if "=" in part)
            values[_field(key, name)] = _convert(key, raw, name)
    return values


def _field(key: str, source: str) -> str:
    if key not in _KEYS:
        known = ", ".join(sorted(_KEYS))
        raise ConfigError(f"{source}: unknown setting '{key}'", hint=f"known settings: {known}")
    return key.replace("-", "_")


def _convert(key: str, value: Any, source: str) -> Any:
    kind = _KEYS[key]
    if kind == "str":
        if not isinstance(value, str):
            raise ConfigError(f"{source}: '{key}' must be a string, not {value!r}")
        return value
    if kind == "version":
        return parse_version(value, f"{source}: '{key}'")
    if kind == "seconds":
        return parse_seconds(value, f"{source}: '{key}'")
    if kind == "int":
        return parse_pg_version(value, f"{source}: '{key}'")
    if kind == "bool":
        if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "yes", "no"):
            return value.lower() in ("true", "1", "yes")
        if not isinstance(value, bool):
            raise ConfigError(f"{source}: '{key}' must be true or false, not {value!r}")
        return value
    if kind == "count":
        try:
            count = int(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{source}: '{key}' must be a whole number, not {value!r}") from None
        if count < 0 or isinstance(value, bool):
            raise ConfigError(f"{source}: '{key}' must be a whole number of 0 or more, not {value!r}")
        return count
    if kind == "rows":
        return parse_table_rows(value, f"{source}: '{key}'")
    if kind == "rules":
        return parse_rules(value, f"{source}: '{key}'")
    if kind == "env":
        return parse_environment(value, f"{source}: '{key}'")
    if kind == "list":
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{source}: '{key}' must be a list of strings")
        return tuple(value)
    return tuple(
        parse_migration_dir(entry, source) for entry in (value if isinstance(value, list) else [value])
    )


def parse_migration_dir(entry: Any, source: str) -> MigrationDir:
    if isinstance(entry, str):  # "path" or "framework:path"
        framework, _, path = entry.rpartition(":")
        return MigrationDir(path=path.strip("/"), framework=framework or None)
    if isinstance(entry, dict):
        known = {"path", "framework", "dialect", "platform", "baseline", "baseline-version", "extensions"}
        unknown = set(entry) - known
        if unknown or not isinstance(entry.get("path"), str):
            raise ConfigError(
                f"{source}: each 'migrations' entry needs a 'path' and may have 'framework', 'dialect', "
                "'platform', 'baseline', 'baseline-version' and 'extensions'"
                + (f" (unknown: {', '.join(sorted(unknown))})" if unknown else "")
            )
        for key in ("framework", "dialect", "platform", "baseline"):
            if not isinstance(entry.get(key, ""), str):
                raise ConfigError(f"{source}: '{key}' of the 'migrations' entry {entry['path']!r} must be a "
                                  "string")
        version = entry.get("baseline-version")
        extensions = entry.get("extensions", [])
        if isinstance(extensions, str):
            extensions = [extensions]
        if not isinstance(extensions, list) or not all(isinstance(e, str) for e in extensions):
            raise ConfigError(f"{source}: 'extensions' of the 'migrations' entry {entry['path']!r} must be a "
                              "list of extension names")
        return MigrationDir(
            entry["path"].strip("/"),
            entry.get("framework"),
            entry.get("dialect"),
            platform=entry.get("platform"),
            baseline=entry.get("baseline"),
            baseline_version=None if version is None else parse_version(version, source),
            extensions=tuple(extensions),
        )
    raise ConfigError(f"{source}: 'migrations' entries are strings or tables, not {entry!r}")


def parse_version(value: Any, what: str) -> str:
    """A migration id as the runner writes it: `20230101000000` (a TOML number) or `"0042"`."""
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip():
        raise ConfigError(f"{what} must be a migration version such as \"20230101000000\", not {value!r}")
    return str(value).strip()


def parse_pg_version(value: Any, what: str) -> int:
    """`15`, `"15"`, `"15.4"` → 15."""
    text = str(value).strip()
    major = text.split(".", 1)[0]
    if isinstance(value, bool) or not major.isdigit() or not 9 <= int(major) <= 99:
        raise ConfigError(f"{what} must be a PostgreSQL major version such as 15, not {value!r}")
    return int(major)


def parse_table_rows(value: Any, what: str) -> tuple[tuple[str, int], ...]:
    """`{orders = 50_000_000}` (or `orders=50000000` from the environment) → (("orders", 50000000),)."""
    if not isinstance(value, dict):
        raise ConfigError(f"{what} must be a table of row counts, e.g. {{ orders = 50_000_000 }}")
    rows = []
    for table, count in value.items():
        text = str(count).replace("_", "").strip()
        if isinstance(count, bool) or not text.isdigit():
            raise ConfigError(f"{what}: the row count of '{table}' must be a whole number, not {count!r}")
        rows.append((str(table), int(text)))
    return tuple(rows)


def parse_environment(value: Any, what: str) -> tuple[tuple[str, str], ...]:
    """`{ APP_ENV = "test" }` (or `APP_ENV=test` from the environment) → (("APP_ENV", "test"),). Values are
    taken as written: nothing of the reviewer's own environment is expanded into them."""
    if not isinstance(value, dict):
        raise ConfigError(f'{what} must be a table of strings, e.g. {{ APP_ENV = "test" }}')
    pairs = []
    for name, text in value.items():
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", str(name)):
            raise ConfigError(f"{what}: '{name}' is not an environment variable name")
        if not isinstance(text, str):
            raise ConfigError(f'{what}: the value of {name} must be a string, e.g. {name} = "{text}"')
        pairs.append((str(name), text))
    return tuple(pairs)


def parse_rules(value: Any, what: str) -> tuple[RuleSetting, ...]:
    """Per rule (by code or name): "off", a severity ("error", "warning", "info"), or a table with
    `enabled`, `severity` and the rule's own options."""
    if not isinstance(value, dict):
        raise ConfigError(f'{what} must be a table, e.g. {{ LK001 = "error", LK013 = "off" }}')
    settings = []
    for name, entry in value.items():
        if isinstance(entry, str):
            off = entry.strip().lower() in ("off", "false", "disable", "disabled")
            settings.append(RuleSetting(str(name), enabled=not off, severity=None if off else entry.strip()))
        elif isinstance(entry, bool):
            settings.append(RuleSetting(str(name), enabled=entry))
        elif isinstance(entry, dict):
            options = {k: v for k, v in entry.items() if k not in ("enabled", "severity")}
            enabled = entry.get("enabled", True)
            severity = entry.get("severity")
            if not isinstance(enabled, bool) or not (severity is None or isinstance(severity, str)):
                raise ConfigError(f"{what}.{name}: 'enabled' is true or false, 'severity' a string")
            settings.append(RuleSetting(str(name), enabled, severity, tuple(options.items())))
        else:
            raise ConfigError(f'{what}.{name} must be "off", a severity or a table, not {entry!r}')
    return tuple(settings)


def parse_seconds(value: Any, what: str) -> float:
    """`300`, `5s`, `2m`, `1.5` → seconds."""
    if isinstance(value, bool):
        raise ConfigError(f"{what} must be a duration such as 30s or 5m")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        text = str(value).strip().lower()
        scale = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
        unit = next((u for u in ("ms", "s", "m", "h") if text.endswith(u)), "")
        try:
            seconds = float(text[: len(text) - len(unit)] if unit else text) * scale.get(unit, 1.0)
        except ValueError:
            raise ConfigError(f"{what} must be a duration such as 30s or 5m, not {value!r}") from None
    if seconds <= 0:
        raise ConfigError(f"{what} must be more than zero")
    return seconds


def _validate(settings: Settings) -> None:
    choices = {
        "format": FORMATS,
        "fail_on": FAIL_ON,
        "database": DATABASES,
        "replay_role": REPLAY_ROLES,
        "platform": PLATFORMS,
    }
    for name, allowed in choices.items():
        value = getattr(settings, name)
        if value is not None and value not in allowed:
            raise ConfigError(f"{name.replace('_', '-')} must be one of {', '.join(allowed)}, not '{value}'")
    if settings.database == "mysql" and not (settings.database_url or "").startswith(("mysql://", "mariadb://")):
        raise ConfigError("--database mysql needs --database-url mysql://user@host:3306/database")
    for entry in settings.migrations:
        if entry.platform is not None and entry.platform not in PLATFORMS:
            raise ConfigError(
                f"migrations: platform of '{entry.path}' must be one of {', '.join(PLATFORMS)}, not "
                f"'{entry.platform}'"
            )
    if settings.database == "url" and not settings.database_url:
        raise ConfigError("--database url needs --database-url (e.g. postgresql://user@host:5432/postgres)")


def replace(settings: Settings, **changes: Any) -> Settings:
    return dataclasses.replace(settings, **changes)
