"""Cases and teams as the pages serve them: the session's faculty adds a case and builds its teams, rebuilds
with the same draw, moves a lawyer (locked there); a lawyer sees their case, side, team, role and teammates; a
lawyer who gave up their seat is not moved; no one else builds."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role as UserRole
from notifications.models import Notification
from participants import services as participant_services
from practice import services
from practice.models import Member, Role, Side
from sessions.models import SessionFormat
from tests.factories import (
    FacultyFactory,
    SessionFactory,
    UserFactory,
)
from tests.faculty.conftest import pdf_bytes
from tests.forms import find_form, page
from tests.practice.conftest import add_case, places
from tests.support import client_for


@pytest.mark.django_db
@pytest.mark.clock_edges
def test_the_faculty_member_adds_a_case_and_builds_its_teams(world):
    session, teacher, lawyers = world
    faculty = client_for(teacher.user, "en")
    case = add_case(faculty, session)
    url = reverse("practice:teams", args=[session.pk])
    response = find_form(faculty.get(url).content.decode(), button="Build the teams").submit(faculty, url)
    assert response.status_code == 302
    built = places(session)
    assert len(built) == 12
    # Two teams a side of three: each led by its most experienced, with one expert (a patent lawyer where the
    # team has one: the dispute is a patent's) and one witness.
    teams = {}
    for pk, (side, number, role) in built.items():
        teams.setdefault((side, number), []).append((role, next(lw for lw in lawyers if lw.pk == pk)))
    assert sorted(teams) == [(Side.CLAIMANT, 1), (Side.CLAIMANT, 2), (Side.RESPONDENT, 1), (Side.RESPONDENT, 2)]
    for members in teams.values():
        assert sorted(role for role, _lawyer in members) == sorted([Role.LEAD_COUNSEL, Role.EXPERT, Role.WITNESS])
        by_years = sorted(members, key=lambda pair: -pair[1].years_of_practice)
        assert by_years[0][0] == Role.LEAD_COUNSEL
        rest = by_years[1:]
        if any("patents" in lawyer.specialties for _role, lawyer in rest):
            assert next(lawyer for role, lawyer in rest if role == Role.EXPERT).specialties == ["patents"]
    # Six firms of two lawyers: none faces a colleague, none shares a team with one.
    shown = faculty.get(url).content.decode()
    assert 'data-testid="broken"' not in shown and shown.count('data-testid="team"') == 4
    assert case.title_en in shown
    # The lawyers are told once the teams have settled for a while, not at every draw.
    assert services.announce_places() == 0
    assert services.announce_places(at=timezone.now() + services.QUIET) == 12
    assert Notification.objects.filter(kind="team_place").count() == 12

    # Rebuilt with the same draw: the same teams, and no one is told anything new.
    find_form(shown, button="Rebuild with the same draw").submit(faculty, url)
    assert places(session) == built
    assert services.announce_places(at=timezone.now() + services.QUIET) == 0


@pytest.mark.django_db
def test_a_moved_lawyer_is_locked_where_they_were_moved_and_stays_there(world):
    session, teacher, _lawyers = world
    faculty = client_for(teacher.user, "en")
    add_case(faculty, session)
    services.build_teams(session, by=teacher.user, seed=5)
    member = Member.objects.filter(session=session, team__side=Side.CLAIMANT).first()
    target = Member.objects.filter(session=session, team__side=Side.RESPONDENT).first().team
    member_url = reverse("practice:member", args=[member.pk])
    form = find_form(faculty.get(member_url).content.decode(), button="Move the lawyer")
    form.fill(team=str(target.pk))
    assert form.submit(faculty, member_url).status_code == 302
    member.refresh_from_db()
    assert member.team == target and member.locked and member.role == Role.COUNSEL
    services.announce_places(at=timezone.now() + services.QUIET)
    assert Notification.objects.filter(kind="team_place", recipient=member.participant.user).count() == 1
    services.build_teams(session, by=teacher.user)  # a new draw
    member.refresh_from_db()
    assert member.team == target and member.locked
    assert "律师" in page(faculty.get(reverse("practice:teams", args=[session.pk])).content.decode()).text


@pytest.mark.django_db
def test_a_lawyer_who_gave_up_their_seat_is_not_moved(world, administrator):
    session, teacher, _lawyers = world
    add_case(client_for(teacher.user, "en"), session)
    services.build_teams(session, by=teacher.user, seed=5)
    member = Member.objects.select_related("participant").filter(session=session).first()
    other_team = Member.objects.filter(session=session).exclude(team=member.team).first().team
    seat = member.participant.enrolments.get(session=session)
    participant_services.enrolment_cancel(enrolment=seat, by=administrator)
    before = places(session)
    with pytest.raises(services.PracticeRefused, match="no longer holds a seat"):
        services.move(member, other_team, by=teacher.user)
    after = places(session)
    assert member.participant_id not in after
    assert after == {pk: place for pk, place in before.items() if pk != member.participant_id}


@pytest.mark.django_db
def test_a_lawyer_sees_their_case_side_role_and_only_their_teammates_contact(world):
    session, teacher, _lawyers = world
    add_case(client_for(teacher.user, "en"), session)
    services.build_teams(session, by=teacher.user, seed=5)
    mine = Member.objects.select_related("participant__user", "team").filter(session=session).first()
    lawyer = client_for(mine.participant.user, "en")
    shown = page(
        lawyer.get(reverse("sessions:session_detail", args=[session.program.slug, session.pk])).content.decode()
    )
    place = shown.find(**{"data-testid": "my-place"}).text
    assert mine.team.get_side_display() in place and mine.get_role_display() in place
    team_emails = {m.participant.user.email for m in Member.objects.filter(team=mine.team).exclude(pk=mine.pk)}
    others = {m.participant.user.email for m in Member.objects.filter(session=session).exclude(team=mine.team)}
    text = shown.find(id="my-team").text
    assert all(email in text for email in team_emails) and not any(email in text for email in others)


@pytest.mark.django_db
def test_only_the_office_and_the_sessions_faculty_build_and_only_for_cases_formats(world, administrator):
    session, _teacher, lawyers = world
    url = reverse("practice:teams", args=[session.pk])
    stranger = FacultyFactory(user=UserFactory(role=UserRole.FACULTY))
    assert client_for(stranger.user).get(url).status_code == 403
    assert client_for(lawyers[0].user).get(url).status_code == 403
    assert client_for(administrator).get(url).status_code == 200
    lecture = SessionFactory(program=session.program, format=SessionFormat.LECTURE)
    assert client_for(administrator).get(reverse("practice:teams", args=[lecture.pk])).status_code == 404
    # No case yet: building is refused with a reason, nothing built.
    with pytest.raises(services.PracticeRefused):
        services.build_teams(session, by=administrator)
    assert not Member.objects.exists()


@pytest.mark.django_db
def test_a_sides_file_is_read_by_that_side_only_and_the_other_side_is_told_nothing(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    session, teacher, _lawyers = world
    faculty = client_for(teacher.user, "en")
    case = add_case(faculty, session)
    services.build_teams(session, by=teacher.user, seed=5)
    case_url = reverse("practice:case_edit", args=[session.pk, case.pk])
    posted = {}
    for side, title in (("", "Facts of the case"), (Side.CLAIMANT, "Evidence for the claimant")):
        form = find_form(faculty.get(case_url).content.decode(), button="Post the file")
        form.fill(title=title, side=side, file=SimpleUploadedFile("证据.pdf", pdf_bytes(title), "application/pdf"))
        assert form.submit(faculty, case_url).status_code == 302
        posted[side] = case.materials.get(title=title)
    claimant = Member.objects.filter(session=session, team__side=Side.CLAIMANT).select_related("participant__user")[0]
    respondent = Member.objects.filter(session=session, team__side=Side.RESPONDENT).select_related("participant__user")[
        0
    ]
    page_url = reverse("sessions:session_detail", args=[session.program.slug, session.pk])
    for member, sees_side_file in ((claimant, True), (respondent, False)):
        lawyer = client_for(member.participant.user, "en")
        shown = lawyer.get(page_url).content.decode()
        assert "Facts of the case" in shown and ("Evidence for the claimant" in shown) is sees_side_file
        for side, material in posted.items():
            answer = lawyer.get(reverse("practice:material_file", args=[material.pk]))
            allowed = side == "" or sees_side_file
            assert answer.status_code == (200 if allowed else 404)
            if allowed:
                assert b"".join(answer.streaming_content).startswith(b"%PDF")


@pytest.mark.django_db
def test_a_file_that_is_not_what_its_name_says_is_refused_at_its_field(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    session, teacher, _lawyers = world
    faculty = client_for(teacher.user, "en")
    case = add_case(faculty, session)
    case_url = reverse("practice:case_edit", args=[session.pk, case.pk])
    form = find_form(faculty.get(case_url).content.decode(), button="Post the file")
    form.fill(title="Evidence", file=SimpleUploadedFile("evidence.pdf", b"MZ\x90\x00 not a pdf", "application/pdf"))
    response = form.submit(faculty, case_url)
    assert response.status_code == 200 and "evidence.pdf" in response.content.decode()
    assert not case.materials.exists()
