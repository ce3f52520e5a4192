"""Reading schema.prisma, a Drizzle schema.ts and Supabase's generated types, and comparing them with a
snapshot."""

from __future__ import annotations

from migration_reviewer.schema.declared import DriftKind, compare
from migration_reviewer.schema.drizzle_schema import parse_drizzle
from migration_reviewer.schema.model import Column, SchemaSnapshot, Table
from migration_reviewer.schema.prisma_schema import parse_prisma
from migration_reviewer.schema.supabase_types import parse_supabase_types

PRISMA = """\
datasource db {
  provider = "postgresql"
  url      = "postgresql://x" // not a comment inside a string here
}

model User {
  id    Int     @id
  email String  @unique
  name  String? @map("full_name")
  posts Post[]
  tags  String[]
  @@map("users")
}

model Post {
  id       Int  @id
  author   User @relation(fields: [authorId], references: [id])
  authorId Int
  kind     Kind
}

model Legacy {
  id Int @id
  @@ignore
}

enum Kind {
  A
}
"""


def columns(tables, name):  # type: ignore[no-untyped-def]
    table = next(t for t in tables if t.name == name)
    return {c.name: c.nullable for c in table.columns}


def test_prisma_models_fields_and_maps() -> None:
    tables = parse_prisma(PRISMA)
    assert [t.name for t in tables] == ["users", "Post"]
    assert columns(tables, "users") == {"id": False, "email": False, "full_name": True, "tags": None}
    assert columns(tables, "Post") == {"id": False, "authorId": False, "kind": False}
    assert tables[0].line == 6 and tables[0].columns[2].line == 9


def test_drizzle_tables_and_unreadable_ones() -> None:
    text = """\
export const users = pgTable("users", {
  id: serial("id").primaryKey(),
  email: text("email").notNull(),
  nickname: text(),
  createdAt: timestamp("created_at", { withTimezone: true }).defaultNow(),
}, (t) => ({ byEmail: index("users_email").on(t.email) }));
"""
    [users] = parse_drizzle(text) or []
    assert {c.name: c.nullable for c in users.columns} == {
        "id": False, "email": False, "nickname": True, "created_at": True}
    assert parse_drizzle('export const t = pgTable("t", { ...timestamps, id: serial("id") });') is None


def test_supabase_rows() -> None:
    text = """\
export type Database = {
  graphql_public: { Tables: { [_ in never]: never } }
  public: {
    Tables: {
      profiles: {
        Row: {
          id: string
          bio: string | null
        }
        Insert: { id: string; bio?: string | null }
      }
    }
    Views: { active: { Row: { id: string } } }
  }
}
"""
    [profiles] = parse_supabase_types(text)
    assert (profiles.schema, profiles.name, profiles.line) == ("public", "profiles", 5)
    assert {c.name: c.nullable for c in profiles.columns} == {"id": False, "bio": True}


def test_compare_names_each_difference() -> None:
    snapshot = SchemaSnapshot(tables=(
        Table("public", "users", columns=(Column("id", "integer", nullable=False), Column("email", "text"),
                                          Column("extra", "text"))),
        Table("public", "teams", columns=(Column("id", "integer", nullable=False),)),
        Table("public", "_prisma_migrations"),
    ))
    declared = parse_prisma(
        'model User {\n  id Int @id\n  email String\n  bio String?\n  @@map("users")\n}\n'
        "model Post {\n  id Int @id\n}\n")
    found = {(d.kind, d.table, d.column) for d in compare(declared, snapshot)}
    assert found == {
        (DriftKind.NULLABILITY, "users", "email"),
        (DriftKind.COLUMN_NOT_CREATED, "users", "bio"),
        (DriftKind.COLUMN_NOT_DECLARED, "users", "extra"),
        (DriftKind.TABLE_NOT_CREATED, "Post", None),
        (DriftKind.TABLE_NOT_DECLARED, "teams", None),
    }
