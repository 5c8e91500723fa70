"""`make bench`: the production stack on loopback under wrk, at two data sizes, one table of numbers and one plot.

1. Two fresh PostgreSQL databases, `trainingprog_bench_small` and `trainingprog_bench_large`, migrated and seeded
   with the same program at 1,000 and at 10,000 lawyers (`seed_demo --participants N --sessions 2000 --faculty
   500`: the sessions and faculty stay, the lawyers and their seats and attendance grow tenfold), both at once,
   each with a 200-session copy of the program and an open program for the enrolment and check-in runs.
2. gunicorn with the production settings (DEBUG off, 2 sync workers) on 127.0.0.1 for each size, each with a
   Redis database of its own as cache and broker.
3. For each page, at the small size and then at the large one (the same minute, so that the machine's noise
   touches both alike): wrk (2 threads, 8 connections, a browser Accept header, the cookie of the person who
   opens it) for BENCH_SMALL_SECONDS / BENCH_SECONDS; requests a second, p50/p95/p99, CPU time a request of
   the workers and of the PostgreSQL backends serving their connections (bench/meter.py), the workers' peak
   RSS, SQL queries a request (counted once in Django, uncached), and the share of the floor: the trivial
   /robots.txt served by the same gunicorn in the same run. A page whose first request takes more than
   BENCH_SLOW_REQUEST seconds runs BENCH_SLOW_SECONDS with 2 connections, one a worker.
4. Latency against concurrency (1 to 64 connections) for a few pages at the large size, drawn as
   bench/results/latest.png.
5. At each size: a look-up held past WEB_STATEMENT_TIMEOUT (answered 503), enrolment and QR check-in (16
   clients, 5 workers), certificates through Celery, an XLSX import.

Prints the table and writes it to bench/results/ (latest.md, latest.png and dated copies). BENCH_LAWYERS=10000
(one number) runs one size only, in the database BENCH_DATABASE. BENCH_ROWS runs only some rows (and the floor),
for working on a page: its table goes to a dated copy only.
"""

from __future__ import annotations

import json
import math
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import psycopg2
from meter import Meter, wait_idle  # bench/meter.py, beside this file
from plot import plot

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DATABASE = os.environ.get("BENCH_DATABASE", "trainingprog_bench")
# One number: one size, in DATABASE. Two: the small and the large size, in DATABASE_small and DATABASE_large.
LAWYERS = sorted(int(n) for n in os.environ.get("BENCH_LAWYERS", "1000,10000").split(",") if n.strip())
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")  # the large (or only) size's
SMALL_REDIS_URL = os.environ.get("BENCH_SMALL_REDIS_URL", "redis://127.0.0.1:6379/14")
SECONDS = int(os.environ.get("BENCH_SECONDS", "8"))
SLOW_SECONDS = int(os.environ.get("BENCH_SLOW_SECONDS", max(SECONDS, 20)))  # pages of seconds a request
# The small size serves the same pages about as fast: half the time gives as many requests as the CPU figure needs.
SMALL_SECONDS = int(os.environ.get("BENCH_SMALL_SECONDS", max(SECONDS // 2, 1)))
SMALL_SLOW_SECONDS = int(os.environ.get("BENCH_SMALL_SLOW_SECONDS", max(SLOW_SECONDS // 2, 1)))
SLOW_REQUEST = float(os.environ.get("BENCH_SLOW_REQUEST", "1"))  # seconds: a page slower runs with 2 connections
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
FLOOR = "floor (robots.txt)"
SWEEP = [int(c) for c in os.environ.get("BENCH_SWEEP", "1,2,4,8,16,32,64").split(",") if c]
SWEEP_SECONDS = int(os.environ.get("BENCH_SWEEP_SECONDS", "2"))
SWEEP_LONGEST = int(os.environ.get("BENCH_SWEEP_LONGEST", "8"))
SWEEP_PAGES = [FLOOR, "timetable, 200 sessions", "session page", "My program"]
SESSIONS = int(os.environ.get("BENCH_SESSIONS", "2000"))
FACULTY = int(os.environ.get("BENCH_FACULTY", "500"))
REUSE = os.environ.get("BENCH_REUSE_DATABASE") == "1"  # development: keep the seeded databases of a last run
# Development: only the rows whose names contain one of these (comma-separated, any case), and the floor; the
# latency sweep is the row "sweep".
ROWS = [part.strip().lower() for part in os.environ.get("BENCH_ROWS", "").split(",") if part.strip()]
IMPORT_ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "10000"))
# The statement-timeout row: a gunicorn whose queries PostgreSQL cancels after this many seconds.
STATEMENT_TIMEOUT = float(os.environ.get("BENCH_STATEMENT_TIMEOUT", "1"))
TIMEOUT_ROW = "look-up held past WEB_STATEMENT_TIMEOUT"
CSRF_TOKEN = "benchBENCHbenchBENCHbenchBENCH12"  # noqa: S105 - any 32 letters; cookie and header agree
ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
CPU_MODEL = Path("/proc/cpuinfo").read_text().split("model name")[1].split("\n")[0].strip(" :\t")
MACHINE = f"{os.cpu_count()} cores ({CPU_MODEL})"
SECRET_KEY = secrets.token_urlsafe(50)  # of this run
FLAT = 1.3  # PERFORMANCE.md: from 1,000 to 10,000 lawyers, CPU a request grows at most this much

# PERFORMANCE.md's targets in CPU ms a request (app + PostgreSQL) at the large size; the first four are the
# pretalx-comparable pages (≥ 10× or ≥ 3× pretalx).
TARGETS = {
    "timetable, 200 sessions": 19,
    "session page": 9,
    "faculty directory": 23,
    "faculty profile": 11,
    "My program": 20,
    "attendance roster": 25,
    "completion list, first page": 20,
    "transcript PDF": 40,
    "transcript XLSX": 40,
}
# Rows whose output is every lawyer: their CPU a request grows with the lawyers, their CPU a lawyer should not.
PER_LAWYER = {"completion list, export CSV", "completion list, export XLSX"}


def selected(name: str) -> bool:
    return not ROWS or name == FLOOR or any(part in name.lower() for part in ROWS)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(args, env, **kwargs):
    return subprocess.run(args, cwd=ROOT, env=env, check=True, **kwargs)


@dataclass
class Size:
    """One data size: its database, Redis database, files, gunicorn port and what bench/prepare.py made."""

    lawyers: int
    label: str  # "small", "large", or "" when only one size runs
    database: str
    redis_url: str
    seconds: int
    slow_seconds: int
    port: int = field(default_factory=free_port)
    data: dict = field(default_factory=dict)

    @property
    def var_dir(self) -> Path:
        return ROOT / "var" / "bench" / self.label if self.label else ROOT / "var" / "bench"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def dsn(self) -> str:
        return f"postgres://postgres@127.0.0.1:5432/{self.database}"

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DEBUG", "PGAPPNAME"))}
        env.update(
            DJANGO_SETTINGS_MODULE="trainingprog.settings",
            DEBUG="false",
            SECRET_KEY=SECRET_KEY,
            ALLOWED_HOSTS="127.0.0.1",
            SITE_URL=self.base,
            SECURE_SSL_REDIRECT="false",
            DATABASE_URL=self.dsn,
            REDIS_URL=self.redis_url,
            VAR_DIR=str(self.var_dir),
            LOG_LEVEL="WARNING",
            WEB_CONCURRENCY="2",
            GUNICORN_BIND=f"127.0.0.1:{self.port}",
            GUNICORN_MAX_REQUESTS="0",  # no worker recycling mid-run: its CPU time would be lost
            GUNICORN_TIMEOUT="120",  # the slow pages of the large size take seconds a request
            TRUSTED_PROXY_COUNT="1",  # the verification run comes from many addresses through "a proxy"
        )
        return env

    def name(self, role: str) -> str:
        """The application_name of this size's processes of one role: their PostgreSQL backends are counted."""
        return f"bench-{self.label or 'one'}-{role}"


def sizes() -> list[Size]:
    if len(LAWYERS) == 1:
        return [Size(LAWYERS[0], "", DATABASE, REDIS_URL, SECONDS, SLOW_SECONDS)]
    if len(LAWYERS) != 2:
        raise SystemExit("BENCH_LAWYERS: one size, or two (small,large)")
    small, large = LAWYERS
    return [
        Size(small, "small", f"{DATABASE}_small", SMALL_REDIS_URL, SMALL_SECONDS, SMALL_SLOW_SECONDS),
        Size(large, "large", f"{DATABASE}_large", REDIS_URL, SECONDS, SLOW_SECONDS),
    ]


def collect_static(all_sizes: list[Size]) -> None:
    """The translations and static files, collected once: the other size's files are hard links to the first's."""
    first, *others = all_sizes
    first.var_dir.mkdir(parents=True, exist_ok=True)
    run([PYTHON, "manage.py", "compilemessages", "--ignore=.venv", "-v0"], first.env)
    run([PYTHON, "manage.py", "collectstatic", "--no-input", "-v0"], first.env)
    for size in others:
        static = size.var_dir / "static"
        if static.is_symlink():
            static.unlink()
        shutil.rmtree(static, ignore_errors=True)
        # Not bench/: bench/prepare.py writes its own file there at each size.
        shutil.copytree(first.var_dir / "static", static, copy_function=os.link, ignore=shutil.ignore_patterns("bench"))


def prepare(size: Size) -> None:
    """Seed the size's database (unless BENCH_REUSE_DATABASE) and make its pages' data."""
    manage, env = [PYTHON, "manage.py"], size.env
    size.var_dir.mkdir(parents=True, exist_ok=True)
    if not REUSE:
        psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c"]
        run([*psql, f"DROP DATABASE IF EXISTS {size.database}"], env)
        run([*psql, f"CREATE DATABASE {size.database}"], env)
        run([*manage, "migrate", "--no-input", "-v0"], env)
        print(f"seeding {SESSIONS:,} sessions, {FACULTY:,} faculty and {size.lawyers:,} lawyers ...", flush=True)
        started = time.perf_counter()
        seed = [*manage, "seed_demo", "--sessions", str(SESSIONS), "--faculty", str(FACULTY)]
        run([*seed, "--participants", str(size.lawyers)], {**env, "DEBUG": "true"}, stdout=subprocess.DEVNULL)
        print(f"  {size.lawyers:,} lawyers seeded in {time.perf_counter() - started:.0f} s", flush=True)
    out = run([PYTHON, "bench/prepare.py"], env, capture_output=True, text=True).stdout
    size.data = json.loads(out.strip().splitlines()[-1])


class Stack:
    """A gunicorn of one size, its processes' database connections named `name` (PGAPPNAME)."""

    def __init__(self, size: Size, role: str, workers: int = 2, **env):
        self.size, self.name = size, size.name(role)
        env = {**size.env, "WEB_CONCURRENCY": str(workers), "PGAPPNAME": self.name, **env}
        self.process = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "-c", "trainingprog/gunicorn.conf.py", "--access-logfile", "/dev/null",
             "--log-level", "warning", "trainingprog.wsgi"],
            cwd=ROOT, env=env, start_new_session=True,
        )  # fmt: skip
        for _ in range(100):
            try:
                urllib.request.urlopen(size.base + "/healthz", timeout=2)  # noqa: S310 - our own loopback server
                break
            except OSError:
                time.sleep(0.2)

    def workers(self) -> list[int]:
        """gunicorn's worker processes (not its other helpers)."""
        pids = []
        for task in Path(f"/proc/{self.process.pid}/task").iterdir():
            for pid in (task / "children").read_text().split():
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                if b"gunicorn" in cmdline and Path(f"/proc/{pid}/stat").exists():
                    pids.append(int(pid))
        return pids

    def meter(self) -> Meter:
        return Meter(self.size.dsn, self.name, self.workers).start()

    def wait_idle(self) -> None:
        wait_idle(self.size.dsn, self.name, self.workers())

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)


def costs(used: dict, served: int) -> dict:
    """A run's CPU seconds (bench/meter.py) as ms a request, and the peak RSS."""
    served = max(served, 1)
    return {
        "app_ms": used["app_s"] * 1000 / served,
        "pg_ms": used["pg_s"] * 1000 / served,
        "cpu_ms": (used["app_s"] + used["pg_s"]) * 1000 / served,
        "rss_mb": used["rss_mb"],
    }


def wrk(url: str, cookie: str, seconds: int, connections: int = CONNECTIONS, script: str = "report.lua", *args) -> dict:
    command = [
        "wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", "--timeout", "60s", "--latency",
        "-s", str(ROOT / "bench" / script), "-H", f"Accept: {ACCEPT}", "-H", "Accept-Language: zh-CN,zh;q=0.9",
        *(["-H", f"Cookie: {cookie}"] if cookie else []), url, *(["--", *args] if args else []),
    ]  # fmt: skip
    out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def one_request(url: str, cookie: str) -> tuple[int, float]:
    """The status and seconds of one request, as wrk makes them."""
    headers = {"Accept": ACCEPT, "Accept-Language": "zh-CN,zh;q=0.9", **({"Cookie": cookie} if cookie else {})}
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=120) as response:  # noqa: S310
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status, time.perf_counter() - started


def page_run(stack: Stack, name: str) -> dict:
    size, data = stack.size, stack.size.data
    path, role = data["pages"][name]
    cookie = data["cookies"][role]
    extra = ("verify.lua", data["codes"]) if name == "certificate verification" else ()
    if "partial" in name:  # an htmx fragment, asked as htmx polls it (bench/prepare.py counts its SQL the same way)
        extra = ("htmx.lua",)
    # The first request warms the caches; a page that takes seconds runs with a connection a worker, so that its
    # p50 is the time one request takes and the few still in flight when wrk stops do not take minutes.
    _status, took = one_request(size.base + path, cookie)
    slow = took > SLOW_REQUEST
    connections, seconds = (2, size.slow_seconds) if slow else (CONNECTIONS, size.seconds)
    if not slow:
        wrk(size.base + path, cookie, 1, connections, *extra)  # warm up caches and connections
    stack.wait_idle()
    meter = stack.meter()
    result = wrk(size.base + path, cookie, seconds, connections, *extra)
    stack.wait_idle()
    # When wrk stops, each connection has one request in flight, which the workers still finish: its CPU time is
    # in the count, so it is one of the requests too.
    served = result["requests"] + connections
    return {
        "page": name,
        "as": role or "anyone",
        "clients": connections,
        "rps": result["requests"] / (result["duration_us"] / 1e6),
        "p50": result["p50"] / 1000,
        "p95": result["p95"] / 1000,
        "p99": result["p99"] / 1000,
        **costs(meter.stop(), served),
        "sql": data["queries"][name],
        "errors": result["errors"] + result["non2xx"],
    }


def timeout_run(size: Size) -> dict:
    """#9's statement timeout: a gunicorn whose queries PostgreSQL cancels after STATEMENT_TIMEOUT seconds, and
    every certificate look-up made to wait longer (the bench holds the certificates table locked), from 2 clients,
    one a worker. Each should be answered 503 ("this page took too long") just after the timeout, the workers
    and their connections then serve the next request, and PostgreSQL spends nothing on a query that waits."""
    stack = Stack(size, "timeout", WEB_STATEMENT_TIMEOUT=f"{STATEMENT_TIMEOUT:g}", GUNICORN_TIMEOUT="30")
    codes, url = size.data["codes"], size.base + "/"
    first_code = Path(codes).read_text().split()[0]
    page = f"{size.base}/certificates/verify/{first_code}/"
    try:
        before, _took = one_request(page, "")
        stack.wait_idle()
        holder = psycopg2.connect(size.dsn, application_name="bench-lock")
        try:
            holder.cursor().execute("LOCK TABLE certificates_certificate IN ACCESS EXCLUSIVE MODE")
            meter = stack.meter()
            result = wrk(url, "", SECONDS, 2, "timeout.lua", codes)  # a request a second: as long at each size
            stack.wait_idle()
            used = meter.stop()
        finally:
            holder.close()  # the lock goes with its transaction
        after, _took = one_request(page, "")
    finally:
        stack.stop()
    answered = result["requests"] + 2
    wrong = result["requests"] - result["s503"] + result["errors"] + (before != 200) + (after != 200)
    return {
        "page": TIMEOUT_ROW,
        "as": "anyone",
        "clients": 2,
        "rps": result["requests"] / (result["duration_us"] / 1e6),
        "p50": result["p50"] / 1000,
        "p95": result["p95"] / 1000,
        "p99": result["p99"] / 1000,
        **costs(used, answered),
        "sql": size.data["queries"]["certificate verification"],
        "errors": wrong,
        "refused": result["s503"],
        "requests": result["requests"],
    }


def sweep(stack: Stack) -> dict[str, list[dict]]:
    """Latency against concurrency on the same stack, SWEEP_SECONDS at each number of connections, longer
    (up to SWEEP_LONGEST) where a queue of that many requests takes longer to turn over; a page is left
    at the concurrency whose latency a run that long could no longer measure."""
    data, series = stack.size.data, {}
    for name in SWEEP_PAGES:
        path, role = data["pages"][name]
        points, rate = [], None
        for connections in SWEEP:
            seconds = SWEEP_SECONDS if rate is None else max(SWEEP_SECONDS, math.ceil(3 * connections / rate))
            if seconds > SWEEP_LONGEST:
                break
            result = wrk(stack.size.base + path, data["cookies"][role], seconds, connections)
            stack.wait_idle()
            rate = max(result["requests"], 1) / (result["duration_us"] / 1e6)
            points.append(
                {
                    "connections": connections,
                    "rps": rate,
                    **{p: result[p] / 1000 for p in ("p50", "p95", "p99")},
                    "errors": result["errors"] + result["non2xx"],
                }
            )
        series[name] = points
        print(f"  {name}: " + ", ".join(f"{p['connections']}: {p['p50']:.0f}/{p['p99']:.0f} ms" for p in points))
    return series


def enrol_run(stack: Stack) -> dict:
    """16 clients enrolling distinct lawyers into open sessions through the real view (htmx POST)."""
    data = stack.size.data

    def wrk_enrol(seconds: int, first_pair: int) -> str:
        args = [
            "wrk", "-t1", "-c16", f"-d{seconds}s", "--latency", "-s", str(ROOT / "bench/enrol.lua"),
            stack.size.base + "/", "--", CSRF_TOKEN, data["enrol_pairs"], str(first_pair),
        ]  # fmt: skip
        return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=True).stdout

    # Warm the fresh workers up on pairs from the far end of the list, which the measured run never reaches.
    wrk_enrol(2, data["enrol_pair_count"] * 3 // 4)
    stack.wait_idle()
    meter = stack.meter()
    out = wrk_enrol(stack.size.seconds, 0)
    stack.wait_idle()
    used = meter.stop()
    result = json.loads(out.strip().splitlines()[-1])
    requests = max(result["requests"], 1)
    return {
        "page": f"enrol (POST, {len(stack.workers())} workers)",
        "as": "1,000 lawyers",
        "clients": 16,
        "rps": requests / (result["duration_us"] / 1e6),
        "p50": result["p50"] / 1000,
        "p95": result["p95"] / 1000,
        "p99": result["p99"] / 1000,
        **costs(used, requests + 16),
        "sql": data["queries"]["enrol"],
        "errors": result["errors"] + result["non2xx"],
    }


def checkin_run(stack: Stack) -> dict:
    """16 clients, each request a different lawyer opening the URL the projector's QR code holds now."""
    size, data = stack.size, stack.size.data
    path, _seconds_left, before = run(
        [PYTHON, "bench/checkin_url.py", str(data["checkin_session"])], size.env, capture_output=True, text=True
    ).stdout.split()
    stack.wait_idle()
    meter = stack.meter()
    args = [
        "wrk", "-t1", "-c16", "-d10s", "--latency", "-s", str(ROOT / "bench/checkin.lua"),
        size.base + "/", "--", path, data["checkin_cookies"],
    ]  # fmt: skip
    out = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    stack.wait_idle()
    used = meter.stop()
    result = json.loads(out.strip().splitlines()[-1])
    after = run(
        [PYTHON, "bench/checkin_url.py", str(data["checkin_session"])], size.env, capture_output=True, text=True
    )
    checked_in = int(after.stdout.split()[2]) - int(before)
    requests = max(result["requests"], 1)
    rps = requests / (result["duration_us"] / 1e6)
    return {
        "page": f"QR check-in ({len(stack.workers())} workers)",
        "as": f"{data['checkin_lawyers']:,} lawyers",
        "clients": 16,
        "rps": rps,
        "p50": result["p50"] / 1000,
        "p95": result["p95"] / 1000,
        "p99": result["p99"] / 1000,
        **costs(used, requests + 16),
        "sql": data["queries"]["check-in"],
        "errors": result["errors"] + result["non2xx"],
        "checked_in": checked_in,
        "seconds": result["duration_us"] / 1e6,
        "seconds_for_300": 300 / rps,
    }


def process_tree(pid: int) -> list[int]:
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            pids += process_tree(int(child))
    return pids


def certificates_run(size: Size) -> dict:
    """PDF rendering alone, then 350 certificates of the demo program through Celery on Redis with one
    worker process on the heavy queue (certificates have workers of their own in production; e-mail has
    the notifications queue); the worker's CPU and its PostgreSQL backends' a certificate."""
    env, name = size.env, size.name("celery")
    log = size.var_dir / "bench-worker.log"
    with open(log, "w") as out:
        worker = subprocess.Popen(
            [PYTHON, "-m", "celery", "-A", "trainingprog", "worker", "-Q", "heavy",
             "--concurrency", "1", "--without-gossip", "--without-mingle", "--purge", "--loglevel", "WARNING"],
            cwd=ROOT, env={**env, "PGAPPNAME": name}, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        try:
            time.sleep(2)
            wait_idle(size.dsn, name, process_tree(worker.pid))  # started: its CPU still
            meter = Meter(size.dsn, name, lambda: process_tree(worker.pid)).start()
            out_json = run([PYTHON, "bench/certificates.py", "fipr-2025"], env, capture_output=True, text=True).stdout
            used = meter.stop()
        finally:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=30)
    certificates = json.loads(out_json.strip().splitlines()[-1])
    return {
        "page": "certificate generation (Celery, 1 worker process)",
        "as": "administrator",
        "clients": "",
        "rps": certificates["issued"] / certificates["seconds"],
        "p50": None,
        **costs(used, certificates["issued"]),
        "sql": round(certificates["sql"], 1),
        "errors": 0,
        "render_per_s": certificates["render_per_s"],
        "issued": certificates["issued"],
        "seconds": certificates["seconds"],
    }


def import_run(size: Size) -> dict:
    """import_participants on a generated XLSX of IMPORT_ROWS new lawyers, in one process: its time, its CPU and
    its PostgreSQL backend's, a row of the file."""
    env, name = size.env, size.name("import")
    path = size.var_dir / "bench-import.xlsx"
    run([PYTHON, "bench/make_import_file.py", str(path), str(IMPORT_ROWS)], env)
    meter = Meter(size.dsn, name, list).start()
    started = time.perf_counter()
    command = [PYTHON, "manage.py", "import_participants", str(path), "--program", "bench-200"]
    process = subprocess.Popen(command, cwd=ROOT, env={**env, "PGAPPNAME": name}, stdout=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(process.pid, 0)  # this process's own CPU time and peak RSS
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, command)
    used = meter.stop() | {"app_s": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024}
    return {
        "page": f"import of a {IMPORT_ROWS:,}-row XLSX (1 process)",
        "as": "administrator",
        "clients": "",
        "rps": IMPORT_ROWS / seconds,
        "p50": None,
        **costs(used, IMPORT_ROWS),
        "sql": "",
        "errors": 0,
        "seconds": seconds,
    }


TEAM_BUILDS = (300, 3000)  # lawyers the team builder places in 40 teams


def teams_run(lawyers: int):
    """practice's team builder, in one process (bench/teams.py): its time, its CPU and its PostgreSQL backend's, a
    build of `lawyers` into 40 teams."""

    def measure(size: Size) -> dict:
        out = run([PYTHON, "bench/teams.py", str(lawyers)], size.env, capture_output=True, text=True).stdout
        built = json.loads(out.strip().splitlines()[-1])
        return {
            "page": f"team builder: {lawyers:,} lawyers into 40 teams (1 process)",
            "as": "faculty",
            "clients": "",
            "rps": 1 / built["seconds"],
            "p50": None,
            **costs(built, 1),
            "sql": built["sql"],
            "errors": 0,
            "seconds": built["seconds"],
        }

    return measure


def both(all_sizes: list[Size], rows: dict, measure) -> None:
    """measure(size) → a row, at each size in turn; rows[name][size.label] keeps it."""
    found = []
    for size in all_sizes:
        row = measure(size)
        rows.setdefault(row["page"], {})[size.label] = row
        found.append(row)
    figures = " · ".join(
        f"{size.lawyers:,}: {row['cpu_ms']:,.2f} ms ({row['app_ms']:,.2f} + {row['pg_ms']:,.2f} PostgreSQL)"
        for size, row in zip(all_sizes, found, strict=True)
    )
    growth = f" ({found[-1]['cpu_ms'] / found[0]['cpu_ms']:.2f}×)" if len(found) == 2 and found[0]["cpu_ms"] else ""
    print(f"  {found[-1]['page']}: {figures}{growth}", flush=True)


def main() -> int:
    if not shutil.which("wrk"):
        print("wrk is needed: apt-get install wrk", file=sys.stderr)
        return 2
    started = time.perf_counter()
    all_sizes = sizes()
    collect_static(all_sizes)
    # Both sizes at once: nothing is measured yet, and the small one is ready while the large one still seeds.
    with ThreadPoolExecutor(len(all_sizes)) as pool:
        list(pool.map(prepare, all_sizes))
    prepared = time.perf_counter() - started
    rows: dict[str, dict[str, dict]] = {}
    series, notes = {}, []
    stacks = {size.label: Stack(size, "web") for size in all_sizes}
    try:
        for name in filter(selected, all_sizes[-1].data["pages"]):
            both(all_sizes, rows, lambda size, name=name: page_run(stacks[size.label], name))
        if selected("sweep"):
            print("latency against concurrency ...", flush=True)
            series = sweep(stacks[all_sizes[-1].label])
    finally:
        for stack in stacks.values():
            stack.stop()
    if selected(TIMEOUT_ROW):
        both(all_sizes, rows, timeout_run)
    # Enrolment has an absolute target: run it on the production default of workers (2 × cores + 1), which keeps
    # both cores busy while requests wait on PostgreSQL row locks.
    for size in all_sizes:
        if not (selected("enrol (POST") or selected("QR check-in")):
            break
        stack = Stack(size, "enrol", 2 * os.cpu_count() + 1)
        try:
            if selected("enrol (POST"):
                both([size], rows, lambda size, stack=stack: enrol_run(stack))
            if selected("QR check-in"):
                both([size], rows, lambda size, stack=stack: checkin_run(stack))
        finally:
            stack.stop()
    if selected("enrol (POST"):
        for size in all_sizes:
            oversold = run(
                [PYTHON, "bench/check_enrolments.py", str(size.data["enrol_program"])],
                size.env, capture_output=True, text=True,
            ).stdout.strip()  # fmt: skip
            notes.append(f"Enrolment at {size.lawyers:,} lawyers: {oversold}.")
    if selected("QR check-in"):
        for size in all_sizes:
            checkin = next(row[size.label] for name, row in rows.items() if name.startswith("QR check-in"))
            notes.append(
                f"QR check-in at {size.lawyers:,} lawyers: {checkin['checked_in']:,} lawyers checked in in "
                f"{checkin['seconds']:.1f} s; 300 lawyers take {checkin['seconds_for_300']:.1f} s (target < 10 s)."
            )
    if selected("import"):
        both(all_sizes, rows, import_run)
        name = next(name for name in rows if name.startswith("import of"))
        took = " and ".join(f"{rows[name][s.label]['seconds']:.1f} s at {s.lawyers:,} lawyers" for s in all_sizes)
        notes.append(f"Import of a {IMPORT_ROWS:,}-row XLSX (check and write, one process): {took} (target < 6 s).")
    if selected("team builder"):
        for lawyers in TEAM_BUILDS:
            both(all_sizes, rows, teams_run(lawyers))
        names = [name for name in rows if name.startswith("team builder")]
        built = " and ".join(
            f"{rows[name][all_sizes[-1].label]['seconds'] * 1000:,.0f} ms for {count:,}"
            for count, name in zip(TEAM_BUILDS, names, strict=True)
        )
        notes.append(f"Team builder (read the seats, place everyone, write every place): {built} lawyers in 40 teams.")
    if selected("certificate generation"):
        both(all_sizes, rows, certificates_run)
        name = next(name for name in rows if name.startswith("certificate generation"))
        for size in all_sizes:
            c = rows[name][size.label]
            notes.append(
                f"Certificates at {size.lawyers:,} lawyers: {c['render_per_s']:.0f} PDFs a second rendered alone in "
                f"one process; {c['issued']} issued end to end through Celery on Redis by one worker process in "
                f"{c['seconds']:.1f} s, {c['rps']:.0f} a second (target ≥ 40); CPU ms and SQL/req are a certificate's."
            )
    if selected(TIMEOUT_ROW):
        for size in all_sizes:
            row = rows[TIMEOUT_ROW][size.label]
            notes.append(
                f"Statement timeout at {size.lawyers:,} lawyers: {row['refused']} of {row['requests']} look-ups held "
                f"past WEB_STATEMENT_TIMEOUT={STATEMENT_TIMEOUT:g} s answered 503 in {row['p50']:,.0f} ms (p99 "
                f"{row['p99']:,.0f} ms); the workers then served the next look-up."
            )
    elapsed = time.perf_counter() - started
    table = render(rows, all_sizes)
    if notes:
        table += "\n\n" + "\n".join(notes)
    large = all_sizes[-1].label
    downloads = {name: row[large]["rps"] * 20 for name, row in rows.items() if "20 MB" in name}
    if len(downloads) == 2:
        checked, static = downloads.values()
        table += (
            f"\n20 MB download: {checked:,.0f} MB/s through the access-checked view, {static:,.0f} MB/s from "
            f"the static file server (WhiteNoise), {100 * checked / static:.0f}%."
        )
    if series:
        table += "\n\n" + render_sweep(series)
    if ROWS:
        table += f"\n\nOnly the rows named by BENCH_ROWS={','.join(ROWS)} (and the floor) ran."
    table += (
        f"\n\nThe whole `make bench` took {elapsed / 60:.1f} minutes ({prepared / 60:.1f} of them seeding and "
        "preparing the data)."
    )
    print()
    print(table)
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    stamp = datetime.now().strftime("%Y-%m-%d-%H%M")
    (results / f"{stamp}.md").write_text(table + "\n")
    if ROWS:  # a partial run does not replace the last whole one
        print(f"\nbench/results/{stamp}.md written; {elapsed / 60:.1f} minutes in all.")
    else:
        (results / "latest.md").write_text(table + "\n")
        title = f"make bench {datetime.now():%Y-%m-%d %H:%M}: latency against concurrency ({MACHINE})"
        plot(series, results / "latest.png", title)
        shutil.copyfile(results / "latest.png", results / f"{stamp}.png")
        print(f"\nbench/results/latest.md and latest.png written; {elapsed / 60:.1f} minutes in all.")
    sweep_errors = sum(p["errors"] for points in series.values() for p in points)
    errors = sum(row["errors"] for by_size in rows.values() for row in by_size.values())
    return 1 if sweep_errors or errors else 0


def verdict(row: dict) -> str:
    """The row's target (PERFORMANCE.md) at the size it was measured, and whether it is met."""
    page = row["page"]
    if page.startswith("enrol"):
        return f"≥ 250/s, p95 < 100 ms {'✓' if row['rps'] >= 250 and row['p95'] < 100 else '✗'}"
    if page.startswith("QR check-in"):
        return f"300 in < 10 s {'✓' if row['seconds_for_300'] < 10 else '✗'}"
    if page.startswith("certificate generation"):
        return f"≥ 40/s {'✓' if row['rps'] >= 40 else '✗'}"
    if page.startswith("import of"):
        return f"< 6 s {'✓' if row['seconds'] < 6 else '✗'}"
    if page == TIMEOUT_ROW:
        ok = row["refused"] == row["requests"] and row["p99"] < 1000 * STATEMENT_TIMEOUT + 500
        return f"503 in < {STATEMENT_TIMEOUT + 0.5:g} s {'✓' if ok else '✗'}"
    target = TARGETS.get(page)
    if target is None:
        return ""
    if page.startswith("completion list, first page"):
        ok = row["cpu_ms"] <= target and row["p95"] < 100 and row["clients"] == CONNECTIONS
        return f"≤ {target} ms, p95 < 100 ms at {CONNECTIONS} {'✓' if ok else '✗'}"
    return f"≤ {target} ms {'✓' if row['cpu_ms'] <= target else '✗'}"


def growth(name: str, small: dict | None, large: dict, sizes_: list[Size]) -> str:
    """CPU a request at the large size over the small; for a row of every lawyer, over the lawyers' growth too."""
    if small is None or not small.get("cpu_ms") or large.get("cpu_ms") is None:
        return "–"
    ratio = large["cpu_ms"] / small["cpu_ms"]
    if name in PER_LAWYER:
        per_lawyer = ratio * sizes_[0].data["lawyers"] / sizes_[-1].data["lawyers"]
        return f"{ratio:.2f}× ({per_lawyer:.2f}× a lawyer) {'✓' if per_lawyer <= FLAT else '✗'}"
    return f"{ratio:.2f}× {'✓' if ratio <= FLAT else '✗'}"


def render(rows: dict[str, dict[str, dict]], sizes_: list[Size]) -> str:
    large, small = sizes_[-1], sizes_[0] if len(sizes_) == 2 else None
    data = large.data
    lines = [
        f"# make bench — {datetime.now():%Y-%m-%d %H:%M}",
        "",
        f"Machine: {MACHINE}; gunicorn 2 sync workers (5 for enrolment and check-in), DEBUG off, PostgreSQL + "
        "Redis on loopback;",
        f"wrk 2 threads × {CONNECTIONS} connections × {large.seconds} s a page ({large.slow_seconds} s and 2 "
        f"connections, one a worker, for pages of more than {SLOW_REQUEST:g} s a request)"
        + (f"; {small.seconds} s ({small.slow_seconds} s) at {small.lawyers:,} lawyers." if small else "."),
        f"Data: {data['lawyers']:,} lawyers admitted to a program of {data['sessions']:,} sessions "
        f"(`seed_demo --participants {large.lawyers} --sessions {SESSIONS} --faculty {FACULTY}`), {data['faculty']:,} "
        f"faculty; the attendance roster is a required session's, {data['door_seats']:,} seats"
        + (
            f"; growth against the same program with {small.data['lawyers']:,} lawyers (`--participants "
            f"{small.lawyers}`, a roster of {small.data['door_seats']:,} seats)."
            if small
            else "."
        ),
        "CPU ms/req is the gunicorn workers' CPU (app) and that of the PostgreSQL backends serving their connections "
        "(PG), a request.",
        "",
    ]
    at_small = f"CPU ms at {small.lawyers:,} | growth | " if small else ""
    head = (
        "| page or action | as | clients | req/s | p50 ms | p95 ms | p99 ms | app ms | PG ms | CPU ms/req | "
        f"{at_small}SQL/req | peak RSS MB | share of floor | target | errors |"
    )
    lines += [head, "| --- | --- |" + " ---: |" * (head.count("|") - 3)]
    floor = rows[FLOOR][large.label]["rps"]
    for by_size in rows.values():
        row = by_size[large.label]
        lines.append(row_line(row, floor, small_row=by_size.get(small.label) if small else None, sizes_=sizes_))
    if small:
        lines += [
            "",
            f"At {small.lawyers:,} lawyers (the growth column's other end):",
            "",
            head.replace(at_small, ""),
            "| --- | --- |" + " ---: |" * (head.replace(at_small, "").count("|") - 3),
        ]
        floor = rows[FLOOR][small.label]["rps"]
        for by_size in rows.values():
            lines.append(row_line(by_size[small.label], floor))
    return "\n".join(lines)


def row_line(row: dict, floor: float, small_row: dict | None = None, sizes_: list[Size] | None = None) -> str:
    def ms(value) -> str:
        return "–" if value is None else f"{value:,.2f}"

    rate = f"{row['rps']:,.0f}" if row["rps"] >= 10 else f"{row['rps']:.2f}"
    latency = "– | – | –" if row["p50"] is None else f"{row['p50']:,.1f} | {row['p95']:,.1f} | {row['p99']:,.1f}"
    cells = [row["page"], row["as"], row["clients"], rate, latency, ms(row["app_ms"]), ms(row["pg_ms"])]
    cells.append(ms(row["cpu_ms"]))
    sql = row["sql"]
    if sizes_ is not None:
        cells += [ms(small_row["cpu_ms"]) if small_row else "–", growth(row["page"], small_row, row, sizes_)]
        if small_row and small_row["sql"] != sql:
            sql = f"{small_row['sql']} → {sql}"
    share = "" if row["p50"] is None else f"{100 * row['rps'] / floor:.2f}%"  # not a page: no floor to compare
    cells += [sql, f"{row['rss_mb']:,.0f}", share, verdict(row), row["errors"]]
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def render_sweep(series: dict[str, list[dict]]) -> str:
    """The numbers behind latest.png: p50 / p99 in ms and requests a second at each number of connections."""
    connections = sorted({p["connections"] for points in series.values() for p in points})
    lines = [
        f"Latency against concurrency at the large size (p50 / p99 ms, req/s; {SWEEP_SECONDS} s at each, up to "
        f"{SWEEP_LONGEST} s where the queue turns over slowly; – where even that is too short), plotted in "
        "latest.png:",
        "",
        "| page | " + " | ".join(f"{c} conn." for c in connections) + " |",
        "| --- |" + " ---: |" * len(connections),
    ]
    for name, points in series.items():
        at = {p["connections"]: p for p in points}
        cells = [
            f"{at[c]['p50']:,.1f} / {at[c]['p99']:,.1f}, {at[c]['rps']:,.0f}/s" if c in at else "–" for c in connections
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
