import sqlalchemy as sa
from alembic import op

revision = "3000"
down_revision = "1000"


def upgrade():
    op.add_column("accounts", sa.Column("status", sa.Text, nullable=False, server_default="active"))
    with op.get_context().autocommit_block():
        op.create_index("accounts_status_idx", "accounts", ["status"], postgresql_concurrently=True)


def downgrade():
    op.drop_index("accounts_status_idx", table_name="accounts")
    op.drop_column("accounts", "status")
