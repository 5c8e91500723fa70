"""The question queue under concurrent use, on PostgreSQL with threads: one lawyer's two taps (or two tabs) make one
vote; many lawyers voting at once are each counted; two moderators acting on one question at once each get a clear
outcome; a vote meeting a merge is counted once. Question.votes is always its Vote rows' count."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Count
from django.utils import timezone, translation

from accounts.roles import Role as UserRole
from participants.models import Enrolment, EnrolmentState
from practice import questions
from practice.models import Question, QuestionState, Vote
from sessions.models import SessionFormat
from tests.factories import (
    AssignmentFactory,
    FacultyFactory,
    ParticipantFactory,
    ProgramFactory,
    SessionFactory,
    UserFactory,
)
from tests.support import at_once

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):  # the refusals' words, as the tests read them
        yield


@pytest.fixture
def forum(db):
    """A seminar that began five minutes ago, with 40 lawyers seated; its queue is open whatever the hour."""
    start = timezone.now() - timedelta(minutes=5)
    session = SessionFactory(program=ProgramFactory(), format=SessionFormat.SEMINAR, starts_at=start,
                             ends_at=start + timedelta(hours=2), capacity=100)  # fmt: skip
    for _ in range(40):
        Enrolment.objects.create(participant=ParticipantFactory(), session=session, state=EnrolmentState.CONFIRMED)
    return session


def room(session):
    return list(Enrolment.objects.filter(session=session).select_related("participant").order_by("pk"))


def assert_counts_exact(session):
    """Each question's stored count is the number of its Vote rows."""
    pairs = list(Question.objects.filter(session=session).annotate(n=Count("vote_set")).values_list("votes", "n"))
    assert all(votes == n for votes, n in pairs), pairs


def test_one_lawyers_taps_and_tabs_at_once_make_one_vote(forum):
    author, voter = (e.participant for e in room(forum)[:2])
    question = questions.ask(participant=author, session=forum, text="两次点击算几票？", anonymous=False)
    results = at_once(*[lambda: questions.vote(participant=voter, question=question) for _ in range(8)])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Vote.objects.filter(question=question).count() == 1
    question.refresh_from_db()
    assert question.votes == 1


def test_the_whole_room_voting_at_once_is_counted_vote_by_vote(forum):
    lawyers = [e.participant for e in room(forum)]
    question = questions.ask(participant=lawyers[0], session=forum, text="全场同时投票", anonymous=False)
    voters = lawyers[1:]
    results = at_once(*[lambda v=v: questions.vote(participant=v, question=question) for v in voters], workers=12)
    assert not [r for r in results if isinstance(r, Exception)], results
    question.refresh_from_db()
    assert question.votes == len(voters) == Vote.objects.filter(question=question).count()
    # And all taking them back at once, with some voting again.
    again = voters[:10]
    calls = [lambda v=v: questions.vote(participant=v, question=question, support=False) for v in voters]
    calls += [lambda v=v: questions.vote(participant=v, question=question) for v in again]
    at_once(*calls, workers=12)
    assert_counts_exact(forum)


def test_two_moderators_merging_one_question_into_two_others_at_once_one_wins_the_other_is_told(forum):
    lawyers = [e.participant for e in room(forum)]
    teacher = FacultyFactory(user=UserFactory(role=UserRole.FACULTY))
    AssignmentFactory(session=forum, faculty=teacher)
    admin = UserFactory(role=UserRole.ADMINISTRATOR)
    duplicate = questions.ask(participant=lawyers[0], session=forum, text="重复的问题", anonymous=False)
    first = questions.ask(participant=lawyers[1], session=forum, text="第一个原问题", anonymous=False)
    second = questions.ask(participant=lawyers[2], session=forum, text="第二个原问题", anonymous=False)
    for voter in lawyers[3:13]:
        questions.vote(participant=voter, question=duplicate)
    results = at_once(
        lambda: questions.moderate(question=duplicate, action=questions.MERGE, into=first.pk, by=teacher.user),
        lambda: questions.moderate(question=duplicate, action=questions.MERGE, into=second.pk, by=admin),
    )
    refused = [r for r in results if isinstance(r, questions.QuestionRefused)]
    assert len(refused) == 1, results
    duplicate.refresh_from_db()
    assert f"#{duplicate.pk} was merged into #{duplicate.merged_into_id} already." in refused[0].messages
    kept = Question.objects.get(pk=duplicate.merged_into_id)
    other = second if kept.pk == first.pk else first
    # The ten votes and the duplicate's author moved once, to the winner only.
    assert kept.votes == 11 and Question.objects.get(pk=other.pk).votes == 0
    assert_counts_exact(forum)


def test_a_moderator_answering_while_another_merges_each_is_told_what_happened(forum):
    lawyers = [e.participant for e in room(forum)]
    admin, other_admin = UserFactory(role=UserRole.ADMINISTRATOR), UserFactory(role=UserRole.ADMINISTRATOR)
    question = questions.ask(participant=lawyers[0], session=forum, text="同时处理", anonymous=False)
    kept = questions.ask(participant=lawyers[1], session=forum, text="保留的问题", anonymous=False)
    results = at_once(
        lambda: questions.moderate(question=question, action=questions.ANSWER, by=admin),
        lambda: questions.moderate(question=question, action=questions.MERGE, into=kept.pk, by=other_admin),
    )
    question.refresh_from_db()
    if question.is_merged:  # the merge came second, or first: the answer was then refused, saying why
        assert question.state == QuestionState.HIDDEN
        if isinstance(results[0], Exception):
            assert f"#{question.pk} was merged into #{kept.pk} meanwhile." in results[0].messages
    else:  # impossible: a merge of an open or answered question always succeeds
        pytest.fail(f"not merged: {results}")
    assert not isinstance(results[1], Exception), results


def test_votes_meeting_a_merge_count_once_on_the_kept_question(forum):
    lawyers = [e.participant for e in room(forum)]
    admin = UserFactory(role=UserRole.ADMINISTRATOR)
    duplicate = questions.ask(participant=lawyers[0], session=forum, text="重复", anonymous=False)
    kept = questions.ask(participant=lawyers[1], session=forum, text="保留", anonymous=False)
    voters = lawyers[2:30]
    calls = [lambda v=v: questions.vote(participant=v, question=duplicate) for v in voters]
    calls += [lambda v=v: questions.vote(participant=v, question=kept) for v in voters[::2]]
    calls.insert(len(calls) // 2, lambda: questions.moderate(question=duplicate, action=questions.MERGE,
                                                             into=kept.pk, by=admin))  # fmt: skip
    results = at_once(*calls, workers=10)
    unexpected = [r for r in results if isinstance(r, Exception) and not isinstance(r, questions.QuestionRefused)]
    assert not unexpected, unexpected
    # Votes for the duplicate that came after the merge were refused, pointing to the kept question.
    for r in results:
        if isinstance(r, questions.QuestionRefused):
            assert f"merged into #{kept.pk}" in " ".join(r.messages)
    assert_counts_exact(forum)
    kept.refresh_from_db()
    supporters = set(Vote.objects.filter(question=kept).values_list("participant", flat=True))
    assert kept.votes == len(supporters) and lawyers[0].pk in supporters and lawyers[1].pk not in supporters
    assert not Vote.objects.filter(question=duplicate).exists()
