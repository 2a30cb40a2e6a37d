"""A profile: the folder that holds one clinic's store on this PC (or points at a LAN PostgreSQL).

`profile.json` names the store (its id and URL); it holds no secret. Written atomically.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from hmis_desktop.errors import StoreError

PROFILE_FILE = "profile.json"
SQLITE_FILE = "store.db"
FORMAT = 1


def default_profile_dir() -> Path:
    """The platform's per-user data folder, or $HMIS_PROFILE when set."""
    env = os.environ.get("HMIS_PROFILE")
    if env:
        return Path(env)
    return Path(platformdirs.user_data_dir("HMIS Desktop", "HMIS")) / "default"


def atomic_write(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write a file so a crash leaves either the old or the new content: temp file, fsync, replace."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass
class Profile:
    """One store's location. `url` None means this profile's own SQLite file."""

    path: Path
    store_id: str = ""
    url: str | None = None

    @property
    def sqlite_path(self) -> Path:
        """The SQLite file of this profile (whether or not it is used)."""
        return self.path / SQLITE_FILE

    @property
    def backups_dir(self) -> Path:
        """Where automatic backups (before migrations, before restores) go."""
        return self.path / "backups"

    @property
    def database_url(self) -> str:
        """The SQLAlchemy URL of the store."""
        return self.url or f"sqlite:///{self.sqlite_path}"

    @property
    def is_sqlite(self) -> bool:
        """Whether the store is an SQLite file."""
        return self.database_url.startswith("sqlite")

    def describe(self) -> str:
        """Where the store is, for the status bar and `info` (no credentials)."""
        if self.is_sqlite:
            return str(self.sqlite_path)
        from sqlalchemy.engine import make_url

        u = make_url(self.database_url)
        return f"PostgreSQL {u.host or 'localhost'}:{u.port or 5432}/{u.database}"

    def exists(self) -> bool:
        """Whether a profile file exists here."""
        return (self.path / PROFILE_FILE).is_file()

    @classmethod
    def load(cls, path: Path) -> Profile:
        """Read `profile.json`; a missing or unreadable file is a clear error."""
        file = path / PROFILE_FILE
        try:
            data = json.loads(file.read_text("utf-8"))
        except FileNotFoundError:
            return cls(path=path)
        except (OSError, ValueError) as exc:
            raise StoreError(
                f"The profile file {file} cannot be read ({type(exc).__name__}). Restore it from a backup, "
                "or run `hmis-desktop init --profile` on an empty folder."
            ) from None
        if data.get("format") != FORMAT:
            raise StoreError(f"The profile file {file} has an unknown format; this version cannot open it.")
        return cls(path=path, store_id=str(data.get("store_id", "")), url=data.get("url"))

    def save(self) -> None:
        """Write `profile.json` atomically."""
        body = {"format": FORMAT, "store_id": self.store_id, "url": self.url}
        atomic_write(self.path / PROFILE_FILE, json.dumps(body, indent=2).encode())
