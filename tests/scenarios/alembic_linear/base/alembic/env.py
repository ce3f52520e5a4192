import os

from alembic import context
from sqlalchemy import create_engine, pool

from app.models import metadata

config = context.config
engine = create_engine(os.environ.get("DATABASE_URL") or config.get_main_option("sqlalchemy.url"),
                       poolclass=pool.NullPool)
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=metadata)
    with context.begin_transaction():
        context.run_migrations()
