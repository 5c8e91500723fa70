"""Personas and helpers every test may use."""

import os

import pytest

from accounts.roles import Role

from .factories import UserFactory
from .support import SmtpSink, celery_worker, client_for, worker_env


@pytest.fixture(autouse=True)
def _empty_cache():
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def redis_cache(settings):
    """The cache production counts its throttles in: Redis, through common/cache.py's wrapper, as
    trainingprog/settings.py configures it (the test settings use a private in-memory cache instead). It
    lives in this run's REDIS_URL database, emptied before the test."""
    from django.core.cache import cache

    from trainingprog import settings as production

    assert production.CACHES["default"]["BACKEND"] == "common.cache.ResilientRedisCache", "REDIS_URL is unset"
    settings.CACHES = production.CACHES
    cache.clear()
    return cache


@pytest.fixture
def administrator(db):
    return UserFactory(email="admin@example.test", full_name="王管理", role=Role.ADMINISTRATOR, is_staff=True)


@pytest.fixture
def faculty_member(db):
    return UserFactory(email="faculty@example.test", full_name="陈教授", role=Role.FACULTY)


@pytest.fixture
def lawyer(db):
    return UserFactory(email="lawyer@example.test", full_name="李律师", role=Role.PARTICIPANT)


@pytest.fixture
def other_lawyer(db):
    return UserFactory(email="other.lawyer@example.test", full_name="赵律师", role=Role.PARTICIPANT)


# --- the world of tests/platform/world.py, for a module ---------------------------------------------------
@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Every person, program and page's object (tests/platform/world.py), built once for the test module and
    rolled back at its end; each test runs in a savepoint inside it."""
    from .platform.world import world_for_module

    with world_for_module(django_db_blocker, tmp_path_factory.mktemp("media")) as world:
        yield world


# --- mail and a worker ---------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def smtp_sink():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def sink(smtp_sink):
    """The recording SMTP server, emptied for this test."""
    smtp_sink.clear()
    return smtp_sink


@pytest.fixture(scope="module")
def mail_worker(tmp_path_factory, django_db_setup, django_db_blocker, smtp_sink):
    """A real Celery worker, for the module, on this run's database and broker, mailing through `smtp_sink`
    (retries after 1 s rather than a minute)."""
    with celery_worker(
        tmp_path_factory.mktemp("worker") / "worker.log",
        **worker_env(EMAIL_URL=smtp_sink.url, NOTIFICATION_RETRY_BASE_SECONDS=1),
    ) as process:
        yield process


@pytest.fixture
def administrator_client(administrator):
    return client_for(administrator)


@pytest.fixture
def faculty_client(faculty_member):
    return client_for(faculty_member)


@pytest.fixture
def lawyer_client(lawyer):
    return client_for(lawyer)


# --- the clock ----------------------------------------------------------------------------------------
# Dates must not break around midnight or at the turn of a month or year (tests/clock.py). Tests marked
# `clock_edges` run at the real time and at each edge instant; `--clock` runs the suite from one instant.
from . import clock  # noqa: E402


def pytest_addoption(parser):
    parser.addoption(
        "--clock",
        default=os.environ.get("TEST_CLOCK") or None,
        help="start the suite at this instant (ISO 8601 with offset, or a name in tests/clock.py EDGES)",
    )


def pytest_configure(config):
    config.addinivalue_line("markers", "clock_edges: also run at each instant of tests/clock.py EDGES")
    config.addinivalue_line(
        "markers", "real_clock(reason): runs at the real time whatever --clock says (it compares times the OS stamps)"
    )
    clock.start_suite(config.getoption("--clock"))


def pytest_report_header(config):
    when = config.getoption("--clock")
    if when:
        return f"clock: the suite starts at {clock.instant(when).isoformat()} (--clock={when}; not services, e2e)"
    return None


def _real_clock(item) -> str | None:
    """Why the test keeps the real clock (None: it does not)."""
    for name in clock.REAL_CLOCK:
        marker = item.get_closest_marker(name)
        if marker is not None:
            return marker.kwargs.get("reason", f"marked {name}: the processes it starts keep the real clock")
    return None


def pytest_generate_tests(metafunc):
    marked = metafunc.definition.get_closest_marker("clock_edges")
    # Processes the test starts (workers, servers) keep the real clock: such tests run at the real time only.
    if marked and not _real_clock(metafunc.definition):
        metafunc.parametrize("clock_edge", [None, *clock.EDGES], ids=["now", *clock.EDGES], indirect=True)


def pytest_collection_modifyitems(items):
    for item in items:
        marker = item.get_closest_marker("real_clock")
        if marker is not None and not marker.kwargs.get("reason"):
            raise pytest.UsageError(f"{item.nodeid}: real_clock(reason=...) says why the test needs the real clock")
        if marker is not None and item.get_closest_marker("clock_edges"):
            raise pytest.UsageError(f"{item.nodeid}: a test on the real clock cannot also run at the clock's edges")


@pytest.fixture(autouse=True)
def clock_edge(request):
    """The test's clock: its edge instant, else the suite's (--clock), else the real one. Autouse, so the
    clock is set before any other fixture of the test reads it."""
    edge = getattr(request, "param", None)
    if edge is not None:
        with clock.at(edge):
            yield
    elif _real_clock(request.node):
        with clock.real():
            yield
    else:
        with clock.suite():
            yield
