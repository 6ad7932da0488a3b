"""Django admin for surveys: configured as Desk365 does, through the service's rules; invitations read-only."""

import pytest
from django.urls import reverse

from surveys.models import Survey, SurveyInvitation
from tests.surveys.conftest import make_survey

pytestmark = pytest.mark.django_db

FORM = {
    "name": "After solving",
    "survey_type": "1",
    "trigger": "7",
    "is_active": "on",
    "question": "How would you rate the support you received?",
    "question_2": "",
    "question_3": "",
    "cs_scale": "5",
    "cs_rating_order": "1",
    "cs_neutral_type": "2",
    "comments_enabled": "on",
    "comments_title": "Anything else?",
}


def test_adding_an_active_survey_in_admin_deactivates_the_other(admin_client, admin_user):
    old = make_survey(admin_user, name="Old")
    response = admin_client.post(reverse("admin:surveys_survey_add"), FORM)
    assert response.status_code == 302, response.context["adminform"].form.errors
    old.refresh_from_db()
    assert not old.is_active and Survey.objects.get(name="After solving").is_active


@pytest.mark.parametrize(
    ("change", "field"),
    [({"cs_scale": ""}, "cs_scale"), ({"survey_type": "3"}, "cs_scale"), ({"comments_title": ""}, "comments_title")],
)
def test_the_admin_form_shows_the_services_rules_next_to_the_field(admin_client, change, field):
    response = admin_client.post(reverse("admin:surveys_survey_add"), {**FORM, **change})
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not Survey.objects.exists()


def test_a_sent_survey_keeps_its_scale_and_cannot_be_deleted(admin_client, invitation):
    survey = invitation.survey
    url = reverse("admin:surveys_survey_change", args=[survey.pk])
    response = admin_client.post(url, {**FORM, "name": survey.name, "cs_scale": "7"})
    assert "cs_scale" in response.context["adminform"].form.errors
    assert (
        admin_client.post(reverse("admin:surveys_survey_delete", args=[survey.pk]), {"post": "yes"}).status_code == 403
    )
    assert Survey.objects.filter(pk=survey.pk).exists()


def test_invitations_are_listed_and_shown_but_never_edited(admin_client, invitation):
    listing = admin_client.get(reverse("admin:surveys_surveyinvitation_changelist"))
    assert listing.status_code == 200 and invitation.public_id in listing.content.decode()
    url = reverse("admin:surveys_surveyinvitation_change", args=[invitation.pk])
    assert admin_client.get(url).status_code == 200
    admin_client.post(url, {"rating": "3"})
    assert SurveyInvitation.objects.get(pk=invitation.pk).rating is None
    assert admin_client.get(reverse("admin:surveys_surveyinvitation_add")).status_code == 403
