"""Guard against the PySide6 6.12.0 + Python 3.11 bug that aborts the app after a few
thousand Qt calls ("Fatal Python error: none_dealloc"): pyproject pins PySide6 < 6.12.

The loop runs in a child process, so a regression fails this test instead of killing pytest.
"""

from __future__ import annotations

import os
import subprocess
import sys

CHILD = """
import sys
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication([])
label = QLabel()
before = sys.getrefcount(None)
for i in range(20000):
    label.setText(str(i))
    label.setVisible(bool(i % 2))
print(sys.getrefcount(None) - before)
"""


def test_many_void_qt_calls_do_not_drain_references_to_none() -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True,
                          env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-500:]
    assert abs(int(done.stdout.strip().splitlines()[-1])) < 1000
