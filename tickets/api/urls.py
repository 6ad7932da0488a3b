from django.urls import path

import helpdesk.converters  # noqa: F401  (registers <pid:>)

from . import views

urlpatterns = [
    path("requests", views.RequestListView.as_view(), name="api-requests"),
    path("requests/<pid:request_id>", views.RequestDetailView.as_view(), name="api-request"),
    path("requests/<pid:request_id>/comments", views.RequestCommentsView.as_view(), name="api-request-comments"),
    path(
        "requests/<pid:request_id>/attachments",
        views.RequestAttachmentsView.as_view(),
        name="api-request-attachments",
    ),
    path("attachments/<pid:attachment_id>", views.AttachmentDownloadView.as_view(), name="api-attachment"),
]
