"""The requester's survey answer under /surveys/ (the signed-link page and the report are named in helpdesk/urls.py)."""

from django.urls import path

import helpdesk.converters  # noqa: F401  (registers <pid:>)

from . import views

app_name = "surveys"

urlpatterns = [
    path("requests/<pid:public_id>/answer", views.answer, name="answer"),
]
