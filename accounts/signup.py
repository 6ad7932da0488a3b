"""Self sign-up on the portal, confirmed by email, in a way that tells nobody which emails have accounts.

Whoever submits the form sees the same "check your inbox" answer. A new address gets a link that
creates the account when opened (until then only a SignupRequest exists, so nobody can squat on an
address they cannot read); an address that already has an account gets a mail saying so, with a link
to set a new password. SIGNUP_MODE decides who may sign up: "open", "domains" (SIGNUP_DOMAINS only)
or "closed" (admins create requesters).
"""

import hashlib
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from helpdesk.errors import PermissionDenied, Unavailable, ValidationFailed

from . import login_guard
from .models import Role, SignupRequest, User

logger = logging.getLogger(__name__)

OPEN, DOMAINS, CLOSED = "open", "domains", "closed"


def is_open() -> bool:
    return settings.SIGNUP_MODE in (OPEN, DOMAINS)


def _ensure_allowed(email: str) -> None:
    if not is_open():
        raise PermissionDenied("Sign-up is closed: the support team creates accounts.")
    if settings.SIGNUP_MODE == DOMAINS:
        domain = email.rpartition("@")[2]
        if domain not in settings.SIGNUP_DOMAINS:
            allowed = ", ".join(f"@{d}" for d in settings.SIGNUP_DOMAINS) or "no domain"
            raise ValidationFailed.for_field("email", f"sign-up is open to addresses at {allowed} only")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _send(template: str, *, to: str, base_url: str, context: dict) -> None:
    """Sent now, not after commit: the person is waiting for this mail, and if the mail server is
    down they are told so and can try again (nothing else was changed but a SignupRequest)."""
    context = {**context, "base_url": base_url, "site_name": "Helpdesk"}
    subject = render_to_string(f"registration/{template}_subject.txt", context).strip()
    message = EmailMultiAlternatives(subject, render_to_string(f"registration/{template}_email.txt", context), to=[to])
    message.attach_alternative(render_to_string(f"registration/{template}_email.html", context), "text/html")
    try:
        message.send()
    except Exception:
        logger.exception("could not send the %s mail", template)
        raise Unavailable("We could not send you an email just now. Please try again in a few minutes.") from None


def signup_start(*, email: str, name: str, password: str, ip: str, base_url: str) -> None:
    """Checks the limits, the policy and the password, then mails the address (see the module)."""
    email = email.strip().lower()
    login_guard.signup_check(ip=ip, email=email)
    _ensure_allowed(email)
    try:
        validate_password(password, User(email=email, name=name))
    except DjangoValidationError as error:
        raise ValidationFailed.for_field("password", " ".join(error.messages)) from None

    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        if existing.is_active:  # a deactivated account hears nothing, and the answer is the same
            reset = reverse(
                "password_reset_confirm",
                kwargs={
                    "uidb64": urlsafe_base64_encode(force_bytes(existing.pk)),
                    "token": default_token_generator.make_token(existing),
                },
            )
            _send("signup_exists", to=email, base_url=base_url, context={"user": existing, "reset": reset})
        return
    token = secrets.token_urlsafe(32)
    SignupRequest.objects.create(
        email=email, name=name.strip(), password_hash=make_password(password), token_hash=_hash(token)
    )
    confirm = reverse("signup-confirm", kwargs={"token": token})
    context = {"name": name, "confirm": confirm, "hours": settings.SIGNUP_CONFIRM_HOURS}
    _send("signup_confirm", to=email, base_url=base_url, context=context)


@transaction.atomic
def signup_confirm(*, token: str) -> User | None:
    """Creates the account a confirmation link names and returns it; None when the link is unknown,
    used or expired (the same answer for each). Older sign-ups of the same address are dropped."""
    pending = SignupRequest.objects.select_for_update().filter(token_hash=_hash(token)).first()
    if pending is None:
        return None
    SignupRequest.objects.filter(email=pending.email).delete()
    expired = pending.created_at < timezone.now() - timedelta(hours=settings.SIGNUP_CONFIRM_HOURS)
    if expired or User.objects.filter(email__iexact=pending.email).exists():
        return None
    user = User(email=pending.email, name=pending.name, role=Role.REQUESTER, password=pending.password_hash)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # the same address confirmed twice at once
        return None
    return user
