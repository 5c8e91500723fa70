"""No lawyer's practising-licence number in any address or log line (issue #8).

Addresses: no URL pattern takes a licence; the pages administrators, faculty and lawyers reach by
following links put none in a link, a form's action, a redirect or a GET form's values; a licence
pasted into a search box leaves the address with its last four digits only. Log lines: a set of
requests (signing in, an import with licence numbers, editing a lawyer, searches, not-found pages
and a server error quoting one) logged at DEBUG through the project's LOGGING, in both formats,
holds none of them.
"""

import copy
import io
import json
from collections import deque
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, path, reverse
from django.utils.log import configure_logging

from common.licences import licence_tail, redact_licences
from participants.models import ImportJob, Participant
from tests.factories import PASSWORD
from tests.support import client_for
from trainingprog.gunicorn_logging import redact
from trainingprog.urls import urlpatterns as site_urlpatterns

from .fuzz_world import build_world
from .world import world_for_module

NEW_LICENCE = "44030120159999999"  # given to a lawyer by an edit in the log test


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    with world_for_module(django_db_blocker, tmp_path_factory.mktemp("media"), build=build_world) as world:
        yield world


def _spaced(licence: str) -> str:
    return " ".join(licence[i : i + 4] for i in range(0, 17, 4))


def _full_width(licence: str) -> str:
    return licence.translate(str.maketrans("0123456789", "０１２３４５６７８９"))


# --- the rule itself ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("44030120151234567", "4567"),
        ("4403 0120 1512 34567", "4567"),
        ("4403-0120-1512-34567", "4567"),
        ("李律师４４０３０１２０１５１２３４５６７", "李律师4567"),
        ("13800138000", "13800138000"),  # a mobile
        ("+8613800138000", "+8613800138000"),
        ("123456789012345@qq.com", "123456789012345@qq.com"),  # fifteen digits: a telephone's most
        ("9d2c44030120151234567a1b", "9d2c44030120151234567a1b"),  # inside a hexadecimal code
        ("FIPR-2025-0001", "FIPR-2025-0001"),
    ],
)
def test_a_licence_like_number_is_cut_to_its_last_four_digits(text, expected):
    assert licence_tail(text) == expected


@pytest.mark.parametrize(
    "line",
    [
        'GET /manage/programs/fipr-2025/admissions/?q=44030120151234567 HTTP/1.1" 200',
        "GET /manage/programs/fipr-2025/admissions/?q=4403+0120+1512+34567 HTTP/1.1",
        "GET /manage/programs/fipr-2025/admissions/?q=%EF%BC%944030120151234567&page=2 HTTP/1.1",
        "GET /manage/lawyers/44030120151234567/ HTTP/1.1",
    ],
)
def test_access_log_lines_lose_licence_numbers(line):
    redacted = redact(line)
    assert "[licence …4567]" in redacted
    assert "0120" not in redacted and "０１２" not in redacted


# --- addresses ---------------------------------------------------------------------------------
def _patterns(resolvers, prefix=""):
    for entry in resolvers:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def _kwarg_names(pattern) -> set[str]:
    inner = pattern.pattern
    return set(getattr(inner, "converters", {})) | set(inner.regex.groupindex)


def test_no_url_pattern_takes_a_licence_number():
    names = set()
    for route, entry in _patterns(get_resolver().url_patterns):
        assert "licen" not in route.lower(), route
        names |= _kwarg_names(entry)
    assert names and not [name for name in names if "licen" in name.lower()]


URL_ATTRIBUTES = {"href", "src", "action", "formaction", "hx-get", "hx-post", "hx-delete", "hx-put", "data-url"}


class Addresses(HTMLParser):
    """The addresses a page can send the browser to, and what its GET forms would put in one."""

    def __init__(self):
        super().__init__()
        self.urls, self.get_form_values, self._in_get_form = [], [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.urls += [value for name, value in attrs.items() if name in URL_ATTRIBUTES and value]
        if tag == "form":
            self._in_get_form = (attrs.get("method") or "get").lower() == "get"
        elif tag in ("input", "option", "button") and self._in_get_form and attrs.get("value"):
            self.get_form_values.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_get_form = False


SKIP = ("/static/", "/media/", "/admin/", "/accounts/logout/")
FILES = (".pdf", ".zip", ".xlsx", ".csv", ".ics", ".png", ".jpg")


def crawl(client: Client, start: list[str], limit: int = 80):
    """Follow every internal link from the start pages (files and exports are read, not followed);
    yield each page's address with the addresses it offers."""
    queue, seen = deque(start), set()
    while queue and len(seen) < limit:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
        offered = [response.get(header, "") for header in ("Location", "HX-Redirect", "HX-Location")]
        if "text/html" in response.get("Content-Type", ""):
            page = Addresses()
            page.feed(response.text)
            offered += page.urls + page.get_form_values
        for address in filter(None, offered):
            parts = urlsplit(address)
            if parts.netloc or not parts.path.startswith("/") or parts.path.startswith(SKIP):
                continue
            if parts.path.endswith(FILES) or "export=" in parts.query:
                continue
            queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
        yield url, response, offered


def _leaks(texts, licences) -> list[str]:
    return [text for text in texts for licence in licences if licence in text or licence[-8:] in text]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["administrator", "faculty_user", "lawyer_user"])
def test_no_page_reached_by_links_puts_a_licence_number_in_an_address(world, role):
    client = client_for(getattr(world, role), "en")
    start = ["/", reverse("participants:my_program"), reverse("participants:my_profile"), reverse("faculty:portal")]
    if role == "administrator":
        start += [
            reverse("participants:admissions", args=[world.program.slug]),
            reverse("participants:import_job", args=[world.import_job.pk]),
            *(reverse("participants:lawyer_edit", args=[p.pk]) for p in (world.lawyer, world.other_lawyer)),
            reverse("participants:roster", args=[world.elective.pk]),
            reverse("participants:completion", args=[world.program.slug]),
        ]
    visited = 0
    for url, response, offered in crawl(client, start):
        visited += 1
        assert response.status_code < 500, url
        assert not _leaks([url, *offered], world.licences), url
    assert visited >= (30 if role == "administrator" else 8)


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["plain", "spaced", "full-width"])
@pytest.mark.parametrize(
    ("role", "page", "target"),
    [
        ("administrator", "admissions", "lawyer"),
        ("administrator", "roster", "other_lawyer"),  # the candidates to enrol
        ("faculty_user", "attendance", "lawyer"),
    ],
)
def test_a_licence_typed_into_a_search_leaves_only_its_last_four_digits_in_the_address(
    world, role, page, target, typed
):
    lawyer = getattr(world, target)
    query = {"plain": str, "spaced": _spaced, "full-width": _full_width}[typed](lawyer.license_number)
    url = {
        "admissions": reverse("participants:admissions", args=[world.program.slug]),
        "roster": reverse("participants:roster", args=[world.elective.pk]),
        "attendance": reverse("participants:attendance_roster", args=[world.session.pk]),
    }[page]
    client = client_for(getattr(world, role), "en")
    response = client.get(url, {"q": query, "state": "admitted"})
    assert response.status_code == 302
    assert dict(parse_qsl(urlsplit(response["Location"]).query)) == {
        "q": lawyer.license_number[-4:],
        "state": "admitted",
    }
    found = client.get(response["Location"])
    assert lawyer.name_zh in found.text  # found by the digits the page shows
    page_addresses = Addresses()
    page_addresses.feed(found.text)
    assert not _leaks(page_addresses.urls + page_addresses.get_form_values, world.licences)


# --- log lines ---------------------------------------------------------------------------------
def duplicate_licence(request):
    """Stands in for two administrators saving the same licence at once: the database refuses the
    second, and its error message quotes the number."""
    taken = Participant.objects.order_by("pk").first()
    with transaction.atomic():
        user = get_user_model().objects.create(email="race@example.test", full_name="并发")
        Participant.objects.create(
            user=user, license_number=taken.license_number, name_zh="并发", law_firm="所", province=taken.province
        )


urlpatterns = [*site_urlpatterns, path("test-duplicate-licence/", duplicate_licence)]


@pytest.fixture(params=["text", "json"])
def log_output(request):
    """The project's LOGGING at DEBUG level, in the given format, writing to a buffer."""
    buffer = io.StringIO()
    config = copy.deepcopy(settings.LOGGING)
    config["root"]["level"] = "DEBUG"
    config["handlers"]["console"] |= {"formatter": request.param, "stream": buffer}
    configure_logging(settings.LOGGING_CONFIG, config)
    try:
        yield request.param, buffer
    finally:
        configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_no_log_line_holds_a_licence_number(world, log_output):
    licences = [*world.licences, NEW_LICENCE]
    anonymous = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en")
    administrator = client_for(world.administrator, "en")
    administrator.raise_request_exception = False
    faculty = client_for(world.faculty_user, "en")
    locations = []

    # signing in, wrongly then rightly
    login = reverse("accounts:login")
    anonymous.post(login, {"username": world.lawyer_user.email, "password": "wrong"})
    locations.append(anonymous.post(login, {"username": world.lawyer_user.email, "password": PASSWORD}))
    # an import checked, with known, new, repeated and malformed licence numbers, then run
    rows = [
        "姓名,执业证号,律师事务所,省份,邮箱",
        f"李律师,{world.lawyer.license_number},某所,广东,{world.lawyer_user.email}",
        f"孙律师,{world.outsider.license_number},某所,广东,sun@example.cn",
        f"周律师,{world.outsider.license_number},某所,广东,zhou@example.cn",
        f"吴律师,{world.other_lawyer.license_number}0,某所,北京,wu@example.cn",
    ]
    upload = SimpleUploadedFile("名单.csv", "\n".join(rows).encode("gbk"))
    uploaded = administrator.post(reverse("participants:import_upload", args=[world.program.slug]), {"file": upload})
    locations.append(uploaded)
    administrator.get(uploaded["Location"])
    job_pk = uploaded["Location"].rstrip("/").rsplit("/", 1)[1]
    check = ImportJob.objects.get(pk=job_pk).check_digest  # as the page's import button sends it
    start = reverse("participants:import_start", args=[job_pk])
    locations.append(administrator.post(start, {"only_valid": "1", "check": check}))
    # a lawyer edited: a licence that is taken (refused), then a new one
    edit = reverse("participants:lawyer_edit", args=[world.lawyer.pk])
    form = {"name_zh": "李律师", "law_firm": "某所", "province": world.lawyer.province_id, "specialties": []}
    administrator.post(edit, {**form, "license_number": world.other_lawyer.license_number})
    locations.append(administrator.post(edit, {**form, "license_number": NEW_LICENCE}))
    # searches by a whole licence number, and the pages they lead to
    for client, url in [
        (administrator, reverse("participants:admissions", args=[world.program.slug])),
        (administrator, reverse("participants:roster", args=[world.elective.pk])),
        (faculty, reverse("participants:attendance_roster", args=[world.session.pk])),
    ]:
        response = client.get(url, {"q": _spaced(world.other_lawyer.license_number)})
        locations.append(response)
        client.get(response["Location"])
    # not found: a licence where an id goes, and in the address of a form sent nowhere
    administrator.get(f"/manage/lawyers/{world.outsider.license_number}/")
    administrator.post(f"/manage/admissions/999999/?q={world.outsider.license_number}", {"action": "admit"})
    # a server error whose database message quotes a licence number
    assert administrator.get("/test-duplicate-licence/").status_code == 500

    log_format, buffer = log_output
    output = buffer.getvalue()
    if log_format == "json":
        assert all(json.loads(line) for line in output.splitlines())  # still one JSON object a line
    assert not _leaks([output], licences), [line for line in output.splitlines() if _leaks([line], licences)][:5]
    assert "IntegrityError" in output and "Not Found" in output  # the lines were written,
    assert "[licence " in output  # the numbers in them redacted
    assert not _leaks([r.get("Location", "") for r in locations], licences)


def test_redaction_keeps_other_numbers():
    line = "notification 1234 sent to 13800138000; code 9d2c44030120151234567a1b; key=Zx9_12345678901234567890"
    assert redact_licences(line) == line


@pytest.mark.django_db
def test_the_import_command_names_rows_without_licence_numbers(world, tmp_path):
    licence = world.other_lawyer.license_number
    rows = [
        "姓名,执业证号,律师事务所,省份,邮箱",
        f"甲,{licence}8,某所,北京,a@example.cn",
        f"乙,{licence},某所,火星,b@example.cn",
    ]
    path = tmp_path / "list.csv"
    path.write_text("\n".join(rows), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    call_command("import_participants", str(path), "--program", world.program.slug, "--dry-run", stdout=out, stderr=err)
    assert "row 2, 执业证号" in err.getvalue() and "row 3, 省份" in err.getvalue()
    assert not _leaks([out.getvalue(), err.getvalue()], world.licences)
