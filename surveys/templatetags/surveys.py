"""Template helpers of the surveys app: the answer form's data, the agents' rating card and the
queue's rating badge."""

from django import template

from surveys import selectors
from surveys.forms import answer_context
from surveys.models import Survey

register = template.Library()


@register.simple_tag(takes_context=True)
def survey_answer_context(context, invitation):
    """The answer form of surveys/_answer.html: what the answer endpoint just rendered (with its
    errors) if it did, else the invitation's stored answer."""
    return context.get("survey_form") or answer_context(invitation)


@register.filter
def survey_label(survey: Survey, rating) -> str:
    return survey.label(rating)


@register.inclusion_tag("surveys/_agent_card.html")
def survey_card(request):
    """The survey of a request on the agent's request page: one query."""
    return {"invitation": selectors.invitation_for_request(request=request)}


@register.inclusion_tag("surveys/_badge.html")
def survey_badge(request):
    """For a queue row annotated by surveys.selectors.with_latest_rating: no query."""
    rating = getattr(request, "survey_rating", None)
    if rating is None:
        return {"badge": None}
    survey = Survey(
        survey_type=request.survey_type, cs_neutral_type=request.survey_neutral, cs_scale=request.survey_scale
    )
    sentiment = survey.sentiment(rating)
    if survey.survey_type == 2:
        text = f"★ {rating}"
    elif survey.survey_type == 3:
        text = f"NPS {rating}"
    else:
        text = {"positive": "Good", "neutral": "Neutral", "negative": "Bad"}[sentiment]
    return {"badge": {"text": text, "sentiment": sentiment, "title": f"Rated: {survey.label(rating)}"}}
