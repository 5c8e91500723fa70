"""Every create and edit page, submitted as a browser submits it, saves; every form error is shown at its field.

The pages are found by walking the URLconf (access.py), as each person who may open them (the access
table's 200s), in the world of world.py: a page whose own form posts (to the page itself) is a form page,
so a page added later is tested without being listed here. Its form is read from the served HTML and
sent as the browser would send it (tests/forms.py): its own values, checked boxes, selected options, the
first submit button.

- A form served complete (every field it marks `required` has a value) edits something. Sent unchanged,
  it saves (a redirect) and stores nothing different; sent with one visible field changed (a date moved
  a day, else a text), it saves and the page serves the new value.
- A form served with required fields empty makes something new. With every field it serves empty filled,
  not only the required ones (a value of the field's type, the first option of a choice), it saves and a
  new row holds what was typed.
- An answer to a POST that did not save, with a bound form with errors, shows each error at its field: the
  field's control marked invalid, the message in a note beside it (notes_beside); non-field errors on the
  page. Every form page is sent with its text fields emptied to provoke them (a form written by hand, with
  no Django form behind it, must mark a field invalid with its note beside it); a POST above that fails to
  save names them.

A page whose form cannot save as served is named in NOT_SAVED_AS_SERVED with the reason. The Django
admin is not walked: it builds each form from its own layout, so a field it requires is one it shows.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import connection, transaction
from django.forms import BaseForm, BaseFormSet
from django.forms.utils import ErrorDict
from django.template.context import Context
from django.test.utils import ContextList
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from tests.forms import Control, ServedForm, field_feedback, notes_beside, rendered_controls, served_forms

from .access import expected, routes
from .world import ROLES, kwargs_for

# Pages whose own form cannot save as it is served, and why. Every other form page is tested.
NOT_SAVED_AS_SERVED = {
    "accounts:login": "signs in: it neither creates nor edits anything",
    "accounts:password_change": "asks for the person's current password, which no page serves",
    "accounts:password_reset": "says the same for any address and makes nothing for an unknown one (by design)",
    "participants:checkin_code": "needs the code shown on the session's check-in screen",
    "participants:import_upload": "a file upload",
    "nominations:upload": "a file upload",
    "assessment:assignment_create": "the rubric's points must add up to the maximum score, which no typed value knows",
    "faculty:session_materials": "a file upload",
    "practice:material_upload": "a file upload",
    "practice:teams": "its buttons build the teams: each press draws them (again) and records when",
    "practice:score": "the bench's points for the team, which no page serves before the hearing",
}

# Stored values a save may change without the person changing anything: when it was saved, the version
# that keys the cached timetables (sessions/signals.py: cache invalidation), and the sign-in records.
BOOKKEEPING_COLUMNS = {"updated_at", "schedule_version"}
BOOKKEEPING_TABLES = {"django_session", "axes_accessattempt", "axes_accesslog", "axes_accessfailurelog"}
TEXT_TYPES = {"text", "search", "textarea", "email", "url", "tel", "password", "number"}
DATE_TYPES = {"date", "datetime-local", "time", "month"}
TOLD = (message_levels.SUCCESS, message_levels.INFO)
DIGITS = re.compile(r"(?:\\d|\[0-9\])\{(\d+)\}")  # a pattern of so many digits, e.g. \d{17}


@dataclass(frozen=True)
class FormPage:
    key: str
    role: str
    url: str
    index: int  # which of the page's own forms

    def __str__(self) -> str:
        return f"{self.key} as {self.role} ({self.url})"


@pytest.fixture(scope="module")
def clients(module_world, django_db_blocker):
    with django_db_blocker.unblock():
        return {role: module_world.client(role) for role in ROLES}


@pytest.fixture(scope="module")
def form_pages(module_world, clients, django_db_blocker) -> list[FormPage]:
    """Every (page, person) whose page serves a form posting to the page itself."""
    found = []
    with django_db_blocker.unblock():
        for route in routes():
            if route.is_admin:
                continue
            url = reverse(route.name, kwargs=kwargs_for(module_world, route.key, route.arguments))
            for role in ROLES:
                if expected(route, role) != "200":
                    continue
                with rolled_back():
                    forms = own_forms(clients[role], url)
                found += [FormPage(route.key, role, url, index) for index in range(len(forms))]
    return found


def own_forms(client, url: str) -> list[ServedForm]:
    response = client.get(url)
    if response.streaming:
        b"".join(response.streaming_content)  # a file answer holds its file open until it is read
        return []
    if not response.get("Content-Type", "").startswith("text/html"):
        return []
    assert response.status_code == 200, f"GET {url}: {response.status_code}"
    path = url.split("?")[0]
    return [f for f in served_forms(response.text) if f.method == "post" and f.action(url).split("?")[0] == path]


def serve(clients, page: FormPage) -> ServedForm:
    forms = own_forms(clients[page.role], page.url)
    assert len(forms) > page.index, f"{page}: the form is gone"
    return forms[page.index]


@contextlib.contextmanager
def rolled_back():
    """Each submission in a savepoint undone afterwards (with the cache it may have filled)."""
    try:
        with transaction.atomic():
            yield
            transaction.set_rollback(True)
    finally:
        cache.clear()


def asks_for_input(form: ServedForm) -> list[Control]:
    """The fields the form marks required but serves empty: a form for making something new."""
    empty = []
    groups_checked = {c.name for c in form.fields() if c.is_choice and c.checked}
    for control in form.fields():
        if not control.required or not control.visible:
            continue
        if control.tag == "select":
            if not any(option.value for option in control.selected()):
                empty.append(control)
        elif control.is_choice:
            if control.name not in groups_checked and control.name not in {c.name for c in empty}:
                empty.append(control)
        elif not control.value.strip():
            empty.append(control)
    return empty


def to_submit(pages: list[FormPage]) -> list[FormPage]:
    return [page for page in pages if page.key not in NOT_SAVED_AS_SERVED]


def each_form_page(form_pages, clients, check, *, making: bool, at_least: int) -> None:
    """check(page, form) for each page that makes something new (`making`) or edits something, its form as
    served, each in a savepoint undone afterwards; every failure is reported, and so is a walk that found
    fewer than `at_least` such pages."""
    failures, tried = [], 0
    for page in to_submit(form_pages):
        with collect(failures), rolled_back():
            form = serve(clients, page)
            if bool(asks_for_input(form)) != making:
                continue
            tried += 1
            check(page, form)
    kind = "pages for something new" if making else "edit pages"
    assert tried >= at_least, f"only {tried} {kind} found"
    assert not failures, "\n".join(failures)


# --- what the database holds ----------------------------------------------------------------------
def stored() -> dict[str, dict[str, dict]]:
    """Every row of every table, by table and primary key (the world is small: one query)."""
    quote = connection.ops.quote_name
    tables = [t for t in connection.introspection.table_names() if t not in BOOKKEEPING_TABLES]
    # Table names come from the database's own catalogue, not from input.
    query = " UNION ALL ".join(f"SELECT '{t}', to_jsonb(t)::text FROM {quote(t)} t" for t in tables)  # noqa: S608
    rows: dict[str, dict[str, dict]] = {t: {} for t in tables}
    with connection.cursor() as cursor:
        cursor.execute(query)
        for table, text in cursor.fetchall():
            row = json.loads(text)
            rows[table][str(row.get("id", text))] = row
    return rows


@dataclass
class Difference:
    table: str
    key: str
    before: dict | None
    after: dict | None

    def columns(self) -> dict[str, tuple]:
        before, after = self.before or {}, self.after or {}
        return {
            c: (before.get(c), after.get(c))
            for c in {*before, *after}
            if before.get(c) != after.get(c) and c not in BOOKKEEPING_COLUMNS
        }

    def __str__(self) -> str:
        if self.before is None:
            return f"{self.table} {self.key} added"
        if self.after is None:
            return f"{self.table} {self.key} removed"
        return f"{self.table} {self.key}: " + ", ".join(f"{c} {a!r} → {b!r}" for c, (a, b) in self.columns().items())


def differences(before: dict, after: dict) -> list[Difference]:
    found = []
    for table, rows in after.items():
        old = before.get(table, {})
        for key in rows.keys() | old.keys():
            difference = Difference(table, key, old.get(key), rows.get(key))
            if difference.before is None or difference.after is None or difference.columns():
                found.append(difference)
    return found


# --- what the person sees -------------------------------------------------------------------------
def bound_forms(response) -> list[BaseForm | BaseFormSet]:
    """The bound forms and formsets the page was rendered with."""
    contexts = response.context if isinstance(response.context, ContextList) else [response.context]
    found: dict[int, BaseForm | BaseFormSet] = {}
    for context in filter(None, contexts):
        layers = context.dicts if isinstance(context, Context) else [context]
        for layer in layers:
            for value in layer.values() if isinstance(layer, dict) else []:
                if isinstance(value, BaseForm | BaseFormSet) and value.is_bound:
                    found[id(value)] = value
    return list(found.values())


def errors_not_shown(response, where: str) -> list[str]:
    """Each error of the page's bound forms whose message or field the page does not show."""
    html = response.content.decode()
    names = rendered_controls(html)
    beside = notes_beside(html)
    problems = []

    def shown(message: str) -> bool:
        return escape(message) in html or message in html

    def check(form: BaseForm) -> None:
        errors: ErrorDict = form.errors
        for field, messages in errors.items():
            for message in messages:
                if not shown(message):
                    problems.append(f"{where}: the error {message!r} on {field!r} is not on the page")
            if field == "__all__":
                continue
            name = form.add_prefix(field)
            if name not in names and not any(n.startswith(name + "_") for n in names):  # multi-widget fields
                problems.append(f"{where}: {name!r} has an error ({' '.join(messages)}) but no field on the page")
                continue
            # At the field: its control marked invalid, the message in a note beside it.
            marked = [n for n in beside if n == name or n.startswith(name + "_")]
            notes = [note for n in marked for note in beside[n]]
            if not marked:
                problems.append(f"{where}: {name!r} has an error ({' '.join(messages)}) but is not marked invalid")
            for message in messages:
                if marked and not any(" ".join(message.split()) in note for note in notes):
                    problems.append(f"{where}: the error {message!r} is not beside {name!r} (its notes: {notes})")

    for form in bound_forms(response):
        if isinstance(form, BaseFormSet):
            for message in form.non_form_errors():
                if not shown(message):
                    problems.append(f"{where}: the formset's error {message!r} is not on the page")
            for row in form.forms:
                check(row)
        else:
            check(form)
    return problems


def submit(clients, page: FormPage, form: ServedForm, what: str):
    """Send the form and expect it saved; an answer of 200 fails naming its errors and any not shown."""
    return expect_saved(form.submit(clients[page.role], page.url), f"{page}, {what}")


def expect_saved(response, where: str):
    if response.status_code == 200:
        errors = [
            f"{form.add_prefix(name) if name != '__all__' else name}: {' '.join(messages)}"
            for form in bound_forms(response)
            if isinstance(form, BaseForm)
            for name, messages in form.errors.items()
        ]
        raise AssertionError(
            "\n  ".join([f"{where}: not saved (200); errors: {errors}", *errors_not_shown(response, where)])
        )
    assert response.status_code in (302, 303), f"{where}: answered {response.status_code}"
    assert not response["Location"].startswith(reverse("accounts:login")), f"{where}: sent to sign in"
    return response


def submit_answering(clients, page: FormPage, form: ServedForm, what: str):
    """As `submit`, but the way a person answers a question a page asks only once something changed (the
    reason for changing a lawyer's name): the empty text fields its answer marks are filled in, once."""
    response = form.submit(clients[page.role], page.url)
    if response.status_code == 200:
        asked = {
            bound.add_prefix(name)
            for bound in bound_forms(response)
            if isinstance(bound, BaseForm)
            for name in bound.errors
            if name != "__all__"
        }
        empty = {c.name: c for c in form.fields() if c.visible and c.type in ("text", "textarea") and not c.value}
        if asked and asked <= set(empty):
            for name in asked:
                empty[name].value = "按本人申请核对更正"
            return submit(clients, page, form, f"{what}, answering what it asked ({', '.join(sorted(asked))})")
    return expect_saved(response, f"{page}, {what}")


@contextlib.contextmanager
def collect(failures: list[str]):
    try:
        yield
    except AssertionError as failure:
        failures.append(str(failure))


# --- the walk itself ------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_walk_finds_the_form_pages_and_the_exclusions_are_current(form_pages, clients):
    keys = {page.key for page in form_pages}
    # The pages of issue 13 are found, the one for making and the one for editing.
    assert {
        "sessions_manage:program_create",
        "sessions_manage:program_edit",
        "sessions_manage:session_create",
        "sessions_manage:session_edit",
    } <= keys
    assert "accounts:profile" in keys
    stale = sorted(set(NOT_SAVED_AS_SERVED) - keys)
    assert not stale, f"NOT_SAVED_AS_SERVED names pages that serve no form of their own: {stale}"
    kinds = {page.key: bool(asks_for_input(serve(clients, page))) for page in form_pages}
    assert (
        kinds["sessions_manage:program_create"]
        and kinds["sessions_manage:session_create"]
        and not kinds["sessions_manage:program_edit"]
    )


# --- edit pages -----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_every_edit_page_saves_unchanged_as_served_and_stores_nothing_different(form_pages, clients):
    def check(page: FormPage, form: ServedForm) -> None:
        before = stored()
        response = submit(clients, page, form, "sent unchanged")
        changes = differences(before, stored())
        assert not changes, f"{page}, sent unchanged, changed: " + "; ".join(map(str, changes))
        # "Saved", or an honest "nothing changed": either way the person is told.
        told = [m for m in get_messages(response.wsgi_request) if m.level in TOLD]
        assert told, f"{page}, sent unchanged: saved, but the person is not told so"

    each_form_page(form_pages, clients, check, making=False, at_least=5)


def changed_value(control: Control) -> str:
    """Another value a person would type into the field: a date a day later, else a new text."""
    if control.type == "date":
        return (date.fromisoformat(control.value) + timedelta(days=1)).isoformat()
    if control.type == "datetime-local":
        return (datetime.fromisoformat(control.value) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    if control.type == "number":  # one more, within what the field allows
        bigger = int(float(control.value)) + 1
        return str(bigger if "max" not in control.attrs or bigger <= float(control.attrs["max"]) else bigger - 2)
    return "已修改" if control.value != "已修改" else "又修改"


def field_to_change(form: ServedForm) -> Control | None:
    """The last date the form serves (an end, moved later, keeps its start before it), else the first
    free text: a textarea, then a plain text input (not one with a pattern, an address or a key), else the
    first number that has a value."""
    visible = [c for c in form.fields() if c.visible and not c.attrs.get("readonly") and "pattern" not in c.attrs]
    dates = [c for c in visible if c.type == "date" and c.value]
    if dates:
        return dates[-1]
    texts = [c for c in visible if c.type == "textarea"]
    texts += [c for c in visible if c.type == "text" and c.name.rsplit("-", 1)[-1] not in ("slug", "code")]
    if texts:
        return texts[0]
    numbers = [c for c in visible if c.type == "number" and c.value]  # a form of figures only
    return numbers[0] if numbers else None


@pytest.mark.django_db
def test_every_edit_page_stores_a_changed_field_and_serves_it_back(form_pages, clients):
    def check(page: FormPage, form: ServedForm) -> None:
        control = field_to_change(form)
        assert control is not None, f"{page}: no date or text to change"
        old, new = control.value, changed_value(control)
        # What the person sees, as served (hidden fields may carry state that follows the change).
        shown = {c.name for c in form.fields() if c.visible and c.name != control.name}
        served = {k: v for k, v in form.values().items() if k in shown}
        control.value = new
        before = stored()
        submit_answering(clients, page, form, f"with {control.name} changed from {old!r} to {new!r}")
        assert differences(before, stored()), f"{page}: {control.name} changed, but nothing was stored"
        again = serve(clients, page)
        assert again.values().get(control.name) == [new], (
            f"{page}: {control.name} was changed to {new!r}; the page now serves {again.values().get(control.name)}"
        )
        others = {k: v for k, v in again.values().items() if k in shown}
        assert others == served, f"{page}: changing {control.name} changed other fields as served"

    each_form_page(form_pages, clients, check, making=False, at_least=5)


# --- pages that make something new ---------------------------------------------------------------
class Filler:
    """Values valid for each input type, dates and times in increasing order down the form (a start
    before its end), counted so each text is unique."""

    def __init__(self):
        self.count = 0
        self.moment = timezone.localtime(timezone.now() + timedelta(days=14))
        self.typed: list[str] = []

    def fill(self, form: ServedForm, control: Control) -> None:
        self.count += 1
        n = self.count
        if control.tag == "select":
            offered = [o.value for o in control.options if o.value and not o.disabled]
            if offered:  # else an optional choice with nothing to choose yet (a case's coursework): left empty
                control.choose(offered[0])
            return
        if control.is_choice:
            first = next(c for c in form.named(control.name))
            first.checked = True
            return
        self.moment += timedelta(hours=1)
        kind = "tel" if control.attrs.get("inputmode") == "tel" else control.type  # a phone's keypad: a number
        digits = DIGITS.fullmatch(control.attrs.get("pattern", ""))
        if kind != "tel" and (
            digits or control.attrs.get("inputmode") == "numeric"
        ):  # as many digits as it asks for at least
            length = int(digits[1] if digits else control.attrs.get("minlength") or control.attrs.get("maxlength") or 6)
            control.value = f"{n:0{length}d}"[-length:]
            return
        value = {
            "email": f"form-{n}@example.test",
            "url": f"https://example.test/form-{n}",
            "tel": "13800138000",
            "number": control.attrs.get("min") or "1",
            "date": (self.moment + timedelta(days=n)).date().isoformat(),
            "datetime-local": self.moment.strftime("%Y-%m-%dT%H:%M"),
            "time": "09:30",
            "month": self.moment.strftime("%Y-%m"),
            "password": f"Form-pass-{n}-x7Q",
        }.get(kind, f"form-{n}")
        maxlength = int(control.attrs.get("maxlength") or 0)
        control.value = value[:maxlength] if maxlength else value
        if control.type in ("text", "textarea", "email"):
            self.typed.append(control.value)


def left_empty(form: ServedForm) -> list[Control]:
    """Every visible field served empty that a person could fill in: those marked required, and the others
    of a kind the Filler knows (a text, a date, a choice of a list); not a tick box, which is answered by
    leaving it, nor a file."""
    found = asks_for_input(form)
    answered = {c.name for c in form.fields() if c.type == "radio" and c.checked}
    for control in form.fields():
        if not control.visible or control.name in {c.name for c in found}:
            continue
        if control.tag == "select":
            empty = control.type == "select-one" and not any(o.value for o in control.selected())
        elif control.type == "radio":
            empty = control.name not in answered
        else:
            empty = control.type in TEXT_TYPES | DATE_TYPES | {"email", "url", "tel"} and not control.value.strip()
        if empty and not control.attrs.get("readonly"):
            found.append(control)
    return found


@pytest.mark.django_db
def test_every_page_for_something_new_saves_it_with_every_field_filled(form_pages, clients):
    """Each field a person could fill in, filled, not only those marked required: a field the page needs
    but does not mark (one of two that are each optional) is filled as a person would fill it."""

    def check(page: FormPage, form: ServedForm) -> None:
        filler = Filler()
        for control in left_empty(form):
            filler.fill(form, control)
        before = stored()
        submit(clients, page, form, "with every field filled")
        added = [d for d in differences(before, stored()) if d.before is None]
        assert added, f"{page}: saved, but no row was added"
        rows = [json.dumps(d.after, ensure_ascii=False) for d in added]
        holding = [row for row in rows if any(text in row for text in filler.typed)]
        assert holding or not filler.typed, f"{page}: no new row holds what was typed ({filler.typed})"

    each_form_page(form_pages, clients, check, making=True, at_least=4)


# --- errors are shown ------------------------------------------------------------------------------
@pytest.mark.django_db
def test_every_form_error_is_shown_next_to_a_field_on_the_page(form_pages, clients):
    """Every form page sent with its text fields emptied: a page that answers with errors shows them all."""
    failures, answered_with_errors = [], 0
    for page in form_pages:
        with collect(failures), rolled_back():
            form = serve(clients, page)
            emptied = [c for c in form.fields() if c.visible and c.type in TEXT_TYPES | DATE_TYPES and c.value]
            required = [c for c in emptied if c.required] + asks_for_input(form)
            for control in emptied:
                control.value = ""
            response = form.submit(clients[page.role], page.url)
            where = f"{page}, sent with its text fields emptied"
            if required:
                assert response.status_code in (200, 400), f"{where}: {response.status_code}, though fields are empty"
            if response.status_code not in (200, 400):
                continue
            forms = bound_forms(response)
            if not forms:  # a form written by hand: a field marked invalid, with its note beside it
                invalid, notes = field_feedback(response.text)
                assert invalid and notes, f"{where}: answered {response.status_code} without marking a field"
                answered_with_errors += 1
                continue
            if required:
                assert any(f.errors if isinstance(f, BaseForm) else f.total_error_count() for f in forms), (
                    f"{where}: answered {response.status_code} without an error to show"
                )
            answered_with_errors += 1
            problems = errors_not_shown(response, where)
            assert not problems, "\n".join(problems)
    assert answered_with_errors >= 8, f"only {answered_with_errors} pages answered with errors"
    assert not failures, "\n".join(failures)


# --- the reading of a form is a browser's --------------------------------------------------------------
BROWSER_FORM = """
<form method="post" enctype="multipart/form-data" id="f">
  <input type="hidden" name="csrfmiddlewaretoken" value="t">
  <input name="title" value="A &amp; B" required>
  <input name="off" value="x" disabled>
  <fieldset disabled><input name="inside" value="y"></fieldset>
  <input type="checkbox" name="box" checked><input type="checkbox" name="unticked" value="1">
  <input type="radio" name="kind" value="a"><input type="radio" name="kind" value="b" checked>
  <select name="one"><option value="1">One</option><option value="2">Two</option></select>
  <select name="many" multiple><option value="x" selected>X</option><option selected>Y
    y</option><option value="z">Z</option></select>
  <select name="pick" required><option value="">Choose</option><option value="7">Seven</option></select>
  <textarea name="note">
first line
second</textarea>
  <template><input name="faculty-__prefix__-role" value="lecturer"></template>
  <input type="file" name="photo">
  <button type="button" name="add">Add a row</button>
  <button name="save" value="yes">Save</button><button name="other" value="no">Other</button>
</form>
<input name="outside" form="f" value="o">
<form method="get" action="/search/"><input name="q"></form>
"""


def test_a_served_form_is_read_and_sent_as_a_browser_sends_it():
    form, search = served_forms(BROWSER_FORM)
    assert form.entries() == [
        ("csrfmiddlewaretoken", "t"), ("title", "A & B"), ("box", "on"), ("kind", "b"), ("one", "1"),
        ("many", "x"), ("many", "Y y"), ("pick", ""), ("note", "first line\r\nsecond"), ("photo", None),
        ("save", "yes"), ("outside", "o"),
    ]  # fmt: skip
    assert form.multipart and form.action("/manage/venues/1/edit/?next=x") == "/manage/venues/1/edit/?next=x"
    assert (search.method, search.action("/manage/venues/")) == ("get", "/search/")
    assert [c.name for c in asks_for_input(form)] == ["pick"]
    assert "faculty-__prefix__-role" not in rendered_controls(BROWSER_FORM)  # a template's rows are not on the page


ERRORS = """
<form method="post">
  <div class="alert alert-danger">Please correct the errors below.</div>
  <div class="mb-3"><label for="t">Title</label><input id="t" name="title" class="form-control is-invalid">
    <div class="invalid-feedback"><p><strong>Give the title.</strong></p></div></div>
  <div class="mb-3"><input name="city" class="form-control is-invalid"></div>
  <div class="mb-3"><input name="when_0" aria-invalid="true"><input name="when_1">
    <span class="invalid-feedback">Give the date and the time.</span></div>
  <div class="mb-3"><input name="email" class="form-control"></div>
  <div class="invalid-feedback">A note by no field.</div>
</form>
"""


def test_an_error_is_beside_its_field_only_when_its_note_is():
    """The title's note is beside it; the city is marked but its only note is the form's, by no field."""
    assert notes_beside(ERRORS) == {"title": ["Give the title."], "city": [], "when_0": ["Give the date and the time."]}
