"""No Django admin form answers 500 to a value it did not offer (issue #13, item 15).

POST `/admin/training_sessions/faculty/add/` with `user=abc` was a server error: the autocomplete widget
looked the value up to show it again. For every add and change page in the admin (walked from the admin
site's registry, so a new model is covered without listing it), each field that picks from a list (a
select, an autocomplete, radio buttons, a raw-id box, in the form and its inlines) is sent, one at a
time, with values that are not keys, the rest of the form as the page served it. The answer is the form
again with its error (or a refusal), never a 500, and nothing is saved.
"""

from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import NoReverseMatch, reverse

GARBAGE = ["abc", "99999999999999999999", "1.5", "-1"]
PICKERS = ("vForeignKeyRawIdAdminField", "vManyToManyRawIdAdminField")


@pytest.fixture
def superuser_client(module_world):
    user = get_user_model().objects.create_superuser("root@example.test", "Root-secret-2026", full_name="Root")
    client = Client(raise_request_exception=False)
    client.force_login(user, backend="accounts.backends.EmailBackend")
    return client


class AdminForm(HTMLParser):
    """The fields of the admin's model form as a browser would send them, and which of them pick from a list."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self.pickers: set[str] = set()
        self._in_form = False
        self._select: tuple[str, bool] | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("id") or "").endswith("_form") and attrs.get("id") != "logout-form":
            self._in_form = True
        if not self._in_form or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind == "radio":
                self.pickers.add(name)
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            if kind in ("file", "submit", "button", "image", "reset"):
                return
            self.data.setdefault(name, []).append(attrs.get("value") or ("on" if kind == "checkbox" else ""))
            if any(picker in (attrs.get("class") or "") for picker in PICKERS):
                self.pickers.add(name)
        elif tag == "select" and name:
            self._select, self._options = (name, "multiple" in attrs), []
            self.pickers.add(name)
        elif tag == "option" and self._select:
            self._options.append((attrs.get("value", ""), "selected" in attrs))
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = [""]

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "form" and self._in_form:
            self._in_form = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select:
            name, multiple = self._select
            chosen = [value for value, selected in self._options if selected]
            if not chosen and not multiple and self._options:
                chosen = [self._options[0][0]]  # a browser sends the first option of a plain select
            self.data[name] = chosen
            self._select = None


def _model_labels():
    return sorted(model._meta.label for model in admin.site._registry)


def _pages(model) -> list[str]:
    info = (model._meta.app_label, model._meta.model_name)
    pages = [reverse("admin:{}_{}_add".format(*info))]
    obj = model._default_manager.order_by("pk").first()
    if obj is not None:
        pages.append(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))
    return pages


def _fingerprint(model) -> list:
    return list(model._default_manager.order_by("pk").values())


@pytest.mark.django_db
@pytest.mark.parametrize("label", _model_labels())
def test_a_value_the_form_did_not_offer_is_refused_without_a_server_error(label, module_world, superuser_client):
    model = next(model for model in admin.site._registry if model._meta.label == label)
    tried = []
    for url in _pages(model):
        page = superuser_client.get(url)
        assert page.status_code < 500, f"GET {url}: {page.status_code}"
        if page.status_code != 200:
            continue  # the admin takes no additions of this model
        form = AdminForm()
        form.feed(page.text)
        before = _fingerprint(model)
        for field in sorted(form.pickers):
            for value in GARBAGE:
                response = superuser_client.post(url, {**form.data, field: [value], "_save": "Save"})
                assert response.status_code < 500, f"POST {url} with {field}={value!r}: {response.status_code}"
                tried.append(field)
        assert _fingerprint(model) == before, f"{url}: a refused value changed the rows"
    if label == "training_sessions.Faculty":
        assert "user" in tried  # the case of the report: an autocomplete field


def test_the_walk_covers_the_admin_of_every_app():
    labels = _model_labels()
    assert {"accounts.User", "training_sessions.Faculty", "training_sessions.Program"} <= set(labels)
    for label in labels:
        model = next(model for model in admin.site._registry if model._meta.label == label)
        try:
            reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
        except NoReverseMatch:
            pytest.fail(f"{label} has no add page to try")
