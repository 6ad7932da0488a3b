from django.urls import path

from . import views

urlpatterns = [
    path("requests", views.RequestListView.as_view(), name="api-requests"),
    path("requests/<str:request_id>", views.RequestDetailView.as_view(), name="api-request"),
    path("requests/<str:request_id>/comments", views.RequestCommentsView.as_view(), name="api-request-comments"),
    path(
        "requests/<str:request_id>/attachments",
        views.RequestAttachmentsView.as_view(),
        name="api-request-attachments",
    ),
    path("attachments/<str:attachment_id>", views.AttachmentDownloadView.as_view(), name="api-attachment"),
]
