from django.urls import path

import helpdesk.converters  # noqa: F401  (registers <pid:>)

from . import views

urlpatterns = [
    path("surveys", views.SurveyListView.as_view(), name="api-surveys"),
    # Before <pid:>, which "ratings" would match.
    path("surveys/ratings", views.RatingListView.as_view(), name="api-survey-ratings"),
    path("surveys/<pid:survey_id>", views.SurveyDetailView.as_view(), name="api-survey"),
]
