"""Child process for the crash test: makes sales forever, printing each committed event id.

Run as ``python crash_child.py DATA_DIR``; the parent kills it with SIGKILL at a random moment.
"""

from __future__ import annotations

import sys
from pathlib import Path

from terminal.checkout import CheckoutService
from terminal.money import Money
from terminal.staff import Role
from terminal.store.local import open_local_store


def main(data_dir: Path) -> None:
    local = open_local_store(data_dir)
    service = CheckoutService(local.store, terminal_id=local.terminal_id)
    with local.store.session() as session:
        staff = session.all_staff()
        members = session.member_count()
    manager = staff[0] if staff else service.add_staff(None, "manager", Role.MANAGER, "9999")
    if not members:
        service.enrol(manager, name="Crash Test", card_number="880000000013")
    member = service.identify("880000000013").member.id
    print("ready", flush=True)
    amount = 50
    while True:
        result = service.sale(manager, member, Money(amount))
        print(result.event.id, flush=True)  # only after the commit returned
        amount = amount % 900 + 51


if __name__ == "__main__":
    main(Path(sys.argv[1]))
