import re

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from accounts.services import users_add_role
from tests.support import client_for


@pytest.mark.django_db
def test_each_role_is_a_group_with_its_permissions():
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)
    administrators = Group.objects.get(name=Role.ADMINISTRATOR)
    codenames = set(administrators.permissions.values_list("codename", flat=True))
    assert {"view_notification", "resend_notification", "view_user", "add_user"} <= codenames
    assert not Group.objects.get(name=Role.PARTICIPANT).permissions.filter(codename="resend_notification").exists()


@pytest.mark.django_db
def test_administrator_home_shows_the_overview_and_admin_navigation(administrator_client):
    response = administrator_client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")
    assert "home/administrator.html" in [t.name for t in response.templates]
    assert reverse("accounts:user_list") in response.text
    assert reverse("notifications:outbox") in response.text


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["lawyer_client", "faculty_client"])
def test_lawyers_and_faculty_see_their_home_without_admin_screens(request, persona):
    response = request.getfixturevalue(persona).get(reverse("home"))
    assert "home/member.html" in [t.name for t in response.templates]
    assert reverse("accounts:user_list") not in response.text
    assert reverse("notifications:outbox") not in response.text


@pytest.mark.django_db
def test_visitors_see_the_program_and_a_sign_in_button(client):
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")
    assert "home/visitor.html" in [t.name for t in response.templates]
    assert reverse("accounts:login") in response.text


@pytest.mark.django_db
def test_people_list_is_for_administrators(administrator_client, lawyer_client, lawyer):
    assert lawyer_client.get(reverse("accounts:user_list")).status_code == 403
    response = administrator_client.get(reverse("accounts:user_list"), {"role": "participant"})
    assert list(response.context["page"]) == [lawyer]


@pytest.mark.django_db
def test_profile_changes_name_and_language(lawyer_client, lawyer):
    response = lawyer_client.post(reverse("accounts:profile"), {"full_name": "李晓", "language": "en"})
    assert response.status_code == 302
    lawyer.refresh_from_db()
    assert (lawyer.full_name, lawyer.language) == ("李晓", "en")


@pytest.mark.django_db
def test_profile_rejects_an_unknown_language(lawyer_client, lawyer):
    response = lawyer_client.post(reverse("accounts:profile"), {"full_name": "李晓", "language": "klingon"})
    assert "language" in response.context["form"].errors
    lawyer.refresh_from_db()
    assert lawyer.language == "zh-hans"


def menu(client, language: str) -> str:
    """The navigation bar of the home page as the person sees it, in `language`."""
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE=language).text
    return html[html.index('<nav class="navbar') : html.index("</nav>")]


@pytest.mark.django_db
def test_each_persons_menu_is_for_their_roles_and_in_their_language(lawyer, administrator):
    """The menu's fixed parts are drawn once for each language and roles (base.html's "once"): people who come one
    after another in one process each see their own."""
    lawyer_browser, administrator_browser = client_for(lawyer), client_for(administrator)
    for _ in range(2):
        assert "我的培训" in menu(lawyer_browser, "zh-hans") and "管理" not in menu(lawyer_browser, "zh-hans")
        assert "Manage" in menu(administrator_browser, "en") and "My program" not in menu(administrator_browser, "en")
        assert "My program" in menu(lawyer_browser, "en") and "Manage" not in menu(lawyer_browser, "en")
        assert "管理" in menu(administrator_browser, "zh-hans") and "课程表" in menu(administrator_browser, "zh-hans")
    # The open screen is marked for the one who opened it only.
    timetable = re.compile(r'class="nav-link active"\s+href="' + reverse("sessions:program_list"))
    assert timetable.search(client_for(lawyer).get(reverse("sessions:program_list")).text)
    assert not timetable.search(menu(lawyer_browser, "en"))


@pytest.mark.django_db
def test_a_role_given_or_taken_shows_on_the_next_page_without_signing_in_again(lawyer):
    browser = client_for(lawyer)
    outbox = reverse("notifications:outbox")
    assert outbox not in menu(browser, "en")
    users_add_role(user_ids=[lawyer.pk], role=Role.ADMINISTRATOR)  # as an import does: straight into the table
    assert outbox in menu(browser, "en")
    assert browser.get(outbox).status_code == 200
    lawyer.groups.remove(Group.objects.get(name=Role.ADMINISTRATOR))
    assert outbox not in menu(browser, "en")
    assert browser.get(outbox).status_code == 403


@pytest.mark.django_db
def test_a_signed_in_page_reads_the_account_and_its_roles_in_one_query(lawyer):
    browser = client_for(lawyer)
    browser.get(reverse("home"))
    with CaptureQueriesContext(connection) as queries:
        assert browser.get(reverse("robots_txt")).status_code == 200
    assert len(queries) == 1  # the account, with its roles
    with CaptureQueriesContext(connection) as queries:
        browser.get(reverse("home"))
    assert not [query for query in queries if "auth_group" in query["sql"] and "EXISTS" not in query["sql"]]
