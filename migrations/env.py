"""Alembic environment for the local store.

The app hands over its own connection (`config.attributes["connection"]`) and metadata; no URL lives in an
ini file. SQLite needs batch mode for ALTERs (STYLE.md, convention 7).
"""

from alembic import context

from hmis_desktop.store.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Run migrations through hmis_desktop.store.migrate, which passes a connection.")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
