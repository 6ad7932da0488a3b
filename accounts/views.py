"""The browser's log-in and password-reset pages: Django's views with our guarded forms."""

from django.contrib.auth import views as auth_views

from .forms import GuardedPasswordResetForm, LoginForm


class LoginView(auth_views.LoginView):
    authentication_form = LoginForm


class PasswordResetView(auth_views.PasswordResetView):
    form_class = GuardedPasswordResetForm

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.request = self.request  # the limit counts per client address too
        return form
