from alembic import op

revision = "c3"
down_revision = "a1"


def upgrade():
    op.execute("ALTER TABLE users ADD COLUMN nickname text")


def downgrade():
    op.execute("ALTER TABLE users DROP COLUMN nickname")
