"""The question queue of a seminar or forum, as its pages serve it: a seated lawyer asks (by name or not) and votes
from the phone page; bad input is named at its field and changes nothing; the queue opens with check-in and closes
half an hour after the session; moderators answer, hide, show again and merge; the projector shows the top
questions; the office exports them. Hostile text is text everywhere."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.roles import Role as UserRole
from participants import services as participant_services
from participants.models import Attendance, AttendanceMethod, AttendanceStatus, Enrolment, EnrolmentState
from practice import questions
from practice.models import Question, QuestionState, Vote
from sessions.models import SessionFormat, SessionStatus, TrainingSession
from tests import clock
from tests.factories import (
    AdmissionFactory,
    AssignmentFactory,
    FacultyFactory,
    ParticipantFactory,
    ProgramFactory,
    SessionFactory,
    UserFactory,
)
from tests.forms import find_form, page
from tests.support import client_for

HTMX = {"HX-Request": "true"}
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def forum(db):
    """A forum that began five minutes ago (two hours long): its queue is open."""
    start = timezone.now() - timedelta(minutes=5)
    return SessionFactory(
        program=ProgramFactory(), format=SessionFormat.FORUM, starts_at=start, ends_at=start + timedelta(hours=2),
        title_zh="海外知识产权纠纷应对论坛", title_en="Forum on overseas IP disputes",
    )  # fmt: skip


def seat(session, participant=None, **fields):
    participant = participant or ParticipantFactory(**fields)
    if not participant.admissions.filter(program=session.program).exists():
        AdmissionFactory(program=session.program, participant=participant)
    Enrolment.objects.create(participant=participant, session=session, state=EnrolmentState.CONFIRMED,
                             created_by=participant.user)  # fmt: skip
    return participant


@pytest.fixture
def li(forum, lawyer):
    return seat(forum, ParticipantFactory(user=lawyer, name_zh="李明", name_latin="Li Ming"))


@pytest.fixture
def zhao(forum, other_lawyer):
    return seat(forum, ParticipantFactory(user=other_lawyer, name_zh="赵雷", name_latin="Zhao Lei"))


@pytest.fixture
def teacher(forum, faculty_member):
    AssignmentFactory(session=forum, faculty=FacultyFactory(user=faculty_member))
    return faculty_member


def url(name, session, *more):
    return reverse(f"practice:{name}", args=[session.pk, *more])


def ask_through_page(client, session, text, *, anonymous=False):
    """Ask as the phone page's form does: the form served, filled and sent."""
    address = url("questions", session)
    form = find_form(client.get(address).content.decode(), button="Ask")
    form.fill(text=text, anonymous=["on"] if anonymous else [])
    return form.submit(client, address)


def vote_through_page(client, session, question, *, htmx=False):
    """Press the vote button of the question as the page serves it (its form says vote or take back)."""
    address = url("questions", session)
    vote = url("question_vote", session, question.pk)
    form = find_form(client.get(address).content.decode(), action=vote, page_url=address)
    return form.submit(client, address, headers=HTMX if htmx else {})


# --- asking ----------------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_seated_lawyer_asks_and_sees_the_question_marked_theirs_the_room_sees_it_too(forum, li, zhao):
    client = client_for(li.user, "en")
    response = ask_through_page(client, forum, "  How do we answer a US ITC general exclusion order?  ")
    assert response.status_code == 302
    question = Question.objects.get(session=forum)
    assert (question.text, question.author, question.anonymous, question.state, question.votes) == (
        "How do we answer a US ITC general exclusion order?", li, False, QuestionState.OPEN, 0,
    )  # fmt: skip
    mine = page(client.get(url("questions", forum)).content.decode()).find(id=f"q{question.pk}")
    assert "Your question" in mine.text and "李明" in mine.text
    assert not mine.find_all("button")  # no vote for one's own question
    theirs = page(client_for(zhao.user, "en").get(url("questions", forum)).content.decode()).find(id=f"q{question.pk}")
    assert "李明" in theirs.text and "Your question" not in theirs.text
    assert "Vote" in theirs.find("button").text


@pytest.mark.django_db
def test_an_anonymous_question_shows_anonymous_to_the_room_and_the_projector_and_the_name_to_moderators(
    forum, li, zhao, teacher
):
    assert (
        ask_through_page(client_for(li.user, "en"), forum, "跨境证据开示的边界在哪里？", anonymous=True).status_code
        == 302
    )
    question = Question.objects.get(session=forum)
    assert question.anonymous
    room = client_for(zhao.user, "en").get(url("questions", forum)).content.decode()
    assert "李明" not in room and "Anonymous" in page(room).find(id=f"q{question.pk}").text
    faculty = client_for(teacher, "en")
    screen = faculty.get(url("questions_screen", forum)).content.decode()
    assert "李明" not in screen and "Anonymous" in screen
    row = page(faculty.get(url("questions_moderate", forum)).content.decode()).find(id=f"q{question.pk}")
    assert "李明" in row.text and "Anonymous to the room" in row.text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Type your question."),
        ("   ", "Type your question."),
        ("问" * 501, "Keep your question to 500 characters (it has 501)."),
    ],
    ids=["empty", "blank", "too-long"],
)
def test_a_question_empty_or_too_long_is_named_at_its_field_and_nothing_is_saved(forum, li, text, message):
    client = client_for(li.user, "en")
    response = ask_through_page(client, forum, text)
    assert response.status_code == 400
    field = page(response.content.decode()).find("textarea", name="text")
    assert "is-invalid" in field.attrs["class"]
    assert message in response.content.decode()
    assert not Question.objects.exists()


@pytest.mark.django_db
def test_500_characters_are_enough(forum, li):
    assert ask_through_page(client_for(li.user, "en"), forum, "问" * 500).status_code == 302
    assert len(Question.objects.get().text) == 500


@pytest.mark.django_db
def test_a_lawyer_without_a_seat_is_told_who_asks_and_cannot_post_one_checked_in_can(forum, li, other_lawyer):
    outsider = ParticipantFactory(user=other_lawyer)
    AdmissionFactory(program=forum.program, participant=outsider)
    client = client_for(other_lawyer, "en")
    response = client.get(url("questions", forum))
    assert response.status_code == 403
    assert "Only lawyers holding a seat in this session, or checked in to it" in response.content.decode()
    assert client.post(url("questions", forum), {"text": "我也想问"}).status_code == 403
    assert not Question.objects.exists()
    with pytest.raises(questions.QuestionRefused, match="Only lawyers holding a seat"):
        questions.ask(participant=outsider, session=forum, text="我也想问", anonymous=False)
    # Checked in at the door (a walk-in the faculty let in): they are in the room.
    Attendance.objects.create(participant=outsider, session=forum, status=AttendanceStatus.LATE,
                              method=AttendanceMethod.ROSTER)  # fmt: skip
    assert ask_through_page(client, forum, "我也想问").status_code == 302
    # Marked absent is not in the room, and a waitlisted seat is no seat.
    Attendance.objects.filter(participant=outsider).update(status=AttendanceStatus.ABSENT)
    assert not questions.is_in_room(outsider, forum)
    Enrolment.objects.filter(participant=li).update(state=EnrolmentState.WAITLISTED)
    assert not questions.is_in_room(li, forum)


@pytest.mark.django_db
def test_the_fourth_question_in_a_minute_waits_with_a_clear_message(forum, li):
    client = client_for(li.user, "en")
    for n in range(questions.ASK_LIMIT):
        assert ask_through_page(client, forum, f"问题{n}").status_code == 302
    response = ask_through_page(client, forum, "第四个问题")
    assert response.status_code == 400
    assert "You may ask 3 questions a minute. Wait a minute, then ask again." in response.content.decode()
    assert Question.objects.count() == 3


@pytest.mark.django_db
@pytest.mark.clock_edges
def test_the_queue_opens_with_check_in_and_closes_half_an_hour_after_the_session(forum, li):
    start, end = forum.starts_at, forum.ends_at
    client = client_for(li.user, "en")
    opens = start - timedelta(minutes=forum.program.checkin_opens_minutes)
    assert questions.window(forum) == (opens, end + timedelta(minutes=30))
    for when, is_open in [
        (opens - timedelta(minutes=1), False),
        (opens, True),
        (end + timedelta(minutes=29), True),
        (end + timedelta(minutes=30), False),
    ]:
        with clock.at(when):
            served = client.get(url("questions", forum)).content.decode()
            assert ("Ask a question" in served) is is_open, when
            if not is_open:
                response = client.post(url("questions", forum), {"text": "晚到的问题"})
                assert response.status_code == 400
                shown = response.content.decode()
                assert ("Questions open at" in shown) if when < opens else ("Questions closed at" in shown)
    assert not Question.objects.exists()
    # Shown in Beijing time on the page before it opens.
    with clock.at(opens - timedelta(hours=1)):
        served = client.get(url("questions", forum)).content.decode()
        assert f"{timezone.localtime(opens):%H:%M}" in served


@pytest.mark.django_db
def test_lectures_mock_courts_and_cancelled_forums_have_no_queue(forum, li, administrator):
    lecture = SessionFactory(program=forum.program, starts_at=forum.starts_at, ends_at=forum.ends_at)
    seat(lecture, li)
    for session in (lecture,):
        assert client_for(li.user).get(url("questions", session)).status_code == 404
        assert client_for(administrator).get(url("questions_moderate", session)).status_code == 404
    TrainingSession.objects.filter(pk=forum.pk).update(status=SessionStatus.CANCELLED)
    assert client_for(li.user).get(url("questions", forum)).status_code == 404


def test_checking_in_to_a_forum_offers_its_questions_and_to_a_lecture_does_not(forum, li):
    checked_in = client_for(li.user, "en").post(
        reverse("participants:checkin_code"), {"code": participant_services.checkin_code(forum)}
    )
    assert "You are checked in" in checked_in.content.decode()
    link = page(checked_in.content.decode()).find(**{"data-testid": "ask-from-checkin"})
    assert link.attrs["href"] == url("questions", forum)
    lecture = SessionFactory(program=forum.program, starts_at=forum.starts_at, ends_at=forum.ends_at)
    listener = seat(lecture, ParticipantFactory())
    response = client_for(listener.user, "en").post(
        reverse("participants:checkin_code"), {"code": participant_services.checkin_code(lecture)}
    )
    assert "You are checked in" in response.content.decode()
    assert page(response.content.decode()).find_all(**{"data-testid": "ask-from-checkin"}) == []


# --- voting ----------------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_vote_by_the_button_counts_once_and_taking_it_back_removes_it(forum, li, zhao):
    question = questions.ask(participant=zhao, session=forum, text="如何应对337调查？", anonymous=False)
    client = client_for(li.user, "en")
    response = vote_through_page(client, forum, question, htmx=True)
    assert response.status_code == 200  # the list again, re-ranked
    button = page(response.content.decode()).find(id=f"q{question.pk}").find("button")
    assert button.attrs["aria-pressed"] == "true" and "take back" in button.text
    question.refresh_from_db()
    assert question.votes == 1
    # The same "vote" sent again (a second tab still showing the old button): still one vote.
    client.post(url("question_vote", forum, question.pk), {"action": "vote"})
    assert Vote.objects.filter(question=question).count() == 1
    question.refresh_from_db()
    assert question.votes == 1
    # Without script: the page again, the button now taking the vote back.
    assert vote_through_page(client, forum, question).status_code == 302
    question.refresh_from_db()
    assert question.votes == 0 and not Vote.objects.exists()


@pytest.mark.django_db
def test_the_room_ranks_by_votes_then_the_oldest_answered_ones_below(forum, li, zhao):
    others = [seat(forum) for _ in range(3)]
    first = questions.ask(participant=zhao, session=forum, text="第一个", anonymous=False)
    second = questions.ask(participant=zhao, session=forum, text="第二个", anonymous=False)
    third = questions.ask(participant=zhao, session=forum, text="第三个", anonymous=False)
    for voter in others[:2]:
        questions.vote(participant=voter, question=third)
    questions.vote(participant=others[2], question=second)
    questions.moderate(question=first, action=questions.ANSWER, by=_admin())
    served = page(client_for(li.user).get(url("questions", forum)).content.decode())
    ranked = [item.attrs["id"] for item in served.find(**{"data-testid": "open-questions"}).find_all("li")]
    assert ranked == [f"q{third.pk}", f"q{second.pk}"]
    answered = served.find(**{"data-testid": "answered-questions"})
    assert f"q{first.pk}" in [item.attrs["id"] for item in answered.find_all("li")]


def _admin():
    return UserFactory(role=UserRole.ADMINISTRATOR)


@pytest.mark.django_db
def test_votes_refused_name_why_and_change_nothing(forum, li, zhao):
    mine = questions.ask(participant=li, session=forum, text="我自己的问题", anonymous=False)
    hidden = questions.ask(participant=zhao, session=forum, text="被隐藏的问题", anonymous=False)
    questions.moderate(question=hidden, action=questions.HIDE, by=_admin())
    client = client_for(li.user, "en")
    for question, message in [
        (mine, "That is your own question: others vote for it."),
        (hidden, "That question was hidden by the moderator: it takes no votes."),
    ]:
        response = client.post(url("question_vote", forum, question.pk), {"action": "vote"}, headers=HTMX)
        assert response.status_code == 400
        assert message in response.content.decode()
        response = client.post(url("question_vote", forum, question.pk), {"action": "vote"}, follow=True)
        assert message in response.content.decode()
    assert not Vote.objects.exists()
    assert set(Question.objects.values_list("votes", flat=True)) == {0}


@pytest.mark.django_db
def test_a_question_of_another_session_is_not_found_by_this_ones_address(forum, li, zhao):
    other_forum = SessionFactory(program=forum.program, format=SessionFormat.SEMINAR, starts_at=forum.starts_at,
                                 ends_at=forum.ends_at)  # fmt: skip
    seat(other_forum, zhao)
    elsewhere = questions.ask(participant=zhao, session=other_forum, text="另一场的问题", anonymous=False)
    response = client_for(li.user).post(url("question_vote", forum, elsewhere.pk), {"action": "vote"})
    assert response.status_code == 404
    admin = client_for(_admin())
    assert admin.post(url("question_moderate", forum, elsewhere.pk), {"action": "hide"}).status_code == 404
    assert not Vote.objects.exists() and Question.objects.get().state == QuestionState.OPEN


@pytest.mark.django_db
@pytest.mark.clock_edges
def test_after_the_queue_closes_votes_are_refused_and_the_list_stays(forum, li, zhao):
    question = questions.ask(participant=zhao, session=forum, text="会后还能投票吗？", anonymous=False)
    with clock.at(forum.ends_at + timedelta(minutes=31)):
        client = client_for(li.user, "en")
        served = client.get(url("questions", forum)).content.decode()
        assert "会后还能投票吗？" in served and "Vote" not in page(served).find(id=f"q{question.pk}").text
        response = client.post(url("question_vote", forum, question.pk), {"action": "vote"}, follow=True)
        assert "Questions closed at" in response.content.decode()
    assert not Vote.objects.exists()


# --- moderating ------------------------------------------------------------------------------------------------
def act(client, session, question, action, **extra):
    """Press a moderator's button on the question's row, as the moderation page serves it."""
    address = url("questions_moderate", session)
    target = url("question_moderate", session, question.pk)
    form = find_form(client.get(address).content.decode(), action=target, page_url=address)
    form.fill(**extra)
    return form.submit(client, address, press=action)


@pytest.mark.django_db
def test_the_faculty_member_marks_answered_hides_shows_again_and_the_room_follows(forum, li, zhao, teacher):
    question = questions.ask(participant=zhao, session=forum, text="标准必要专利许可费怎么算？", anonymous=False)
    faculty = client_for(teacher, "en")
    room = client_for(li.user, "en")

    def room_sees():
        served = page(room.get(url("questions", forum)).content.decode())
        for where in ("open-questions", "answered-questions"):
            found = served.find_all(**{"data-testid": where})
            if found and found[0].find_all(id=f"q{question.pk}"):
                return where
        return None

    response = act(faculty, forum, question, "Mark answered")
    assert response.status_code == 302
    assert f"#{question.pk} is marked answered." in faculty.get(response["Location"]).content.decode()
    question.refresh_from_db()
    assert question.state == QuestionState.ANSWERED and question.answered_at is not None
    assert room_sees() == "answered-questions"
    act(faculty, forum, question, "Hide")
    assert room_sees() is None
    act(faculty, forum, question, "Show again")
    question.refresh_from_db()
    assert question.state == QuestionState.ANSWERED  # it was answered before it was hidden
    assert room_sees() == "answered-questions"


@pytest.mark.django_db
def test_merging_a_duplicate_moves_its_votes_once_and_hides_it(forum, li, zhao, teacher):
    voters = [seat(forum) for _ in range(3)]
    kept = questions.ask(participant=zhao, session=forum, text="如何应对美国337调查？", anonymous=False)
    duplicate = questions.ask(participant=li, session=forum, text="337调查怎么应诉？", anonymous=False)
    questions.vote(participant=voters[0], question=kept)
    questions.vote(participant=voters[0], question=duplicate)  # voted for both: counts once
    questions.vote(participant=voters[1], question=duplicate)
    questions.vote(participant=zhao, question=duplicate)  # the kept question's author: no vote for their own
    faculty = client_for(teacher, "en")
    response = act(faculty, forum, duplicate, "Merge", into=str(kept.pk))
    assert (
        f"#{duplicate.pk} is merged into #{kept.pk}; its votes count there."
        in faculty.get(response["Location"]).content.decode()
    )
    kept.refresh_from_db()
    duplicate.refresh_from_db()
    # voters[0], voters[1] and the duplicate's author (li), who asked the same.
    assert set(Vote.objects.filter(question=kept).values_list("participant", flat=True)) == {
        voters[0].pk, voters[1].pk, li.pk,
    }  # fmt: skip
    assert (kept.votes, duplicate.votes) == (3, 0)
    assert (duplicate.state, duplicate.merged_into_id) == (QuestionState.HIDDEN, kept.pk)
    assert "337调查怎么应诉？" not in client_for(voters[2].user).get(url("questions", forum)).content.decode()
    row = page(faculty.get(url("questions_moderate", forum)).content.decode()).find(id=f"q{duplicate.pk}")
    assert f"Merged into #{kept.pk}" in row.text and not row.find_all("form")


@pytest.mark.django_db
def test_a_merge_refused_says_why_and_changes_nothing(forum, li, zhao, teacher):
    a = questions.ask(participant=zhao, session=forum, text="问题甲", anonymous=False)
    b = questions.ask(participant=zhao, session=forum, text="问题乙", anonymous=False)
    c = questions.ask(participant=li, session=forum, text="问题丙", anonymous=False)
    other_forum = SessionFactory(program=forum.program, format=SessionFormat.FORUM, starts_at=forum.starts_at,
                                 ends_at=forum.ends_at)  # fmt: skip
    seat(other_forum, zhao)
    elsewhere = questions.ask(participant=zhao, session=other_forum, text="别处的问题", anonymous=False)
    questions.moderate(question=c, action=questions.MERGE, into=b.pk, by=teacher)
    faculty = client_for(teacher, "en")
    for into, message in [
        ("", "Choose the question it repeats."),
        ("abc", "Merge into: type the number of a question of this session, e.g. 12."),
        (str(a.pk), "A question cannot be merged into itself: choose another."),
        (str(elsewhere.pk), "Choose a question of this session."),
        (str(c.pk), f"#{c.pk} was merged into #{b.pk} itself: merge into that one."),
    ]:
        response = act(faculty, forum, a, "Merge", into=into)
        assert message in faculty.get(response["Location"]).content.decode(), into
    a.refresh_from_db()
    assert (a.state, a.merged_into_id) == (QuestionState.OPEN, None)
    # A question merged away meanwhile (another moderator's tab): each action says so.
    for action in (questions.ANSWER, questions.HIDE, questions.MERGE):
        with pytest.raises(questions.QuestionRefused, match=f"#{c.pk} was merged into #{b.pk}"):
            questions.moderate(question=c, action=action, into=a.pk, by=teacher)


@pytest.mark.django_db
def test_only_the_sessions_faculty_and_administrators_moderate(forum, li, zhao, teacher, administrator):
    question = questions.ask(participant=zhao, session=forum, text="问题", anonymous=False)
    other_faculty = UserFactory(role=UserRole.FACULTY)
    FacultyFactory(user=other_faculty)
    for user, status in [(li.user, 403), (other_faculty, 403), (teacher, 200), (administrator, 200)]:
        client = client_for(user)
        for name in ("questions_moderate", "questions_screen", "questions_export"):
            assert client.get(url(name, forum)).status_code == status, (user, name)
        response = client.post(url("question_moderate", forum, question.pk), {"action": "hide"})
        assert response.status_code == (302 if status == 200 else 403)
        if status == 200:
            questions.moderate(question=question, action=questions.UNHIDE, by=administrator)
    # Moderators opening the room's page are sent to theirs.
    response = client_for(teacher).get(url("questions", forum))
    assert response.status_code == 302 and response["Location"] == url("questions_moderate", forum)


# --- the projector and the export ------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_projector_shows_the_top_questions_and_the_way_to_ask_and_polls_its_list(forum, li, zhao, teacher):
    askers = [li, zhao] + [seat(forum) for _ in range(3)]
    asked = [questions.ask(participant=askers[n % 5], session=forum, text=f"问题{n}", anonymous=False)
             for n in range(questions.SCREEN_TOP + 2)]  # fmt: skip
    questions.vote(participant=li, question=asked[-1])  # the last, asked by a lawyer of no name given: first
    faculty = client_for(teacher, "en")
    served = faculty.get(url("questions_screen", forum)).content.decode()
    shown = page(served).find(**{"data-testid": "screen-questions"}).find_all("li")
    assert len(shown) == questions.SCREEN_TOP
    assert f"问题{len(asked) - 1}" in shown[0].text and asked[-1].author.name_zh in shown[0].text
    assert "<svg" in served and url("questions", forum) in served  # the QR code and the link to ask
    live = faculty.get(url("questions_screen", forum), headers=HTMX)
    body = live.content.decode()
    assert 'id="questions-live"' in body and 'hx-trigger="every 5s"' in body and "<svg" not in body
    assert "<html" not in body
    assert f"{len(asked)} open questions" in body


@pytest.mark.django_db
def test_the_export_keeps_every_question_with_its_votes_state_and_author_anonymous_ones_marked(
    forum, li, zhao, teacher
):
    named = questions.ask(participant=zhao, session=forum, text='=HYPERLINK("http://x")', anonymous=False)
    hidden = questions.ask(participant=li, session=forum, text="匿名的问题", anonymous=True)
    questions.vote(participant=li, question=named)
    questions.moderate(question=named, action=questions.ANSWER, by=teacher)
    questions.moderate(question=hidden, action=questions.HIDE, by=teacher)
    response = client_for(teacher, "en").get(url("questions_export", forum))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="questions-{forum.pk}.xlsx"'
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:8] == ("No.", "Question", "Votes", "State", "Merged into", "Asked by", "Law firm",
                           "Shown as anonymous")  # fmt: skip
    by_pk = {row[0]: row for row in rows[1:]}
    assert by_pk[named.pk][1] == '\'=HYPERLINK("http://x")'  # never a formula
    assert by_pk[named.pk][2:8] == (1, "Answered", None, "赵雷", zhao.law_firm, "No")
    assert by_pk[named.pk][9]  # answered at
    assert by_pk[hidden.pk][3:8] == ("Hidden", None, "李明", li.law_firm, "Yes")


@pytest.mark.django_db
def test_hostile_text_is_text_on_every_page_and_in_the_export(forum, li, zhao, teacher):
    question = questions.ask(participant=zhao, session=forum, text=HOSTILE, anonymous=False)
    faculty = client_for(teacher)
    for client, address in [
        (client_for(li.user), url("questions", forum)),
        (faculty, url("questions_moderate", forum)),
        (faculty, url("questions_screen", forum)),
    ]:
        body = client.get(address).content.decode()
        assert "<script>alert" not in body and "<img src=x" not in body, address
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body, address
    rows = load_workbook(BytesIO(faculty.get(url("questions_export", forum)).content)).active.iter_rows(
        values_only=True
    )
    assert any(row[0] == question.pk and row[1] == HOSTILE for row in rows)  # a cell's text, as typed


# --- the session's page ----------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_session_page_leads_the_room_and_the_moderators_to_the_queue(forum, li, teacher, other_lawyer):
    detail = reverse("sessions:session_detail", args=[forum.program.slug, forum.pk])
    assert url("questions", forum) in client_for(li.user).get(detail).content.decode()
    served = client_for(teacher).get(detail).content.decode()
    assert url("questions_moderate", forum) in served and url("questions_screen", forum) in served
    AdmissionFactory(program=forum.program, participant=ParticipantFactory(user=other_lawyer))
    assert url("questions", forum) not in client_for(other_lawyer).get(detail).content.decode()


# --- what 300 phones cost ---------------------------------------------------------------------------------------
def _queries(client, address, **headers) -> int:
    """The queries of a request after the first (which may store the person's session or language)."""
    client.get(address, headers=headers)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(address, headers=headers).status_code == 200
    return len(captured)


@pytest.mark.django_db
def test_the_room_the_projector_and_the_moderators_read_a_fixed_number_of_queries(forum, li, zhao, teacher):
    room, faculty = client_for(li.user), client_for(teacher)
    pages = [
        (room, url("questions", forum), {}),
        (room, url("questions", forum), HTMX),
        (faculty, url("questions_screen", forum), HTMX),
        (faculty, url("questions_moderate", forum), {}),
    ]
    questions.ask(participant=zhao, session=forum, text="一个问题", anonymous=False)
    small = [_queries(client, address, **headers) for client, address, headers in pages]
    voters = [seat(forum) for _ in range(6)]
    for n in range(12):
        asked = questions.ask(participant=voters[n % 6], session=forum, text=f"问题{n}", anonymous=n % 3 == 0)
        for voter in voters[: n % 5]:
            if voter != asked.author:
                questions.vote(participant=voter, question=asked)
        if n % 4 == 0:
            questions.moderate(question=asked, action=questions.ANSWER, by=teacher)
    large = [_queries(client, address, **headers) for client, address, headers in pages]
    assert small == large
