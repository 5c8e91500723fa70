"""The live question queue of seminars and forums (#18 item 6): who may ask and vote, when, and how often;
what moderators do to a question; what the room, the moderators and the projector read.

The rules, in one place:
- Only seminars and forums that are not cancelled take questions.
- A lawyer asks and votes when they hold a confirmed seat in the session or checked in to it.
- Asking and voting open when check-in opens (participants' checkin_window) and close CLOSES_AFTER the session
  ends; moderators act, and export, at any time.
- A lawyer asks at most ASK_LIMIT questions a minute (common/throttle, in the cache).
- A vote is set, not toggled: "vote" twice (two taps, two tabs) is one vote; "take back" removes it. Nobody votes
  for their own question, nor for one that is hidden, answered or merged.
- Moderators (administrators and the session's faculty: those who run its teams, services.may_build) mark a
  question answered, hide it, show it again, or merge a duplicate into the question it repeats. Merging is final:
  the duplicate is hidden, its votes move to the kept question (a lawyer who voted for both counts once; the kept
  question's author's vote is dropped) and its author votes for the kept one, as they asked the same; questions
  merged into the duplicate before move with it.
- Every change to a question locks its row first (a merge locks both, in id order), so two moderators acting at
  once, or a vote meeting a merge, each get a clear outcome; Question.votes is the count of its Vote rows always.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, Count, Exists, F, IntegerField, Value, When
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from common.throttle import over_limit
from participants.models import ATTENDED, Attendance, Enrolment, EnrolmentState, Participant
from participants.services import checkin_window
from sessions.models import SessionStatus, TrainingSession

from .models import QUESTION_MAX_LENGTH, SHOWN, WITH_QUESTIONS, Question, QuestionState, Vote
from .services import check_may_build

CLOSES_AFTER = timedelta(minutes=30)  # after the session ends: the last questions of the way out
ASK_LIMIT = 3  # questions a lawyer asks a minute
SCREEN_TOP = 6  # questions the projector shows (large enough to read from the back of the room)
ROOM_ANSWERED = 50  # answered questions the room's list shows (the newest), below the open ones


class QuestionRefused(ValidationError):
    """A change the rules refuse, with the message a page shows (keyed by the field it is about, if any)."""


# --- who and when ---------------------------------------------------------------------------------------------
def takes_questions(session: TrainingSession) -> bool:
    return session.format in WITH_QUESTIONS and session.status == SessionStatus.SCHEDULED


def is_in_room(participant: Participant | None, session: TrainingSession) -> bool:
    """A lawyer holding a confirmed seat in the session, or checked in to it (one query)."""
    if participant is None:
        return False
    seated = Enrolment.objects.filter(participant=participant, session=session, state=EnrolmentState.CONFIRMED)
    present = Attendance.objects.filter(participant=participant, session=session, status__in=ATTENDED)
    return Participant.objects.filter(Exists(seated) | Exists(present), pk=participant.pk).exists()


def window(session: TrainingSession) -> tuple[datetime, datetime]:
    """When the room may ask and vote: from check-in's opening to CLOSES_AFTER the session's end."""
    opens, _late, _closes = checkin_window(session)
    return opens, session.ends_at + CLOSES_AFTER


def is_open(session: TrainingSession, at: datetime | None = None) -> bool:
    opens, closes = window(session)
    return opens <= (at or timezone.now()) < closes


def _local(value: datetime) -> str:
    value = timezone.localtime(value)
    return f"{formats.date_format(value, 'DATE_FORMAT')} {value:%H:%M}"


def _check_may_take_part(participant: Participant | None, session: TrainingSession) -> None:
    if not takes_questions(session):
        raise QuestionRefused(_("This session takes no questions: only seminars and forums do."))
    if not is_in_room(participant, session):
        raise QuestionRefused(_("Only lawyers holding a seat in this session, or checked in to it, ask and vote."))
    opens, closes = window(session)
    now = timezone.now()
    if now < opens:
        raise QuestionRefused(_("Questions open at %(time)s, when check-in opens.") % {"time": _local(opens)})
    if now >= closes:
        raise QuestionRefused(
            _("Questions closed at %(time)s, half an hour after the session.") % {"time": _local(closes)}
        )


def clean_text(text: str) -> str:
    """The question as stored: without surrounding spaces, not empty, at most QUESTION_MAX_LENGTH characters."""
    text = (text or "").strip()
    if not text:
        raise QuestionRefused({"text": _("Type your question.")})
    if len(text) > QUESTION_MAX_LENGTH:
        raise QuestionRefused(
            {
                "text": _("Keep your question to %(limit)s characters (it has %(count)s).")
                % {"limit": QUESTION_MAX_LENGTH, "count": len(text)}
            }
        )
    return text


# --- the room -------------------------------------------------------------------------------------------------
def ask(*, participant: Participant | None, session: TrainingSession, text: str, anonymous: bool) -> Question:
    """A lawyer's question to the room. Refused (changing nothing) when the lawyer may not ask now, when the text is
    empty or too long, or past ASK_LIMIT a minute."""
    _check_may_take_part(participant, session)
    text = clean_text(text)
    if over_limit(f"questions-asked:{participant.pk}", ASK_LIMIT):
        raise QuestionRefused(
            {
                "text": ngettext(
                    "You may ask %(limit)s question a minute. Wait a minute, then ask again.",
                    "You may ask %(limit)s questions a minute. Wait a minute, then ask again.",
                    ASK_LIMIT,
                )
                % {"limit": ASK_LIMIT}
            }
        )
    question = Question(session=session, author=participant, text=text, anonymous=anonymous)
    question.full_clean()
    question.save()
    return question


def _locked(question_pk: int, session: TrainingSession) -> Question:
    """The question's row, locked for this transaction (the session's only: another's id is not found)."""
    found = Question.objects.select_for_update().filter(pk=question_pk, session=session).first()
    if found is None:
        raise QuestionRefused(_("That question is not one of this session's."))
    return found


def vote(*, participant: Participant | None, question: Question, support: bool = True) -> Question:
    """The lawyer's vote for the question set (`support`) or taken back. Setting a vote that is there, or taking
    back one that is not, changes nothing: two taps or two tabs make one vote."""
    session = question.session
    _check_may_take_part(participant, session)
    with transaction.atomic():
        question = _locked(question.pk, session)
        if question.author_id == participant.pk:
            raise QuestionRefused(_("That is your own question: others vote for it."))
        mine = Vote.objects.filter(question=question, participant=participant)
        if support:
            _check_votable(question)
            if not mine.exists():
                Vote.objects.create(question=question, participant=participant)
                _count(question, +1)
        elif mine.delete()[0]:
            _count(question, -1)
    question.refresh_from_db(fields=["votes"])
    return question


def _check_votable(question: Question) -> None:
    if question.is_merged:
        raise QuestionRefused(
            _("That question was merged into #%(pk)s: vote for that one.") % {"pk": question.merged_into_id}
        )
    if question.state == QuestionState.HIDDEN:
        raise QuestionRefused(_("That question was hidden by the moderator: it takes no votes."))
    if question.state == QuestionState.ANSWERED:
        raise QuestionRefused(_("That question is answered: it takes no more votes."))


def _count(question: Question, change: int) -> None:
    Question.objects.filter(pk=question.pk).update(votes=F("votes") + change)


# --- moderating -----------------------------------------------------------------------------------------------
ANSWER, HIDE, UNHIDE, MERGE = "answer", "hide", "unhide", "merge"


def moderate(*, question: Question, action: str, by, into: int | None = None) -> Question:
    """A moderator's action on a question: mark it answered, hide it, show it again, or merge it into the question
    `into` (an id of the same session). The row is locked first: an action on a question another moderator changed
    meanwhile is told what happened to it."""
    session = question.session
    check_may_build(by, session)  # its moderators are those who run its teams: the office and its faculty
    with transaction.atomic():
        if action == MERGE:
            return _merge(question.pk, into, session)
        question = _locked(question.pk, session)
        if question.is_merged:
            raise QuestionRefused(
                _("#%(pk)s was merged into #%(into)s meanwhile.") % {"pk": question.pk, "into": question.merged_into_id}
            )
        if action == ANSWER:
            if question.state == QuestionState.ANSWERED:
                raise QuestionRefused(_("#%(pk)s is answered already.") % {"pk": question.pk})
            question.state, question.answered_at = QuestionState.ANSWERED, timezone.now()
        elif action == HIDE:
            if question.state == QuestionState.HIDDEN:
                raise QuestionRefused(_("#%(pk)s is hidden already.") % {"pk": question.pk})
            question.state = QuestionState.HIDDEN
        elif action == UNHIDE:
            if question.state != QuestionState.HIDDEN:
                raise QuestionRefused(_("#%(pk)s is shown already.") % {"pk": question.pk})
            question.state = QuestionState.ANSWERED if question.answered_at else QuestionState.OPEN
        else:
            raise QuestionRefused(_("Choose what to do with the question."))
        question.save(update_fields=["state", "answered_at"])
    return question


def _merge(pk: int, into: int | None, session: TrainingSession) -> Question:
    if into is None:
        raise QuestionRefused({"into": _("Choose the question it repeats.")})
    if into == pk:
        raise QuestionRefused({"into": _("A question cannot be merged into itself: choose another.")})
    rows = {
        q.pk: q for q in Question.objects.select_for_update().filter(pk__in=[pk, into], session=session).order_by("pk")
    }
    if pk not in rows:
        raise QuestionRefused(_("That question is not one of this session's."))
    if into not in rows:
        raise QuestionRefused({"into": _("Choose a question of this session.")})
    duplicate, kept = rows[pk], rows[into]
    if duplicate.is_merged:
        raise QuestionRefused(
            _("#%(pk)s was merged into #%(into)s already.") % {"pk": duplicate.pk, "into": duplicate.merged_into_id}
        )
    if kept.state == QuestionState.HIDDEN and not kept.is_merged:
        raise QuestionRefused({"into": _("#%(pk)s is hidden: show it first, or choose another.") % {"pk": kept.pk}})
    if kept.is_merged:
        raise QuestionRefused(
            {
                "into": _("#%(pk)s was merged into #%(into)s itself: merge into that one.")
                % {"pk": kept.pk, "into": kept.merged_into_id}
            }
        )
    # Its votes move to the kept question; its author supports the kept one too (they asked it).
    voters = set(Vote.objects.filter(question=kept).values_list("participant", flat=True)) | {kept.author_id}
    moving = Vote.objects.filter(question=duplicate).exclude(participant__in=voters)
    moving.update(question=kept)
    Vote.objects.filter(question=duplicate).delete()
    if duplicate.author_id not in voters:
        Vote.objects.get_or_create(question=kept, participant_id=duplicate.author_id)
    # Questions merged into the duplicate before now point at the kept one: no chains.
    Question.objects.filter(merged_into=duplicate).update(merged_into=kept)
    duplicate.merged_into, duplicate.state, duplicate.votes = kept, QuestionState.HIDDEN, 0
    duplicate.save(update_fields=["merged_into", "state", "votes"])
    kept.votes = Vote.objects.filter(question=kept).count()
    kept.save(update_fields=["votes"])
    return duplicate


# --- reading --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RoomQuestion:
    """A question as the room's list shows it (read as values: no model objects for 300 phones)."""

    pk: int
    text: str
    name: str  # the author's name, "" when asked anonymously
    votes: int
    state: str
    created_at: datetime
    mine: bool
    voted: bool

    @property
    def is_open(self) -> bool:
        return self.state == QuestionState.OPEN


RANKED = ("-votes", "created_at", "pk")


def room(session: TrainingSession, participant: Participant | None = None) -> list[RoomQuestion]:
    """The questions the room sees, open ones ranked (votes, then the oldest), then the newest ROOM_ANSWERED answered
    ones; each marked the reader's own, and voted by the reader (two queries)."""
    fields = ("pk", "text", "anonymous", "author__name_zh", "votes", "state", "created_at", "author_id")
    visible = Question.objects.filter(session=session)
    rows = list(visible.filter(state=QuestionState.OPEN).order_by(*RANKED).values_list(*fields))
    rows += list(
        visible.filter(state=QuestionState.ANSWERED)
        .order_by("-answered_at", "-pk")
        .values_list(*fields)[:ROOM_ANSWERED]
    )
    voted = set()
    if participant is not None:
        voted = set(
            Vote.objects.filter(participant=participant, question__session=session).values_list("question", flat=True)
        )
    me = participant.pk if participant else None
    return [
        RoomQuestion(pk, text, "" if anonymous else name, votes, state, created_at, author == me, pk in voted)
        for pk, text, anonymous, name, votes, state, created_at, author in rows
    ]


def screen(session: TrainingSession) -> dict:
    """What the projector shows: the top SCREEN_TOP open questions, and how many are open and answered."""
    fields = ("pk", "text", "anonymous", "author__name_zh", "votes")
    top = [
        {"pk": pk, "text": text, "name": "" if anonymous else name, "votes": votes}
        for pk, text, anonymous, name, votes in Question.objects.filter(session=session, state=QuestionState.OPEN)
        .order_by(*RANKED)
        .values_list(*fields)[:SCREEN_TOP]
    ]
    counts = dict(
        Question.objects.filter(session=session, state__in=SHOWN)
        .order_by()
        .values("state")
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )
    return {"top": top, "counts": counts}


def for_moderators(session: TrainingSession) -> list[Question]:
    """Every question of the session with its author: open ones ranked, then answered, hidden and merged ones."""
    order = Case(
        When(state=QuestionState.OPEN, then=Value(0)),
        When(state=QuestionState.ANSWERED, then=Value(1)),
        When(merged_into__isnull=True, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    return list(Question.objects.filter(session=session).select_related("author").order_by(order, *RANKED))
