"""GET /v1/surveys, /v1/surveys/{id} and /v1/surveys/ratings: agents and admins."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema

from helpdesk.api.envelope import ok
from helpdesk.api.pagination import paginate
from helpdesk.api.schema import PAGE_PARAMETERS, envelope, page_envelope, responses
from helpdesk.api.views import ApiView

from .. import selectors
from ..filters import RatingFilter
from ..models import SurveyType
from .serializers import RatingSerializer, SurveySerializer

_ID_QUERY = {"type": "string", "maxLength": 64, "pattern": r"^[^\u0000]*$"}
RATING_PARAMETERS = [
    OpenApiParameter("surveyId", _ID_QUERY, description="Only this survey's ratings (srv_…)"),
    OpenApiParameter("type", {"type": "integer", "enum": SurveyType.values}, description="1 CSAT, 2 five-star, 3 NPS"),
    OpenApiParameter("agentId", _ID_QUERY, description="The request's assignee when the survey was sent (usr_…)"),
    OpenApiParameter("groupId", _ID_QUERY, description="The request's group when the survey was sent (grp_…)"),
    OpenApiParameter("ratedAfter", OpenApiTypes.DATETIME, description="Answered at or after (ISO 8601)"),
    OpenApiParameter("ratedBefore", OpenApiTypes.DATETIME, description="Answered before (ISO 8601)"),
    *PAGE_PARAMETERS,
]


class SurveyListView(ApiView):
    @extend_schema(
        parameters=PAGE_PARAMETERS,
        responses=responses({200: page_envelope("SurveyPage", "surveys", SurveySerializer)}, 400, 403),
        summary="List surveys, oldest first (agents and admins)",
    )
    def get(self, request):
        items, pagination = paginate(selectors.survey_list(user=request.user), request.query_params)
        return ok({"surveys": SurveySerializer(items, many=True).data, "pagination": pagination})


class SurveyDetailView(ApiView):
    @extend_schema(
        responses=responses({200: envelope("SurveyDetail", SurveySerializer)}, 403, 404),
        summary="Get a survey (agents and admins)",
    )
    def get(self, request, survey_id):
        return ok(SurveySerializer(selectors.survey_get(user=request.user, public_id=survey_id)).data)


class RatingListView(ApiView):
    @extend_schema(
        parameters=RATING_PARAMETERS,
        responses=responses({200: page_envelope("RatingPage", "ratings", RatingSerializer)}, 400, 403),
        summary="List survey ratings, oldest answer first (agents and admins)",
    )
    def get(self, request):
        params = request.query_params
        filters = {name: params[name] for name in RatingFilter.base_filters if name in params}
        items, pagination = paginate(selectors.rating_list(user=request.user, filters=filters), params)
        return ok({"ratings": RatingSerializer(items, many=True).data, "pagination": pagination})
