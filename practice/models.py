"""Practice (#18): the interactive formats' tools. A mock-court or case-study session holds cases; the session's
lawyers are built into teams (a side each, in a mock court) or groups (a case study), each member with a role.

A lawyer is in at most one team of a session (Member.session, kept from the team's case, makes it a constraint).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from assessment.models import Assignment, AssignmentKind
from common.files import stored_name
from participants.models import Participant
from sessions.models import Bilingual, SessionFormat, TrainingSession, bilingual

# The formats whose sessions hold cases: a mock court's teams take sides; a case study's groups do not.
WITH_CASES = (SessionFormat.MOCK_COURT, SessionFormat.CASE_STUDY)


class Dispute(models.TextChoices):
    PATENT = "patent", _("Patent infringement")
    TRADEMARK = "trademark", _("Trademark")
    TRADE_SECRET = "trade_secret", _("Trade secrets")
    COPYRIGHT = "copyright", _("Copyright")
    LICENSING = "licensing", _("Licensing")
    MEDIATION = "mediation", _("Mediation")
    ARBITRATION = "arbitration", _("Arbitration")


class Forum(models.TextChoices):
    US_DISTRICT = "us_district", _("A US district court")
    US_ITC = "us_itc", _("The US ITC (Section 337)")
    UPC = "upc", _("The Unified Patent Court")
    EPO = "epo", _("An EPO opposition division")
    WIPO_MEDIATION = "wipo_mediation", _("WIPO mediation")
    ARBITRAL_TRIBUNAL = "arbitral_tribunal", _("An arbitral tribunal")
    CN_COURT = "cn_court", _("A Chinese IP court")
    OTHER = "other", _("Other")


class Side(models.TextChoices):
    CLAIMANT = "claimant", _("Claimant")
    RESPONDENT = "respondent", _("Respondent")


class Role(models.TextChoices):
    LEAD_COUNSEL = "lead_counsel", _("Lead counsel")
    COUNSEL = "counsel", _("Counsel")
    WITNESS = "witness", _("Witness")
    EXPERT = "expert", _("Expert")
    RAPPORTEUR = "rapporteur", _("Rapporteur")
    MEMBER = "member", _("Member")


class Case(Bilingual, models.Model):
    """A dispute a mock-court or case-study session works on, with how its teams are made up."""

    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="cases")
    title_zh = models.CharField(_("case (Chinese)"), max_length=200)
    title_en = models.CharField(_("case (English)"), max_length=200, blank=True)
    summary_zh = models.TextField(_("summary (Chinese)"), max_length=5000, blank=True)
    summary_en = models.TextField(_("summary (English)"), max_length=5000, blank=True)
    dispute = models.CharField(_("dispute"), max_length=16, choices=Dispute.choices)
    forum = models.CharField(_("forum simulated"), max_length=20, choices=Forum.choices)
    in_english = models.BooleanField(
        _("heard in English"), default=False, help_text=_("Its teams are made of lawyers who speak English.")
    )
    teams = models.PositiveSmallIntegerField(
        _("teams"),
        default=1,
        help_text=_("In a mock court: teams on each side. In a case study: groups."),
    )
    witnesses = models.PositiveSmallIntegerField(_("witnesses a team"), default=0)
    experts = models.PositiveSmallIntegerField(_("experts a team"), default=0)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    assignment = models.ForeignKey(
        Assignment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("counts as coursework"),
        help_text=_(
            "Coursework of the kind “Scored at the hearing”: each lawyer's result at the hearing becomes their grade "
            "in it (and counts for completion when the coursework is required)."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    title = bilingual("title")
    summary = bilingual("summary")

    class Meta:
        ordering = ["session", "position", "pk"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [
            models.CheckConstraint(condition=models.Q(teams__gte=1, teams__lte=20), name="case_teams_1_to_20"),
            models.CheckConstraint(condition=models.Q(witnesses__lte=3, experts__lte=3), name="case_roles_at_most_3"),
        ]

    def __str__(self):
        return self.title_zh

    def clean(self):
        assignment = self.assignment
        if assignment is None:
            return
        if assignment.program_id != self.session.program_id or assignment.session_id not in (None, self.session_id):
            raise ValidationError({"assignment": _("Choose coursework of this session or of its whole program.")})
        if self.has_sides and assignment.kind != AssignmentKind.HEARING:
            raise ValidationError(
                {"assignment": _("A mock court's results count as coursework “Scored at the hearing”.")}
            )
        if not self.has_sides and assignment.kind == AssignmentKind.HEARING:
            raise ValidationError(
                {"assignment": _("A case study's groups hand in a report: choose coursework that takes work.")}
            )

    @property
    def has_sides(self) -> bool:
        """A mock court's teams take sides; a case study's groups do not."""
        return self.session.format == SessionFormat.MOCK_COURT


class Lineup(models.Model):
    """A session's last build of teams: its seed (the same seed and the same lawyers build the same teams), who
    built it and when; when its places last changed, and what the lawyers were last told of them (`told`: their
    team and role by lawyer id), so that each is told once things settle (services.announce_places)."""

    session = models.OneToOneField(TrainingSession, on_delete=models.CASCADE, related_name="lineup")
    seed = models.PositiveIntegerField(_("seed"))
    built_at = models.DateTimeField(_("built at"))
    built_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    changed_at = models.DateTimeField(_("changed at"))
    announced_at = models.DateTimeField(null=True, blank=True)
    told = models.JSONField(default=dict, blank=True)

    def __str__(self):
        return f"{self.session_id}: {self.seed}"


class Team(models.Model):
    """A team on one side of a case (or, in a case study, a group): `number` counts from 1 on its side."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="team_set")
    side = models.CharField(_("side"), max_length=10, choices=Side.choices, blank=True)
    number = models.PositiveSmallIntegerField(_("number"))

    class Meta:
        ordering = ["case", "side", "number"]
        constraints = [models.UniqueConstraint(fields=["case", "side", "number"], name="team_once")]

    def __str__(self):
        return f"{self.case_id} {self.side or '-'} {self.number}"

    @property
    def name(self) -> str:
        if self.side:
            return _("%(side)s team %(number)s") % {"side": self.get_side_display(), "number": self.number}
        return _("Group %(number)s") % {"number": self.number}


class Member(models.Model):
    """A lawyer's place in a team, with their role; a locked place stays where it is when the teams are rebuilt."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="+")  # the team's case's
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="team_places")
    role = models.CharField(_("role"), max_length=14, choices=Role.choices)
    locked = models.BooleanField(_("locked"), default=False)

    class Meta:
        ordering = ["team", "pk"]
        constraints = [models.UniqueConstraint(fields=["session", "participant"], name="one_team_a_session")]

    def __str__(self):
        return f"{self.participant_id} in {self.team_id} ({self.role})"


class Criterion(models.TextChoices):
    """The case's rubric: what the bench scores in a team and in each of its speakers, POINTS each."""

    ARGUMENT = "argument", _("Argument")
    EVIDENCE = "evidence", _("Evidence")
    PROCEDURE = "procedure", _("Procedure")
    LANGUAGE = "language", _("Language")
    TEAMWORK = "teamwork", _("Teamwork")


POINTS = 20  # a criterion's points: five make 100


class Score(models.Model):
    """The bench's score of a team (no participant) or of one of its speaking lawyers, criterion by criterion.
    It stays with the team and the lawyer it was given to whatever happens to the teams afterwards."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="scores")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    points = models.JSONField(default=dict)  # criterion → points, as text ("17.5")
    total = models.DecimalField(_("score"), max_digits=4, decimal_places=1)
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    members = models.JSONField(default=list, blank=True)  # a team's score: its lawyers' ids when it was scored
    scored_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    scored_at = models.DateTimeField(_("scored at"))

    class Meta:
        ordering = ["team", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["team"], condition=models.Q(participant=None), name="one_team_score"),
            models.UniqueConstraint(
                fields=["team", "participant"], condition=models.Q(participant__isnull=False), name="one_speaker_score"
            ),
        ]

    def __str__(self):
        return f"{self.team_id} {self.participant_id or '-'}: {self.total}"


def _stored_name(material, filename: str) -> str:
    """Names on disk are ours: the case, a random name and the checked extension."""
    return stored_name(f"cases/{material.case_id}", filename)


class CaseMaterial(models.Model):
    """A file of a case: for everyone in its teams, or for one side only (never shown to the other)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="materials")
    side = models.CharField(
        _("for"), max_length=10, choices=Side.choices, blank=True, help_text=_("Empty: both sides.")
    )
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(upload_to=_stored_name, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField(_("size"))
    content_type = models.CharField(_("type"), max_length=120)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "side", "pk"]
        verbose_name = _("case material")
        verbose_name_plural = _("case materials")

    def __str__(self):
        return self.title


# --- the question queue of seminars and forums (#18 item 6) ----------------------------------------------------
# The formats whose sessions take questions from the room.
WITH_QUESTIONS = (SessionFormat.SEMINAR, SessionFormat.FORUM)
QUESTION_MAX_LENGTH = 500


class QuestionState(models.TextChoices):
    OPEN = "open", pgettext_lazy("question state", "Open")
    ANSWERED = "answered", pgettext_lazy("question state", "Answered")
    HIDDEN = "hidden", pgettext_lazy("question state", "Hidden")


# What the room sees: open questions first (by votes, then the oldest), then the answered ones.
SHOWN = (QuestionState.OPEN, QuestionState.ANSWERED)


class Question(models.Model):
    """A question a lawyer asks the room of a seminar or forum.

    `votes` is stored: the number of Vote rows on the question, changed only by practice.questions in the
    transaction that adds, removes or moves a vote, with the question's row locked, so the ranked read is one
    index scan however many phones poll. A question merged into another (`merged_into`) is hidden from the room
    and its votes (and its author's support) moved to the one it joined; see practice.questions.merge."""

    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="questions")
    author = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(_("question"), max_length=QUESTION_MAX_LENGTH)
    anonymous = models.BooleanField(_("show without my name"), default=False)
    state = models.CharField(_("state"), max_length=10, choices=QuestionState.choices, default=QuestionState.OPEN)
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged", verbose_name=_("merged into")
    )
    votes = models.PositiveIntegerField(_("votes"), default=0)
    created_at = models.DateTimeField(_("asked at"), default=timezone.now)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        ordering = ["session", "-votes", "created_at", "pk"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        indexes = [
            # The room's ranked read (and the projector's top ten): a session's questions in one state, by votes.
            models.Index(fields=["session", "state", "-votes", "created_at", "id"], name="question_ranked_idx")
        ]
        constraints = [
            models.CheckConstraint(condition=~models.Q(text=""), name="question_text_not_empty"),
            # A merged question is hidden, never answered or open in the room.
            models.CheckConstraint(
                condition=models.Q(merged_into__isnull=True) | models.Q(state=QuestionState.HIDDEN),
                name="question_merged_is_hidden",
            ),
            models.CheckConstraint(
                condition=~models.Q(merged_into=models.F("id")), name="question_not_merged_into_itself"
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.text[:40]}"

    @property
    def is_merged(self) -> bool:
        return self.merged_into_id is not None


class Vote(models.Model):
    """A lawyer's support for a question: one a lawyer a question (the constraint holds it under any race)."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="vote_set")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="question_votes")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("vote on a question")
        verbose_name_plural = _("votes on questions")
        constraints = [models.UniqueConstraint(fields=["question", "participant"], name="vote_once")]
        indexes = [models.Index(fields=["participant", "question"], name="vote_participant_idx")]

    def __str__(self):
        return f"{self.participant_id} → {self.question_id}"
