"""Satisfaction surveys as Desk365 documents them, and the invitations (with their answers) sent for
requests. The numeric constants are Desk365's, so API clients written against it read ours."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from helpdesk.ids import new_public_id
from tickets.models import Status


def new_survey_id() -> str:
    return new_public_id("srv_")


def new_invitation_id() -> str:
    return new_public_id("svi_")


class SurveyType(models.IntegerChoices):
    CSAT = 1, "Customer satisfaction"
    FIVE_STAR = 2, "Five-star rating"
    NPS = 3, "Net Promoter Score"


class RatingOrder(models.IntegerChoices):
    GOOD_TO_BAD = 1, "Good to bad"
    BAD_TO_GOOD = 2, "Bad to good"


class NeutralType(models.IntegerChoices):
    """How reports count "Neither satisfied nor dissatisfied" (a 0 on a 3, 5 or 7-point scale)."""

    POSITIVE = 1, "Positive"
    NEUTRAL = 2, "Neutral"
    NEGATIVE = 3, "Negative"


class Trigger(models.IntegerChoices):
    """Desk365's notify_type: when the invitation is sent."""

    RESOLVED = 7, "When a request is resolved"
    CLOSED = 8, "When a request is closed"


# The status a trigger fires on, and back.
TRIGGER_STATUS = {Trigger.RESOLVED: Status.RESOLVED, Trigger.CLOSED: Status.CLOSED}
STATUS_TRIGGER = {status: trigger for trigger, status in TRIGGER_STATUS.items()}

CSAT_SCALES = (2, 3, 5, 7)
# A CSAT answer is stored as -3..3 whatever the scale; a smaller scale uses fewer of the points
# (as Freshdesk and Desk365 do), so a 3 is "the best" on every scale and reports can mix scales.
CSAT_POINTS = {
    2: (3, -3),
    3: (3, 0, -3),
    5: (3, 2, 0, -2, -3),
    7: (3, 2, 1, 0, -1, -2, -3),
}
NEUTRAL_TEXT = "Neither satisfied nor dissatisfied"
CSAT_LABELS = {
    2: {3: "Satisfied", -3: "Dissatisfied"},
    3: {3: "Satisfied", 0: NEUTRAL_TEXT, -3: "Dissatisfied"},
    5: {3: "Very satisfied", 2: "Satisfied", 0: NEUTRAL_TEXT, -2: "Dissatisfied", -3: "Very dissatisfied"},
    7: {
        3: "Extremely satisfied",
        2: "Very satisfied",
        1: "Satisfied",
        0: NEUTRAL_TEXT,
        -1: "Dissatisfied",
        -2: "Very dissatisfied",
        -3: "Extremely dissatisfied",
    },
}
FIVE_STAR_POINTS = (1, 2, 3, 4, 5)
NPS_POINTS = tuple(range(11))

QUESTION_MAX = 300
COMMENT_MAX = 5000


class Survey(models.Model):
    """One survey definition. One at a time is active: it is the one new invitations use."""

    public_id = models.CharField(max_length=24, unique=True, default=new_survey_id, editable=False)
    name = models.CharField(max_length=100, unique=True)
    survey_type = models.PositiveSmallIntegerField("type", choices=SurveyType.choices, default=SurveyType.CSAT)
    cs_scale = models.PositiveSmallIntegerField(
        "scale",
        choices=[(n, f"{n} points") for n in CSAT_SCALES],
        null=True,
        blank=True,
        help_text="Customer satisfaction only: answers are stored as ratings from -3 to 3.",
    )
    cs_rating_order = models.PositiveSmallIntegerField(
        "rating order", choices=RatingOrder.choices, default=RatingOrder.GOOD_TO_BAD
    )
    cs_neutral_type = models.PositiveSmallIntegerField(
        "count 'neither satisfied nor dissatisfied' as",
        choices=NeutralType.choices,
        default=NeutralType.NEUTRAL,
        help_text="Customer satisfaction on 3, 5 or 7 points: how reports count the middle answer.",
    )
    question = models.CharField(max_length=QUESTION_MAX, default="How would you rate the support you received?")
    question_2 = models.CharField(
        "second question", max_length=QUESTION_MAX, blank=True, help_text="Customer satisfaction only; optional."
    )
    question_3 = models.CharField(
        "third question", max_length=QUESTION_MAX, blank=True, help_text="Customer satisfaction only; optional."
    )
    comments_enabled = models.BooleanField("comment box", default=True)
    comments_title = models.CharField(
        "comment box title", max_length=QUESTION_MAX, default="Add any comments about the support you received"
    )
    trigger = models.PositiveSmallIntegerField("send", choices=Trigger.choices, default=Trigger.RESOLVED)
    is_active = models.BooleanField(
        "active", default=False, help_text="One survey is active at a time; activating this one deactivates the other."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["is_active"], condition=Q(is_active=True), name="survey_one_active"),
        ]

    def __str__(self):
        return self.name

    def validate_constraints(self, exclude=None):
        # Activating a survey deactivates the other one (services.survey_save): no form error for that.
        super().validate_constraints(exclude={*(exclude or ()), "is_active"})

    @property
    def is_csat(self) -> bool:
        return self.survey_type == SurveyType.CSAT

    @property
    def points(self) -> tuple[int, ...]:
        """The ratings an answer may give, in the order the survey shows them."""
        if self.survey_type == SurveyType.FIVE_STAR:
            points = tuple(reversed(FIVE_STAR_POINTS))
        elif self.survey_type == SurveyType.NPS:
            return NPS_POINTS  # always 0 to 10, left to right, as NPS is asked everywhere
        else:
            points = CSAT_POINTS[self.cs_scale or 5]
        return points if self.cs_rating_order == RatingOrder.GOOD_TO_BAD else tuple(reversed(points))

    def label(self, rating: int | None) -> str:
        if rating is None:
            return ""
        if self.survey_type == SurveyType.FIVE_STAR:
            return f"{rating} star" + ("" if rating == 1 else "s")
        if self.survey_type == SurveyType.NPS:
            return f"{rating} out of 10"
        return CSAT_LABELS[self.cs_scale or 5].get(rating, str(rating))

    @property
    def questions(self) -> list[str]:
        """The questions asked, first the main one (the one reports count)."""
        extra = [self.question_2, self.question_3] if self.is_csat else []
        return [self.question, *[q for q in extra if q]]

    def sentiment(self, rating: int | None) -> str:
        """positive, neutral or negative: how reports count this answer to the main question."""
        if rating is None:
            return ""
        if self.survey_type == SurveyType.FIVE_STAR:
            return "positive" if rating >= 4 else "neutral" if rating == 3 else "negative"
        if self.survey_type == SurveyType.NPS:
            return "positive" if rating >= 9 else "neutral" if rating >= 7 else "negative"
        if rating == 0:
            return {NeutralType.POSITIVE: "positive", NeutralType.NEGATIVE: "negative"}.get(
                self.cs_neutral_type, "neutral"
            )
        return "positive" if rating > 0 else "negative"


ANSWERED = Q(rated_at__isnull=False)


class SurveyInvitation(models.Model):
    """A survey sent for a request (one per request per trigger) and, once answered, its ratings.
    The agent and group are those of the request when it was sent, for reports that credit the
    people who did the work even if the request moves later."""

    public_id = models.CharField(max_length=24, unique=True, default=new_invitation_id, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="invitations")
    request = models.ForeignKey("tickets.Request", on_delete=models.CASCADE, related_name="survey_invitations")
    trigger = models.PositiveSmallIntegerField(choices=Trigger.choices)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    group = models.ForeignKey("accounts.Group", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)
    rated_at = models.DateTimeField(null=True, blank=True, help_text="The last answer; a new one replaces it.")
    rating = models.SmallIntegerField(null=True, blank=True)
    rating_2 = models.SmallIntegerField(null=True, blank=True)
    rating_3 = models.SmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["sent_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "trigger"], name="invitation_one_per_request_trigger"),
        ]
        indexes = [
            # The latest invitation of a request (its page, the API's `survey`).
            models.Index(fields=["request", "-sent_at", "-id"], name="inv_request_latest"),
            # The ratings list (oldest answer first) and its filters, and the report's groupings.
            models.Index(fields=["rated_at", "id"], condition=ANSWERED, name="inv_rated"),
            models.Index(fields=["survey", "rated_at", "id"], condition=ANSWERED, name="inv_survey_rated"),
            models.Index(fields=["agent", "rated_at", "id"], condition=ANSWERED, name="inv_agent_rated"),
            models.Index(fields=["group", "rated_at", "id"], condition=ANSWERED, name="inv_group_rated"),
        ]

    def __str__(self):
        return f"{self.survey} for request #{self.request_id}"

    @property
    def answered(self) -> bool:
        return self.rated_at is not None

    @property
    def trigger_status(self) -> str:
        """ "resolved" or "closed": what happened to the request that sent this invitation."""
        return TRIGGER_STATUS[self.trigger].label.lower()

    @property
    def ratings(self) -> list[int | None]:
        return [self.rating, self.rating_2, self.rating_3]

    @property
    def answers(self) -> list[dict]:
        """Each question asked with its rating (None before an answer) and the rating's words."""
        survey = self.survey
        return [
            {"number": n, "question": q, "rating": r, "label": survey.label(r), "sentiment": survey.sentiment(r)}
            for n, (q, r) in enumerate(zip(survey.questions, self.ratings, strict=False), start=1)
        ]

    @property
    def sentiment(self) -> str:
        return self.survey.sentiment(self.rating)
