"""A case study's groups hand in the report of the coursework its case counts as once for all their members
(assessment.groups): one member hands it in on the page, every member of the group holds it and is told; the
grader grades it once and the grade is everyone's; a graded report is no longer replaced by anyone in the group."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from assessment import services as assessment_services
from assessment.models import Assignment, AssignmentKind, Submission
from notifications.models import Notification
from practice import services
from practice.models import Case, Member
from sessions.models import SessionFormat
from tests.faculty.conftest import pdf_bytes
from tests.forms import find_form, page
from tests.support import client_for


@pytest.fixture
def groups(world):
    session, teacher, _lawyers = world
    session.format = SessionFormat.CASE_STUDY
    session.save(update_fields=["format"])
    minute = timezone.now().replace(second=0, microsecond=0)
    report = Assignment.objects.create(
        program=session.program, session=session, kind=AssignmentKind.CASE_REPORT, title_zh="小组案例分析报告",
        title_en="The group's case report", opens_at=minute - timedelta(days=1), due_at=minute + timedelta(days=5),
        max_score=100, pass_mark=60,
    )  # fmt: skip
    case = services.case_save(
        Case(session=session, title_zh="海外专利布局", dispute="patent", forum="other", teams=3, assignment=report)
    )
    services.build_teams(session, by=teacher.user, seed=7)
    return session, teacher, case, report


@pytest.mark.django_db
@pytest.mark.clock_edges
def test_one_member_hands_in_for_the_group_and_every_member_holds_it(groups, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    _session, _teacher, case, report = groups
    team = case.team_set.get(number=1)
    members = list(Member.objects.filter(team=team).select_related("participant__user").order_by("pk"))
    author, mate = members[0].participant, members[1].participant
    browser = client_for(author.user, "en")
    url = reverse("assessment:assignment", args=[report.pk])
    shown = page(browser.get(url).content.decode())
    assert "Your group's work" in shown.find(**{"data-testid": "group-work"}).text
    form = find_form(browser.get(url).content.decode(), button="Hand in", page_url=url)
    form.fill(text="小组报告正文", file=SimpleUploadedFile("小组报告.pdf", pdf_bytes("report")))
    assert form.submit(browser, url).status_code == 302
    held = {s.participant_id: s for s in Submission.objects.filter(assignment=report)}
    assert set(held) == {m.participant_id for m in members}  # the group's members, no one else
    assert {(s.text, s.file.name, s.original_name) for s in held.values()} == {
        ("小组报告正文", held[author.pk].file.name, "小组报告.pdf")
    }
    told = Notification.objects.filter(kind="submission_received").values_list("recipient", flat=True)
    assert sorted(told) == sorted(m.participant.user_id for m in members)
    # A teammate sees it handed in, and reads the file from their own page.
    mine = client_for(mate.user, "en")
    mate_page = mine.get(url).content.decode()
    assert "小组报告.pdf" in mate_page
    download = mine.get(reverse("assessment:submission_file", args=[held[mate.pk].pk]))
    assert b"".join(download.streaming_content).startswith(b"%PDF")


@pytest.mark.django_db
def test_the_group_is_graded_once_and_a_graded_report_is_not_replaced(groups):
    _session, teacher, case, report = groups
    members = list(Member.objects.filter(team=case.team_set.get(number=2)).select_related("participant__user"))
    author = members[0].participant
    work = assessment_services.submit(assignment=report, participant=author, text="报告", by=author.user)
    grader = client_for(teacher.user, "en")
    queue = page(grader.get(reverse("assessment:queue", args=[report.pk])).content.decode())
    assert len(queue.find_all("tr", **{"data-graded": "0"})) == len(members)
    grade_url = reverse("assessment:grade", args=[work.pk])
    form = find_form(grader.get(grade_url).content.decode(), button="Save the grade", page_url=grade_url)
    assert form.fill(score="82", comment="分析全面").submit(grader, grade_url).status_code == 302
    grades = set(Submission.objects.filter(assignment=report).values_list("participant", "score", "comment"))
    assert grades == {(m.participant_id, 82, "分析全面") for m in members}
    graded = Notification.objects.filter(kind="submission_graded").values_list("recipient", flat=True)
    assert sorted(graded) == sorted(m.participant.user_id for m in members)
    mate = members[1].participant
    with pytest.raises(assessment_services.AssessmentRefused, match="Your group's work is graded already"):
        assessment_services.submit(assignment=report, participant=mate, text="另一份", by=mate.user)
    assert set(Submission.objects.filter(assignment=report).values_list("text", flat=True)) == {"报告"}


@pytest.mark.django_db
def test_coursework_of_the_wrong_kind_is_refused_for_a_case(groups):
    session, _teacher, case, report = groups
    hearing = Assignment.objects.create(
        program=session.program, session=session, kind=AssignmentKind.HEARING, title_zh="庭审成绩",
        opens_at=report.opens_at, due_at=report.due_at,
    )  # fmt: skip
    case.assignment = hearing
    with pytest.raises(ValidationError) as refused:
        services.case_save(case)
    assert "assignment" in refused.value.message_dict
