"""The local SQLite store: pragmas, migrations, data directory, tamper detection."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest
from alembic import command
from terminal_testkit import Shop

from terminal.ledger import Asset
from terminal.members import IdentifiedBy
from terminal.money import Money
from terminal.store.db import make_engine
from terminal.store.local import open_local_store
from terminal.store.migrate import SCHEMA_HEAD, DatabaseTooNew, alembic_config, head_revision
from terminal.store.paths import DB_NAME, ENV_DATA_DIR, resolve_data_dir
from terminal.store.verify import verify_store


def test_pragmas_are_durable(shop: Shop) -> None:
    with shop.local.store.session() as s:
        conn = s.conn
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000


def test_a_refused_write_rolls_back_everything(shop: Shop) -> None:
    with pytest.raises(RuntimeError), shop.local.store.session(write=True) as s:
        s.set_meta("half", "written")
        raise RuntimeError("boom")
    with shop.local.store.session() as s:
        assert s.get_meta("half") is None


def test_data_dir_resolution(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(ENV_DATA_DIR, str(tmp_path / "env"))
    assert resolve_data_dir("/explicit") == Path("/explicit")
    assert resolve_data_dir(None) == tmp_path / "env"
    monkeypatch.delenv(ENV_DATA_DIR)
    assert "loyalty-terminal" in str(resolve_data_dir(None))


def test_terminal_id_is_stable_across_opens(data_dir: Path) -> None:
    first = open_local_store(data_dir)
    first.close()
    again = open_local_store(data_dir)
    again.close()
    assert first.terminal_id == again.terminal_id and first.backup is None


def test_database_newer_than_the_code_is_refused_untouched(data_dir: Path) -> None:
    open_local_store(data_dir).close()
    path = data_dir / DB_NAME
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'zz99_future'")
    before = path.read_bytes()
    with pytest.raises(DatabaseTooNew, match="newer version"):
        open_local_store(data_dir)
    assert path.read_bytes() == before


def test_migration_from_the_first_revision_backs_up_first(data_dir: Path) -> None:
    """A database at revision 0001 is backed up, then upgraded to head, keeping its rows."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / DB_NAME
    engine = make_engine(path)
    command.upgrade(alembic_config(engine), "0001")
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO meta VALUES ('marker', 'kept')")
    engine.dispose()
    local = open_local_store(data_dir)
    local.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key='marker'").fetchone() == ("kept",)
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == (
            head_revision(),)
    if head_revision() == "0001":
        assert local.backup is None  # nothing to migrate, nothing to back up
    else:
        assert local.backup is not None and local.backup.exists()
        with sqlite3.connect(local.backup) as conn:
            assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == (
                "0001",)


def _shop_with_history(shop: Shop) -> str:
    view = shop.service.enrol(shop.cashier, name="林美玲", phone="0922333444",
                              birthday=date(1985, 2, 3)).member
    assert view is not None
    member = view.member.id
    shop.service.top_up(shop.manager, member, Money(800))
    shop.service.sale(shop.cashier, member, Money(300), redeem_points=50,
                      stored_value=Money(100), identified_by=IdentifiedBy.PHONE_CODE)
    return member


def _tamper(shop: Shop, sql: str) -> list[str]:
    """Change the file by hand, as someone with sqlite3 and bad intentions would."""
    with sqlite3.connect(shop.local.path) as conn:
        conn.execute(sql)
    report = verify_store(shop.local.store)
    assert not report.ok
    return report.problems


def test_verify_passes_on_a_sound_store(shop: Shop) -> None:
    _shop_with_history(shop)
    report = verify_store(shop.local.store)
    assert report.ok and report.events == 3 and report.integrity == "ok"


def test_verify_catches_an_edited_posting(shop: Shop) -> None:
    _shop_with_history(shop)
    problems = _tamper(shop, "UPDATE postings SET amount = amount + 1000 "
                             "WHERE asset = 'stored_value' AND amount > 0")
    assert any("does not match its hash" in p for p in problems)


def test_verify_catches_an_edited_balance_cache(shop: Shop) -> None:
    _shop_with_history(shop)
    problems = _tamper(shop, "UPDATE balances SET balance = 99999 "
                             "WHERE account LIKE 'member:%' AND asset = 'stored_value'")
    assert any("in the cache but the postings say" in p for p in problems)


def test_verify_catches_an_edited_event_body(shop: Shop) -> None:
    _shop_with_history(shop)
    problems = _tamper(shop, "UPDATE events SET body = replace(body, '\"amount\":300', "
                             "'\"amount\":3') WHERE kind = 'sale'")
    assert any("does not match its hash" in p for p in problems)


def test_verify_catches_a_deleted_event(shop: Shop) -> None:
    _shop_with_history(shop)
    problems = _tamper(shop, "DELETE FROM events WHERE seq = 2")
    assert any("sequence gap" in p for p in problems)


def test_schema_head_constant_matches_the_migrations() -> None:
    """SCHEMA_HEAD lets start-up skip importing Alembic; it must name the newest migration."""
    assert head_revision() == SCHEMA_HEAD


def test_balances_agree_with_balance_for_local_and_server_known_members(shop: Shop) -> None:
    member = _shop_with_history(shop)
    with shop.local.store.session() as s:
        local = s.balances(member)
        assert local == {asset: s.balance(member, asset) for asset in local}
        head = s.journal_head()[0]
    assert local[Asset.STORED_VALUE] == 700
    # the server knows the member: snapshot (as of our event #2) + our postings after it
    with sqlite3.connect(shop.local.path) as conn:
        conn.execute("INSERT INTO member_sync (member_id, as_of_seq, hotlisted, hotlist_reason)"
                     " VALUES (?, 2, 0, '')", (member,))
        conn.execute("INSERT INTO member_snapshots VALUES (?, 'stored_value', 5000)", (member,))
    with shop.local.store.session() as s:
        synced = s.balances(member)
        assert synced == {asset: s.balance(member, asset) for asset in synced}
    assert head == 3 and synced[Asset.STORED_VALUE] == 5000 - 100
