"""The first-run wizard's work, run off the GUI thread: test a server, create the store, the recovery PDF."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from hmis_desktop import auth
from hmis_desktop import settings as settings_mod
from hmis_desktop.audit import Actor
from hmis_desktop.clock import Clock
from hmis_desktop.errors import HMISError, StoreError, ValidationError
from hmis_desktop.profile import atomic_write
from hmis_desktop.store.blobs import put_blob
from hmis_desktop.store.db import make_engine
from hmis_desktop.store.store import Store

if TYPE_CHECKING:
    from ui.first_run import Answers

log = logging.getLogger(__name__)


def normalise_url(url: str) -> str:
    """A PostgreSQL URL with the psycopg 3 driver; ValidationError for anything else."""
    try:
        parsed = make_url(url.strip())
    except ArgumentError:
        raise ValidationError(
            {"url": "That is not a server address; it looks like postgresql://user@server:5432/clinic."}
        ) from None
    if parsed.get_backend_name() != "postgresql":
        raise ValidationError({"url": "Only PostgreSQL servers are supported (postgresql://…)."})
    return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def check_connection(url: str) -> None:
    """Connect to the server and check that the database is empty; HMISError in words otherwise."""
    full = normalise_url(url)
    engine = make_engine(full, connect_args={"connect_timeout": 5})
    try:
        with engine.connect():
            tables = inspect(engine).get_table_names()
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()
        raise StoreError(
            f"The server cannot be reached: {reason[0][:200] if reason else type(exc).__name__}. "
            "Check the address, that the server runs, and that this PC may connect to it."
        ) from None
    finally:
        engine.dispose()
    if tables:
        raise StoreError(
            "Connected, but that database already holds tables. Use an empty database for a new clinic."
        )


@dataclass(frozen=True)
class Created:
    """A new store, its signed-in admin, and the recovery key to show once."""

    store: Store
    actor: Actor
    recovery_key: str
    note: str = ""


def create_store(profile_dir: Path, answers: Answers, clock: Clock | None) -> Created:
    """Create the store and its admin, sign the admin in, and store the logo."""
    clinic = dict(answers.clinic)
    name = str(clinic.pop("clinic.name"))
    url = normalise_url(answers.url) if answers.url else None
    store, recovery = Store.create(
        profile_dir,
        clinic_name=name,
        admin_username=answers.username,
        admin_password=answers.password,
        admin_display_name=answers.display_name,
        url=url,
        settings=clinic,
        clock=clock,
    )
    actor = auth.login(store, answers.username, answers.password)
    note = ""
    if answers.logo is not None:
        try:
            data = answers.logo.read_bytes()
            with store.session() as s:
                blob = put_blob(s, data)
                settings_mod.update(s, actor=actor, values={"clinic.logo_blob_id": str(blob.id)})
        except (OSError, HMISError) as exc:
            # The store exists: a logo problem must not lose the recovery key screen.
            log.warning("logo not stored at set-up: %s", type(exc).__name__)
            note = "The logo could not be stored; add it later under Admin → Clinic."
    return Created(store, actor, recovery, note)


def recovery_pdf(clinic_name: str, recovery_key: str, created: date) -> bytes:
    """The printable recovery-key sheet."""
    from hmis_desktop.reports.recovery_pdf import render_recovery_key_pdf

    return render_recovery_key_pdf(clinic_name=clinic_name, recovery_key=recovery_key, created=created)


def save_private_file(path: Path, data: bytes) -> None:
    """Write a secret file readable only by this user, atomically."""
    try:
        atomic_write(path, data, mode=0o600)
    except OSError as exc:
        raise StoreError(f"The file could not be written ({exc.strerror or type(exc).__name__}).") from None
