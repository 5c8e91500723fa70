"""`make bench`: the production stack on loopback under wrk, one table of numbers.

1. A fresh PostgreSQL database `trainingprog_bench`, migrated and seeded with the demo program at
   benchmark scale (`seed_demo --sessions 2000 --faculty 500`), plus a 200-session copy.
2. gunicorn with the production settings (DEBUG off, 2 sync workers) on 127.0.0.1, Redis as broker.
3. For each page: wrk (2 threads, 8 connections, a browser Accept header, a signed-in lawyer's
   cookie) for BENCH_SECONDS; requests a second, p50/p95/p99, the workers' CPU time a request
   (from /proc), SQL queries a request (counted once in Django), and the share of the floor: the
   trivial /robots.txt served by the same gunicorn in the same run.

Prints the table and writes it to bench/results/.
"""

from __future__ import annotations

import json
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

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DATABASE = "trainingprog_bench"
SECONDS = int(os.environ.get("BENCH_SECONDS", "15"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
SESSIONS = int(os.environ.get("BENCH_SESSIONS", "2000"))
FACULTY = int(os.environ.get("BENCH_FACULTY", "500"))
LAWYERS = int(os.environ.get("BENCH_LAWYERS", "320"))
IMPORT_ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "10000"))
CSRF_TOKEN = "benchBENCHbenchBENCHbenchBENCH12"  # noqa: S105 - any 32 letters; cookie and header agree
ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
TICKS = os.sysconf("SC_CLK_TCK")

# PERFORMANCE.md: the share of the floor each page must reach (pretalx × 3 or × 10).
TARGETS = {
    "timetable, 200 sessions": 1.7,
    "session page": 3.5,
    "faculty directory": 1.4,
    "faculty profile": 3.2,
}


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
    )
    return env


def prepare(env) -> dict:
    psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c"]
    run([*psql, f"DROP DATABASE IF EXISTS {DATABASE}"], env)
    run([*psql, f"CREATE DATABASE {DATABASE}"], env)
    manage = [PYTHON, "manage.py"]
    run([*manage, "migrate", "--no-input", "-v0"], env)
    seed_env = {**env, "DEBUG": "true"}
    print(f"seeding {SESSIONS} sessions, {FACULTY} faculty and {LAWYERS} lawyers ...", flush=True)
    run(
        [*manage, "seed_demo", "--sessions", str(SESSIONS), "--faculty", str(FACULTY), "--participants", str(LAWYERS)],
        seed_env,
        stdout=subprocess.DEVNULL,
    )
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


def wrk(url: str, cookie: str, seconds: int) -> dict:
    args = [
        "wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "-s", str(ROOT / "bench/report.lua"),
        "-H", f"Accept: {ACCEPT}", "-H", f"Cookie: {cookie}", "-H", "Accept-Language: zh-CN,zh;q=0.9", url,
    ]  # fmt: skip
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def start_gunicorn(env: dict, base: str) -> subprocess.Popen:
    process = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "-c", "trainingprog/gunicorn.conf.py", "--access-logfile", "/dev/null",
         "trainingprog.wsgi"],
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
        "page": f"enrol (POST, 16 clients, {len(workers)} workers)",
        "rps": requests / (result["duration_us"] / 1e6),
        "p50": result["p50"] / 1000,
        "p95": result["p95"] / 1000,
        "p99": result["p99"] / 1000,
        "cpu_ms": (cpu_seconds(workers) - before) * 1000 / requests,
        "sql": "",
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
        "page": f"QR check-in (16 clients, {len(workers)} workers)",
        "rps": rps,
        "p50": result["p50"] / 1000,
        "p95": result["p95"] / 1000,
        "p99": result["p99"] / 1000,
        "cpu_ms": (cpu_seconds(workers) - cpu_before) * 1000 / requests,
        "sql": "",
        "errors": result["errors"] + result["non2xx"],
        "checked_in": checked_in,
        "seconds": result["duration_us"] / 1e6,
        "seconds_for_300": 300 / rps,
    }


def certificates_run(env: dict, data: dict) -> dict:
    """PDF rendering alone, then 350 certificates through Celery on Redis with one worker process on the
    heavy queue (certificates have workers of their own in production; e-mail has the notifications queue)."""
    log = Path(env["VAR_DIR"]) / "bench-worker.log"
    with open(log, "w") as out:
        worker = subprocess.Popen(
            [PYTHON, "-m", "celery", "-A", "trainingprog", "worker", "-Q", "heavy",
             "--concurrency", "1", "--without-gossip", "--without-mingle", "--purge", "--loglevel", "WARNING"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        try:
            time.sleep(3)
            out_json = run(
                [PYTHON, "bench/certificates.py", str(data["enrol_program"])], env, capture_output=True, text=True
            ).stdout
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
    port = free_port()
    env = stack_env(port)
    data = prepare(env)
    base = f"http://127.0.0.1:{port}"
    gunicorn = start_gunicorn(env, base)
    try:
        rows = []
        for name, path in data["pages"].items():
            wrk(base + path, data["cookie"], 2)  # warm up caches and connections
            workers = worker_pids(gunicorn.pid)
            before = cpu_seconds(workers)
            result = wrk(base + path, data["cookie"], SECONDS)
            cpu = cpu_seconds(workers) - before
            requests = max(result["requests"], 1)
            rows.append(
                {
                    "page": name,
                    "rps": requests / (result["duration_us"] / 1e6),
                    "p50": result["p50"] / 1000,
                    "p95": result["p95"] / 1000,
                    "p99": result["p99"] / 1000,
                    "cpu_ms": cpu * 1000 / requests,
                    "sql": data["queries"][name],
                    "errors": result["errors"] + result["non2xx"],
                }
            )
            print(f"  {name}: {rows[-1]['rps']:.0f} req/s", flush=True)
    finally:
        os.killpg(gunicorn.pid, signal.SIGTERM)
        gunicorn.wait(timeout=30)
    # Enrolment has an absolute target: run it on the production default of workers (2 × cores + 1),
    # which keeps both cores busy while requests wait on PostgreSQL row locks.
    gunicorn = start_gunicorn({**env, "WEB_CONCURRENCY": str(2 * os.cpu_count() + 1)}, base)
    try:
        rows.append(enrol_run(base, data, gunicorn.pid))
        print(f"  enrol: {rows[-1]['rps']:.0f} req/s", flush=True)
        rows.append(checkin_run(base, data, gunicorn.pid, env))
        checkin = rows[-1]
        print(f"  check-in: {checkin['rps']:.0f} req/s", flush=True)
    finally:
        os.killpg(gunicorn.pid, signal.SIGTERM)
        gunicorn.wait(timeout=30)
    certificates = certificates_run(env, data)
    oversold = run(
        [PYTHON, "bench/check_enrolments.py", str(data["enrol_program"])], env, capture_output=True, text=True
    ).stdout.strip()
    seconds = import_run(env)
    floor = rows[0]["rps"]
    table = render(rows, floor, data) + (
        f"\n\nEnrolment: {oversold}.\n"
        f"QR check-in: {checkin['checked_in']:,} lawyers checked in in {checkin['seconds']:.1f} s; "
        f"300 lawyers take {checkin['seconds_for_300']:.1f} s (target < 10 s).\n"
        f"Import of a {IMPORT_ROWS:,}-row XLSX (check and write, one process): {seconds:.1f} s (target < 20 s).\n"
        f"Certificates: {certificates['render_per_s']:.0f} PDFs a second rendered alone in one process; "
        f"{certificates['issued']} issued end to end through Celery on Redis by one worker process in "
        f"{certificates['seconds']:.1f} s, {certificates['issued'] / certificates['seconds']:.0f} a second "
        f"(target ≥ 40)."
    )
    downloads = {row["page"]: row["rps"] * 20 for row in rows if "20 MB" in row["page"]}
    if len(downloads) == 2:
        checked, static = downloads.values()
        table += (
            f"\n20 MB download: {checked:,.0f} MB/s through the access-checked view, {static:,.0f} MB/s from "
            f"the static file server (WhiteNoise), {100 * checked / static:.0f}%."
        )
    print()
    print(table)
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    stamp = datetime.now().strftime("%Y-%m-%d-%H%M")
    (results / f"{stamp}.md").write_text(table + "\n")
    (results / "latest.md").write_text(table + "\n")
    return 1 if any(row["errors"] for row in rows) else 0


def render(rows: list[dict], floor: float, data: dict) -> str:
    cpu = Path("/proc/cpuinfo").read_text().split("model name")[1].split("\n")[0].strip(" :\t")
    lines = [
        f"# make bench — {datetime.now():%Y-%m-%d %H:%M}",
        "",
        f"Machine: {os.cpu_count()} cores ({cpu}); gunicorn 2 sync workers, DEBUG off, PostgreSQL + Redis on loopback;",
        f"wrk 2 threads × {CONNECTIONS} connections × {SECONDS} s per page, signed in as a lawyer.",
        f"Data: {data['sessions']:,} sessions in the demo program, {data['faculty']:,} faculty.",
        "",
        "| page | req/s | p50 ms | p95 ms | p99 ms | CPU ms/req | SQL/req | share of floor | target | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        share = 100 * row["rps"] / floor
        target = TARGETS.get(row["page"])
        if row["page"].startswith("enrol"):
            ok = row["rps"] >= 200 and row["p95"] < 150
            verdict = f"≥ 200/s, p95 < 150 ms {'✓' if ok else '✗'}"
        elif row["page"].startswith("QR check-in"):
            verdict = f"300 in < 10 s {'✓' if row['seconds_for_300'] < 10 else '✗'}"
        else:
            verdict = f"≥ {target}% {'✓' if share >= target else '✗'}" if target else ""
        lines.append(
            f"| {row['page']} | {row['rps']:,.0f} | {row['p50']:.1f} | {row['p95']:.1f} | {row['p99']:.1f} "
            f"| {row['cpu_ms']:.2f} | {row['sql']} | {share:.2f}% | {verdict} | {row['errors']} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
