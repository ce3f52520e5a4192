from alembic import context
from sqlalchemy import create_engine

from app.config import DATABASE_URL

with create_engine(DATABASE_URL).connect() as connection:
    context.configure(connection=connection, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()
