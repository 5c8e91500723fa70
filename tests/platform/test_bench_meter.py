"""`make bench`'s meter (bench/meter.py): what a process makes PostgreSQL do is counted with the process's own CPU,
so a page that moves its work into SQL does not look free; other connections' work is not counted."""

import subprocess
import sys
from textwrap import dedent

import pytest

from tests.support import ROOT, test_database_url

sys.path.insert(0, str(ROOT / "bench"))
from meter import Meter  # bench/ holds scripts beside the project, not a package

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

# A client that connects under a name, waits for a line on stdin, has PostgreSQL count to `rows` (CPU in the
# backend, none in the client), and exits: its backend ends with it.
CLIENT = dedent(
    """
    import sys, psycopg2
    connection = psycopg2.connect(sys.argv[1], application_name=sys.argv[2])
    print("connected", flush=True)
    sys.stdin.readline()
    connection.cursor().execute(f"SELECT count(*) FROM generate_series(1, {int(sys.argv[3])})")
    connection.close()
    """
)


def client(url: str, name: str, rows: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-c", CLIENT, url, name, str(rows)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout.readline().strip() == "connected"
    return process


def test_the_cpu_of_a_processs_postgresql_backend_is_counted_and_another_connections_is_not():
    url = test_database_url()
    app = client(url, "bench-test-app", 4_000_000)
    other = client(url, "bench-test-other", 16_000_000)  # four times the work, at the same time
    meters = {
        "app": Meter(url, "bench-test-app", lambda: [app.pid]).start(),
        "other": Meter(url, "bench-test-other", lambda: [other.pid]).start(),
    }
    for process in (app, other):
        process.stdin.write("go\n")
        process.stdin.flush()
    for process in (app, other):
        assert process.wait(timeout=120) == 0
        process.stdin.close()
        process.stdout.close()
    used = {name: meter.stop() for name, meter in meters.items()}

    # The count ran in PostgreSQL: the backend's CPU is there, though the backend ended before the meter stopped;
    # the client only waited.
    assert used["app"]["pg_s"] > 0.1
    assert used["app"]["app_s"] < used["app"]["pg_s"]
    # Each meter counts its own connection's backend only: the other did four times the work.
    assert used["other"]["pg_s"] > 2 * used["app"]["pg_s"]
