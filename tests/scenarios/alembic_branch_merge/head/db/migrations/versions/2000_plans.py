import sqlalchemy as sa
from alembic import op

revision = "2000"
down_revision = "1000"


def upgrade():
    op.create_table("plans", sa.Column("id", sa.BigInteger, primary_key=True), sa.Column("name", sa.Text))


def downgrade():
    op.drop_table("plans")
