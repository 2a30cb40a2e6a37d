"""Developer tool: rewrite migrations/versions/0001 from the models while no release has shipped it.

Run: `.venv/bin/python migrations/regenerate_initial.py`. Once a store made by a release exists, add new
numbered migrations instead (`alembic revision --autogenerate`), never rewrite 0001.
"""

import tempfile
from pathlib import Path

from alembic import command

from hmis_desktop.store.db import make_engine
from hmis_desktop.store.migrate import MIGRATIONS_DIR, alembic_config

for old in (MIGRATIONS_DIR / "versions").glob("0001_*.py"):
    old.unlink()
with tempfile.TemporaryDirectory() as tmp:
    engine = make_engine(f"sqlite:///{Path(tmp) / 'empty.db'}")
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.revision(cfg, message="initial schema", autogenerate=True, rev_id="0001")
    engine.dispose()
