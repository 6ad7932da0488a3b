"""The survey rules: definitions, one invitation per request per trigger, answers and their checks."""

import pytest
from django.db import transaction

from helpdesk.errors import PermissionDenied, ValidationFailed
from surveys.models import NeutralType, RatingOrder, Survey, SurveyInvitation, SurveyType, Trigger
from surveys.services import answer_submit, survey_save
from tests.factories import AgentFactory, GroupFactory, RequesterFactory
from tests.surveys.conftest import make_survey, move
from tickets.services import comment_add, request_update

pytestmark = pytest.mark.django_db


# --- definitions ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scale", "points"),
    [(2, (3, -3)), (3, (3, 0, -3)), (5, (3, 2, 0, -2, -3)), (7, (3, 2, 1, 0, -1, -2, -3))],
)
def test_csat_scales_are_stored_as_ratings_from_minus_3_to_3(scale, points):
    survey = Survey(survey_type=SurveyType.CSAT, cs_scale=scale)
    assert survey.points == points
    assert Survey(survey_type=SurveyType.CSAT, cs_scale=scale, cs_rating_order=RatingOrder.BAD_TO_GOOD).points == tuple(
        reversed(points)
    )


def test_five_star_and_nps_points():
    assert Survey(survey_type=SurveyType.FIVE_STAR).points == (5, 4, 3, 2, 1)
    assert Survey(survey_type=SurveyType.NPS).points == tuple(range(11))


@pytest.mark.parametrize(
    ("neutral", "expected"),
    [(NeutralType.POSITIVE, "positive"), (NeutralType.NEUTRAL, "neutral"), (NeutralType.NEGATIVE, "negative")],
)
def test_the_neutral_answer_counts_as_the_survey_says(neutral, expected):
    survey = Survey(survey_type=SurveyType.CSAT, cs_scale=5, cs_neutral_type=neutral)
    assert survey.sentiment(0) == expected
    assert survey.sentiment(2) == "positive" and survey.sentiment(-2) == "negative"


def test_only_one_survey_is_active_at_a_time(admin_user):
    first = make_survey(admin_user, name="First")
    second = make_survey(admin_user, name="Second")
    first.refresh_from_db()
    assert (first.is_active, second.is_active) == (False, True)
    assert Survey.objects.filter(is_active=True).count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"survey_type": SurveyType.CSAT, "cs_scale": 4}, "cs_scale"),
        ({"survey_type": SurveyType.CSAT, "cs_scale": None}, "cs_scale"),
        ({"survey_type": SurveyType.NPS, "cs_scale": 5}, "cs_scale"),
        ({"survey_type": SurveyType.CSAT, "cs_scale": 5, "question_3": "Third?"}, "question_2"),
        ({"survey_type": SurveyType.CSAT, "cs_scale": 5, "question": " "}, "question"),
        ({"survey_type": SurveyType.CSAT, "cs_scale": 5, "comments_title": ""}, "comments_title"),
        ({"survey_type": SurveyType.CSAT, "cs_scale": 5, "name": ""}, "name"),
    ],
)
def test_a_survey_definition_is_checked_naming_the_field(admin_user, fields, field):
    fields.setdefault("name", "Survey")
    with pytest.raises(ValidationFailed) as error:
        survey_save(actor=admin_user, survey=Survey(**fields))
    assert field in error.value.fields


def test_extra_questions_are_for_csat_only_and_dropped_from_other_types(admin_user):
    survey = make_survey(admin_user, survey_type=SurveyType.FIVE_STAR, question_2="")
    assert survey.questions == [survey.question]


def test_only_admins_configure_surveys(agent):
    with pytest.raises(PermissionDenied):
        survey_save(actor=agent, survey=Survey(name="Mine", cs_scale=5))


def test_a_sent_survey_cannot_change_what_its_answers_mean(admin_user, invitation):
    survey = invitation.survey
    survey.cs_scale = 7
    with pytest.raises(ValidationFailed) as error:
        survey_save(actor=admin_user, survey=survey)
    assert "cs_scale" in error.value.fields
    survey.refresh_from_db()
    survey.name, survey.is_active = "Renamed", False  # the name and the switch may change
    survey_save(actor=admin_user, survey=survey)


# --- invitations -----------------------------------------------------------------------------------


def test_resolving_records_an_invitation_with_the_agent_and_group_of_the_moment(resolved, agent, group, survey):
    invitation = SurveyInvitation.objects.get(request=resolved)
    assert (invitation.survey, invitation.trigger) == (survey, Trigger.RESOLVED)
    assert (invitation.agent, invitation.group) == (agent, group)
    assert invitation.sent_at is not None and invitation.rated_at is None

    other = AgentFactory()
    GroupFactory(members=[other])
    request_update(actor=agent, request=resolved, changes={"status": "in_progress"})
    request_update(actor=agent, request=resolved, changes={"assigned_to": other.public_id, "assigned_group": None})
    invitation.refresh_from_db()
    assert invitation.agent == agent  # reports credit who did the work when it was sent


def test_one_invitation_per_request_per_trigger(resolved, agent, requester):
    comment_add(actor=requester, request=resolved, content="It broke again")  # reopens it
    move(resolved, agent, "resolved")
    move(resolved, agent, "closed")
    assert SurveyInvitation.objects.filter(request=resolved).count() == 1


def test_a_survey_sent_on_close_waits_for_the_close(admin_user, ticket, agent):
    make_survey(admin_user, trigger=Trigger.CLOSED)
    move(ticket, agent, "resolved")
    assert not SurveyInvitation.objects.exists()
    move(ticket, agent, "closed")
    assert SurveyInvitation.objects.get().trigger == Trigger.CLOSED


def test_no_active_survey_no_invitation(admin_user, ticket, agent):
    make_survey(admin_user, is_active=False)
    move(ticket, agent, "resolved")
    assert not SurveyInvitation.objects.exists()


def test_a_rolled_back_change_leaves_no_invitation(ticket, agent, survey):
    with pytest.raises(RuntimeError), transaction.atomic():
        move(ticket, agent, "resolved")
        raise RuntimeError("the change fails later")
    assert not SurveyInvitation.objects.exists()


def test_a_requester_solving_their_own_request_is_asked_too(ticket, requester, survey):
    move(ticket, requester, "resolved")
    assert SurveyInvitation.objects.filter(request=ticket).exists()


# --- answers ---------------------------------------------------------------------------------------


def test_an_answer_is_recorded_and_a_later_one_replaces_it(invitation):
    first = answer_submit(invitation=invitation, rating="2", comment="Quick")
    rated_at = first.rated_at
    second = answer_submit(invitation=invitation, rating=-3, comment="")
    second.refresh_from_db()
    assert (second.rating, second.comment) == (-3, "")
    assert second.rated_at >= rated_at and second.sent_at == first.sent_at
    assert SurveyInvitation.objects.count() == 1


@pytest.mark.parametrize(
    ("survey_type", "scale", "good", "bad"),
    [
        (SurveyType.CSAT, 2, [3, -3], [0, 1, 2, -1, 4]),
        (SurveyType.CSAT, 3, [3, 0, -3], [1, -2]),
        (SurveyType.CSAT, 5, [3, 2, 0, -2, -3], [1, -1, 4]),
        (SurveyType.CSAT, 7, [3, 2, 1, 0, -1, -2, -3], [4, -4]),
        (SurveyType.FIVE_STAR, None, [1, 2, 3, 4, 5], [0, 6, -1]),
        (SurveyType.NPS, None, list(range(11)), [-1, 11, 100]),
    ],
)
def test_ratings_outside_the_scale_are_refused_naming_the_field(
    admin_user, ticket, agent, survey_type, scale, good, bad
):
    make_survey(admin_user, survey_type=survey_type, cs_scale=scale)
    move(ticket, agent, "resolved")
    invitation = SurveyInvitation.objects.get()
    for rating in good:
        assert answer_submit(invitation=invitation, rating=rating).rating == rating
    for rating in [*bad, "", None, "three", "2.5", True]:
        with pytest.raises(ValidationFailed) as error:
            answer_submit(invitation=invitation, rating=rating)
        assert list(error.value.fields) == ["rating"], rating


def test_extra_questions_take_optional_ratings_of_the_same_scale(admin_user, ticket, agent):
    make_survey(admin_user, cs_scale=3, question_2="Expertise?", question_3="Overall?")
    move(ticket, agent, "resolved")
    invitation = SurveyInvitation.objects.get()
    answered = answer_submit(invitation=invitation, rating=3, rating_2="0", rating_3=None)
    assert answered.ratings == [3, 0, None]
    with pytest.raises(ValidationFailed) as error:
        answer_submit(invitation=invitation, rating=3, rating_2=2)
    assert "rating_2" in error.value.fields


def test_a_one_question_survey_refuses_a_second_rating(invitation):
    with pytest.raises(ValidationFailed) as error:
        answer_submit(invitation=invitation, rating=3, rating_2=3)
    assert "rating_2" in error.value.fields


def test_the_comment_box_is_optional_bounded_and_only_where_the_survey_has_one(admin_user, ticket, agent):
    survey = make_survey(admin_user, comments_enabled=False)
    move(ticket, agent, "resolved")
    invitation = SurveyInvitation.objects.get()
    with pytest.raises(ValidationFailed) as error:
        answer_submit(invitation=invitation, rating=3, comment="Great")
    assert "comment" in error.value.fields
    survey.comments_enabled = True
    survey.save()
    with pytest.raises(ValidationFailed):
        answer_submit(invitation=invitation, rating=3, comment="x" * 5001)
    assert answer_submit(invitation=invitation, rating=3, comment="  Great  ").comment == "Great"


def test_only_the_requester_answers(invitation, agent, other_requester, requester):
    for someone in (agent, other_requester, RequesterFactory()):
        with pytest.raises(PermissionDenied):
            answer_submit(invitation=invitation, rating=3, actor=someone)
    assert answer_submit(invitation=invitation, rating=3, actor=requester).answered


def test_the_demo_has_the_default_survey_and_answers_for_the_report(admin_user):
    from io import StringIO

    from django.core.management import call_command

    from accounts.models import User
    from surveys.report import satisfaction_report

    call_command("demo_data", stdout=StringIO())
    survey = Survey.objects.get(is_active=True)
    assert (survey.survey_type, survey.cs_scale, survey.trigger) == (SurveyType.CSAT, 5, Trigger.RESOLVED)
    solved = survey.invitations.count()
    assert solved == 19  # every resolved or closed demo request was sent the survey
    report = satisfaction_report(user=User.objects.get(email="admin@example.com"), since=None)
    assert report["totals"].csat_total >= 10 and report["agents"] and report["months"]
    assert all(i.rated_at >= i.sent_at for i in survey.invitations.exclude(rated_at=None))
