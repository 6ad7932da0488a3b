"""The browser's log-in and password-reset pages: Django's views with our guarded forms."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from helpdesk.client_ip import client_ip
from helpdesk.errors import DomainError, RateLimited, Unavailable
from tickets.forms import form_errors_from

from . import signup
from .forms import GuardedPasswordResetForm, LoginForm, SignupForm


class LoginView(auth_views.LoginView):
    authentication_form = LoginForm

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "signup_open": signup.is_open()}


class PasswordResetView(auth_views.PasswordResetView):
    form_class = GuardedPasswordResetForm

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.request = self.request  # the limit counts per client address too
        return form


def _base_url(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


@require_http_methods(["GET", "POST"])
def signup_view(request):
    """Self sign-up (SIGNUP_MODE). Every accepted form gets the same answer, whoever owns the email."""
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST or None)
    status = 200
    if not signup.is_open():
        status = 403 if request.method == "POST" else 200
        return render(request, "registration/signup.html", {"form": form, "closed": True}, status=status)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            signup.signup_start(
                email=data["email"],
                name=data["name"],
                password=data["password"],
                ip=client_ip(request),
                base_url=_base_url(request),
            )
        except DomainError as error:
            form_errors_from(form, error)
            status = error.status if isinstance(error, RateLimited | Unavailable) else 422
        else:
            request.session["signup_email"] = data["email"].strip().lower()
            return redirect("signup-sent")
    elif form.errors:
        status = 422
    return render(request, "registration/signup.html", {"form": form}, status=status)


def signup_sent(request):
    context = {"email": request.session.get("signup_email", ""), "hours": settings.SIGNUP_CONFIRM_HOURS}
    return render(request, "registration/signup_sent.html", context)


@require_http_methods(["GET", "POST"])
def signup_confirm_view(request, token):
    """GET shows a button and POST confirms: mail scanners that open links do not create accounts."""
    if request.method == "GET":
        return render(request, "registration/signup_confirm.html", {"token": token})
    user = signup.signup_confirm(token=token)
    if user is None:
        return render(request, "registration/signup_confirm.html", {"token": token, "invalid": True}, status=400)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(request, "Welcome! Your account is ready. Ask us anything with “New request”.")
    return redirect("home")
