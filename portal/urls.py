"""The requesters' portal under /portal/."""

from django.urls import path

import helpdesk.converters  # noqa: F401  (registers <pid:>)

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.my_requests, name="requests"),
    path("requests/new", views.new_request, name="new-request"),
    path("requests/<pid:public_id>", views.request_page, name="request"),
    path("requests/<pid:public_id>/updates", views.request_updates, name="updates"),
    path("requests/<pid:public_id>/reply", views.reply, name="reply"),
    path("requests/<pid:public_id>/solved", views.mark_solved, name="solved"),
    path("requests/<pid:public_id>/reopen", views.reopen, name="reopen"),
]
