"""Shared fixtures: real SQLite files, real PostgreSQL databases, a fake clock, a keyring edge."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from hmis_desktop.audit import Actor
from hmis_desktop.clock import FakeClock
from hmis_desktop.store.store import Store

PG_ADMIN_URL = os.environ.get("HMIS_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
ADMIN_PASSWORD = "Sunrise-Clinic-26"


def pytest_configure(config: pytest.Config) -> None:
    """Use the real Secret Service keyring when tests/with-keyring started one; else an in-memory one."""
    import keyring

    from hmis_desktop.crypto.keys import keyring_available

    if not (os.environ.get("HMIS_TEST_REAL_KEYRING") and keyring_available()):
        from tests.memory_keyring import MemoryKeyring

        keyring.set_keyring(MemoryKeyring())


def _pg_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The admin URL of the PostgreSQL server; fails (not skips) under CI when it is missing."""
    if not _pg_available():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL at 127.0.0.1:5432 is required under CI")
        pytest.skip("PostgreSQL at 127.0.0.1:5432 is not running")
    return PG_ADMIN_URL


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    import psycopg

    name = f"hmis_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def clock() -> FakeClock:
    """Time that moves only when a test says so."""
    return FakeClock()


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    """Run a test on both store back-ends."""
    if request.param == "postgres":
        request.getfixturevalue("pg_server")
    return str(request.param)


def make_store(
    path: Path, clock: FakeClock, url: str | None = None, use_keyring: bool = False
) -> tuple[Store, str]:
    """A new store with admin `admin` / ADMIN_PASSWORD."""
    return Store.create(
        path,
        clinic_name="Sunrise Clinic",
        admin_username="admin",
        admin_password=ADMIN_PASSWORD,
        admin_display_name="Ada Admin",
        url=url,
        use_keyring=use_keyring,
        clock=clock,
        settings={"clinic.region": "KE", "clinic.currency": "KES"},
    )


@pytest.fixture
def store_and_recovery(
    tmp_path: Path, clock: FakeClock, backend: str, request: pytest.FixtureRequest
) -> Iterator[tuple[Store, str]]:
    """A new, unlocked store on each back-end, with its recovery key."""
    url = request.getfixturevalue("pg_url") if backend == "postgres" else None
    store, recovery = make_store(tmp_path / "profile", clock, url)
    yield store, recovery
    store.close()


@pytest.fixture
def store(store_and_recovery: tuple[Store, str]) -> Store:
    """A new, unlocked store on each back-end."""
    return store_and_recovery[0]


@pytest.fixture
def sqlite_store(tmp_path: Path, clock: FakeClock) -> Iterator[Store]:
    """A new, unlocked SQLite store (for tests that need only one back-end)."""
    store, _ = make_store(tmp_path / "profile", clock)
    yield store
    store.close()


def admin_actor(store: Store) -> Actor:
    """The admin of a store made by `make_store`."""
    from hmis_desktop import auth

    return auth.login(store, "admin", ADMIN_PASSWORD)


@pytest.fixture
def admin(store: Store) -> Actor:
    """The store's admin, logged in."""
    return admin_actor(store)
