"""Pull pages: a small page size walks every change once, in order, and the worker helper
syncs a registered terminal in the background."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
from synckit import RawTerminal, Server, make_till

from sync.client.app import make_worker


def test_pull_pages_hand_out_every_member_once(server: Server) -> None:
    store = server.new_store()
    term = RawTerminal.create(server, store)
    made = []
    events = []
    for _ in range(7):
        member, enrol = term.enrol()
        made.append(member)
        events.append(enrol)
    assert term.push(events).status_code == 200
    cursor, seen, pages = "0", [], 0
    deadline = time.monotonic() + 20
    while True:
        page = httpx.get(f"{server.url}/v1/sync/pull", params={"cursor": cursor, "limit": 2},
                         headers={"Authorization": f"Bearer {term.token}"}).json()
        seen += [m["id"] for m in page["members"]]
        pages += 1
        cursor = page["cursor"]
        # (PostgreSQL hands a row out once every older transaction in the cluster has ended:
        # pull on from the cursor until the rows arrive)
        if not page["has_more"]:
            if len(seen) >= len(made) or time.monotonic() > deadline:
                break
            time.sleep(0.05)
    assert sorted(seen) == sorted(made) and pages >= 4
    bad = httpx.get(f"{server.url}/v1/sync/pull", params={"cursor": "x.y"},
                    headers={"Authorization": f"Bearer {term.token}"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_cursor"


def test_the_background_worker_delivers_a_tills_events(sqlite_server: Server,
                                                       tmp_path: Path) -> None:
    store = sqlite_server.new_store()
    till = make_till(tmp_path / "till", sqlite_server, store)
    member = till.enrol()
    till.top_up(member, 100)
    worker = make_worker(till.data_dir, till.local.store, interval=0.05)
    worker.start()
    try:
        deadline = time.monotonic() + 10
        while worker.status.rounds < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert worker.status.online and worker.status.last_error == ""
        worker.stop()
        with till.local.store.session() as session:
            assert session.get_meta("sync.pushed_seq") == "2"
    finally:
        worker.stop()
        till.close()
