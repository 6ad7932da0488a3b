from django.urls import path

import helpdesk.converters  # noqa: F401  (registers <pid:>)

from . import views

urlpatterns = [
    path("auth/token", views.TokenView.as_view(), name="api-token"),
    path("users", views.UserListView.as_view(), name="api-users"),
    path("users/me", views.UserMeView.as_view(), name="api-user-me"),
    path("users/<pid:user_id>", views.UserDetailView.as_view(), name="api-user"),
    path("groups", views.GroupListView.as_view(), name="api-groups"),
    path("groups/<pid:group_id>", views.GroupDetailView.as_view(), name="api-group"),
]
