from django.urls import path

import helpdesk.converters  # noqa: F401  (registers <pid:>)

from . import views

urlpatterns = [
    path("mailboxes", views.MailboxListView.as_view(), name="api-mailboxes"),
    path("mailboxes/<pid:mailbox_id>", views.MailboxDetailView.as_view(), name="api-mailbox"),
    path("mailboxes/<pid:mailbox_id>/inbound", views.InboundView.as_view(), name="api-mailbox-inbound"),
]
