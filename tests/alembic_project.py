"""The pieces of a small Alembic project the tests write: an env.py that runs the revisions on the URL of
alembic.ini, and a revision file."""

from __future__ import annotations

ENV = """\
from alembic import context
from sqlalchemy import create_engine

with create_engine(context.config.get_main_option("sqlalchemy.url")).connect() as connection:
    context.configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()
"""


def revision(rev: str, down: str | None, upgrade: str, downgrade: str = "pass") -> str:
    """A revision file: `upgrade` is the indented body of upgrade(), `downgrade` a one-line body."""
    return (
        "import os  # noqa: F401\n\nimport sqlalchemy as sa\nfrom alembic import op\n\n"
        f"revision = {rev!r}\ndown_revision = {down!r}\n\n\n"
        f"def upgrade():\n{upgrade}\n\n\ndef downgrade():\n    {downgrade}\n"
    )
