from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.evidence import Risk, Work, lock_issue
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.lock_risk._common import altered_table, column_constraints, commands
from migration_reviewer.analyzers.locks import LockMode
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.sql import Node, fields, strings, tag, type_of, walk

# Built-in functions a default may call that PostgreSQL marks VOLATILE (pg_proc.provolatile = 'v'); a
# volatile default is evaluated per row, so the table is rewritten. now(), CURRENT_TIMESTAMP and friends
# are STABLE: evaluated once, no rewrite.
_VOLATILE_BUILTINS = frozenset(
    {
        "random",
        "random_normal",
        "gen_random_uuid",
        "uuidv4",
        "uuidv7",
        "uuid_generate_v1",
        "uuid_generate_v1mc",
        "uuid_generate_v4",
        "gen_random_bytes",
        "clock_timestamp",
        "timeofday",
        "nextval",
        "setval",
        "currval",
        "lastval",
    }
)
_SERIAL = frozenset({"serial", "serial2", "serial4", "serial8", "smallserial", "bigserial"})


@rule("LK005", "add-column-rewrite", Category.LOCK, Severity.ERROR, {"postgresql"}, lintable=True)
def add_column_rewrite(ctx: AnalysisContext) -> Iterator[Issue]:
    """`ADD COLUMN` that makes PostgreSQL rewrite the whole table.

    ## What it does
    Reports columns added to an existing table with a volatile default (`random()`, `gen_random_uuid()`,
    `clock_timestamp()`, a VOLATILE function of yours), a serial type, an identity, or a stored generated
    expression; before PostgreSQL 11, with any non-null default. Constant and STABLE defaults (`0`,
    `'free'`, `now()`, `CURRENT_TIMESTAMP`) are stored once in the catalog on PostgreSQL 11 and later and
    cost nothing.

    ## Why is this risky?
    The rewrite copies every row and rebuilds every index while holding ACCESS EXCLUSIVE: the table can
    be neither read nor written until it ends, minutes on a large table.

    ## Example
    ```sql
    ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid();
    ```

    ## Use instead
    ```sql
    ALTER TABLE orders ADD COLUMN token uuid;
    ALTER TABLE orders ALTER COLUMN token SET DEFAULT gen_random_uuid();
    ```
    The default now applies to new rows only; fill the existing rows in batches, outside the DDL's
    transaction (`UPDATE orders SET token = gen_random_uuid() WHERE id BETWEEN … AND … AND token IS
    NULL`).

    ## Fix in Alembic
    `op.add_column("orders", sa.Column("token", sa.Uuid()))`, then
    `op.alter_column("orders", "token", server_default=sa.text("gen_random_uuid()"))`, and a batched
    backfill.
    """
    functions = _user_function_volatility(ctx)
    for stmt in ctx.alter_table_statements_with("AT_AddColumn"):
        table = altered_table(stmt)
        if table is None or ctx.is_new(table):
            continue
        for cmd in commands(stmt, "AT_AddColumn"):
            column = fields(cmd.get("def", {}), "ColumnDef")
            reason = _rewrite_reason(column, ctx.pg_version, functions)
            if reason is None:
                continue
            name = column.get("colname", "?")
            yield lock_issue(
                ctx,
                stmt,
                Risk(table, LockMode.ACCESS_EXCLUSIVE, Work.REWRITE, rewrite=True),
                message=f"`ADD COLUMN {name}` with {reason[0]} rewrites `{table}`.",
                fix=reason[1],
            )


def _rewrite_reason(column: Node, pg_version: int, functions: dict[str, bool]) -> tuple[str, str] | None:
    """(what forces the rewrite, the fix), or None when the column is added without one."""
    name = column.get("colname", "?")
    type_name, _ = type_of(column.get("typeName", {}))
    if type_name in _SERIAL:
        return (
            f"a {type_name} type (a sequence default, evaluated per row)",
            f"add `{name}` as a plain bigint, attach the sequence with `ALTER COLUMN {name} SET DEFAULT "
            "nextval(…)` for new rows, and number the existing rows in batches",
        )
    if any(column_constraints(column, "CONSTR_IDENTITY")):
        return (
            "an identity (every existing row gets a number)",
            f"add `{name}` as a plain column, fill it in batches, then `ALTER COLUMN {name} ADD GENERATED "
            "… AS IDENTITY` once it is set everywhere",
        )
    for generated in column_constraints(column, "CONSTR_GENERATED"):
        if generated.get("generated_kind", "s") == "s" or pg_version < 18:
            return (
                "a stored generated expression (computed for every row)",
                f"a virtual generated column (PostgreSQL 18: `GENERATED ALWAYS AS (…) VIRTUAL`), or a plain "
                f"`{name}` kept up to date by a trigger and filled in batches",
            )
    for default in column_constraints(column, "CONSTR_DEFAULT"):
        expression = default.get("raw_expr", {})
        if pg_version < 11 and not _is_null(expression):
            return (
                f"a default (PostgreSQL {pg_version} stores every default in each row; 11 and later do not)",
                f"add `{name}` without a default, `ALTER COLUMN {name} SET DEFAULT …` for new rows, and fill "
                "the existing rows in batches",
            )
        volatile = _volatile_call(expression, functions)
        if volatile:
            return (
                f"a volatile default (`{volatile}()`, evaluated per row)",
                f"add `{name}` without the default, then `ALTER COLUMN {name} SET DEFAULT …` (new rows "
                "only), and fill the existing rows in batches outside this transaction",
            )
    return None


def _is_null(expression: Node) -> bool:
    return bool(expression) and tag(expression) == "A_Const" and fields(expression).get("isnull", False)


def _volatile_call(expression: Node, functions: dict[str, bool]) -> str | None:
    for node_type, call in walk(expression):
        if node_type == "FuncCall":
            name = strings(call.get("funcname"))[-1]
            if functions.get(name, name in _VOLATILE_BUILTINS):
                return name
    return None


def _user_function_volatility(ctx: AnalysisContext) -> dict[str, bool]:
    """Function name → volatile?, for the functions of the base schema (replay) and those the change
    creates (VOLATILE unless it says otherwise). Other names fall back to the built-in list."""
    volatile: dict[str, bool] = {}
    if ctx.before is not None:
        for function in ctx.before.functions:
            volatile[function.name] = function.volatility == "volatile"
    for stmt in ctx.statements:
        if stmt.kind == "CreateFunctionStmt":
            name = strings(stmt.body.get("funcname"))[-1]
            declared = [
                strings([fields(o)["arg"]])[0]
                for o in stmt.body.get("options", ())
                if fields(o, "DefElem").get("defname") == "volatility"
            ]
            volatile[name] = not declared or declared[0] == "volatile"
    return volatile
