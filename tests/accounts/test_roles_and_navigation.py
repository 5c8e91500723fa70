import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.roles import Role


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
