"""What a run of requests cost: the CPU time of the processes serving them, the PostgreSQL backends serving
those processes' connections, and the processes' peak memory.

The app's processes are known by their pids (gunicorn's workers, a Celery worker's pool). Their database
connections are known by their `application_name` (bench/run.py starts them with PGAPPNAME set): their backends'
pids come from pg_stat_activity, with the parallel workers a backend starts for a query (`leader_pid`), and their
CPU time from /proc/<pid>/stat, as the app's is (PostgreSQL runs on this machine). A page that moves its work into
SQL then costs what it costs, not nothing.

Backends come and go (a connection older than CONN_MAX_AGE is replaced; a parallel worker lives for one query),
so a thread samples them every SAMPLE seconds while the run lasts and keeps each one's last reading: a backend
seen first during the run counts from zero, one that ends counts to its last reading (a parallel worker that
lived less than SAMPLE seconds, or its last fraction of one, is missed).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psycopg2

TICKS = os.sysconf("SC_CLK_TCK")
SAMPLE = 0.1  # seconds between readings of the backends
BACKENDS = """
    SELECT pid FROM pg_stat_activity WHERE application_name = %(name)s
    UNION SELECT pid FROM pg_stat_activity
      WHERE leader_pid IN (SELECT pid FROM pg_stat_activity WHERE application_name = %(name)s)
"""
ACTIVE = "SELECT count(*) FROM pg_stat_activity WHERE application_name = %(name)s AND state = 'active'"


def cpu_seconds(pid: int) -> float | None:
    """utime + stime of a process, None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS


def peak_rss_mb(pids: list[int]) -> float:
    """The largest resident set a process reached since its peak was last reset (VmHWM)."""
    peak = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        except FileNotFoundError:
            continue
    return peak / 1024


def reset_peak_rss(pids: list[int]) -> None:
    """Start each process's VmHWM again from its present resident set (Linux: "5" to clear_refs)."""
    for pid in pids:
        try:
            Path(f"/proc/{pid}/clear_refs").write_text("5")
        except (FileNotFoundError, PermissionError):
            continue


class Database:
    """A connection of the bench's own (not counted) to the database the measured processes use."""

    def __init__(self, dsn: str):
        self.connection = psycopg2.connect(dsn, application_name="bench-meter")
        self.connection.autocommit = True

    def backends(self, name: str) -> list[int]:
        with self.connection.cursor() as cursor:
            cursor.execute(BACKENDS, {"name": name})
            return [pid for (pid,) in cursor.fetchall()]

    def active(self, name: str) -> int:
        with self.connection.cursor() as cursor:
            cursor.execute(ACTIVE, {"name": name})
            return cursor.fetchone()[0]

    def close(self) -> None:
        self.connection.close()


class Meter:
    """Start before a run, stop after it (once the processes are idle): app seconds, PostgreSQL seconds and the
    app processes' peak RSS over the run."""

    def __init__(self, dsn: str, name: str, app_pids: Callable[[], list[int]]):
        self.dsn, self.name, self.app_pids = dsn, name, app_pids

    def start(self) -> Meter:
        self.database = Database(self.dsn)
        self.pids = self.app_pids()
        reset_peak_rss(self.pids)
        self.app_before = {pid: cpu_seconds(pid) or 0 for pid in self.pids}
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.read(at_start=True)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()
        return self

    def read(self, at_start: bool = False) -> None:
        for pid in self.database.backends(self.name):
            seconds = cpu_seconds(pid)
            if seconds is None:
                continue
            self.first.setdefault(pid, seconds if at_start else 0.0)
            self.last[pid] = seconds

    def sample(self) -> None:
        while not self.stopping.wait(SAMPLE):
            self.read()

    def stop(self) -> dict:
        self.stopping.set()
        self.thread.join()
        self.read()
        self.database.close()
        app = sum((cpu_seconds(pid) or 0) - before for pid, before in self.app_before.items())
        database = sum(self.last[pid] - self.first[pid] for pid in self.last)
        return {"app_s": app, "pg_s": database, "rss_mb": peak_rss_mb(self.pids)}


def wait_idle(dsn: str, name: str, app_pids: list[int], timeout: float = 90) -> None:
    """Until the processes have finished what wrk left in flight (a closed connection does not stop a sync
    worker): their CPU still and no query of theirs running in PostgreSQL, twice in a row."""
    database = Database(dsn)
    try:
        deadline, calm = time.monotonic() + timeout, 0
        while calm < 2 and time.monotonic() < deadline:
            before = sum(cpu_seconds(pid) or 0 for pid in app_pids)
            time.sleep(0.25)
            still = sum(cpu_seconds(pid) or 0 for pid in app_pids) - before < 0.01
            calm = calm + 1 if still and database.active(name) == 0 else 0
    finally:
        database.close()
