revision = "4000"
down_revision = ("2000", "3000")


def upgrade():
    pass


def downgrade():
    pass
