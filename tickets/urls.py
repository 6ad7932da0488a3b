"""The agent workspace under /agent/."""

from django.urls import path

import helpdesk.converters  # noqa: F401  (registers <pid:>)

from .views import queue, requests

app_name = "agent"

urlpatterns = [
    path("", queue.queue, name="queue"),
    path("views/counts", queue.view_counts, name="view-counts"),
    path("requests/new", requests.new_request, name="new-request"),
    path("requests/<pid:public_id>", requests.request_page, name="request"),
    path("requests/<pid:public_id>/reply", requests.reply, name="reply"),
    path("requests/<pid:public_id>/fields", requests.update_fields, name="update-fields"),
    path("requests/<pid:public_id>/take", requests.take, name="take"),
]
