import hashlib
import secrets

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from helpdesk.ids import new_public_id


def new_user_id() -> str:
    return new_public_id("usr_")


def new_group_id() -> str:
    return new_public_id("grp_")


class Role(models.TextChoices):
    REQUESTER = "requester", "Requester"
    AGENT = "agent", "Agent"
    ADMIN = "admin", "Admin"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email, password, **fields):
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)  # None gives an unusable password
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **fields):
        fields.setdefault("role", Role.REQUESTER)
        return self._create(email, password, **fields)

    def create_superuser(self, email, password=None, **fields):
        # `manage.py createsuperuser` makes an admin: the role, not a separate flag, is what counts.
        fields["role"] = Role.ADMIN
        fields["is_superuser"] = True
        return self._create(email, password, **fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractBaseUser):
    """A person: requester, agent or admin. Logs in with email; the role decides what they may do."""

    public_id = models.CharField(max_length=24, unique=True, default=new_user_id, editable=False)
    email = models.EmailField(unique=True)
    name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.REQUESTER, db_index=True)
    is_vip = models.BooleanField("VIP", default=False)
    is_active = models.BooleanField(default=True)
    is_superuser = models.BooleanField(default=False, help_text="Created by createsuperuser; always an admin.")
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]

    def __str__(self):
        return f"{self.name} <{self.email}>" if self.name else self.email

    # The token whose call changed this user's password, spared when the change revokes the others.
    _token_kept = None
    _password_disabled = False

    def save(self, *args, **kwargs):
        self.email = (self.email or "").strip().lower()
        if self.is_superuser:
            self.role = Role.ADMIN
        # Django marks a set_password() not yet saved with _password (hash upgrades at log-in clear it
        # first); read it now, since the base save() clears it.
        password_changed = (self._password is not None or self._password_disabled) and not self._state.adding
        super().save(*args, **kwargs)
        if password_changed:
            # Whatever changed the password (the API, admin's password form, a password reset,
            # `manage.py changepassword`) ends the API tokens made with the old one.
            from .services import tokens_revoke_all  # services import this module

            tokens_revoke_all(user=self, keep=self._token_kept)
            self._token_kept = None
            self._password_disabled = False

    def set_password(self, raw_password, *, keep_token=None):
        """keep_token: an ApiToken of this user that the save revoking the others spares."""
        super().set_password(raw_password)
        self._token_kept = keep_token

    def set_unusable_password(self):
        # Admin's "disable password-based authentication" is a password change too.
        super().set_unusable_password()
        self._password_disabled = True

    @property
    def is_admin(self) -> bool:
        return self.is_active and self.role == Role.ADMIN

    @property
    def is_agent(self) -> bool:
        """Agents and admins both work requests."""
        return self.is_active and self.role in (Role.AGENT, Role.ADMIN)

    @property
    def is_requester(self) -> bool:
        return self.role == Role.REQUESTER

    # Django admin is for admins; they may do everything there.
    @property
    def is_staff(self) -> bool:
        return self.is_admin

    def has_perm(self, perm, obj=None) -> bool:
        return self.is_admin

    def has_perms(self, perm_list, obj=None) -> bool:
        return self.is_admin

    def has_module_perms(self, app_label) -> bool:
        return self.is_admin

    def get_full_name(self) -> str:
        return self.name or self.email

    def get_short_name(self) -> str:
        return self.name or self.email


class Group(models.Model):
    """A team of agents. A request in a group may only be assigned to one of its members."""

    public_id = models.CharField(max_length=24, unique=True, default=new_group_id, editable=False)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    members = models.ManyToManyField(User, related_name="agent_groups", blank=True)
    calendar = models.ForeignKey(
        "sla.BusinessCalendar",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="groups",
        help_text="Business hours for this group's SLA clocks; blank: the default calendar.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            # Names are compared without case ("Billing" and "billing" are one team), so the index
            # that decides between concurrent creators must be too.
            models.UniqueConstraint(
                Lower("name"),
                name="group_name_unique_ci",
                violation_error_message="A group with this name already exists.",
            ),
        ]

    def __str__(self):
        return self.name


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token. Only its SHA-256 is stored; the plain value is shown once, when made."""

    PREFIX = "hd_"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(max_length=12, editable=False, help_text="First characters, to tell tokens apart.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="After this the token is refused; blank: it never expires."
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API token"

    def __str__(self):
        return f"{self.hint}… ({self.user.email})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired

    @classmethod
    def generate(cls) -> tuple[str, str, str]:
        """Returns (plain value, hash, hint)."""
        raw = cls.PREFIX + secrets.token_urlsafe(32)
        return raw, hash_token(raw), raw[:10]


class SignupRequest(models.Model):
    """A self sign-up waiting for its email to be confirmed. No user exists until then, so nobody can
    claim an address they cannot read; the password is kept only as Django's hash."""

    email = models.EmailField(db_index=True)
    name = models.CharField(max_length=150)
    password_hash = models.CharField(max_length=128, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "sign-up waiting for confirmation"
        verbose_name_plural = "sign-ups waiting for confirmation"

    def __str__(self):
        return self.email
