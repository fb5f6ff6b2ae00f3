import datetime
import hashlib
import uuid

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Coalesce, Lower, Upper
from django.utils import timezone

from core.choices import Counted
from core.models import CountedQuerySet

from .choices import GroupKind, Role
from .emails import normalize_email, validate_email_domain


class UserQuerySet(CountedQuerySet):
    """Users, whose count of every user is the one the database keeps (CountedQuerySet)."""

    counted = Counted.USERS


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email: str | None) -> str:
        """The one form in which emails are stored and looked up (see accounts.emails)."""
        return normalize_email(email)

    def get_by_natural_key(self, username: str) -> "User":
        return self.get(email=self.normalize_email(username))

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)


# A user's SCIM identity without case: the SQL of the `user_identity_unique_ci` constraint, which keeps it unique
# and whose index serves a lookup by userName that compares exactly this to the lowered name.
IDENTITY_KEY = Lower(Coalesce("user_name", "email", output_field=models.CharField()))


class User(AbstractBaseUser, PermissionsMixin):
    """A person of the organisation: may hold licenses, and may be an admin (see RoleAssignment)."""

    # Stored in its normal form (see save()): one account per address, whatever case or form of domain is typed.
    # Empty (NULL) only for a user provisioned over SCIM without an address: kept, licensable, but cannot sign in.
    email = models.EmailField(
        "email", max_length=254, unique=True, null=True, blank=True, validators=[validate_email_domain]
    )
    # The identity provider's userName (SCIM), as it sent it; NULL for users it did not provision. A user's SCIM
    # identity is this, or else the email (`identity`), unique without case across both.
    user_name = models.CharField(max_length=254, null=True, blank=True)
    external_id = models.CharField(
        max_length=255, blank=True, default="", help_text="The identity provider's id of the user (SCIM externalId)."
    )
    public_id = models.UUIDField(
        default=uuid.uuid4, unique=True, editable=False, help_text="Stable public id (the Graph endpoint's id)."
    )
    display_name = models.CharField(max_length=200, blank=True)
    department = models.CharField(max_length=100, blank=True)
    job_title = models.CharField(max_length=100, blank=True)
    usage_location = models.CharField(
        max_length=2,
        blank=True,
        validators=[RegexValidator(r"^[A-Z]{2}$", "Use an ISO 3166 alpha-2 country code, e.g. US.")],
        help_text="ISO 3166 alpha-2 country code.",
    )
    is_active = models.BooleanField(default=True, help_text="May sign in.")
    is_staff = models.BooleanField(default=False, help_text="May use the Django admin site.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    disabled_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the account was disabled; its licenses are reclaimed "
        "a grace period later (settings.LICENSE_RECLAIM_GRACE_DAYS).",
    )
    licenses_reclaimed_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the reclaim job took a disabled account's licenses: from then on no group gives it any.",
    )
    session_epoch = models.PositiveIntegerField(
        default=0, editable=False, help_text="Raised when the account is disabled, which ends its sessions."
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["display_name", "email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
            models.UniqueConstraint(Lower(Coalesce("user_name", "email")), name="user_identity_unique_ci"),
            models.CheckConstraint(
                condition=models.Q(email__isnull=False) | models.Q(user_name__isnull=False),
                name="user_has_identity",
            ),
        ]
        indexes = [
            models.Index(fields=["external_id"], name="user_external_id_idx"),
            # The lists' exact order, the key included: a deep page's ids are read off the index alone, and the
            # first page needs no sort (created by migration 0006 on PostgreSQL, declared here since 0014).
            models.Index(fields=["display_name", "email", "id"], name="user_list_order_idx"),
            models.Index(fields=["department"], name="user_department_idx"),
            # SCIM's and Graph's `department eq` compare case-insensitively (`iexact`: UPPER(department) = UPPER(…)).
            # The included columns let a count, and a semi-join on the id, read the index alone: a department's
            # users sit on every page of the table, so a bitmap heap scan would read all of it.
            models.Index(Upper("department"), include=["department", "id"], name="user_department_ci_idx"),
            models.Index(fields=["is_active"], name="user_active_idx"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.label

    @property
    def identity(self) -> str:
        """The SCIM userName: what the identity provider sent, or else the email."""
        return self.user_name or self.email or ""

    @property
    def label(self) -> str:
        """How the admin center names the user where a name is not enough (lists, the audit log): the email, or
        the user name of one provisioned without an address."""
        return self.email or self.user_name or ""

    @property
    def licenses_reclaimed_on(self) -> datetime.date | None:
        """The day a disabled account's licenses return (or returned) to their pools: a grace period
        (settings.LICENSE_RECLAIM_GRACE_DAYS) after it was disabled. None while the account is enabled."""
        if self.is_active or self.disabled_at is None:
            return None
        grace = datetime.timedelta(days=settings.LICENSE_RECLAIM_GRACE_DAYS)
        return timezone.localdate(self.licenses_reclaimed_at or self.disabled_at + grace)

    def disabled_at_follow(self, *, now: datetime.datetime) -> list[str]:
        """After `is_active` was set: note when the account was disabled or, when it is enabled, forget that and
        any reclaim of its licenses. Returns the fields set, for save(update_fields=...)."""
        if self.is_active:
            self.disabled_at = self.licenses_reclaimed_at = None
            return ["disabled_at", "licenses_reclaimed_at"]
        self.disabled_at = now
        return ["disabled_at"]

    def save(self, *args, **kwargs) -> None:
        self.email = UserManager.normalize_email(self.email) or None
        super().save(*args, **kwargs)

    def get_session_auth_hash(self) -> str:
        """Django's hash of the password, which every session keeps and must match on each request, extended by
        the session epoch: once the account is disabled its sessions no longer match, and Django ends each on its
        next request, also after the account is enabled again."""
        return self._with_session_epoch(super().get_session_auth_hash())

    def get_session_auth_fallback_hash(self):
        return (self._with_session_epoch(hash_) for hash_ in super().get_session_auth_fallback_hash())

    def _with_session_epoch(self, password_hash: str) -> str:
        # Epoch 0 (never disabled) keeps Django's own hash, so sessions from before this field stay valid.
        return f"{password_hash}:{self.session_epoch}" if self.session_epoch else password_hash

    def get_full_name(self) -> str:
        return self.display_name or self.label

    def get_short_name(self) -> str:
        return self.get_full_name()


class RoleAssignment(models.Model):
    """An admin role held by a user; a Subscription Administrator's role is scoped to one subscription."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(max_length=32, choices=Role.choices)
    subscription = models.ForeignKey(
        "licensing.Subscription",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_assignments",
    )
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user_id", "role", "subscription_id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(role=Role.SUBSCRIPTION_ADMIN, subscription__isnull=False)
                    | (~models.Q(role=Role.SUBSCRIPTION_ADMIN) & models.Q(subscription__isnull=True))
                ),
                name="role_subscription_scope",
                violation_error_message="A Subscription Administrator needs a subscription; other roles take none.",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "subscription"],
                condition=models.Q(subscription__isnull=False),
                name="role_unique_scoped",
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=models.Q(subscription__isnull=True),
                name="role_unique_unscoped",
            ),
        ]

    def __str__(self) -> str:
        label = self.get_role_display()
        if self.subscription_id:
            label = f"{label} of {self.subscription}"
        return f"{self.user}: {label}"


class Group(models.Model):
    """A set of users (README, "Groups"): an assigned group's members are added and removed by admins, a dynamic
    group's are the users its `rule` matches (accounts.group_rules). Groups are not nested. Not Django's
    auth.Group, which the admin center does not use."""

    name = models.CharField(max_length=100)
    description = models.CharField(max_length=500, blank=True)
    kind = models.CharField(max_length=16, choices=GroupKind.choices)
    rule = models.JSONField(default=dict, blank=True, help_text="A dynamic group's rule; empty for assigned groups.")
    members = models.ManyToManyField(User, through="GroupMembership", related_name="member_groups")
    external_id = models.CharField(
        max_length=255, blank=True, default="", help_text="The identity provider's id of the group (SCIM externalId)."
    )
    public_id = models.UUIDField(
        default=uuid.uuid4, unique=True, editable=False, help_text="Stable public id (the Graph endpoint's id)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="group_name_unique_ci"),
            models.CheckConstraint(condition=models.Q(kind__in=GroupKind.values), name="group_kind_known"),
        ]

    def __str__(self) -> str:
        return self.name


class GroupMembership(models.Model):
    """One user's membership of one group."""

    # The group keeps its own index, which a group's count of members reads; the user's lookups are served by
    # (user, group) below (docs/architecture.md, "Indexes").
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="group_memberships", db_index=False)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["group_id", "user_id"]
        constraints = [models.UniqueConstraint(fields=["group", "user"], name="group_membership_unique")]
        indexes = [models.Index(fields=["user", "group"], name="group_membership_user_idx")]

    def __str__(self) -> str:
        return f"{self.user} in {self.group}"


class ApiToken(models.Model):
    """A named, revocable, optionally expiring REST API credential of one user.

    Only the SHA-256 of the secret is stored (tokens are long random strings, so a fast hash is enough);
    `prefix` is its first characters, shown to tell tokens apart.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=16, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["user_id", "-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…) of {self.user}"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    def is_usable(self, now: datetime.datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class SignInFailure(models.Model):
    """A failed sign-in attempt, kept for the throttle window of accounts.throttling (in the database, so every
    app server sees the same count). Every attempt is recorded before its password is checked; a right one is
    deleted again."""

    email = models.CharField(max_length=254)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    occurred_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at"]
        indexes = [
            models.Index(fields=["email", "occurred_at"], name="signin_failure_email_idx"),
            models.Index(fields=["ip_address", "occurred_at"], name="signin_failure_ip_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.email} from {self.ip_address} at {self.occurred_at:%Y-%m-%d %H:%M:%S}"


class UserSession(AbstractBaseSession):
    """A browser's session (settings.SESSION_ENGINE, accounts/sessions.py): Django's database session, with the
    user signed in to it as a column of its own, so that a request reads its session and its user in one
    statement."""

    # No constraint and no cascade: a deleted user's sessions find no user to sign in as, and clearsessions drops
    # them once they expire; deleting users asks nothing of this table.
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )

    @classmethod
    def get_session_store_class(cls):
        from .sessions import SessionStore

        return SessionStore
