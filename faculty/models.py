"""Session materials: what faculty publish for a session, in versions, with who may read it and when."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.files import stored_name
from sessions.models import TrainingSession

# participants.models.EnrolmentState.CONFIRMED and AdmissionState.ADMITTED: faculty and participants are
# siblings that may not import each other; the layer test (tests/platform/test_layers.py) pins them to the enums.
SEATED, ADMITTED = "confirmed", "admitted"


class Visibility(models.TextChoices):
    PROGRAM = "program", _("Everyone admitted to the program")
    ENROLLED = "enrolled", _("Lawyers with a seat in this session")
    STAFF = "staff", _("Faculty and administrators only")


class MaterialLanguage(models.TextChoices):
    ZH = "zh", _("Chinese")
    EN = "en", _("English")
    BOTH = "both", _("Chinese and English")


class MaterialQuerySet(models.QuerySet):
    def live(self):
        return self.filter(deleted_at__isnull=True)

    def released(self, at=None):
        return self.filter(Q(release_at__isnull=True) | Q(release_at__lte=at or timezone.now()))


class Material(models.Model):
    """One document of a session (slides, a case file, a judgment); its files are its versions."""

    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="materials")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    language = models.CharField(_("language"), max_length=4, choices=MaterialLanguage.choices, default="zh")
    visibility = models.CharField(_("who may read it"), max_length=10, choices=Visibility.choices, default="enrolled")
    release_at = models.DateTimeField(
        _("release at"), null=True, blank=True, help_text=_("Lawyers see it from then on, e.g. a solution after class.")
    )
    confidential = models.BooleanField(
        _("confidential"), default=False, help_text=_("PDF downloads carry the reader's name and licence tail.")
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    announced_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Deleting hides a material from everyone but administrators, who keep it for audit.
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )

    objects = MaterialQuerySet.as_manager()

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["session", "-created_at"]
        indexes = [models.Index(fields=["session", "deleted_at"], name="material_session_live_idx")]

    def __str__(self):
        return self.title

    @property
    def is_released(self) -> bool:
        return self.release_at is None or self.release_at <= timezone.now()


def _stored_name(version, filename: str) -> str:
    """Names on disk are ours: the session, a random name and the checked extension."""
    return stored_name(f"materials/{version.material.session_id}", filename)


class MaterialVersion(models.Model):
    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    file = models.FileField(upload_to=_stored_name, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField(_("size"))
    content_type = models.CharField(_("type"), max_length=120)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("material version")
        verbose_name_plural = _("material versions")
        ordering = ["material", "-number"]
        constraints = [models.UniqueConstraint(fields=["material", "number"], name="material_version_once")]

    def __str__(self):
        return f"{self.material} v{self.number}"
