"""The composition root: importable without side effects; `main --demo` starts at the login window."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from ui.app import parse_args

ROOT = Path(__file__).resolve().parents[2]


def _run(script: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_importing_the_app_has_no_side_effects() -> None:
    done = _run(
        """
        import ui.app
        from PySide6.QtCore import QCoreApplication
        assert QCoreApplication.instance() is None
        print("clean")
        """
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "clean" in done.stdout


def test_parse_args(tmp_path: Path) -> None:
    args = parse_args(["--profile", str(tmp_path), "--demo", "--theme", "dark"])
    assert args.profile == tmp_path and args.demo and args.theme == "dark"
    assert parse_args([]).profile is not None


def test_main_with_demo_opens_the_login_window(tmp_path: Path) -> None:
    profile = tmp_path / "demo"
    done = _run(
        f"""
        import time
        start = time.monotonic()
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
        from ui import app as ui_app
        qapp = QApplication([])

        def check():
            shown = [type(w).__name__ for w in QApplication.topLevelWidgets() if w.isVisible()]
            print("WINDOWS", shown)
            qapp.quit()

        QTimer.singleShot(0, check)
        code = ui_app.main(["--profile", {str(profile)!r}, "--demo", "--theme", "light"])
        print("EXIT", code)
        """
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "WINDOWS ['LoginWindow']" in done.stdout
    assert "EXIT 0" in done.stdout
    assert (profile / "profile.json").is_file()


def test_main_on_a_damaged_store_shows_the_error_window(tmp_path: Path) -> None:
    profile = tmp_path / "p"
    profile.mkdir()
    (profile / "profile.json").write_text('{"format": 1, "store_id": "x", "url": null}')
    (profile / "store.db").write_bytes(b"not a database at all" * 10)
    done = _run(
        f"""
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
        from ui import app as ui_app
        qapp = QApplication([])

        def check():
            for w in QApplication.topLevelWidgets():
                if w.isVisible():
                    print("WINDOW", type(w).__name__, w.reason.text() if hasattr(w, "reason") else "")
            qapp.quit()

        QTimer.singleShot(0, check)
        ui_app.main(["--profile", {str(profile)!r}])
        """
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "WINDOW StoreErrorWindow" in done.stdout
    assert "not an HMIS store" in done.stdout
    assert "Traceback" not in done.stderr
