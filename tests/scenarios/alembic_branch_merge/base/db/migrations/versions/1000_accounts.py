import sqlalchemy as sa
from alembic import op

revision = "1000"
down_revision = None


def upgrade():
    op.create_table("accounts", sa.Column("id", sa.BigInteger, primary_key=True))


def downgrade():
    op.drop_table("accounts")
