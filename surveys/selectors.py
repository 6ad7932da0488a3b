"""Every read of surveys and invitations: the request page's invitation, the lists' survey, the
ratings list with its filters, and the rating badges of the queue."""

from django.conf import settings
from django.db.models import OuterRef, QuerySet, Subquery

from accounts.models import User
from helpdesk.errors import NotFound, PermissionDenied, ValidationFailed
from tickets.models import Request
from tickets.selectors import visible_requests

from .filters import RatingFilter
from .models import ANSWERED, Survey, SurveyInvitation


def _latest_first(qs: QuerySet) -> QuerySet:
    return qs.order_by("-sent_at", "-id")


def invitation_for_request(*, request: Request) -> SurveyInvitation | None:
    """The latest invitation sent for the request (answered or not), with its survey: one query.
    Callers have checked that the user may see the request (tickets.selectors.request_get)."""
    return _latest_first(SurveyInvitation.objects.filter(request=request).select_related("survey", "request")).first()


def invitations_for_requests(requests) -> dict[int, SurveyInvitation]:
    """The latest invitation of each of these requests, by request pk: one query whatever their number.
    Only a request's invitations are read (one per trigger, so at most two each)."""
    pks = [r.pk for r in requests]
    if not pks:
        return {}
    latest: dict[int, SurveyInvitation] = {}
    for invitation in _latest_first(SurveyInvitation.objects.filter(request_id__in=pks).select_related("survey")):
        latest.setdefault(invitation.request_id, invitation)
    return latest


def attach_invitations(requests) -> list:
    """Sets `survey_invitation` (None when no survey was sent) on each request: one query."""
    requests = list(requests)
    latest = invitations_for_requests(requests)
    for request in requests:
        request.survey_invitation = latest.get(request.pk)
    return requests


def with_latest_rating(queryset: QuerySet[Request]) -> QuerySet[Request]:
    """Adds `survey_rating` and `survey_kind` (the survey's type and CSAT neutral type, "1:2") of the
    request's latest answered invitation, as subqueries: the queue shows a badge with no query of its own."""
    answered = _latest_first(SurveyInvitation.objects.filter(ANSWERED, request=OuterRef("pk")))
    return queryset.annotate(
        survey_rating=Subquery(answered.values("rating")[:1]),
        survey_type=Subquery(answered.values("survey__survey_type")[:1]),
        survey_neutral=Subquery(answered.values("survey__cs_neutral_type")[:1]),
        survey_scale=Subquery(answered.values("survey__cs_scale")[:1]),
    )


def invitation_for_requester(*, user: User, request: Request) -> SurveyInvitation:
    """The latest invitation of a request, for its requester to answer; NotFound for anyone else."""
    invitation = invitation_for_request(request=request) if request.requester_id == user.pk else None
    if invitation is None:
        raise NotFound("No survey for this request.")
    return invitation


# --- surveys and ratings (API, report) ---------------------------------------------------------------


def _ensure_staff(user: User) -> None:
    if not user.is_agent:
        raise PermissionDenied("Surveys and their ratings are for agents and admins.")


def survey_list(*, user: User) -> QuerySet[Survey]:
    _ensure_staff(user)
    return Survey.objects.order_by("created_at", "id")


def survey_get(*, user: User, public_id: str) -> Survey:
    _ensure_staff(user)
    survey = Survey.objects.filter(public_id=public_id).first()
    if survey is None:
        raise NotFound("No survey with this id.")
    return survey


def answered_invitations(user: User) -> QuerySet[SurveyInvitation]:
    """Answered invitations of live requests the user may see (admins: all)."""
    qs = SurveyInvitation.objects.filter(ANSWERED)
    if user.is_admin or (user.is_agent and settings.AGENT_REACH == "all"):
        # Leaving out the few deleted requests (a partial index) beats joining every live one: the
        # exact count the /v1 pagination gives took 7 ms instead of 76 on 26,000 ratings (PostgreSQL).
        return qs.exclude(request__in=Request.all_objects.filter(deleted_at__isnull=False).values("pk"))
    return qs.filter(request__in=visible_requests(user).values("pk"))


def rating_list(*, user: User, filters: dict | None = None) -> QuerySet[SurveyInvitation]:
    """Answered invitations, oldest answer first, filtered by survey, type, agent, group and dates."""
    _ensure_staff(user)
    filterset = RatingFilter(data=filters or {}, queryset=answered_invitations(user))
    if not filterset.is_valid():
        errors = {name: [str(m) for m in messages] for name, messages in filterset.errors.items()}
        raise ValidationFailed(next(iter(errors.values()))[0], fields=errors)
    return filterset.qs.select_related("survey", "request", "agent", "group").order_by("rated_at", "id")
