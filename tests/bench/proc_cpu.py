"""CPU seconds per process group, for benchmarks on a shared machine (Linux ``/proc``).

Wall times on a loaded machine measure the neighbours as much as the code; the CPU time each
side spends (this process, the server's processes, the PostgreSQL backends serving them) does
not depend on how long the scheduler made it wait. The PostgreSQL backends are found by
``application_name`` in ``pg_stat_activity`` (PostgreSQL must run on this machine) and
sampled by a thread, so a pooled connection closed during a phase still counts up to its
last sample. (``pg_stat_statements`` would give the statements' time, not the backends' CPU,
and needs a server restart to be loaded.)
"""

from __future__ import annotations

import os
import resource
import threading
from dataclasses import dataclass
from pathlib import Path

import psycopg

TICK = 1.0 / os.sysconf("SC_CLK_TCK")


def proc_cpu(pid: int) -> float | None:
    """utime + stime of one process (seconds), None if it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) * TICK  # fields 14 and 15 of proc(5)


def descendants(root: int) -> list[int]:
    """``root`` and every process below it."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except (FileNotFoundError, ProcessLookupError):
            continue
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        parents.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += parents.get(pid, [])
    return out


def self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass(frozen=True)
class CpuSnapshot:
    client: float  # this process, all threads
    server: dict[int, float]  # server processes by pid
    backends: dict[int, float]  # PostgreSQL backends by pid (last sample of the gone ones)


@dataclass(frozen=True)
class CpuUse:
    """CPU seconds of each side over one phase."""
    client: float
    server: float
    postgres: float

    @property
    def total(self) -> float:
        return self.client + self.server + self.postgres

    def per_event(self, events: int) -> str:
        us = 1e6 / events
        return (f"client {self.client * us:.0f}, server {self.server * us:.0f}, PostgreSQL "
                f"{self.postgres * us:.0f}, total {self.total * us:.0f} µs/event")


class CpuMeter:
    """Samples the PostgreSQL backends whose ``application_name`` is ``app`` (every
    ``period`` s) and, on :meth:`snapshot`, the server processes below ``server_pid``."""

    def __init__(self, pg_url: str, app: str, period: float = 0.2) -> None:
        self.app = app
        self.server_pid: int | None = None
        self._backends: dict[int, float] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._conn = psycopg.connect(pg_url, autocommit=True)
        self._thread = threading.Thread(target=self._run, args=(period,), daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        with self._lock:
            pids = [int(row[0]) for row in self._conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE application_name = %s", (self.app,))]
            for pid in pids:
                cpu = proc_cpu(pid)
                if cpu is not None:
                    self._backends[pid] = cpu

    def _run(self, period: float) -> None:
        while not self._stop.wait(period):
            self._sample()

    def snapshot(self) -> CpuSnapshot:
        self._sample()
        server: dict[int, float] = {}
        if self.server_pid is not None:
            for pid in descendants(self.server_pid):
                cpu = proc_cpu(pid)
                if cpu is not None:
                    server[pid] = cpu
        with self._lock:
            return CpuSnapshot(self_cpu(), server, dict(self._backends))

    @staticmethod
    def used(start: CpuSnapshot, end: CpuSnapshot) -> CpuUse:
        """CPU between two snapshots (a process first seen after ``start`` counts whole)."""
        server = sum(cpu - start.server.get(pid, 0.0) for pid, cpu in end.server.items())
        postgres = sum(cpu - start.backends.get(pid, 0.0) for pid, cpu in end.backends.items())
        return CpuUse(end.client - start.client, server, postgres)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self._conn.close()
