"""Email notifications: text and HTML parts from templates an install can override
(templates/emails/notifications/<rule>.txt, .html and _subject.txt), threading headers from
helpdesk.mail_threading, sent through Django's mail API (any SMTP server, or django-anymail)."""

from email.utils import formataddr, make_msgid

from django.apps import apps
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse

from helpdesk import mail_threading

from .models import SURVEY_INVITATION, Delivery, Rule


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def request_url(user, request) -> str:
    if user.is_agent:
        return _absolute(reverse("agent:request", args=[request.public_id]))
    for name in ("portal:request", "portal-request"):  # the requester portal, once it exists
        try:
            return _absolute(reverse(name, args=[request.public_id]))
        except NoReverseMatch:
            continue
    return _absolute(reverse("home"))


def survey_context(request, public_id: str | None = None) -> dict | None:
    """The survey an email about this request asks (surveys.emails: the question and one signed
    link per answer), or None: no surveys app, no invitation, or it is answered already."""
    if request is None or not apps.is_installed("surveys"):
        return None
    from surveys.emails import invitation_context, unanswered_invitation

    invitation = unanswered_invitation(request, public_id)
    return invitation_context(invitation) if invitation is not None else None


def message_id(delivery: Delivery) -> str:
    """Stable for the delivery, so a message sent again after a crash is recognisably the same."""
    if delivery.request_id:
        return mail_threading.message_id_for(delivery.request.public_id, tag=delivery.idempotency_key)
    return make_msgid(idstring=delivery.idempotency_key.replace(".", "-"), domain=mail_threading.mail_domain())


def build(delivery: Delivery) -> EmailMultiAlternatives | None:
    """The email of this delivery; None when there is nothing left to say (a survey invitation
    answered, on the request page, before its email went)."""
    from .outbox import comment_of

    user, request = delivery.recipient, delivery.request
    context = {
        "rule": delivery.event,
        "recipient": user,
        "request": request,
        "url": request_url(user, request) if request else settings.SITE_URL,
        "site_url": settings.SITE_URL,
        "from_name": settings.NOTIFY_FROM_NAME,
        **{k: v for k, v in delivery.payload.items() if k != "survey"},  # the survey: its context below
    }
    comment = comment_of(delivery.payload)
    if comment is not None and (comment.is_internal and not user.is_agent):
        comment = None  # never an internal note to a requester, whatever the row says
    context["comment"] = comment
    base = f"emails/notifications/{delivery.event}"
    if delivery.event == SURVEY_INVITATION:
        survey = survey_context(request, delivery.payload.get("survey"))
        if survey is None:
            return None
        context.update(survey)
        base = "surveys/emails/invitation"
    elif delivery.event == Rule.RESOLVED:
        # The invitation this change recorded (one email, not two), else the request's latest unanswered one.
        survey = survey_context(request, delivery.payload.get("survey"))
        if survey is not None:
            context.update(survey, survey_url=survey["link"])
    if delivery.payload.get("clock"):
        context["clock"] = {"first_response": "first response", "resolution": "resolution"}.get(
            delivery.payload["clock"], delivery.payload["clock"]
        )
    subject = " ".join(render_to_string(f"{base}_subject.txt", context).split())
    headers = {"Message-ID": message_id(delivery), "Auto-Submitted": "auto-generated"}
    reply_to = []
    if request is not None:
        root = mail_threading.thread_root_id(request.public_id)
        headers.update({"In-Reply-To": root, "References": root})
        reply_to = [formataddr((settings.NOTIFY_FROM_NAME, mail_threading.reply_address_for(request.public_id)))]
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{base}.txt", context),
        from_email=formataddr((settings.NOTIFY_FROM_NAME, settings.DEFAULT_FROM_EMAIL)),
        to=[formataddr((user.name, user.email)) if user.name else user.email],
        reply_to=reply_to,
        headers=headers,
    )
    message.attach_alternative(render_to_string(f"{base}.html", context), "text/html")
    return message
