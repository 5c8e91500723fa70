"""The `make run` path: SQLite and the embedded (filesystem) broker, with the real dev runner."""

import contextlib
import http.cookiejar
import json
import os
import re
import signal
import subprocess
import urllib.parse
import urllib.request

import pytest

from tests.support import ROOT, SmtpSink, free_port, service_env, wait_for

pytestmark = pytest.mark.services


def test_make_run_stack_serves_pages_and_delivers_email_without_postgres_or_redis(tmp_path):
    sink = SmtpSink().start()
    port = free_port()
    env = service_env(VAR_DIR=tmp_path, EMAIL_URL=sink.url, PORT=port)
    for key in ("DATABASE_URL", "REDIS_URL"):
        env.pop(key, None)
    manage = [str(ROOT / ".venv/bin/python"), "manage.py"]
    for command in (["migrate", "--no-input", "-v0"], ["seed_demo"]):
        subprocess.run(manage + command, cwd=ROOT, env=env, check=True, capture_output=True, timeout=180)

    server = subprocess.Popen(
        [str(ROOT / "bin/dev")], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        health = wait_for(lambda: _get_json(base + "/healthz"), timeout=60, message="the dev server")
        assert health["status"] == "ok"
        assert health["checks"]["broker"]["ok"] is True
        assert (tmp_path / "db.sqlite3").exists()

        # A password reset through the web form reaches the SMTP server through the worker.
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        form = opener.open(base + "/accounts/password/reset/", timeout=10).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "email": "lawyer@demo.test"}).encode()
        request = urllib.request.Request(base + "/accounts/password/reset/", data=data, headers={"Referer": base})
        assert opener.open(request, timeout=10).status == 200
        wait_for(lambda: sink.to("lawyer@demo.test"), timeout=60, message="the reset e-mail")
        server.terminate()  # as Ctrl-C would: bin/dev stops the web server and the worker
        server.wait(timeout=30)
        assert _group_alive(server.pid) is False
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        sink.stop()


def _group_alive(group: int) -> bool:
    try:
        wait_for(lambda: not _signal_group(group), timeout=30, message="bin/dev's processes to stop")
    except AssertionError:
        return True
    return False


def _signal_group(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def _get_json(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return json.load(response)
    except OSError:
        return None
