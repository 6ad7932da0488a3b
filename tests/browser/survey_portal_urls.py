"""The site's URLs plus a stand-in for the portal's request page, which includes the survey partial
exactly as the portal is told to (surveys/_answer.html), so the partial is tested in a real browser."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.template import engines
from django.urls import path

from helpdesk.urls import urlpatterns as site_urlpatterns
from surveys.selectors import invitation_for_request
from tickets.selectors import request_get

PAGE = engines["django"].from_string(
    """{% extends "base.html" %}{% block content %}<h1>{{ r.title }}</h1>
{% include "surveys/_answer.html" with invitation=survey_invitation %}{% endblock %}"""
)


@login_required
def request_page(request, public_id):
    found = request_get(user=request.user, public_id=public_id)
    context = {"r": found, "survey_invitation": invitation_for_request(request=found)}
    return HttpResponse(PAGE.render(context, request))


urlpatterns = [path("test-portal/requests/<pid:public_id>", request_page), *site_urlpatterns]
