"""The demo's survey: the default one (customer satisfaction on 5 points, sent when a request is
resolved) and answers for most of the demo's solved requests, so the report has something to show.

Called by tickets' demo_data once the requests' stories are told: the invitations are recorded
through the service (the demo loads inside notifications.outbox.muted(): no email), then moved to
the moment each request was resolved, as the demo does with the rest of its history."""

import random
from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from tickets.models import Request

from .models import NeutralType, Survey, SurveyInvitation, SurveyType, Trigger
from .services import answer_submit, invitation_record, survey_save

COMMENTS = [
    "Quick and friendly, thank you!",
    "Fixed on the first try.",
    "It took a while, but it works now.",
    "I had to explain the problem twice.",
    "",
    "",
]
# Mostly happy requesters, as in most helpdesks; a few unhappy ones make the report worth reading.
RATINGS = {3: 9, 2: 6, 0: 2, -2: 2, -3: 1}


def demo_surveys(*, admin: User, rng: random.Random) -> int:
    """Installs the default survey and rates about three in four solved requests; returns how many."""
    survey = survey_save(
        actor=admin,
        survey=Survey(
            name="How did we do?",
            survey_type=SurveyType.CSAT,
            cs_scale=5,
            cs_neutral_type=NeutralType.NEUTRAL,
            trigger=Trigger.RESOLVED,
            is_active=True,
        ),
    )
    now = timezone.now()
    rated = 0
    for request in Request.objects.filter(resolved_at__isnull=False).order_by("pk"):
        invitation = invitation_record(survey=survey, request=request, now=request.resolved_at)
        if invitation is None or rng.random() > 0.75:
            continue
        rating = rng.choices(list(RATINGS), weights=list(RATINGS.values()))[0]
        answer_submit(invitation=invitation, rating=rating, comment=rng.choice(COMMENTS))
        answered_at = min(request.resolved_at + timedelta(hours=rng.uniform(0.3, 30)), now - timedelta(minutes=1))
        SurveyInvitation.objects.filter(pk=invitation.pk).update(rated_at=answered_at)
        rated += 1
    return rated
