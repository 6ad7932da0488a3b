"""The ratings list filters (GET /v1/surveys/ratings and the report). Names follow the /v1 API."""

import django_filters

from tickets.filters import DateOrDateTimeFilter

from .models import SurveyInvitation, SurveyType


class RatingFilter(django_filters.FilterSet):
    surveyId = django_filters.CharFilter(field_name="survey__public_id", max_length=64)
    type = django_filters.TypedChoiceFilter(
        field_name="survey__survey_type", choices=[(str(v), str(v)) for v in SurveyType.values], coerce=int
    )
    agentId = django_filters.CharFilter(field_name="agent__public_id", max_length=64)
    groupId = django_filters.CharFilter(field_name="group__public_id", max_length=64)
    ratedAfter = DateOrDateTimeFilter(field_name="rated_at", lookup_expr="gte")
    ratedBefore = DateOrDateTimeFilter(field_name="rated_at", lookup_expr="lt")

    class Meta:
        model = SurveyInvitation
        fields: list[str] = []
