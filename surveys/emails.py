"""The survey invitation email. Rendering (`invitation_message`) is separate from sending
(`send_invitation`), so the notifications outbox can later take the rendered message and deliver it
like every other notification; until then it goes through Django's mail API after commit."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from helpdesk.mail_threading import message_id_for, reply_address_for, thread_root_id

from .links import link_for
from .models import SurveyInvitation


def invitation_context(invitation: SurveyInvitation) -> dict:
    survey = invitation.survey
    return {
        "invitation": invitation,
        "survey": survey,
        "request": invitation.request,
        "requester": invitation.request.requester,
        "link": link_for(invitation),
        # The main question's answers as links: the page opens with that one chosen.
        "choices": [
            {"rating": p, "label": survey.label(p), "url": link_for(invitation, rating=p)} for p in survey.points
        ],
        "days": settings.SURVEY_LINK_DAYS,
    }


def invitation_message(invitation: SurveyInvitation) -> EmailMultiAlternatives | None:
    """The email for this invitation, or None when there is nobody to send it to."""
    requester = invitation.request.requester
    if not requester.is_active or not requester.email:
        return None
    context = invitation_context(invitation)
    subject = " ".join(render_to_string("surveys/emails/invitation_subject.txt", context).split())
    public_id = invitation.request.public_id
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("surveys/emails/invitation.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[requester.email],
        reply_to=[reply_address_for(public_id)],
        headers={
            "Message-ID": message_id_for(public_id, tag="survey"),
            "In-Reply-To": thread_root_id(public_id),
            "References": thread_root_id(public_id),
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(render_to_string("surveys/emails/invitation.html", context), "text/html")
    return message


def send_invitation(invitation_id: int) -> bool:
    """Sends the invitation's email once: the row is claimed first (emailed_at), so running this
    twice (a task retried, a fallback) sends one email. Returns whether it sent one."""
    with transaction.atomic():
        claimed = SurveyInvitation.objects.filter(pk=invitation_id, emailed_at__isnull=True).update(
            emailed_at=timezone.now()
        )
        if not claimed:
            return False
        invitation = SurveyInvitation.objects.select_related("survey", "request__requester").get(pk=invitation_id)
        message = invitation_message(invitation)
        if message is None:
            return False
        message.send()  # a failure rolls the claim back, so a retry sends it
    return True
