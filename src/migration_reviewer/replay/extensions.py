"""What a history asks of the server beyond SQL: the extensions it creates, and the roles.

Read before anything runs (which server has every extension the history needs), and while it runs (a
`CREATE EXTENSION` or `CREATE ROLE` the replay's role may not run itself is done on its behalf by the
functions `rights.sql` installs, after the checks they make; an extension that only works inside a managed
platform is replaced by an empty stand-in with the same functions).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from migration_reviewer.adapters.base import Dialect, MigrationSet, SqlScript
from migration_reviewer.replay.statements import Statement, parse_tree, split_scripts

# Where the functions that act on the migration's behalf live. The pg_ prefix keeps the schema out of
# every snapshot and observation (they skip system schemas), and out of reach: a role without superuser
# rights cannot create, drop or write into a pg_ schema.
RIGHTS_SCHEMA = "pg_migration_reviewer"

# Extensions the replay never creates on a migration's behalf: they run code or read files as the
# server's operating-system user, or connect to other servers. Where the replay's role may not create
# them itself, the migration fails as it would for any role without superuser rights.
DENIED_EXTENSIONS = frozenset(
    {
        # Code in languages that reach the operating system.
        "plperlu",
        "plpythonu",
        "plpython2u",
        "plpython3u",
        "pltclu",
        "pljavau",
        "plsh",
        "pljava",  # brings javau, its untrusted language, too
        # Files of the server's machine.
        "adminpack",
        "file_fdw",
        "log_fdw",
        "xml2",  # its XSLT may read any file or URL
        # Connections to other servers.
        "dblink",
        "postgres_fdw",
        "mysql_fdw",
        "oracle_fdw",
        "tds_fdw",
        "multicorn",
        "http",
        "aws_s3",
        "aws_lambda",
    }
)

# Extensions of managed platforms the replay replaces by an empty stand-in, with the same schema, tables
# and function signatures, so that the migrations that use them replay. pg_cron and pg_net only work with
# their background worker loaded at server start (shared_preload_libraries): each with a setting its
# library defines once loaded, where the real extension is used. Supabase's own (None) are not packaged
# for ordinary servers: where the server has one, the real extension is used.
STAND_INS: dict[str, str | None] = {
    "pg_cron": "cron.database_name",
    "pg_net": "pg_net.batch_size",
    "pgsodium": None,
    "pg_graphql": None,
    "pgjwt": None,
    "supabase_vault": None,
    # On servers that lack them (the bundled one, which has pgvector): their functions over built-ins.
    "uuid-ossp": None,
    "pgcrypto": None,
}

# Extensions every PostgreSQL server has.
BUILT_IN = frozenset({"plpgsql"})

_CREATE_EXTENSION = re.compile(r"\bCREATE\s+EXTENSION\b", re.I)
# A statement the replay may run on the migration's behalf starts like this (after comments).
_ON_BEHALF = re.compile(
    r"(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)*"
    r"(?:CREATE\s+(?:EXTENSION|ROLE|USER|GROUP)|DROP\s+(?:ROLE|USER|GROUP)|ALTER\s+(?:ROLE|USER))\b",
    re.I | re.S,
)
_MAY_ACT_ON_BEHALF = re.compile(
    r"\b(?:CREATE\s+(?:EXTENSION|ROLE|USER|GROUP)|DROP\s+(?:ROLE|USER|GROUP)|ALTER\s+(?:ROLE|USER)|OWNER\s+TO"
    r"|DEFAULT\s+PRIVILEGES\s+FOR)\b",
    re.I,
)
# What pg_dump and `supabase db pull` write for the role production's migrations run as: `ALTER … OWNER
# TO role` after every object, and `ALTER DEFAULT PRIVILEGES FOR ROLE role …`.
_FOR_A_ROLE = re.compile(
    r"(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)*ALTER\b[^;]*?\b(?:OWNER\s+TO|DEFAULT\s+PRIVILEGES\s+FOR)\b",
    re.I | re.S,
)
_FOR_ROLE_CLAUSE = re.compile(r'\bFOR\s+(?:ROLE|USER)\s+(?:"(?:[^"]|"")*"|[\w$]+)', re.I)


@dataclass(frozen=True)
class ExtensionNeed:
    """An extension a migration set creates, and the migration files that create it, in order."""

    name: str
    paths: tuple[str, ...]
    line: int | None = None  # of the first statement that creates it
    statement: str | None = None


def needed_extensions(sets: Iterable[MigrationSet]) -> list[ExtensionNeed]:
    """The extensions the baseline, base and new migrations of PostgreSQL `sets` create (built-in ones
    left out), in the order they first appear. Only files that say CREATE EXTENSION are split and parsed."""
    found: dict[str, list[str]] = {}
    first: dict[str, Statement] = {}
    for migration_set in sets:
        if migration_set.dialect is not Dialect.POSTGRESQL:
            continue
        for name in migration_set.extensions:  # enabled on production's platform, outside migrations
            found.setdefault(name, [])
            first.setdefault(name, Statement(f'CREATE EXTENSION "{name}"', "configuration", 1, 1))
        dump = migration_set.baseline
        scripts: list[tuple[str, tuple[SqlScript, ...]]] = []
        if dump is not None:
            scripts.append((dump.path, (SqlScript(dump.path, dump.text),)))
        scripts += [(m.path, m.up) for m in (*migration_set.base_migrations, *migration_set.new_migrations)]
        # A framework that runs code (Alembic) holds its SQL in strings of its revision files.
        code = [
            m.step.source for m in (*migration_set.base_migrations, *migration_set.new_migrations) if m.step
        ]
        for path, up in scripts:
            for name, statement in _extensions_of(up):
                paths = found.setdefault(name, [])
                first.setdefault(name, statement)
                if path not in paths:
                    paths.append(path)
        for source in code:
            for name, statement in _extensions_in_code(source):
                paths = found.setdefault(name, [])
                first.setdefault(name, statement)
                if source.path not in paths:
                    paths.append(source.path)
    return [
        # One only the configuration names (`extensions`) has no file or line.
        ExtensionNeed(name, tuple(paths), *((first[name].line, first[name].text) if paths else (None, None)))
        for name, paths in found.items()
        if name not in BUILT_IN
    ]


def _extensions_of(up: Sequence[SqlScript]) -> Iterator[tuple[str, Statement]]:
    if not any(_CREATE_EXTENSION.search(script.text) for script in up):
        return
    for statement in split_scripts(up, Dialect.POSTGRESQL):
        if not _CREATE_EXTENSION.search(statement.text):
            continue
        tree = parse_tree(statement.text)
        if tree is not None and "CreateExtensionStmt" in tree:
            yield tree["CreateExtensionStmt"]["extname"], statement


_EXTENSION_NAME = re.compile(r'\bCREATE\s+EXTENSION\s+(?:IF\s+NOT\s+EXISTS\s+)?\\?"?([\w-]+)\\?"?', re.I)


def _extensions_in_code(source: SqlScript) -> Iterator[tuple[str, Statement]]:
    """The extensions a revision file's code creates, read from its text: `op.execute("CREATE EXTENSION
    IF NOT EXISTS vector")` and the like (the statement is what the pattern matched)."""
    for found in _EXTENSION_NAME.finditer(source.text):
        line = source.first_line + source.text.count("\n", 0, found.start())
        yield found.group(1), Statement(found.group(0), source.path, line, line)


def platform_extensions(platform: str) -> list[ExtensionNeed]:
    """The extensions a platform's database holds before the first migration (replay/platforms), which
    the server should have too. Our own SQL: a pattern reads it."""
    from migration_reviewer.replay.platforms import platform_script  # a sibling module of the replay

    try:
        script = platform_script(platform)
    except KeyError:
        return []
    return [ExtensionNeed(name, ()) for name in created_extensions(script) if name not in BUILT_IN]


def quoted_name(name: str) -> str:
    """`name` as a quoted SQL identifier, whatever it holds."""
    return '"' + name.replace('"', '""') + '"'


def created_extensions(text: str) -> list[str]:
    """The extensions `text` creates, each once, in order: read with a pattern, so it serves SQL that is
    not split into statements (a platform's script, a migration's whole file) and SQL in code strings."""
    return list(dict.fromkeys(found.group(1) for found in _EXTENSION_NAME.finditer(text)))


def stand_in_sql(name: str, schema: str | None = None) -> str:
    """The SQL of the empty stand-in for the platform extension `name` (one of STAND_INS), its relocatable
    objects in `schema` (the statement's WITH SCHEMA; None: the session's current schema)."""
    from importlib import resources  # loaded by the replay only: `lint` starts without it

    text = resources.files(__package__).joinpath("stand_ins", f"{name}.sql").read_text()
    prefix = "" if schema is None else f"{quoted_name(schema)}."
    return text.replace("@extschema@", prefix)


def or_stand_in(what: str, sql: str) -> str:
    """A platform's section (`what`, its SQL) as it runs on this server: an extension that has a stand-in
    is created where the server has it, else replaced by its stand-in in the platform's `extensions`
    schema (the platform's SQL runs as the admin role: the choice is made in the server, by one block)."""
    name = what.removeprefix("extension ")
    if name == what or name not in STAND_INS or STAND_INS[name] is not None:
        return sql

    def quoted(text: str) -> str:
        return "'" + text.strip().replace("'", "''") + "'"

    return (
        "DO $platform$ BEGIN\n"
        f"    IF EXISTS (SELECT FROM pg_available_extensions WHERE name = {quoted(name)}) THEN\n"
        f"        EXECUTE {quoted(sql)};\n"
        f"    ELSE\n        EXECUTE {quoted(stand_in_sql(name, 'extensions'))};\n    END IF;\n"
        "END $platform$;\n"
    )


def rights_sql() -> str:
    """The SQL that installs the functions acting on a migration's behalf (run as a superuser)."""
    from importlib import resources

    return resources.files(__package__).joinpath("rights.sql").read_text()


def may_act_on_behalf(sql: str) -> bool:
    """A cheap, conservative test: False means no statement in `sql` is one the replay may run on the
    migration's behalf (a migration holding one is replayed statement by statement)."""
    return _MAY_ACT_ON_BEHALF.search(sql) is not None


@dataclass(frozen=True)
class OnBehalf:
    """How to run a statement the replay's role may not run itself: a query with its parameters. `kind` is
    "extension", "stand-in", "role" or "as-own-role"; `name` the extension's or the roles'. A stand-in's
    `otherwise` is the call to make where the server has the real extension."""

    kind: str
    name: str
    query: str
    params: tuple[Any, ...] = ()
    otherwise: OnBehalf | None = None


def on_behalf(sql: str) -> OnBehalf | None:
    """The call that runs `sql` (one statement) on the migration's behalf, or None: it runs as written.
    The parameters are sent apart from the query, so no quoting of ours depends on the session's settings
    (standard_conforming_strings)."""
    if not (_ON_BEHALF.match(sql) or _FOR_A_ROLE.match(sql)):
        return None
    tree = parse_tree(sql)
    if tree is None:
        return None
    # Handing an object to the server's superuser (`OWNER TO postgres`, the role production's migrations
    # run as on many platforms), or setting its default privileges, is what no role without superuser
    # rights may do: where the role is one, the migration's role stands for it, as production's does.
    if (owner := _new_owner(tree)) is not None:
        return OnBehalf("as-own-role", owner, "SELECT WHERE false")  # the object stays the migration role's
    if (role := _default_privileges_role(tree)) is not None:
        return OnBehalf("as-own-role", role, _FOR_ROLE_CLAUSE.sub("", sql, count=1))
    if "CreateExtensionStmt" in tree:
        return _extension_call(tree["CreateExtensionStmt"])
    if "CreateRoleStmt" in tree:
        return _role_call(tree["CreateRoleStmt"])
    if "AlterRoleSetStmt" in tree:
        return _role_setting_call(tree["AlterRoleSetStmt"])
    if "DropRoleStmt" in tree:
        node = tree["DropRoleStmt"]
        names = [item["RoleSpec"].get("rolename") for item in node.get("roles", ()) if "RoleSpec" in item]
        if None in names:
            return None  # CURRENT_USER and the like: as written
        return OnBehalf(
            "role",
            ", ".join(names),
            f"SELECT {RIGHTS_SCHEMA}.drop_roles(%s, %s)",
            (names, bool(node.get("missing_ok"))),
        )
    return None


def _extension_call(node: dict[str, Any]) -> OnBehalf | None:
    name: str = node["extname"]
    if name in DENIED_EXTENSIONS or name in BUILT_IN:
        return None  # as written: the server refuses it to a role without superuser rights
    options = {
        option["DefElem"]["defname"]: option["DefElem"].get("arg") for option in node.get("options", ())
    }
    schema = _string(options.get("schema"))
    version = _string(options.get("new_version"))
    cascade = "cascade" in options and _boolean(options["cascade"])
    # The schema the statement would use when it names none: the first of the migration's search_path,
    # read in its own session before the function (whose search_path is fixed) runs.
    call = OnBehalf(
        "extension",
        name,
        f"SELECT {RIGHTS_SCHEMA}.create_extension(%s, coalesce(%s, current_schema()), %s, %s, %s)",
        (name, schema, version, cascade, bool(node.get("if_not_exists"))),
    )
    if name in STAND_INS:
        return OnBehalf("stand-in", name, stand_in_sql(name, schema), otherwise=call)
    return call


_ROLE_FLAGS = {
    "superuser": "superuser",
    "createdb": "createdb",
    "createrole": "createrole",
    "inherit": "inherit",
    "canlogin": "login",
    "isreplication": "replication",
    "bypassrls": "bypassrls",
}
_ROLE_LISTS = {"addroleto": "in_role", "rolemembers": "role", "adminmembers": "admin"}


def _role_call(node: dict[str, Any]) -> OnBehalf | None:
    options: dict[str, Any] = {}
    # CREATE USER logs in unless it says otherwise; CREATE ROLE and CREATE GROUP do not.
    options["login"] = node.get("stmt_type") == "ROLESTMT_USER"
    for option in node.get("options", ()):
        element = option["DefElem"]
        key, arg = element["defname"], element.get("arg")
        if key in _ROLE_FLAGS:
            options[_ROLE_FLAGS[key]] = _boolean(arg)
        elif key in _ROLE_LISTS:
            options[_ROLE_LISTS[key]] = [
                item["RoleSpec"].get("rolename") for item in arg["List"]["items"] if "RoleSpec" in item
            ]
        elif key == "password":
            options["password"] = _string(arg)
        elif key == "connectionlimit":
            options["connection_limit"] = arg["Integer"].get("ival", 0) if arg else -1
        elif key == "validUntil":
            options["valid_until"] = _string(arg)
        elif key != "sysid":
            return None  # an option this replay does not know: as written
    name = node["role"]
    return OnBehalf(
        "role", name, f"SELECT {RIGHTS_SCHEMA}.create_role(%s, %s::jsonb)", (name, json.dumps(options))
    )


def _new_owner(tree: dict[str, Any]) -> str | None:
    """The role an `ALTER … OWNER TO role` statement hands its object to (one subcommand), else None."""
    if "AlterOwnerStmt" in tree:
        spec = tree["AlterOwnerStmt"].get("newowner", {})
    elif "AlterTableStmt" in tree and len(commands := tree["AlterTableStmt"].get("cmds", ())) == 1:
        command = commands[0].get("AlterTableCmd", {})
        spec = command.get("newowner", {}) if command.get("subtype") == "AT_ChangeOwner" else {}
    else:
        return None
    return spec.get("rolename") if spec.get("roletype") == "ROLESPEC_CSTRING" else None


def _default_privileges_role(tree: dict[str, Any]) -> str | None:
    """The one role an `ALTER DEFAULT PRIVILEGES FOR ROLE role …` statement sets defaults for, else None."""
    node = tree.get("AlterDefaultPrivilegesStmt")
    if node is None:
        return None
    roles = [
        item.get("RoleSpec", {})
        for option in node.get("options", ())
        if option.get("DefElem", {}).get("defname") == "roles"
        for item in option["DefElem"]["arg"]["List"]["items"]
    ]
    if len(roles) != 1 or roles[0].get("roletype") != "ROLESPEC_CSTRING":
        return None
    name = roles[0].get("rolename")
    return name if isinstance(name, str) else None


def _role_setting_call(node: dict[str, Any]) -> OnBehalf | None:
    """ALTER ROLE name [IN DATABASE …] SET setting TO value / RESET setting, for one named role."""
    role = node.get("role", {}).get("rolename")
    setting = node.get("setstmt", {})
    if role is None or node.get("database") or setting.get("kind") not in ("VAR_SET_VALUE", "VAR_RESET"):
        return None  # ALL roles, a database's default, SET … FROM CURRENT: as written
    values = None  # RESET
    if setting["kind"] == "VAR_SET_VALUE":
        values = [_string(_constant(arg)) for arg in setting.get("args", ())]
        if not values or None in values:
            return None
    return OnBehalf(
        "role", role, f"SELECT {RIGHTS_SCHEMA}.alter_role_set(%s, %s, %s)", (role, setting["name"], values)
    )


def _constant(arg: dict[str, Any]) -> dict[str, Any] | None:
    """A SET value's constant in the shape `_string` reads: {"String": …}, {"Integer": …}, {"Float": …}."""
    constant = arg.get("A_Const", {})
    for key, kind in (("sval", "String"), ("ival", "Integer"), ("fval", "Float"), ("boolval", "Boolean")):
        if key in constant:
            if kind == "Boolean":
                return {"String": {"sval": "true" if constant[key].get("boolval") else "false"}}
            return {kind: constant[key]}
    return None


def _string(arg: dict[str, Any] | None) -> str | None:
    if arg is None:
        return None
    if "String" in arg:
        return str(arg["String"].get("sval", ""))
    if "Integer" in arg:  # VERSION 2 (a number, not a string)
        return str(arg["Integer"].get("ival", 0))
    if "Float" in arg:
        return str(arg["Float"].get("fval", ""))
    return None


def _boolean(arg: dict[str, Any] | None) -> bool:
    if arg is None:
        return True
    if "Boolean" in arg:
        return bool(arg["Boolean"].get("boolval", False))
    if "Integer" in arg:
        return bool(arg["Integer"].get("ival", 0))
    return True
