"""Snapshots are plain data: comparable, hashable, and stored as JSON without loss."""

from __future__ import annotations

import dataclasses
import json

import pytest

from migration_reviewer.schema.model import (
    Column,
    Constraint,
    ConstraintKind,
    EnumType,
    Identity,
    Index,
    ObjectName,
    Policy,
    RelationKind,
    SchemaSnapshot,
    Sequence,
    Table,
    Trigger,
    display_name,
)


def sample() -> SchemaSnapshot:
    users = Table(
        "public",
        "users",
        columns=(
            Column("id", "bigint", ordinal=1, nullable=False, identity=Identity.ALWAYS),
            Column("name", "text", ordinal=2, collation="C"),
        ),
        constraints=(
            Constraint(
                "users_pkey", ConstraintKind.PRIMARY_KEY, "PRIMARY KEY (id)", ("id",), index="users_pkey"
            ),
        ),
        indexes=(
            Index(
                "users_pkey", "CREATE UNIQUE INDEX users_pkey ON public.users USING btree (id)", unique=True
            ),
        ),
        triggers=(Trigger("touch", "touch", "BEFORE", ("UPDATE",)),),
        policies=(Policy("own", "SELECT", roles=("authenticated",), using="(id = 1)"),),
        rls_enabled=True,
        row_estimate=10,
        size_bytes=8192,
    )
    orders = Table(
        "app",
        "orders",
        columns=(Column("user_id", "bigint"),),
        constraints=(
            Constraint(
                "orders_user_fk",
                ConstraintKind.FOREIGN_KEY,
                "FOREIGN KEY (user_id) REFERENCES users(id) NOT VALID",
                ("user_id",),
                validated=False,
                references=ObjectName("public", "users"),
                referenced_columns=("id",),
                on_delete="CASCADE",
            ),
        ),
    )
    view = Table("public", "v", RelationKind.VIEW, definition=" SELECT 1;")
    return SchemaSnapshot(
        schemas=("app", "public"),
        tables=(orders, users, view),
        enums=(EnumType("public", "mood", ("happy", "sad")),),
        sequences=(Sequence("public", "n", owned_by=ObjectName("app", "orders"), owned_by_column="user_id"),),
    )


def test_a_snapshot_round_trips_through_json() -> None:
    snapshot = sample()
    stored = json.loads(json.dumps(snapshot.to_dict()))
    assert stored == snapshot.to_dict()
    assert SchemaSnapshot.from_dict(stored) == snapshot


def test_a_decoded_snapshot_is_as_frozen_and_hashable_as_a_built_one() -> None:
    decoded = SchemaSnapshot.from_dict(json.loads(json.dumps(sample().to_dict())))
    assert hash(decoded) == hash(sample())
    users = decoded.table("public", "users")
    assert users is not None and users.kind is RelationKind.TABLE and isinstance(users.columns, tuple)
    with pytest.raises(dataclasses.FrozenInstanceError):
        users.name = "accounts"  # type: ignore[misc]


def test_a_snapshot_stored_by_another_version() -> None:
    data = sample().to_dict()
    # A newer version's field is left out; a field this version added later takes its default.
    data["tables"][1]["columns"][0]["storage"] = "plain"
    del data["tables"][1]["rls_forced"]
    decoded = SchemaSnapshot.from_dict(data)
    users = decoded.table("public", "users")
    assert users is not None and not users.rls_forced and not hasattr(users.columns[0], "storage")
    assert decoded == sample()

    # A field without a default cannot be made up: the caller reads the catalogs instead.
    del data["tables"][1]["columns"][0]["type"]
    with pytest.raises(KeyError, match="Column: missing type"):
        SchemaSnapshot.from_dict(data)


def test_json_holds_plain_values() -> None:
    data = sample().to_dict()
    users = data["tables"][1]
    assert users["kind"] == "table"
    assert users["columns"][0]["identity"] == "always"
    assert data["tables"][0]["constraints"][0]["references"] == {"schema": "public", "name": "users"}


def test_snapshots_are_immutable_values() -> None:
    assert hash(sample()) == hash(sample())
    assert sample().table("app", "orders") is not None
    users = sample().table("public", "users")
    assert users is not None and users.primary_key is not None
    assert users.primary_key.columns == ("id",)


def test_display_names_leave_out_the_public_schema() -> None:
    assert display_name("public", "users") == "users"
    assert display_name("app", "users") == "app.users"
    assert str(ObjectName("app", "orders")) == "app.orders"
