"""Every write to users, groups and API tokens."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from helpdesk.errors import DomainError, PermissionDenied, ValidationFailed
from sla.triggers import rebuild_after_commit

from . import login_guard, token_cache
from .models import ApiToken, Group, Role, User

USER_FIELDS_SELF_SERVICE = {"name", "password", "current_password"}


def _require_admin(actor: User | None, what: str) -> None:
    # actor=None means the system itself (management commands, data migrations).
    if actor is not None and not actor.is_admin:
        raise PermissionDenied(f"Only admins may {what}.")


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed.for_field("password", " ".join(exc.messages)) from exc


def _groups_by_ids(ids: Iterable[str], *, field: str = "groups") -> list[Group]:
    ids = list(dict.fromkeys(ids))
    groups = {g.public_id: g for g in Group.objects.filter(public_id__in=ids)}
    missing = [i for i in ids if i not in groups]
    if missing:
        raise ValidationFailed.for_field(field, f"unknown group {missing[0]}")
    return [groups[i] for i in ids]


def _agents_by_ids(ids: Iterable[str], *, field: str = "members") -> list[User]:
    ids = list(dict.fromkeys(ids))
    users = {u.public_id: u for u in User.objects.filter(public_id__in=ids)}
    for public_id in ids:
        user = users.get(public_id)
        if user is None:
            raise ValidationFailed.for_field(field, f"unknown user {public_id}")
        if not user.is_agent:
            raise ValidationFailed.for_field(field, f"{public_id} is not an active agent or admin")
    return [users[i] for i in ids]


def _email_taken(email: str, *, exclude_pk: int | None = None) -> bool:
    return User.objects.filter(email__iexact=email).exclude(pk=exclude_pk).exists()


class EmailTaken(ValidationFailed):
    """The 400 of a duplicate email, whether a check or the unique index found it."""

    def __init__(self):
        super().__init__(
            "a user with this email already exists", fields={"email": ["a user with this email already exists"]}
        )


class GroupNameTaken(ValidationFailed):
    """The 400 of a duplicate group name (case-insensitive), whether a check or the unique index found it."""

    def __init__(self):
        super().__init__(
            "a group with this name already exists", fields={"name": ["a group with this name already exists"]}
        )


def _group_name_taken(name: str, *, exclude_pk: int | None = None) -> bool:
    return Group.objects.filter(name__iexact=name).exclude(pk=exclude_pk).exists()


def _group_save(group: Group) -> None:
    # In a savepoint, so a concurrent duplicate caught by the unique index leaves the transaction usable.
    try:
        with transaction.atomic():
            group.save()
    except IntegrityError:
        if _group_name_taken(group.name, exclude_pk=group.pk):
            raise GroupNameTaken() from None
        raise


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    email: str,
    name: str = "",
    role: str = Role.REQUESTER,
    is_vip: bool = False,
    password: str | None = None,
    group_ids: Iterable[str] = (),
) -> User:
    _require_admin(actor, "create users")
    email = email.strip().lower()
    if _email_taken(email):
        raise EmailTaken()
    user = User(email=email, name=name.strip(), role=role, is_vip=is_vip)
    if password:
        _check_password(password, user)
    user.set_password(password or None)
    groups = _groups_by_ids(group_ids) if group_ids else []
    if groups and role == Role.REQUESTER:
        raise ValidationFailed.for_field("groups", "only agents and admins can be group members")
    # The check above answers the usual duplicate; the unique index decides between concurrent ones.
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        if _email_taken(email):
            raise EmailTaken() from None
        raise
    if groups:
        user.agent_groups.set(groups)
    return user


def requester_get_or_create(*, email: str, name: str = "") -> User:
    """Zendesk's create-with-requester: the requester named by email, made if new."""
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        try:
            return user_create(actor=None, email=email, name=name or email.split("@")[0])
        except EmailTaken:
            # Another request made this requester meanwhile: use theirs, so both requests are created.
            user = User.objects.get(email__iexact=email)
    if not user.is_active:
        raise ValidationFailed.for_field("requester", "this user is deactivated")
    return user


def _check_current_password(user: User, current: str) -> None:
    """A wrong current password counts as a failed log-in: a stolen token cannot guess it freely."""
    login_guard.account_check(email=user.email)
    if not current:
        raise ValidationFailed.for_field("current_password", "required to change your own password")
    if not user.check_password(current):
        login_guard.login_failed(email=user.email)
        raise ValidationFailed.for_field("current_password", "does not match your current password")


@transaction.atomic
def user_update(*, actor: User, user: User, changes: dict, token: ApiToken | None = None) -> User:
    """changes may hold name, email, role, is_vip, is_active, password, current_password, group_ids.

    Changing one's own password needs the current one (admins included), so a stolen token or an
    unattended browser cannot take the account over. A new password revokes the user's API tokens,
    except `token`, the one the user made this call with: they proved the password just now.
    """
    is_self = actor.pk == user.pk
    if not actor.is_admin and not is_self:
        raise PermissionDenied("Only admins may change other users.")
    if not actor.is_admin:
        forbidden = set(changes) - USER_FIELDS_SELF_SERVICE
        if forbidden:
            field = sorted(forbidden)[0]
            raise PermissionDenied(f"Only admins may change {field} of a user.", fields={field: ["admins only"]})
    if is_self and changes.get("role", user.role) != Role.ADMIN and user.is_admin:
        raise ValidationFailed.for_field("role", "admins cannot demote themselves")
    if is_self and changes.get("is_active") is False:
        raise ValidationFailed.for_field("isActive", "you cannot deactivate yourself")

    if "email" in changes:
        email = changes["email"].strip().lower()
        if _email_taken(email, exclude_pk=user.pk):
            raise ValidationFailed.for_field("email", "a user with this email already exists")
        user.email = email
    for field in ("name", "role", "is_vip", "is_active"):
        if field in changes:
            setattr(user, field, changes[field].strip() if field == "name" else changes[field])
    if user.is_superuser and user.role != Role.ADMIN:
        raise ValidationFailed.for_field("role", "a superuser is always an admin")
    if changes.get("password"):
        if is_self:
            _check_current_password(user, changes.get("current_password") or "")
        _check_password(changes["password"], user)
        # Saving the new password revokes the user's tokens, all but the caller's own when it is theirs.
        user.set_password(changes["password"], keep_token=token if is_self else None)
    user.save()

    if "group_ids" in changes:
        groups = _groups_by_ids(changes["group_ids"])
        if groups and user.role == Role.REQUESTER:
            raise ValidationFailed.for_field("groups", "only agents and admins can be group members")
        user.agent_groups.set(groups)
    elif user.role == Role.REQUESTER:
        # Groups are teams of agents: a user who stops being one leaves them.
        user.agent_groups.clear()
    return user


@transaction.atomic
def group_create(
    *, actor: User | None, name: str, description: str = "", member_ids: Iterable[str] = (), calendar=None
) -> Group:
    _require_admin(actor, "manage groups")
    name = name.strip()
    if _group_name_taken(name):
        raise GroupNameTaken()
    members = _agents_by_ids(member_ids)
    group = Group(name=name, description=description, calendar=calendar)
    _group_save(group)
    group.members.set(members)
    return group


@transaction.atomic
def group_update(*, actor: User, group: Group, changes: dict) -> Group:
    """changes may hold name, description, member_ids and calendar (a BusinessCalendar or None)."""
    _require_admin(actor, "manage groups")
    if "name" in changes:
        name = changes["name"].strip()
        if _group_name_taken(name, exclude_pk=group.pk):
            raise GroupNameTaken()
        group.name = name
    if "description" in changes:
        group.description = changes["description"]
    if "calendar" in changes:
        group.calendar = changes["calendar"]
        # The group's requests count business hours on another calendar now.
        rebuild_after_commit()
    _group_save(group)
    if "member_ids" in changes:
        group.members.set(_agents_by_ids(changes["member_ids"]))
    return group


def token_default_expiry() -> datetime | None:
    """When a token issued now expires by default: API_TOKEN_TTL_DAYS from now, or never."""
    days = settings.API_TOKEN_TTL_DAYS
    return timezone.now() + timedelta(days=days) if days else None


_DEFAULT_EXPIRY = object()


def token_issue(*, user: User, name: str = "", expires_at=_DEFAULT_EXPIRY) -> tuple[ApiToken, str]:
    """Makes a token; returns it with its plain value, which is never stored.

    expires_at: a datetime, None for never, or left out for the API_TOKEN_TTL_DAYS default."""
    if expires_at is _DEFAULT_EXPIRY:
        expires_at = token_default_expiry()
    raw, key_hash, hint = ApiToken.generate()
    token = ApiToken.objects.create(user=user, name=name, key_hash=key_hash, hint=hint, expires_at=expires_at)
    return token, raw


def token_expiry_set(*, token: ApiToken, expires_at: datetime | None) -> ApiToken:
    token.expires_at = expires_at
    token.save(update_fields=["expires_at"])
    return token


def token_login(*, email: str, password: str, client_ip: str, name: str = "") -> tuple[ApiToken, str]:
    """A token for email and password, within the guessing limits (login_guard) that the browser
    and admin log-ins share."""
    login_guard.login_check(ip=client_ip, email=email)
    user = authenticate(username=email.strip().lower(), password=password)
    if user is None:
        login_guard.login_failed(email=email)
        raise DomainError("Email or password is wrong, or the account is deactivated.", code="invalid_credentials")
    login_guard.login_succeeded(email=email)
    return token_issue(user=user, name=name or "API log-in")


def token_revoke(*, token: ApiToken) -> None:
    if token.revoked_at is None:
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        token.revoked_at = timezone.now()
        token_cache.tokens_changed()  # update() sends no signal


def tokens_revoke_all(*, user: User, keep: ApiToken | None = None) -> int:
    """Revokes every token of the user but `keep`; returns how many. User.save() calls it when the
    password changes, so every path that changes a password (API, admin, password reset,
    `manage.py changepassword`) ends the old tokens."""
    tokens = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
    if keep is not None:
        tokens = tokens.exclude(pk=keep.pk)
    revoked = tokens.update(revoked_at=timezone.now())
    token_cache.tokens_changed()  # update() sends no signal
    return revoked
