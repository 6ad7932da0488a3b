from django.urls import path

import helpdesk.converters  # noqa: F401  (registers <pid:>)

from . import views

urlpatterns = [
    path("webhooks", views.WebhookListView.as_view(), name="api-webhooks"),
    path("webhooks/<pid:webhook_id>", views.WebhookDetailView.as_view(), name="api-webhook"),
    path("webhooks/<pid:webhook_id>/test", views.WebhookTestView.as_view(), name="api-webhook-test"),
    path("webhooks/<pid:webhook_id>/deliveries", views.WebhookDeliveriesView.as_view(), name="api-webhook-deliveries"),
]
