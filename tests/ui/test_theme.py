"""Themes: both load, and switching at run time (View menu) is safe with every kind of window open."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from PySide6.QtWidgets import QApplication

from ui import theme

ROOT = Path(__file__).resolve().parents[2]


def test_both_themes_apply(qapp) -> None:
    for name in theme.THEMES:
        assert theme.apply_theme(qapp, name) == name
        assert theme.current_theme(qapp) == name
        sheet = qapp.styleSheet()
        assert "@ICONS@" not in sheet and f"{theme.ICONS_DIR.as_posix()}/chevron-down" in sheet
    theme.apply_theme(qapp, "light")
    assert QApplication.palette().window().color().name() == "#f5f7fa"


def test_switching_themes_with_windows_open_does_not_crash(tmp_path: Path) -> None:
    # In a child process: a crash here (Qt 6.12 + QWizard after replacing the QStyle) would kill pytest.
    script = textwrap.dedent(
        f"""
        import os
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        from pathlib import Path
        from PySide6.QtWidgets import QApplication
        from ui import theme
        from ui.first_run import FirstRunWizard
        from ui.lock_screen import LockScreen
        app = QApplication([])
        theme.apply_theme(app, "light")
        wizard = FirstRunWizard(Path({str(tmp_path)!r}) / "p")
        wizard.show()
        lock = LockScreen()
        lock.show()
        app.processEvents()
        for name in ("dark", "light", "dark", "light"):
            theme.apply_theme(app, name)
            app.processEvents()
        print("themes ok")
        """
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "themes ok" in done.stdout
