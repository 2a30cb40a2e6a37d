"""Process start to login window: spawn the app as a user would, time until its first window is visible.

Run: .venv/bin/python bench/bench_startup.py [--runs 10]
Uses the offscreen Qt platform and a throw-away store (made before timing starts). Budget: 1 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hmis_desktop.store.store import Store

CHILD = """
import sys
from pathlib import Path
from PySide6.QtWidgets import QApplication
from ui import app as uiapp, theme
qapp = QApplication([])
theme.apply_theme(qapp, None)
controller = uiapp.Application(Path(sys.argv[1]))
controller.start()
while not any(w.isVisible() for w in QApplication.topLevelWidgets()):
    qapp.processEvents()
print(type(next(w for w in QApplication.topLevelWidgets() if w.isVisible())).__name__, flush=True)
"""


def main() -> None:
    """Time `--runs` cold-ish starts (the OS file cache is warm after the first)."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        profile = Path(tmp) / "p"
        Store.create(
            profile, clinic_name="Bench", admin_username="admin", admin_password="Sunrise-Clinic-26"
        )[0].close()
        env = os.environ | {"QT_QPA_PLATFORM": "offscreen"}
        times = []
        window = ""
        for _ in range(args.runs):
            t = time.perf_counter()
            proc = subprocess.Popen(
                [sys.executable, "-c", CHILD, str(profile)], stdout=subprocess.PIPE, text=True, env=env
            )
            assert proc.stdout is not None
            window = proc.stdout.readline().strip()
            times.append((time.perf_counter() - t) * 1000)
            proc.kill()
            proc.wait()
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    print(
        f"process start to {window}: p50 {statistics.median(times):.0f} ms, p95 {p95:.0f} ms over {len(times)} runs"
    )


if __name__ == "__main__":
    main()
