import hashlib
from functools import cache

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import connections, models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from .roles import Role

# UserManager.get_with_roles: whether the account holds each role's group, read with its columns.
ROLE_FLAGS = {role: f"holds_role_{role}" for role in Role.values}


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)

    def create_user(self, email, password=None, **fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)

    def get_with_roles(self, pk):
        """The account `pk` (or None) read with its roles in the same query, so that User.roles asks for no
        groups: each signed-in request loads its account so (accounts.backends.EmailBackend.get_user). Plain SQL
        written once: the ORM took five times as long to build this query as PostgreSQL took to answer it."""
        fields = self.model._meta.concrete_fields
        with connections[self.db].cursor() as cursor:
            cursor.execute(_account_with_roles_sql(self.db), [*ROLE_FLAGS, pk])
            row = cursor.fetchone()
        if row is None:
            return None
        user = self.model.from_db(self.db, [field.attname for field in fields], row[: len(fields)])
        user.__dict__.update(zip(ROLE_FLAGS.values(), map(bool, row[len(fields) :]), strict=True))
        return user


@cache
def _account_with_roles_sql(alias: str) -> str:
    """SELECT an account's columns and, for each role, whether it holds the role's group (its name a parameter)."""
    quote = connections[alias].ops.quote_name
    account, memberships = User._meta, User.groups.through._meta
    group, member = memberships.get_field("group"), memberships.get_field("user")
    account_id = f"account.{quote(account.pk.column)}"
    holds = (
        f"EXISTS (SELECT 1 FROM {quote(memberships.db_table)} AS held"  # noqa: S608 - our names
        f" INNER JOIN {quote(group.related_model._meta.db_table)} AS role_group"
        f" ON role_group.{quote(group.target_field.column)} = held.{quote(group.column)}"
        f" WHERE held.{quote(member.column)} = {account_id} AND role_group.{quote('name')} = %s)"
    )
    columns = ", ".join(f"account.{quote(field.column)}" for field in account.concrete_fields)
    flags = ", ".join(f"{holds} AS {quote(flag)}" for flag in ROLE_FLAGS.values())
    return f"SELECT {columns}, {flags} FROM {quote(account.db_table)} AS account WHERE {account_id} = %s"  # noqa: S608


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with an e-mail address; their role comes from their groups."""

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150)
    # The language the person reads the site and their e-mails in: the one they chose (language_chosen), or
    # until they choose, the one they last signed in with (their browser's), or for an account no one has
    # used yet, the one the administrator picked for the invitation (else the site's default).
    language = models.CharField(
        _("preferred language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    language_chosen = models.BooleanField(
        _("language chosen by the person"),
        default=False,
        help_text=_(
            "Chosen with the language switch or on the profile: then every device shows it. Until then each "
            "browser shows its own language, and e-mails follow the one last used."
        ),
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive accounts cannot sign in (e.g. invited, not yet activated).")
    )
    is_staff = models.BooleanField(_("staff"), default=False, help_text=_("May sign in to the Django admin."))
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self):
        return self.full_name or self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name

    @cached_property
    def roles(self) -> frozenset[str]:
        if all(flag in self.__dict__ for flag in ROLE_FLAGS.values()):  # read with the account (get_with_roles)
            names = {role for role, flag in ROLE_FLAGS.items() if self.__dict__[flag]}
        else:
            names = {g.name for g in self.groups.all()}
        if self.is_superuser:
            names.add(Role.ADMINISTRATOR)
        return frozenset(names & set(Role.values))

    def forget_roles(self) -> None:
        """After a change of groups: `roles` reads them again."""
        for name in ("roles", *ROLE_FLAGS.values()):
            self.__dict__.pop(name, None)

    @property
    def role_labels(self) -> list[str]:
        return [Role(role).label for role in sorted(self.roles)]

    @property
    def is_administrator(self) -> bool:
        return Role.ADMINISTRATOR in self.roles

    @property
    def is_faculty(self) -> bool:
        return Role.FACULTY in self.roles

    @property
    def is_participant(self) -> bool:
        return Role.PARTICIPANT in self.roles


class InvitationQuerySet(models.QuerySet):
    def usable(self):
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())


class Invitation(models.Model):
    """A one-time link that lets an invited person set a password and activate their account.

    Only the SHA-256 of the token is stored: the link itself exists only in the e-mail.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("person")
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")), name="invitation_expires_after_created"
            ),
        ]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()})"

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


class PasswordResetRequest(models.Model):
    """A reset asked for on the form, waiting for the worker, which looks the address up and e-mails a link
    if an active account has it.

    The web request only stores this row, whoever the address belongs to (or nobody), so its answer takes
    the same work and time either way; the row goes once the worker has handled it. A row the broker never
    received (it was down) is handled by the sweep (`password_reset_sweep`).
    """

    email = models.EmailField(_("e-mail address"))
    requested_at = models.DateTimeField(_("requested"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("password reset request")
        verbose_name_plural = _("password reset requests")

    def __str__(self):
        return f"{self.email} ({self.requested_at:%Y-%m-%d %H:%M})"
