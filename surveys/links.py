"""Absolute links to a survey, for emails sent outside a web request (SITE_URL + path)."""

from django.conf import settings
from django.urls import reverse

from tickets.models import Request

from .models import SurveyInvitation
from .tokens import make_token


def link_for(invitation: SurveyInvitation, *, rating: int | None = None) -> str:
    """The signed link of this invitation; with a rating, the page opens with that rating chosen."""
    url = settings.SITE_URL + reverse("survey-link", args=[make_token(invitation.public_id)])
    return url if rating is None else f"{url}?rating={rating}"


def invitation_url(request: Request) -> str | None:
    """The absolute signed link of the request's latest unanswered invitation; None when every
    invitation is answered or none was sent. (The emails themselves get the links from
    surveys.emails.invitation_context.)"""
    invitation = (
        SurveyInvitation.objects.filter(request=request, rated_at__isnull=True)
        .order_by("-sent_at", "-id")
        .only("public_id")
        .first()
    )
    return link_for(invitation) if invitation is not None else None
