"""The data administration (Django admin) does not delete what the timetable screens manage."""

import pytest
from django.urls import reverse

from sessions.models import Program, ProgramStatus, SessionChange, TrainingSession
from sessions.services import session_save
from tests.factories import AdmissionFactory, ProgramFactory, SessionFactory, VenueFactory


@pytest.mark.django_db
def test_sessions_and_their_history_are_not_deleted_in_the_admin(administrator_client, administrator):
    session = SessionFactory.build(program=ProgramFactory(), venue=VenueFactory())
    session_save(session=session, faculty=[], by=administrator, acknowledge_warnings=True)
    change = SessionChange.objects.get(session=session)  # "created"
    for url in (
        reverse("admin:training_sessions_trainingsession_delete", args=[session.pk]),
        reverse("admin:training_sessions_sessionchange_delete", args=[change.pk]),
    ):
        assert administrator_client.get(url).status_code == 403
        assert administrator_client.post(url, {"post": "yes"}).status_code == 403
    assert TrainingSession.objects.filter(pk=session.pk).exists()
    assert SessionChange.objects.filter(pk=change.pk).exists()


@pytest.mark.django_db
def test_only_a_draft_program_that_took_no_lawyer_is_deleted_in_the_admin(administrator_client, administrator):
    published = ProgramFactory()
    draft_with_lawyers = ProgramFactory(status=ProgramStatus.DRAFT)
    AdmissionFactory(program=draft_with_lawyers)
    mistake = ProgramFactory(status=ProgramStatus.DRAFT)
    session = SessionFactory.build(program=mistake, venue=VenueFactory())
    session_save(session=session, faculty=[], by=administrator, acknowledge_warnings=True)
    for program in (published, draft_with_lawyers):
        url = reverse("admin:training_sessions_program_delete", args=[program.pk])
        assert administrator_client.post(url, {"post": "yes"}).status_code == 403
    url = reverse("admin:training_sessions_program_delete", args=[mistake.pk])
    assert administrator_client.post(url, {"post": "yes"}).status_code == 302
    assert set(Program.objects.all()) == {published, draft_with_lawyers}
    assert not TrainingSession.objects.filter(program=mistake.pk).exists()
    changelist = administrator_client.get(reverse("admin:training_sessions_program_changelist"))
    assert "delete_selected" not in changelist.text
