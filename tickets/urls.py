"""The agent workspace under /agent/."""

from django.urls import path

import helpdesk.converters  # noqa: F401  (registers <pid:>)

from .views import bulk, macros, queue, requests, saved_views

app_name = "agent"

urlpatterns = [
    path("", queue.queue, name="queue"),
    path("views/counts", queue.view_counts, name="view-counts"),
    path("views/", saved_views.manage_views, name="views"),
    path("views/save", saved_views.save_view, name="save-view"),
    path("views/<int:pk>/move", saved_views.move_view, name="move-view"),
    path("views/<int:pk>/delete", saved_views.delete_view, name="delete-view"),
    path("bulk", bulk.bulk_update, name="bulk"),
    path("macros/", macros.macro_list, name="macros"),
    path("macros/<int:pk>", macros.macro_edit, name="macro"),
    path("macros/<int:pk>/delete", macros.macro_delete, name="macro-delete"),
    path("requests/new", requests.new_request, name="new-request"),
    path("requests/<pid:public_id>", requests.request_page, name="request"),
    path("requests/<pid:public_id>/reply", requests.reply, name="reply"),
    path("requests/<pid:public_id>/fields", requests.update_fields, name="update-fields"),
    path("requests/<pid:public_id>/take", requests.take, name="take"),
    path("requests/<pid:public_id>/title", requests.edit_title, name="title"),
    path("requests/<pid:public_id>/presence", requests.presence, name="presence"),
    path("requests/<pid:public_id>/macros", requests.macro_picker, name="macro-picker"),
]
