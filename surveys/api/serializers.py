"""The /v1 shapes of surveys and ratings. Field names follow Desk365's survey data (sv_name,
sv_answered, sv_type, sv_cs_scale, ...), in the API's camelCase and without the prefixes."""

from rest_framework import serializers

from ..models import RatingOrder, SurveyType, Trigger

_TYPE = "1 customer satisfaction, 2 five-star rating, 3 Net Promoter Score."


class SurveySerializer(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    name = serializers.CharField()
    type = serializers.ChoiceField(source="survey_type", choices=SurveyType.choices, help_text=_TYPE)
    scale = serializers.ChoiceField(
        source="cs_scale",
        choices=[2, 3, 5, 7],
        allow_null=True,
        help_text="Customer satisfaction: 2, 3, 5 or 7 points, answers stored as -3 to 3. Null for other types.",
    )
    ratingOrder = serializers.ChoiceField(
        source="cs_rating_order", choices=RatingOrder.choices, help_text="1 good to bad, 2 bad to good."
    )
    neutralType = serializers.SerializerMethodField(
        help_text="Customer satisfaction: how 'neither satisfied nor dissatisfied' counts: 1 positive, 2 neutral, "
        "3 negative. Null for other types."
    )
    question = serializers.CharField()
    question2 = serializers.SerializerMethodField()
    question3 = serializers.SerializerMethodField()
    additionalCommentsEnabled = serializers.BooleanField(source="comments_enabled")
    additionalCommentsTitle = serializers.SerializerMethodField()
    notifyType = serializers.ChoiceField(
        source="trigger", choices=Trigger.choices, help_text="7 sent when a request is resolved, 8 when it is closed."
    )
    active = serializers.BooleanField(source="is_active", help_text="One survey is active at a time.")
    createdAt = serializers.DateTimeField(source="created_at")

    def get_neutralType(self, survey) -> int | None:  # noqa: N802 (the API's name)
        return survey.cs_neutral_type if survey.is_csat else None

    def get_question2(self, survey) -> str | None:  # noqa: N802
        return survey.question_2 or None

    def get_question3(self, survey) -> str | None:  # noqa: N802
        return survey.question_3 or None

    def get_additionalCommentsTitle(self, survey) -> str | None:  # noqa: N802
        return survey.comments_title if survey.comments_enabled else None


class RequestSurveySerializer(serializers.Serializer):
    """The latest survey sent for a request and its answer (ratings null until answered)."""

    id = serializers.CharField(source="public_id", help_text="The invitation (svi_…).")
    surveyId = serializers.CharField(source="survey.public_id")
    name = serializers.CharField(source="survey.name")
    answered = serializers.BooleanField()
    type = serializers.ChoiceField(source="survey.survey_type", choices=SurveyType.choices, help_text=_TYPE)
    scale = serializers.ChoiceField(source="survey.cs_scale", choices=[2, 3, 5, 7], allow_null=True)
    neutralType = serializers.SerializerMethodField(help_text="1 positive, 2 neutral, 3 negative; null but for CSAT.")
    question = serializers.CharField(source="survey.question")
    rating = serializers.IntegerField(
        allow_null=True, help_text="CSAT -3 to 3, five-star 1 to 5, NPS 0 to 10; null until answered."
    )
    question2 = serializers.SerializerMethodField()
    rating2 = serializers.IntegerField(source="rating_2", allow_null=True)
    question3 = serializers.SerializerMethodField()
    rating3 = serializers.IntegerField(source="rating_3", allow_null=True)
    additionalCommentsTitle = serializers.SerializerMethodField()
    additionalCommentsResponse = serializers.SerializerMethodField()
    sentAt = serializers.DateTimeField(source="sent_at")
    ratedAt = serializers.DateTimeField(source="rated_at", allow_null=True)

    def get_neutralType(self, invitation) -> int | None:  # noqa: N802
        survey = invitation.survey
        return survey.cs_neutral_type if survey.is_csat else None

    def get_question2(self, invitation) -> str | None:  # noqa: N802
        return invitation.survey.question_2 or None

    def get_question3(self, invitation) -> str | None:  # noqa: N802
        return invitation.survey.question_3 or None

    def get_additionalCommentsTitle(self, invitation) -> str | None:  # noqa: N802
        return invitation.survey.comments_title if invitation.survey.comments_enabled else None

    def get_additionalCommentsResponse(self, invitation) -> str | None:  # noqa: N802
        return invitation.comment if invitation.answered else None


class RatingSerializer(RequestSurveySerializer):
    """An answered invitation, with the request and the agent and group it was sent for."""

    requestId = serializers.CharField(source="request.public_id")
    agentId = serializers.CharField(
        source="agent.public_id", allow_null=True, default=None, help_text="The request's assignee when sent."
    )
    groupId = serializers.CharField(
        source="group.public_id", allow_null=True, default=None, help_text="The request's group when sent."
    )
