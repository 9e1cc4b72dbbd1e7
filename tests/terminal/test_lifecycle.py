from datetime import date

from terminal.checkout import MemberView
from terminal.lifecycle import Stage, lifecycle_stage, prompts
from terminal.lots import Lot
from terminal.members import Member

TODAY = date(2026, 11, 22)


def test_stages_by_days_since_the_last_purchase() -> None:
    enrolled = date(2026, 1, 1)
    assert lifecycle_stage(date(2026, 11, 1), None, TODAY) is Stage.NEW
    assert lifecycle_stage(enrolled, None, TODAY) is Stage.DORMANT  # never bought, long ago
    assert lifecycle_stage(enrolled, date(2026, 10, 1), TODAY) is Stage.ACTIVE
    assert lifecycle_stage(enrolled, date(2026, 8, 1), TODAY) is Stage.DORMANT
    assert lifecycle_stage(enrolled, date(2026, 3, 1), TODAY) is Stage.CHURNED


def test_prompts_birthday_expiring_and_wake_up() -> None:
    member = Member("m", "880000000013", "王小明", "0912345678", date(1990, 11, 3),
                    date(2026, 1, 1))
    lot = Lot("l", "m", date(2026, 12, 10), 82)
    view = MemberView(member, 182, 0, 0, (lot,))
    got = prompts(view, Stage.DORMANT, date(2026, 8, 1), TODAY)
    kinds = {p.kind: p for p in got}
    assert set(kinds) == {"birthday", "expiring", "dormant"}
    assert kinds["expiring"].points == 82 and kinds["expiring"].expires_on == date(2026, 12, 10)
    assert kinds["dormant"].days == 113
