"""What a survey puts in an email: the invitation's question with one signed link per answer of the
main question (one click chooses it), and the survey page's own link.

Surveys send nothing themselves: the notifications outbox writes the email's delivery in the same
transaction as the invitation and its workers send it (claims, retries, idempotency key). The outbox
renders either the survey's own email (templates surveys/emails/invitation*) or, when the requester
is getting the "resolved" email for the same change, that email with the survey in it
(surveys/emails/_survey.txt and .html), so the requester gets one email, not two.
"""

from django.conf import settings

from tickets.models import Request

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


def unanswered_invitation(request: Request, public_id: str | None = None) -> SurveyInvitation | None:
    """The invitation an email about this request should ask about: the one named (the invitation
    recorded by the change being notified), else the request's latest; None once it is answered."""
    invitations = SurveyInvitation.objects.filter(request=request).select_related("survey", "request__requester")
    if public_id:
        invitations = invitations.filter(public_id=public_id)
    invitation = invitations.order_by("-sent_at", "-id").first()
    return invitation if invitation is not None and not invitation.answered else None
