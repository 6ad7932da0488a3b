"""Every write of the surveys app: defining surveys, recording invitations when a request reaches
the active survey's trigger status, and answers (from the request page or from a signed link)."""

import re

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from helpdesk.errors import PermissionDenied, ValidationFailed
from notifications import outbox
from tickets.models import EventKind, Request

from .models import (
    COMMENT_MAX,
    CSAT_SCALES,
    STATUS_TRIGGER,
    Survey,
    SurveyInvitation,
    SurveyType,
)

# --- survey definitions --------------------------------------------------------------------------

# What an invitation's stored ratings mean: once a survey has been sent these cannot change.
MEANING_FIELDS = ("survey_type", "cs_scale", "question", "question_2", "question_3")


def survey_validate(survey: Survey) -> None:
    """The rules of a survey definition, each a ValidationFailed naming its field."""
    if not (survey.name or "").strip():
        raise ValidationFailed.for_field("name", "give the survey a name")
    if survey.survey_type not in SurveyType.values:
        raise ValidationFailed.for_field("survey_type", "choose customer satisfaction, five-star or NPS")
    if survey.survey_type == SurveyType.CSAT:
        if survey.cs_scale not in CSAT_SCALES:
            raise ValidationFailed.for_field("cs_scale", "a customer satisfaction survey has 2, 3, 5 or 7 points")
        if survey.question_3 and not survey.question_2:
            raise ValidationFailed.for_field("question_2", "fill the second question before the third")
    else:
        if survey.cs_scale is not None:
            raise ValidationFailed.for_field("cs_scale", "only customer satisfaction surveys have a scale")
        if survey.question_2 or survey.question_3:
            raise ValidationFailed.for_field(
                "question_2", "only customer satisfaction surveys ask more than one question"
            )
    if not (survey.question or "").strip():
        raise ValidationFailed.for_field("question", "ask a question")
    if survey.comments_enabled and not (survey.comments_title or "").strip():
        raise ValidationFailed.for_field("comments_title", "give the comment box a title")
    if survey.pk and survey.invitations.exists():
        before = Survey.objects.filter(pk=survey.pk).values(*MEANING_FIELDS).first() or {}
        changed = [f for f in MEANING_FIELDS if before.get(f) != getattr(survey, f)]
        if changed:
            raise ValidationFailed.for_field(
                changed[0], "this survey has been sent: its answers would change meaning; make a new survey instead"
            )


@transaction.atomic
def survey_save(*, actor: User, survey: Survey) -> Survey:
    """Creates or changes a survey (admins). Activating it deactivates the one active before."""
    if not actor.is_admin:
        raise PermissionDenied("Only admins configure surveys.")
    survey.name = (survey.name or "").strip()
    if survey.survey_type != SurveyType.CSAT:
        survey.question_2 = survey.question_3 = ""
    survey_validate(survey)
    if survey.is_active:
        Survey.objects.select_for_update().filter(is_active=True).exclude(pk=survey.pk).update(is_active=False)
    survey.save()
    return survey


def active_survey() -> Survey | None:
    return Survey.objects.filter(is_active=True).first()


# --- invitations ---------------------------------------------------------------------------------


def invitations_for_events(events) -> list[SurveyInvitation]:
    """The reaction to recorded events (tickets.reactions): a status move to the active survey's
    trigger status records an invitation, once per request and trigger, inside the change's
    transaction.

    The invitation is left on its event (`event.survey_invitation`) for the outbox's reaction, which
    runs next on the same events and writes its email with the change: inside the "resolved" email
    when the requester is getting that one, else as an email of its own."""
    moves = [e for e in events if e.kind == EventKind.CHANGED and e.field == "status" and e.new_value in STATUS_TRIGGER]
    if not moves:
        return []
    survey = active_survey()
    if survey is None:
        return []
    made = []
    for event in moves:
        if STATUS_TRIGGER[event.new_value] != survey.trigger:
            continue
        invitation = invitation_record(survey=survey, request=event.request)
        if invitation is not None:
            event.survey_invitation = invitation
            made.append(invitation)
    return made


def invitation_record(*, survey: Survey, request: Request, now=None) -> SurveyInvitation | None:
    """An invitation of this survey for the request, unless one for the survey's trigger exists
    (None then). Keeps the request's agent and group as they are now, for reports."""
    if SurveyInvitation.objects.filter(request=request, trigger=survey.trigger).exists():
        return None
    try:
        with transaction.atomic():  # a savepoint: a concurrent twin loses quietly, the change goes on
            return SurveyInvitation.objects.create(
                survey=survey,
                request=request,
                trigger=survey.trigger,
                agent_id=request.assigned_to_id,
                group_id=request.assigned_group_id,
                sent_at=now or timezone.now(),
            )
    except IntegrityError:
        return None


_WHOLE = re.compile(r"-?[0-9]{1,2}")


# --- answers -------------------------------------------------------------------------------------


def _check_rating(survey: Survey, field: str, value, *, required: bool) -> int | None:
    if value in (None, ""):
        if required:
            raise ValidationFailed.for_field(field, "choose a rating")
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        rating = value
    elif isinstance(value, str) and _WHOLE.fullmatch(value.strip()):
        rating = int(value)
    else:
        raise ValidationFailed.for_field(field, "must be a whole number")
    allowed = survey.points
    if rating not in allowed:
        low, high = min(allowed), max(allowed)
        detail = ", ".join(str(p) for p in sorted(allowed)) if len(allowed) < 6 else f"from {low} to {high}"
        raise ValidationFailed.for_field(field, f"must be one of {detail}")
    return rating


@transaction.atomic
def answer_submit(
    *,
    invitation: SurveyInvitation,
    rating,
    rating_2=None,
    rating_3=None,
    comment: str = "",
    actor: User | None = None,
) -> SurveyInvitation:
    """Records an answer; a later answer replaces the earlier one (ratings and comment together).

    actor: the logged-in requester answering on their request page; None for the signed link, whose
    token already proved which invitation it may answer. Nobody else answers a requester's survey.
    """
    invitation = SurveyInvitation.objects.select_for_update().select_related("survey", "request").get(pk=invitation.pk)
    if invitation.request.deleted_at is not None:
        raise PermissionDenied("This request is gone.")
    if actor is not None and actor.pk != invitation.request.requester_id:
        raise PermissionDenied("Only the requester answers the survey of their request.")
    survey = invitation.survey
    questions = survey.questions
    values = [
        _check_rating(survey, "rating", rating, required=True),
        _check_rating(survey, "rating_2", rating_2, required=False) if len(questions) > 1 else None,
        _check_rating(survey, "rating_3", rating_3, required=False) if len(questions) > 2 else None,
    ]
    if len(questions) < 2 and rating_2 not in (None, ""):
        raise ValidationFailed.for_field("rating_2", "this survey asks one question")
    if len(questions) < 3 and rating_3 not in (None, ""):
        raise ValidationFailed.for_field("rating_3", f"this survey asks {len(questions)} questions")
    comment = (comment or "").strip()
    if comment and not survey.comments_enabled:
        raise ValidationFailed.for_field("comment", "this survey has no comment box")
    if len(comment) > COMMENT_MAX:
        raise ValidationFailed.for_field("comment", f"at most {COMMENT_MAX:,} characters")
    if "\x00" in comment:
        raise ValidationFailed.for_field("comment", "contains a character that cannot be stored")
    invitation.rating, invitation.rating_2, invitation.rating_3 = values
    invitation.comment = comment
    invitation.rated_at = timezone.now()
    invitation.save(update_fields=["rating", "rating_2", "rating_3", "comment", "rated_at"])
    _rated(invitation)
    return invitation


def _rated(invitation: SurveyInvitation) -> None:
    """The survey.rated webhook, written in the answer's transaction. Each answer is its own event
    (a changed answer too): the key names the invitation and the moment of this answer."""
    from .api.serializers import RequestSurveySerializer

    outbox.webhook_event(
        "survey.rated",
        request=invitation.request,
        data={"survey": RequestSurveySerializer(invitation).data},
        key=f"{invitation.public_id}-{invitation.rated_at.timestamp():.6f}".replace(".", "_"),
        now=invitation.rated_at,
    )
