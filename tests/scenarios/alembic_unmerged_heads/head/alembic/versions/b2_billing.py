import stripe_billing_sdk  # noqa: F401
from alembic import op

revision = "b2"
down_revision = "a1"


def upgrade():
    op.execute("ALTER TABLE users ADD COLUMN customer_id text")


def downgrade():
    op.execute("ALTER TABLE users DROP COLUMN customer_id")
