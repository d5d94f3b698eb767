"""Start-up target (DESIGN §8): the main window is shown within 2 s of launch.

Launches the app as a new process on a demo workspace (made once beside this script's temporary
folder), the way ``journey-studio --db demo.db`` does — QApplication, style sheet, workspace
opened and migrated, every page built, the engine started — and measures from the moment the
process is spawned to the first paint of the shown window. The baseline, in the same run: a bare
PySide6 process that shows an empty QMainWindow (the floor any Qt app pays). Median of 5 each;
prints the figures; asserts nothing.

    .venv/bin/python bench/startup.py [--contacts 5000] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

APP = """
import sys
from PySide6.QtCore import QTimer
from app.ui.app import Launcher, create_application
app = create_application()
window = Launcher().open(sys.argv[1])
window.show()
QTimer.singleShot(0, lambda: (print("shown", flush=True), window.close(), app.quit()))
app.exec()
"""

BARE = """
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
window = QMainWindow()
window.resize(1280, 800)
window.show()
QTimer.singleShot(0, lambda: (print("shown", flush=True), window.close(), app.quit()))
app.exec()
"""


def time_to_shown(code: str, *args: str) -> float:
    """Seconds from spawning the process to its "shown" line."""
    environment = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    # A user's Python keeps compiled modules (.pyc); a shell that turned that off would time
    # the compiler, not the app.
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    began = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        if line.strip() == "shown":
            elapsed = time.perf_counter() - began
            break
    else:
        raise RuntimeError("the app never said it was shown")
    process.wait(30)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from app.services.workspace import create_workspace

    with tempfile.TemporaryDirectory(prefix="startup-bench-") as folder:
        demo = str(Path(folder) / "demo.db")
        now = datetime.now(UTC).replace(microsecond=0)
        create_workspace(demo, demo=True, contacts=args.contacts, seed=1, now=now)
        time_to_shown(APP, demo)  # the first launch writes the .pyc files and warms the cache
        ours = [time_to_shown(APP, demo) for _ in range(args.runs)]
        bare = [time_to_shown(BARE) for _ in range(args.runs)]
    ours_s, bare_s = statistics.median(ours), statistics.median(bare)
    print(f"demo workspace: {args.contacts:,} contacts; median of {args.runs} launches")
    print(f"Journey Studio, launch to window shown: {ours_s:.2f} s  (target < 2 s)")
    print(f"bare PySide6 window, same measure:      {bare_s:.2f} s")
    print(f"ours / bare: {ours_s / bare_s:.1f}x (what the app adds: {ours_s - bare_s:.2f} s)")


if __name__ == "__main__":
    main()
