"""No Django admin form answers 500 to a value it did not offer (issue #13, item 15).

POST `/admin/training_sessions/faculty/add/` with `user=abc` was a server error: the autocomplete widget
looked the value up to show it again. For every add and change page in the admin (walked from the admin
site's registry, so a new model is covered without listing it), each field that picks from a list (a
select, an autocomplete, radio buttons, a raw-id box, in the form and its inlines) is sent, one at a
time, with values that are not keys, the rest of the form as the page served it. The answer is the form
again with the admin's note of what to correct, never a 500, and nothing is saved; a model whose pages offer
nothing to pick is named, with the reason, in NO_PICKERS.
"""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import NoReverseMatch, reverse

from tests.forms import ServedForm, served_forms
from tests.support import client_for

GARBAGE = ["abc", "99999999999999999999", "1.5", "-1"]
# Models whose admin pages offer nothing picked from a list, and why: checked, so a picker added later is tried.
NO_PICKERS = {
    "accounts.Invitation": "read-only: invitations are sent from the People screen, which e-mails the link",
    "axes.AccessAttempt": "django-axes's sign-in records, read-only",
    "axes.AccessFailureLog": "django-axes's sign-in records, read-only",
    "axes.AccessLog": "django-axes's sign-in records, read-only",
    "notifications.Notification": "the outbox, read-only",
    "participants.ProvinceQuota": "read-only: quotas change on the program's quota page, which keeps their history",
    "participants.QuotaChange": "read-only: the quotas' history",
    "training_sessions.SessionChange": "read-only: the timetable's history",
    "training_sessions.TrainingSession": "read-only: sessions change on the timetable screens, which check clashes",
    "training_sessions.Venue": "names, an address and a capacity: nothing is chosen from a list",
}


@pytest.fixture
def superuser_client(module_world):
    user = get_user_model().objects.create_superuser("root@example.test", "Root-secret-2026", full_name="Root")
    return client_for(user, raise_request_exception=False)


def admin_form(html: str) -> ServedForm:
    """The admin's model form (its id is the model's name and "_form"), as a browser holds it."""
    (form,) = [
        f for f in served_forms(html) if f.attrs.get("id", "").endswith("_form") and f.attrs["id"] != "logout-form"
    ]
    return form


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
        form = admin_form(page.text)
        before = _fingerprint(model)
        for field in form.pickers():
            for value in GARBAGE:
                response = superuser_client.post(url, {**form.values(), field: [value], "_save": "Save"})
                where = f"POST {url} with {field}={value!r}"
                assert response.status_code < 500, f"{where}: {response.status_code}"
                assert response.status_code == 200 and 'class="errornote"' in response.text, (
                    f"{where}: answered {response.status_code} without the admin's note of what to correct"
                )
                tried.append(field)
        assert _fingerprint(model) == before, f"{url}: a refused value changed the rows"
    if label in NO_PICKERS:
        assert not tried, f"{label} is in NO_PICKERS, but its pages offer {sorted(set(tried))} to pick from"
    else:
        assert tried, f"nothing to pick from on the admin pages of {label}: say why in NO_PICKERS"
    if label == "training_sessions.Faculty":
        assert "user" in tried  # the case of the report: an autocomplete field


def test_the_walk_covers_the_admin_of_every_app():
    labels = _model_labels()
    assert {"accounts.User", "training_sessions.Faculty", "training_sessions.Program"} <= set(labels)
    assert not set(NO_PICKERS) - set(labels), (
        f"NO_PICKERS names models the admin no longer has: {set(NO_PICKERS) - set(labels)}"
    )
    for label in labels:
        model = next(model for model in admin.site._registry if model._meta.label == label)
        try:
            reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
        except NoReverseMatch:
            pytest.fail(f"{label} has no add page to try")
