"""PostgreSQL's table lock modes, what each one blocks, and which lock common DDL takes.

The conflict table is PostgreSQL's ("Explicit Locking" in the manual). Application traffic takes ACCESS
SHARE (SELECT), ROW SHARE (SELECT … FOR UPDATE) and ROW EXCLUSIVE (INSERT, UPDATE, DELETE), so a mode
blocks reads when it conflicts with ACCESS SHARE and writes when it conflicts with ROW EXCLUSIVE.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import IntEnum

from migration_reviewer.analyzers.sql import Node, fields, has_option, qualified, relation, strings, tag


class LockMode(IntEnum):
    ACCESS_SHARE = 1
    ROW_SHARE = 2
    ROW_EXCLUSIVE = 3
    SHARE_UPDATE_EXCLUSIVE = 4
    SHARE = 5
    SHARE_ROW_EXCLUSIVE = 6
    EXCLUSIVE = 7
    ACCESS_EXCLUSIVE = 8

    @property
    def label(self) -> str:
        return self.name.replace("_", " ")

    @classmethod
    def from_pg_locks(cls, mode: str) -> LockMode | None:
        """pg_locks' spelling ("AccessExclusiveLock") → the mode."""
        words = "".join("_" + c if c.isupper() else c for c in mode.removesuffix("Lock")).strip("_")
        return cls.__members__.get(words.upper())

    @property
    def blocks_reads(self) -> bool:
        return self is LockMode.ACCESS_EXCLUSIVE

    @property
    def blocks_writes(self) -> bool:
        return self >= LockMode.SHARE

    @property
    def blocks(self) -> str:
        """What application traffic does while the lock is held, in words."""
        if self.blocks_reads:
            return "reads and writes wait"
        if self is LockMode.EXCLUSIVE:
            return "writes and SELECT … FOR UPDATE wait, plain reads continue"
        if self.blocks_writes:
            return "writes wait, reads continue"
        if self is LockMode.SHARE_UPDATE_EXCLUSIVE:
            return "other DDL and VACUUM wait, reads and writes continue"
        return "only stronger locks wait"


# ALTER TABLE subcommand → the lock it takes, from PostgreSQL's documentation of ALTER TABLE (and
# AlterTableGetLockLevel in tablecmds.c); a subcommand not listed takes ACCESS EXCLUSIVE. The statement
# takes the strongest lock any of its subcommands needs. Every rule and the report name a statement's lock
# from this table (or from what the replay saw in pg_locks): one statement, one lock, one wording.
ALTER_TABLE_LOCKS = {
    "AT_ValidateConstraint": LockMode.SHARE_UPDATE_EXCLUSIVE,
    "AT_SetStatistics": LockMode.SHARE_UPDATE_EXCLUSIVE,
    "AT_ClusterOn": LockMode.SHARE_UPDATE_EXCLUSIVE,
    "AT_DropCluster": LockMode.SHARE_UPDATE_EXCLUSIVE,
    "AT_SetOptions": LockMode.SHARE_UPDATE_EXCLUSIVE,  # ALTER COLUMN … SET (n_distinct = …)
    "AT_ResetOptions": LockMode.SHARE_UPDATE_EXCLUSIVE,
    "AT_SetRelOptions": LockMode.SHARE_UPDATE_EXCLUSIVE,  # SET (fillfactor, autovacuum_…): see below
    "AT_ResetRelOptions": LockMode.SHARE_UPDATE_EXCLUSIVE,
    "AT_AttachPartition": LockMode.SHARE_UPDATE_EXCLUSIVE,
    "AT_DetachPartitionFinalize": LockMode.SHARE_UPDATE_EXCLUSIVE,
    "AT_AddConstraint": LockMode.ACCESS_EXCLUSIVE,  # a FOREIGN KEY: SHARE ROW EXCLUSIVE (below)
    "AT_EnableTrig": LockMode.SHARE_ROW_EXCLUSIVE,
    "AT_EnableAlwaysTrig": LockMode.SHARE_ROW_EXCLUSIVE,
    "AT_EnableReplicaTrig": LockMode.SHARE_ROW_EXCLUSIVE,
    "AT_DisableTrig": LockMode.SHARE_ROW_EXCLUSIVE,
    "AT_EnableTrigAll": LockMode.SHARE_ROW_EXCLUSIVE,
    "AT_DisableTrigAll": LockMode.SHARE_ROW_EXCLUSIVE,
    "AT_EnableTrigUser": LockMode.SHARE_ROW_EXCLUSIVE,
    "AT_DisableTrigUser": LockMode.SHARE_ROW_EXCLUSIVE,
}
# Storage parameters take SHARE UPDATE EXCLUSIVE, except these few (reloptions.c), which need ACCESS
# EXCLUSIVE; the view options only apply to ALTER VIEW, spelt ALTER TABLE.
_EXCLUSIVE_RELOPTIONS = {"user_catalog_table", "security_barrier", "security_invoker", "check_option"}


def alter_table_lock(body: Node) -> LockMode:
    """The lock an ALTER TABLE takes on its table: the strongest any of its subcommands needs."""
    level = LockMode.ACCESS_SHARE
    for command in body.get("cmds", ()):
        level = max(level, subcommand_lock(fields(command, "AlterTableCmd")))
    return level


def subcommand_lock(cmd: Node) -> LockMode:
    """The lock one ALTER TABLE subcommand (AlterTableCmd fields) takes."""
    subtype = cmd.get("subtype", "")
    if subtype == "AT_AddConstraint" and fields(cmd.get("def", {}), "Constraint").get("contype") == (
        "CONSTR_FOREIGN"
    ):
        return LockMode.SHARE_ROW_EXCLUSIVE
    if subtype == "AT_DetachPartition" and fields(cmd.get("def", {}), "PartitionCmd").get("concurrent"):
        return LockMode.SHARE_UPDATE_EXCLUSIVE
    if subtype in ("AT_SetRelOptions", "AT_ResetRelOptions"):
        names = {
            fields(item, "DefElem").get("defname", "")
            for item in fields(cmd.get("def", {}), "List").get("items", ())
        }
        if names & _EXCLUSIVE_RELOPTIONS:
            return LockMode.ACCESS_EXCLUSIVE
    return ALTER_TABLE_LOCKS.get(subtype, LockMode.ACCESS_EXCLUSIVE)


def predicted_locks(tree: Node | None) -> Iterator[tuple[str, LockMode]]:
    """(table, mode) for the table-level locks a statement takes that block application traffic or DDL.
    Only the statements migrations commonly hold: enough to reason about lock windows without a replay.
    An index named by DROP INDEX or REINDEX INDEX is reported under the index's own name."""
    if tree is None:
        return
    kind, body = tag(tree), fields(tree)
    if kind == "AlterTableStmt" and body.get("objtype") in ("OBJECT_TABLE", "OBJECT_MATVIEW"):
        yield relation(body["relation"]), alter_table_lock(body)
        for command in body.get("cmds", ()):
            constraint = fields(fields(command, "AlterTableCmd").get("def", {}), "Constraint")
            if constraint.get("contype") == "CONSTR_FOREIGN" and constraint.get("pktable"):
                yield relation(constraint["pktable"]), LockMode.SHARE_ROW_EXCLUSIVE
    elif kind == "IndexStmt":
        concurrent = body.get("concurrent")
        yield relation(body["relation"]), (LockMode.SHARE_UPDATE_EXCLUSIVE if concurrent else LockMode.SHARE)
    elif kind == "DropStmt" and body.get("removeType") in ("OBJECT_TABLE", "OBJECT_INDEX", "OBJECT_MATVIEW"):
        mode = LockMode.SHARE_UPDATE_EXCLUSIVE if body.get("concurrent") else LockMode.ACCESS_EXCLUSIVE
        for item in body.get("objects", ()):
            yield qualified(strings(fields(item, "List").get("items"))), mode
    elif kind == "ReindexStmt" and body.get("relation"):
        concurrent = has_option(body.get("params"), "concurrently")
        yield relation(body["relation"]), (LockMode.SHARE_UPDATE_EXCLUSIVE if concurrent else LockMode.SHARE)
    elif kind == "RenameStmt" and body.get("relation"):
        yield relation(body["relation"]), LockMode.ACCESS_EXCLUSIVE
    elif kind == "TruncateStmt":
        for rangevar in body.get("relations", ()):
            yield relation(rangevar), LockMode.ACCESS_EXCLUSIVE
    elif kind == "LockStmt":
        mode = LockMode(body.get("mode", LockMode.ACCESS_EXCLUSIVE))
        for rangevar in body.get("relations", ()):
            yield relation(rangevar), mode
    elif kind == "VacuumStmt" and has_option(body.get("options"), "full"):
        for rel in body.get("rels", ()):
            yield relation(fields(rel, "VacuumRelation")["relation"]), LockMode.ACCESS_EXCLUSIVE
    elif kind == "ClusterStmt" and body.get("relation"):
        yield relation(body["relation"]), LockMode.ACCESS_EXCLUSIVE
    elif kind == "CreateTrigStmt" and body.get("relation"):
        yield relation(body["relation"]), LockMode.SHARE_ROW_EXCLUSIVE
    elif kind == "RefreshMatViewStmt" and body.get("relation"):
        mode = LockMode.EXCLUSIVE if body.get("concurrent") else LockMode.ACCESS_EXCLUSIVE
        yield relation(body["relation"]), mode
