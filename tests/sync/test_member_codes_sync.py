"""Phone-code secrets and member PINs through a real sync server on 127.0.0.1.

The terminal side: enrol events carry ``member.code_secret`` / ``member.pin_hash`` and PIN
changes are ``member_pin`` events; both must be accepted like any other event. The server
side (pulled members carrying ``code_secret`` and ``pin_hash``) is the server's work: the
cross-till test runs once the server hands the secret out, and skips until then.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from synckit import Server, make_till

from terminal.member_codes import make_member_code
from terminal.members import IdentifiedBy
from terminal.money import Money


def test_enrol_and_member_pin_events_are_accepted_by_the_server(sqlite_server: Server,
                                                                tmp_path: Path) -> None:
    store = sqlite_server.new_store()
    till = make_till(tmp_path / "till", sqlite_server, store)
    try:
        result = till.service.enrol(till.cashier, name="王小明", pin="4321")
        assert result.member is not None
        member_id = result.member.member.id
        till.service.set_member_pin(till.manager, member_id, "8642")
        report = till.sync()
        assert report.problems == [] and report.flagged == 0
        assert report.pushed == 2 and report.waiting == 0
    finally:
        till.close()


def test_a_member_enrolled_at_one_till_shows_a_phone_code_at_another(
        sqlite_server: Server, tmp_path: Path) -> None:
    store = sqlite_server.new_store()
    first = make_till(tmp_path / "first", sqlite_server, store)
    second = make_till(tmp_path / "second", sqlite_server, store)
    try:
        result = first.service.enrol(first.cashier, name="林美玲", pin="4321")
        assert result.member is not None
        member_id = result.member.member.id
        secret = first.service.member_code_secret(member_id)
        first.top_up(member_id, 500)
        first.sync()
        second.sync()
        with second.local.store.session() as session:
            if session.member_code_secret(member_id) is None:
                pytest.skip("the server does not hand out members' code_secret yet")
        code = make_member_code(member_id, secret, second.service.clock())
        view = second.service.identify(code)
        assert view.member.id == member_id and view.identified_by is IdentifiedBy.PHONE_CODE
        assert view.has_pin
        sale = second.service.sale(second.cashier, member_id, Money(200),
                                   stored_value=Money(200), identified_by=IdentifiedBy.CARD,
                                   member_pin="4321")
        assert sale.member.stored_value == 300
    finally:
        first.close()
        second.close()
