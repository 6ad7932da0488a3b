"""The agents' own notification settings, under /agent/preferences/."""

from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("notifications", views.preferences, name="preferences"),
]
