"""Alembic migrations at start-up; an SQLite store is copied aside before a migration touches it."""

from __future__ import annotations

import ast
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic is imported only when a migration must run: it costs ~0.15 s of start-up otherwise.

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def alembic_config() -> Config:
    """An Alembic config pointing at `migrations/` (no ini file, no URL)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def _assigned(tree: ast.Module, name: str) -> object:
    for node in tree.body:
        target: ast.expr | None = None
        value: ast.expr | None = None
        if isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        if isinstance(target, ast.Name) and target.id == name and value is not None:
            return ast.literal_eval(value)
    return None


def head_revision() -> str:
    """The newest migration's revision, read from the version files (the one no other revises)."""
    revisions: dict[str, object] = {}
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        rev = _assigned(tree, "revision")
        if isinstance(rev, str):
            revisions[rev] = _assigned(tree, "down_revision")
    parents = {d for d in revisions.values() if isinstance(d, str)}
    heads = sorted(set(revisions) - parents)
    if len(heads) != 1:
        raise RuntimeError(f"migrations must have exactly one head, found {heads}")
    return heads[0]


def current_revision(engine: Engine) -> str | None:
    """The store's revision, or None for an empty database."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def sqlite_backup(src: Path, dest: Path) -> None:
    """A consistent copy of a live SQLite file through SQLite's online backup API."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(src) as s, sqlite3.connect(dest) as d:
        s.backup(d)
    dest.chmod(0o600)


def upgrade(
    engine: Engine, *, sqlite_file: Path | None = None, backups_dir: Path | None = None
) -> Path | None:
    """Bring the store to head; returns the pre-migration backup's path if one was made."""
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return None
    backup = None
    if current is not None and sqlite_file is not None and backups_dir is not None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        backup = backups_dir / f"before-migration-{current}-{stamp}.db"
        sqlite_backup(sqlite_file, backup)
    from alembic import command

    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return backup
