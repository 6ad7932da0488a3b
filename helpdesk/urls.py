from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import views as account_views
from accounts.forms import AdminLoginForm
from helpdesk.api.views import UnknownEndpointView
from surveys import views as survey_views
from tickets.views import home

# The admin log-in counts guesses like every other way in.
admin.site.login_form = AdminLoginForm

v1 = [
    path("", include("tickets.api.urls")),
    path("", include("accounts.api.urls")),
    path("", include("surveys.api.urls")),
    path("", include("notifications.api.urls")),
    path("", include("mailboxes.api.urls")),
    path("schema", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file (?script): our CSP allows no inline script.
    path("docs", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    re_path(r"^.*$", UnknownEndpointView.as_view()),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("admin/", admin.site.urls),
    path("agent/reports/satisfaction", survey_views.report, name="survey-report"),
    path("agent/preferences/", include("notifications.urls")),
    path("agent/", include("tickets.urls")),
    path("portal/", include("portal.urls")),
    path("survey/<str:token>/", survey_views.survey_link, name="survey-link"),
    path("surveys/", include("surveys.urls")),
    path("accounts/login/", account_views.LoginView.as_view(), name="login"),
    path("accounts/signup/", account_views.signup_view, name="signup"),
    path("accounts/signup/sent", account_views.signup_sent, name="signup-sent"),
    path("accounts/signup/confirm/<str:token>", account_views.signup_confirm_view, name="signup-confirm"),
    path("accounts/password_reset/", account_views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", home.home, name="home"),
]

handler400 = "helpdesk.views.bad_request"
handler404 = "helpdesk.views.not_found"
handler500 = "helpdesk.views.server_error"
