from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.evidence import Risk, lock_issue
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.lock_risk._common import added_constraints, altered_table, commands
from migration_reviewer.analyzers.locks import LockMode
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.sql import fields

_IDENTITY = {"d": "DEFAULT (the primary key)", "f": "FULL", "n": "NOTHING", "i": "USING INDEX"}


@rule(
    "LK029",
    "primary-key-or-replica-identity-change",
    Category.LOCK,
    Severity.WARNING,
    {"postgresql"},
    lintable=True,
)
def primary_key_or_replica_identity_change(ctx: AnalysisContext) -> Iterator[Issue]:
    """An existing table's primary key is dropped or replaced, or its `REPLICA IDENTITY` changes.

    ## What it does
    Reports, on tables the change did not create: `DROP CONSTRAINT` of the primary key (known from the
    replay's schema, or by PostgreSQL's default name `<table>_pkey` in `lint`), `ADD PRIMARY KEY` after
    such a drop, and `REPLICA IDENTITY` changes.

    ## Why is this risky?
    Logical replication and change-data-capture tools (publications, Debezium, DMS, Fivetran) identify
    the rows of an `UPDATE` or `DELETE` by the table's replica identity, by default its primary key.
    Between the drop and the new key, updates and deletes on a published table fail ("cannot update
    table because it does not have a replica identity and publishes updates"), and consumers keyed on the
    old columns see different keys afterwards. `REPLICA IDENTITY FULL` writes every old row into the WAL;
    `NOTHING` stops updates being published. Each statement takes ACCESS EXCLUSIVE, and adding the new
    key builds its index under it.

    ## Example
    ```sql
    ALTER TABLE orders DROP CONSTRAINT orders_pkey;
    ALTER TABLE orders ADD PRIMARY KEY (id, region);
    ```

    ## Use instead
    ```sql
    CREATE UNIQUE INDEX CONCURRENTLY orders_id_region_key ON orders (id, region);
    ```
    Build the new key's unique index concurrently, then swap in one short transaction with
    `ALTER TABLE orders DROP CONSTRAINT orders_pkey, ADD CONSTRAINT orders_pkey PRIMARY KEY USING INDEX
    orders_id_region_key;`, and tell the owners of replication and CDC consumers first.
    """
    dropped: set[str] = set()  # tables whose primary key the change dropped
    for stmt in ctx.alter_table_statements_with(
        "AT_DropConstraint",
        "AT_AddConstraint",
        "AT_ReplicaIdentity",
    ):
        table = altered_table(stmt)
        if table is None or ctx.is_new(table):
            continue
        for cmd in commands(stmt, "AT_DropConstraint"):
            if _is_primary_key(ctx, table, cmd.get("name", "")):
                dropped.add(table)
                yield lock_issue(
                    ctx,
                    stmt,
                    Risk(table, LockMode.ACCESS_EXCLUSIVE),
                    message=f"Dropping the primary key of `{table}` leaves it without a replica identity: "
                    "on a published table, updates and deletes fail until a new key exists, and CDC "
                    "consumers lose the row key.",
                    fix=_FIX,
                )
        for constraint in added_constraints(stmt):
            if constraint.get("contype") == "CONSTR_PRIMARY" and table in dropped:
                replaced_in_place = any(
                    _is_primary_key(ctx, table, cmd.get("name", ""))
                    for cmd in commands(stmt, "AT_DropConstraint")
                )
                if replaced_in_place and constraint.get("indexname"):
                    continue  # the swap with USING INDEX in one statement: reported with its drop
                yield lock_issue(
                    ctx,
                    stmt,
                    Risk(table, LockMode.ACCESS_EXCLUSIVE),
                    message=f"Re-adding a primary key to `{table}` changes the key replication and CDC "
                    "consumers identify its rows by.",
                    fix=_FIX,
                )
        for cmd in commands(stmt, "AT_ReplicaIdentity"):
            identity = fields(cmd.get("def", {}), "ReplicaIdentityStmt").get("identity_type", "")
            yield lock_issue(
                ctx,
                stmt,
                Risk(table, LockMode.ACCESS_EXCLUSIVE),
                message=f"Setting `REPLICA IDENTITY {_IDENTITY.get(identity, identity)}` on `{table}` "
                "changes what logical replication and CDC consumers receive for its updates and deletes.",
                fix="agree the change with the owners of publications and CDC consumers, and deploy it "
                "when they are ready for it",
            )


_FIX = (
    "build the new key's unique index with CREATE UNIQUE INDEX CONCURRENTLY, then swap in one statement: "
    "DROP CONSTRAINT …_pkey, ADD CONSTRAINT …_pkey PRIMARY KEY USING INDEX …; warn CDC consumers first"
)


def _is_primary_key(ctx: AnalysisContext, table: str, name: str) -> bool:
    existing = ctx.existing_table(table)
    if existing is not None:
        key = existing.primary_key
        return key is not None and key.name == name
    return name == f"{table.rsplit('.', 1)[-1]}_pkey"
