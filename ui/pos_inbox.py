"""The amount from the shop's POS: a small JSON file dropped into the data directory.

The POS (or ``loyalty`` on its behalf) writes ``<data dir>/pos/amount.json`` atomically
(write a temporary file, then rename)::

    {"amount": 1250, "currency": "TWD", "reference": "POS-0042"}

``amount`` is in minor units (an integer; TWD has none). The app reads it off the UI thread,
deletes it, and puts the amount on the checkout screen; the cashier still confirms the sale.
A malformed file is set aside as ``amount.json.bad`` and reported in plain words.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, Signal

from ui.ops import Lane, Op, TaskRunner

INBOX = "pos"
AMOUNT_FILE = "amount.json"


@dataclass(frozen=True)
class PosAmount:
    amount: int
    currency: str
    reference: str


class PosAmountError(ValueError):
    pass


def take_amount(folder: Path, currency: str) -> PosAmount | None:
    """Read and remove the amount file (None when there is none). Runs on a worker."""
    path = folder / AMOUNT_FILE
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        data = json.loads(raw)
        amount = data["amount"] if isinstance(data, dict) else None
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            raise PosAmountError(f"the amount must be a positive whole number, got {amount!r}")
        got = str(data.get("currency", currency))
        if got != currency:
            raise PosAmountError(f"the amount is in {got}, the shop uses {currency}")
        reference = str(data.get("reference", ""))[:64]
    except (ValueError, KeyError) as exc:
        os.replace(path, path.with_name(AMOUNT_FILE + ".bad"))
        raise PosAmountError(f"{path} was not understood ({exc}); set aside as "
                             f"{AMOUNT_FILE}.bad") from None
    path.unlink(missing_ok=True)
    return PosAmount(amount, got, reference)


class PosInbox(QObject):
    amount_received = Signal(object)  # PosAmount
    problem = Signal(str)

    def __init__(self, data_dir: Path, currency: str, runner: TaskRunner,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.folder = data_dir / INBOX
        self.folder.mkdir(parents=True, exist_ok=True)
        self.currency = currency
        self._runner = runner
        self._watcher = QFileSystemWatcher([str(self.folder)], self)
        self._watcher.directoryChanged.connect(self.check)

    def check(self, _path: str = "") -> None:
        folder, currency = self.folder, self.currency
        Op(lambda: take_amount(folder, currency), Lane.DEVICES).success(self._got).failure(
            self.problem.emit).run(self._runner)

    def _got(self, amount: PosAmount | None) -> None:
        if amount is not None:
            self.amount_received.emit(amount)
