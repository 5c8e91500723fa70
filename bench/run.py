"""`make bench`: the production stack on loopback under wrk, one table of numbers and one plot.

1. A fresh PostgreSQL database `trainingprog_bench`, migrated and seeded at the issue's scale
   (`seed_demo --participants 10000 --sessions 2000 --faculty 500`), plus a 200-session copy of the program
   and an open program for the enrolment and check-in runs.
2. gunicorn with the production settings (DEBUG off, 2 sync workers) on 127.0.0.1, Redis as cache and broker.
3. For each page: wrk (2 threads, 8 connections, a browser Accept header, the cookie of the person who
   opens it) for BENCH_SECONDS; requests a second, p50/p95/p99, the workers' CPU time a request (from
   /proc), SQL queries a request (counted once in Django, uncached), and the share of the floor: the
   trivial /robots.txt served by the same gunicorn in the same run.
4. Latency against concurrency (1 to 64 connections) for a few pages, drawn as bench/results/latest.png.
5. Enrolment and QR check-in (16 clients, 5 workers), certificates through Celery, an XLSX import.

Prints the table and writes it to bench/results/ (latest.md, latest.png and dated copies). BENCH_ROWS runs only
some rows (and the floor), for working on a page: its table goes to a dated copy only.
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
import urllib.request
from datetime import datetime
from pathlib import Path

from plot import plot  # bench/plot.py, beside this file

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DATABASE = os.environ.get("BENCH_DATABASE", "trainingprog_bench")
SECONDS = int(os.environ.get("BENCH_SECONDS", "8"))
SLOW_SECONDS = int(os.environ.get("BENCH_SLOW_SECONDS", max(SECONDS, 20)))  # pages of seconds a request
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
FLOOR = "floor (robots.txt)"
SWEEP = [int(c) for c in os.environ.get("BENCH_SWEEP", "1,2,4,8,16,32,64").split(",") if c]
SWEEP_SECONDS = int(os.environ.get("BENCH_SWEEP_SECONDS", "2"))
SWEEP_LONGEST = int(os.environ.get("BENCH_SWEEP_LONGEST", "8"))
SWEEP_PAGES = [FLOOR, "timetable, 200 sessions", "session page", "My program"]
SESSIONS = int(os.environ.get("BENCH_SESSIONS", "2000"))
FACULTY = int(os.environ.get("BENCH_FACULTY", "500"))
LAWYERS = int(os.environ.get("BENCH_LAWYERS", "10000"))
REUSE = os.environ.get("BENCH_REUSE_DATABASE") == "1"  # development: keep the seeded database of a last run
# Development: only the rows whose names contain one of these (comma-separated, any case), and the floor; the
# latency sweep is the row "sweep".
ROWS = [part.strip().lower() for part in os.environ.get("BENCH_ROWS", "").split(",") if part.strip()]
IMPORT_ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "10000"))
CSRF_TOKEN = "benchBENCHbenchBENCHbenchBENCH12"  # noqa: S105 - any 32 letters; cookie and header agree
ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
TICKS = os.sysconf("SC_CLK_TCK")
CPU_MODEL = Path("/proc/cpuinfo").read_text().split("model name")[1].split("\n")[0].strip(" :\t")
MACHINE = f"{os.cpu_count()} cores ({CPU_MODEL})"

# PERFORMANCE.md: the share of the floor each page must reach (pretalx × 3 or × 10).
TARGETS = {
    "timetable, 200 sessions": 1.7,
    "session page": 3.5,
    "faculty directory": 1.4,
    "faculty profile": 3.2,
}


def selected(name: str) -> bool:
    return not ROWS or name == FLOOR or any(part in name.lower() for part in ROWS)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(args, env, **kwargs):
    return subprocess.run(args, cwd=ROOT, env=env, check=True, **kwargs)


def stack_env(port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DEBUG"))}
    env.update(
        DJANGO_SETTINGS_MODULE="trainingprog.settings",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        SITE_URL=f"http://127.0.0.1:{port}",
        SECURE_SSL_REDIRECT="false",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
        REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"),
        VAR_DIR=str(ROOT / "var" / "bench"),
        LOG_LEVEL="WARNING",
        WEB_CONCURRENCY="2",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_MAX_REQUESTS="0",  # no worker recycling mid-run: its CPU time would be lost
        GUNICORN_TIMEOUT="120",  # the 10,000-lawyer door roster takes seconds a request
        TRUSTED_PROXY_COUNT="1",  # the verification run comes from many addresses through "a proxy"
    )
    return env


def prepare(env) -> dict:
    manage = [PYTHON, "manage.py"]
    if not REUSE:
        psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c"]
        run([*psql, f"DROP DATABASE IF EXISTS {DATABASE}"], env)
        run([*psql, f"CREATE DATABASE {DATABASE}"], env)
        run([*manage, "migrate", "--no-input", "-v0"], env)
        seed_env = {**env, "DEBUG": "true"}
        print(f"seeding {SESSIONS:,} sessions, {FACULTY:,} faculty and {LAWYERS:,} lawyers ...", flush=True)
        started = time.perf_counter()
        seed = [*manage, "seed_demo", "--sessions", str(SESSIONS), "--faculty", str(FACULTY)]
        run([*seed, "--participants", str(LAWYERS)], seed_env, stdout=subprocess.DEVNULL)
        print(f"  seeded in {time.perf_counter() - started:.0f} s", flush=True)
    run([*manage, "compilemessages", "--ignore=.venv", "-v0"], env)
    run([*manage, "collectstatic", "--no-input", "-v0"], env)
    out = run([PYTHON, "bench/prepare.py"], env, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def worker_pids(master: int) -> list[int]:
    """gunicorn's worker processes (not its other helpers)."""
    pids = []
    for task in Path(f"/proc/{master}/task").iterdir():
        for pid in (task / "children").read_text().split():
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            if b"gunicorn" in cmdline and Path(f"/proc/{pid}/stat").exists():
                pids.append(int(pid))
    return pids


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / TICKS


def wrk(url: str, cookie: str, seconds: int, connections: int = CONNECTIONS, script: str = "report.lua", *args) -> dict:
    command = [
        "wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", "--timeout", "60s", "--latency",
        "-s", str(ROOT / "bench" / script), "-H", f"Accept: {ACCEPT}", "-H", "Accept-Language: zh-CN,zh;q=0.9",
        *(["-H", f"Cookie: {cookie}"] if cookie else []), url, *(["--", *args] if args else []),
    ]  # fmt: skip
    out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def wait_idle(workers: list[int], timeout: float = 90) -> None:
    """Until the workers have finished what wrk left in flight (a closed connection does not stop a sync
    worker): their CPU still and no query of theirs running in PostgreSQL, twice in a row."""
    deadline, calm = time.monotonic() + timeout, 0
    query = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()"  # noqa: E501
    while calm < 2 and time.monotonic() < deadline:
        before = cpu_seconds(workers)
        time.sleep(0.25)
        active = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-At", "-d", DATABASE, "-c", query],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        calm = calm + 1 if cpu_seconds(workers) - before < 0.01 and active == "0" else 0


def page_run(base: str, data: dict, name: str, master: int) -> dict:
    path, role, connections = data["pages"][name]
    connections = connections or CONNECTIONS
    cookie = data["cookies"][role]
    seconds = SECONDS if connections == CONNECTIONS else SLOW_SECONDS
    extra = ("verify.lua", data["codes"]) if name == "certificate verification" else ()
    workers = worker_pids(master)
    if connections == CONNECTIONS:
        wrk(base + path, cookie, 1, connections, *extra)  # warm up caches and connections
        wait_idle(workers)
    before = cpu_seconds(workers)
    result = wrk(base + path, cookie, seconds, connections, *extra)
    wait_idle(workers)
    # When wrk stops, each connection has one request in flight, which the workers still finish: its CPU
    # time is in the count, so it is one of the requests too.
    served = result["requests"] + connections
    return {
        "page": name,
        "as": role or "anyone",
        "clients": connections,
        "rps": result["requests"] / (result["duration_us"] / 1e6),
        "p50": result["p50"] / 1000,
        "p95": result["p95"] / 1000,
        "p99": result["p99"] / 1000,
        "cpu_ms": (cpu_seconds(workers) - before) * 1000 / served,
        "sql": data["queries"][name],
        "errors": result["errors"] + result["non2xx"],
    }


def sweep(base: str, data: dict, master: int) -> dict[str, list[dict]]:
    """Latency against concurrency on the same stack, SWEEP_SECONDS at each number of connections, longer
    (up to SWEEP_LONGEST) where a queue of that many requests takes longer to turn over; a page is left
    at the concurrency whose latency a run that long could no longer measure."""
    workers = worker_pids(master)
    series = {}
    for name in SWEEP_PAGES:
        path, role, _connections = data["pages"][name]
        points, rate = [], None
        for connections in SWEEP:
            seconds = SWEEP_SECONDS if rate is None else max(SWEEP_SECONDS, math.ceil(3 * connections / rate))
            if seconds > SWEEP_LONGEST:
                break
            result = wrk(base + path, data["cookies"][role], seconds, connections)
            wait_idle(workers)
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


def start_gunicorn(env: dict, base: str) -> subprocess.Popen:
    process = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "-c", "trainingprog/gunicorn.conf.py", "--access-logfile", "/dev/null",
         "--log-level", "warning", "trainingprog.wsgi"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2)  # noqa: S310 - our own loopback server
            break
        except OSError:
            time.sleep(0.2)
    return process


def enrol_run(base: str, data: dict, master: int) -> dict:
    """16 clients enrolling distinct lawyers into open sessions through the real view (htmx POST)."""

    def wrk_enrol(seconds: int, first_pair: int) -> str:
        args = [
            "wrk", "-t1", "-c16", f"-d{seconds}s", "--latency", "-s", str(ROOT / "bench/enrol.lua"),
            base + "/", "--", CSRF_TOKEN, data["enrol_pairs"], str(first_pair),
        ]  # fmt: skip
        return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=True).stdout

    # Warm the fresh workers up on pairs from the far end of the list, which the measured run never reaches.
    wrk_enrol(2, data["enrol_pair_count"] * 3 // 4)
    workers = worker_pids(master)
    before = cpu_seconds(workers)
    out = wrk_enrol(SECONDS, 0)
    result = json.loads(out.strip().splitlines()[-1])
    requests = max(result["requests"], 1)
    return {
        "page": f"enrol (POST, {len(workers)} workers)",
        "as": "1,000 lawyers",
        "clients": 16,
        "rps": requests / (result["duration_us"] / 1e6),
        "p50": result["p50"] / 1000,
        "p95": result["p95"] / 1000,
        "p99": result["p99"] / 1000,
        "cpu_ms": (cpu_seconds(workers) - before) * 1000 / requests,
        "sql": data["queries"]["enrol"],
        "errors": result["errors"] + result["non2xx"],
    }


def checkin_run(base: str, data: dict, master: int, env: dict) -> dict:
    """16 clients, each request a different lawyer opening the URL the projector's QR code holds now."""
    path, _seconds_left, before = run(
        [PYTHON, "bench/checkin_url.py", str(data["checkin_session"])], env, capture_output=True, text=True
    ).stdout.split()
    workers = worker_pids(master)
    cpu_before = cpu_seconds(workers)
    args = [
        "wrk", "-t1", "-c16", "-d10s", "--latency", "-s", str(ROOT / "bench/checkin.lua"),
        base + "/", "--", path, data["checkin_cookies"],
    ]  # fmt: skip
    out = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    after = run([PYTHON, "bench/checkin_url.py", str(data["checkin_session"])], env, capture_output=True, text=True)
    checked_in = int(after.stdout.split()[2]) - int(before)
    requests = max(result["requests"], 1)
    rps = requests / (result["duration_us"] / 1e6)
    return {
        "page": f"QR check-in ({len(workers)} workers)",
        "as": f"{data['checkin_lawyers']:,} lawyers",
        "clients": 16,
        "rps": rps,
        "p50": result["p50"] / 1000,
        "p95": result["p95"] / 1000,
        "p99": result["p99"] / 1000,
        "cpu_ms": (cpu_seconds(workers) - cpu_before) * 1000 / requests,
        "sql": data["queries"]["check-in"],
        "errors": result["errors"] + result["non2xx"],
        "checked_in": checked_in,
        "seconds": result["duration_us"] / 1e6,
        "seconds_for_300": 300 / rps,
    }


def certificates_run(env: dict) -> dict:
    """PDF rendering alone, then 350 certificates of the demo program through Celery on Redis with one
    worker process on the heavy queue (certificates have workers of their own in production; e-mail has
    the notifications queue)."""
    log = Path(env["VAR_DIR"]) / "bench-worker.log"
    with open(log, "w") as out:
        worker = subprocess.Popen(
            [PYTHON, "-m", "celery", "-A", "trainingprog", "worker", "-Q", "heavy",
             "--concurrency", "1", "--without-gossip", "--without-mingle", "--purge", "--loglevel", "WARNING"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        try:
            time.sleep(3)
            out_json = run([PYTHON, "bench/certificates.py", "fipr-2025"], env, capture_output=True, text=True).stdout
        finally:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=30)
    return json.loads(out_json.strip().splitlines()[-1])


def import_run(env) -> float:
    """Time import_participants on a generated XLSX of IMPORT_ROWS new lawyers."""
    path = Path(env["VAR_DIR"]) / "bench-import.xlsx"
    run([PYTHON, "bench/make_import_file.py", str(path), str(IMPORT_ROWS)], env)
    started = time.perf_counter()
    run(
        [PYTHON, "manage.py", "import_participants", str(path), "--program", "bench-200"],
        env,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def main() -> int:
    if not shutil.which("wrk"):
        print("wrk is needed: apt-get install wrk", file=sys.stderr)
        return 2
    started = time.perf_counter()
    port = free_port()
    env = stack_env(port)
    data = prepare(env)
    base = f"http://127.0.0.1:{port}"
    rows, series, notes = [], {}, []
    gunicorn = start_gunicorn(env, base)
    try:
        for name in filter(selected, data["pages"]):
            rows.append(page_run(base, data, name, gunicorn.pid))
            print(f"  {name}: {rows[-1]['rps']:,.1f} req/s", flush=True)
        if selected("sweep"):
            print("latency against concurrency ...", flush=True)
            series = sweep(base, data, gunicorn.pid)
    finally:
        os.killpg(gunicorn.pid, signal.SIGTERM)
        gunicorn.wait(timeout=30)
    # Enrolment has an absolute target: run it on the production default of workers (2 × cores + 1),
    # which keeps both cores busy while requests wait on PostgreSQL row locks.
    if selected("enrol (POST") or selected("QR check-in"):
        gunicorn = start_gunicorn({**env, "WEB_CONCURRENCY": str(2 * os.cpu_count() + 1)}, base)
        try:
            if selected("enrol (POST"):
                rows.append(enrol_run(base, data, gunicorn.pid))
                print(f"  enrol: {rows[-1]['rps']:.0f} req/s", flush=True)
            if selected("QR check-in"):
                rows.append(checkin_run(base, data, gunicorn.pid, env))
                checkin = rows[-1]
                print(f"  check-in: {checkin['rps']:.0f} req/s", flush=True)
                notes.append(
                    f"QR check-in: {checkin['checked_in']:,} lawyers checked in in {checkin['seconds']:.1f} s; "
                    f"300 lawyers take {checkin['seconds_for_300']:.1f} s (target < 10 s)."
                )
        finally:
            os.killpg(gunicorn.pid, signal.SIGTERM)
            gunicorn.wait(timeout=30)
    if selected("enrol (POST"):
        oversold = run(
            [PYTHON, "bench/check_enrolments.py", str(data["enrol_program"])], env, capture_output=True, text=True
        ).stdout.strip()
        notes.insert(0, f"Enrolment: {oversold}.")
    if selected("import"):
        seconds = import_run(env)
        notes.append(
            f"Import of a {IMPORT_ROWS:,}-row XLSX (check and write, one process): {seconds:.1f} s (target < 20 s)."
        )
    if selected("certificate generation"):
        certificates = certificates_run(env)
        rows.append(
            {
                "page": "certificate generation (Celery, 1 worker process)",
                "as": "administrator",
                "clients": "",
                "rps": certificates["issued"] / certificates["seconds"],
                "p50": None,
                "cpu_ms": None,
                "sql": f"{certificates['sql']:.1f}",
                "errors": 0,
            }
        )
        print(f"  certificates: {rows[-1]['rps']:.0f} a second", flush=True)
        notes.append(
            f"Certificates: {certificates['render_per_s']:.0f} PDFs a second rendered alone in one process; "
            f"{certificates['issued']} issued end to end through Celery on Redis by one worker process in "
            f"{certificates['seconds']:.1f} s, {certificates['issued'] / certificates['seconds']:.0f} a second "
            f"(target ≥ 40); SQL/req is queries a certificate."
        )
    floor = rows[0]["rps"]
    elapsed = time.perf_counter() - started
    table = render(rows, floor, data)
    if notes:
        table += "\n\n" + "\n".join(notes)
    downloads = {row["page"]: row["rps"] * 20 for row in rows if "20 MB" in row["page"]}
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
    table += f"\n\nThe whole `make bench` took {elapsed / 60:.1f} minutes."
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
    return 1 if sweep_errors or any(row["errors"] for row in rows) else 0


def render(rows: list[dict], floor: float, data: dict) -> str:
    lines = [
        f"# make bench — {datetime.now():%Y-%m-%d %H:%M}",
        "",
        f"Machine: {MACHINE}; gunicorn 2 sync workers (5 for enrolment and check-in), DEBUG off, PostgreSQL + "
        "Redis on loopback;",
        f"wrk 2 threads × {CONNECTIONS} connections × {SECONDS} s a page ({SLOW_SECONDS} s and 2 connections, one "
        "a worker, for pages of seconds a request).",
        f"Data: {data['lawyers']:,} lawyers admitted to a program of {data['sessions']:,} sessions "
        f"(`seed_demo --participants {LAWYERS} --sessions {SESSIONS} --faculty {FACULTY}`), {data['faculty']:,} "
        f"faculty; the attendance roster is a required session's, {data['door_seats']:,} seats.",
        "",
        "| page or action | as | clients | req/s | p50 ms | p95 ms | p99 ms | CPU ms/req | SQL/req | share of floor "
        "| target | errors |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        share = 100 * row["rps"] / floor
        target = TARGETS.get(row["page"])
        if row["page"].startswith("enrol"):
            ok = row["rps"] >= 200 and row["p95"] < 150
            verdict = f"≥ 200/s, p95 < 150 ms {'✓' if ok else '✗'}"
        elif row["page"].startswith("QR check-in"):
            verdict = f"300 in < 10 s {'✓' if row['seconds_for_300'] < 10 else '✗'}"
        elif row["page"].startswith("certificate generation"):
            verdict = f"≥ 40/s {'✓' if row['rps'] >= 40 else '✗'}"
        else:
            verdict = f"≥ {target}% {'✓' if share >= target else '✗'}" if target else ""
        rate = f"{row['rps']:,.0f}" if row["rps"] >= 10 else f"{row['rps']:.2f}"
        if row["p50"] is None:
            latency = "| – | – | – | – "
        else:
            latency = f"| {row['p50']:,.1f} | {row['p95']:,.1f} | {row['p99']:,.1f} | {row['cpu_ms']:,.2f} "
        lines.append(
            f"| {row['page']} | {row['as']} | {row['clients']} | {rate} {latency}| {row['sql']} | {share:.2f}% "
            f"| {verdict} | {row['errors']} |"
        )
    return "\n".join(lines)


def render_sweep(series: dict[str, list[dict]]) -> str:
    """The numbers behind latest.png: p50 / p99 in ms and requests a second at each number of connections."""
    connections = sorted({p["connections"] for points in series.values() for p in points})
    lines = [
        f"Latency against concurrency (p50 / p99 ms, req/s; {SWEEP_SECONDS} s at each, up to {SWEEP_LONGEST} s where "
        "the queue turns over slowly; – where even that is too short), plotted in latest.png:",
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
