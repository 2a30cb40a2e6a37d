"""The core never imports Qt: every module of hmis_desktop imports in a process where PySide6 is blocked."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import hmis_desktop


def _modules() -> list[str]:
    return sorted(
        m.name
        for m in pkgutil.walk_packages(hmis_desktop.__path__, "hmis_desktop.")
        if m.name != "hmis_desktop.__main__"
    )


def test_every_core_module_imports_without_qt() -> None:
    mods = _modules()
    assert "hmis_desktop.store.store" in mods and "hmis_desktop.cli" in mods
    code = (
        "import sys, importlib\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('PySide6', 'shiboken6', 'PyQt5', 'PyQt6'):\n"
        "            raise ImportError('Qt imported by the core: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        f"for m in {mods!r}:\n"
        "    importlib.import_module(m)\n"
        "assert not any(k.startswith('PySide6') for k in sys.modules)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
