"""Engines and sessions: SQLite in WAL with synchronous=FULL and foreign keys, or PostgreSQL by URL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event


def make_engine(url: str, **kw: Any) -> Engine:
    """An engine configured for the store's dialect."""
    if url.startswith("sqlite"):
        engine = create_engine(url, **kw)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, record: Any) -> None:
            # Python's sqlite3 opens transactions lazily and never for SELECT; take control so every
            # transaction begins where SQLAlchemy says, and writers queue instead of failing (busy_timeout).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=10000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # Writers take the write lock up front (BEGIN IMMEDIATE), so a read-then-write transaction cannot
            # fail with "database is locked" halfway; readers stay deferred and never block in WAL mode.
            if conn.get_execution_options().get("hmis_write", False):
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                conn.exec_driver_sql("BEGIN")

        return engine
    kw.setdefault("pool_pre_ping", True)
    return create_engine(url, **kw)
