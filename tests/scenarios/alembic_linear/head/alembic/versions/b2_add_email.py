"""add email, fill it, index it"""
import sqlalchemy as sa
from alembic import op

revision = "b2"
down_revision = "a1"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("users", sa.Column("email", sa.Text(), nullable=True))
    users = sa.table("users", sa.column("name", sa.Text), sa.column("email", sa.Text))
    op.execute(users.update().values(email=users.c.name + "@example.com"))
    op.create_index("users_email_idx", "users", ["email"])


def downgrade():
    op.drop_index("users_email_idx", table_name="users")
    op.drop_column("users", "email")
