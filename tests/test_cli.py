"""The command line, run as a user would: a real process, a real profile, clear messages and exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ADMIN_PASSWORD


def run(
    profile: Path, *args: str, password: str | None = ADMIN_PASSWORD, **env: str
) -> subprocess.CompletedProcess[str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("HMIS_")}
    e["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"  # a headless PC without a keyring
    if password is not None:
        e["HMIS_PASSWORD"] = password
    e.update(env)
    return subprocess.run(
        [sys.executable, "-m", "hmis_desktop", "--profile", str(profile), *args],
        capture_output=True,
        text=True,
        env=e,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture(scope="module")
def profile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "clinic"
    r = run(path, "init", "--clinic-name", "Sunrise Clinic", "--region", "KE", "--currency", "KES")
    assert r.returncode == 0, r.stderr
    assert "RECOVERY KEY" in r.stdout and "No OS keyring" in r.stdout
    key_line = [
        line.strip() for line in r.stdout.splitlines() if line.count("-") == 7 and len(line.strip()) == 39
    ]
    assert len(key_line) == 1
    (path.parent / "recovery.txt").write_text(key_line[0])
    return path


def test_info_shows_the_store_without_secrets(profile: Path) -> None:
    r = run(profile, "info", password=None)
    assert r.returncode == 0, r.stderr
    assert "store.db" in r.stdout and "recovery" in r.stdout and "user" in r.stdout
    assert ADMIN_PASSWORD not in r.stdout


def test_users_add_list_disable(profile: Path) -> None:
    r = run(
        profile,
        "users",
        "add",
        "fatma",
        "--role",
        "front_desk",
        "--name",
        "Fatma Ali",
        HMIS_NEW_PASSWORD="Front-Desk-77x",
    )
    assert r.returncode == 0, r.stderr
    r = run(profile, "users", "list")
    assert "fatma" in r.stdout and "front_desk" in r.stdout
    r = run(profile, "users", "disable", "fatma")
    assert r.returncode == 0
    r = run(profile, "--user", "fatma", "users", "list", password="Front-Desk-77x")
    assert r.returncode == 5 and "disabled" in r.stderr
    assert "Traceback" not in r.stderr


def test_wrong_password_exit_code(profile: Path) -> None:
    r = run(profile, "verify", password="Not-It-123")
    assert r.returncode == 5
    assert "not correct" in r.stderr and "Traceback" not in r.stderr


def test_weak_password_refused_at_init(tmp_path: Path) -> None:
    r = run(tmp_path / "x", "init", "--clinic-name", "C", password="password1")
    assert r.returncode == 2 and "password" in r.stderr
    assert not (tmp_path / "x" / "store.db").exists()


def test_verify_backup_restore_rotate(profile: Path, tmp_path: Path) -> None:
    r = run(profile, "verify")
    assert r.returncode == 0 and "Everything checks out" in r.stdout, r.stdout + r.stderr
    r = run(profile, "backup", str(tmp_path / "b.hmisbak"))
    assert r.returncode == 0 and (tmp_path / "b.hmisbak").exists(), r.stderr
    r = run(profile, "rotate-key")
    assert r.returncode == 0 and "retired keys [1]" in r.stdout, r.stdout + r.stderr
    recovery = (profile.parent / "recovery.txt").read_text()
    r = run(
        profile,
        "restore",
        str(tmp_path / "b.hmisbak"),
        "--recovery",
        password=None,
        HMIS_RECOVERY_KEY=recovery,
    )
    assert r.returncode == 0, r.stderr
    assert "kept at" in r.stdout
    r = run(profile, "verify")
    assert r.returncode == 0, r.stdout + r.stderr


def test_missing_profile_and_garbage_backup(tmp_path: Path) -> None:
    r = run(tmp_path / "none", "info", password=None)
    assert r.returncode == 3 and "init" in r.stderr
    bogus = tmp_path / "bogus.hmisbak"
    bogus.write_bytes(b"hello")
    r = run(tmp_path / "none", "restore", str(bogus))
    assert r.returncode == 9 and "not an HMIS backup" in r.stderr
