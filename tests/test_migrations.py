"""Migrations: empty to head on both back-ends, models agree with them, SQLite backed up before a change."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from hmis_desktop.clock import FakeClock
from hmis_desktop.store import migrate
from hmis_desktop.store.db import make_engine
from hmis_desktop.store.models import Base
from hmis_desktop.store.store import Store
from tests.conftest import make_store


def _url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    return (
        str(request.getfixturevalue("pg_url")) if backend == "postgres" else f"sqlite:///{tmp_path / 'm.db'}"
    )


def test_upgrade_from_empty_to_head_and_models_agree(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    engine = make_engine(_url(backend, tmp_path, request))
    assert migrate.current_revision(engine) is None
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == [], f"models and migrations disagree: {diff}"
    engine.dispose()


def test_sqlite_store_is_backed_up_before_a_migration(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, _ = make_store(tmp_path / "p", clock)
    store.close()
    # A real newer migration in a copy of migrations/, as a release would ship one.
    mig = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, mig, ignore=shutil.ignore_patterns("__pycache__"))
    (mig / "versions" / "0002_extra.py").write_text(
        'import sqlalchemy as sa\nfrom alembic import op\nrevision = "0002"\ndown_revision = "0001"\n'
        "branch_labels = None\ndepends_on = None\n\n"
        'def upgrade():\n    op.create_table("extra", sa.Column("id", sa.Integer, primary_key=True))\n\n'
        'def downgrade():\n    op.drop_table("extra")\n'
    )
    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", mig)
    reopened = Store.open(tmp_path / "p", clock=clock)
    backups = list((tmp_path / "p" / "backups").glob("before-migration-0001-*.db"))
    assert len(backups) == 1
    old = make_engine(f"sqlite:///{backups[0]}")
    with old.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0001"
        assert "extra" not in inspect(conn).get_table_names()
    old.dispose()
    assert "extra" in inspect(reopened.engine).get_table_names()
    reopened.close()
    # Opening again at head makes no further backup.
    Store.open(tmp_path / "p", clock=clock).close()
    assert len(list((tmp_path / "p" / "backups").glob("*.db"))) == 1
