"""The browser's log-in and password-reset forms, with the same guessing limits as the API."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm

from helpdesk.client_ip import client_ip
from helpdesk.errors import RateLimited

from . import login_guard


class GuardedLoginMixin:
    """For Django's AuthenticationForm and its admin variant: checks the limits before the password,
    and counts a wrong password against the account."""

    def clean(self):
        email = self.cleaned_data.get("username") or ""
        try:
            login_guard.login_check(ip=client_ip(self.request), email=email)
        except RateLimited as exc:
            raise forms.ValidationError(exc.message, code="throttled") from None
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if self.user_cache is None:  # a wrong password, not an inactive or non-staff account
                login_guard.login_failed(email=email)
            raise
        login_guard.login_succeeded(email=email)
        return cleaned


class LoginForm(GuardedLoginMixin, AuthenticationForm):
    pass


class AdminLoginForm(GuardedLoginMixin, AdminAuthenticationForm):
    pass


class GuardedPasswordResetForm(PasswordResetForm):
    """Django's reset form (the same answer whether or not the email exists), with a limit per
    address and per email. The view sets .request before validation."""

    request = None

    def get_users(self, email):
        """Every active account with this email, also one made by an agent or by email intake that
        never had a password: resetting is how such a requester sets one (reading the mail proves it)."""
        from .models import User

        return User.objects.filter(email__iexact=email.strip(), is_active=True)

    def clean_email(self):
        email = self.cleaned_data["email"]
        try:
            login_guard.password_reset_check(ip=client_ip(self.request), email=email)
        except RateLimited as exc:
            raise forms.ValidationError(exc.message, code="throttled") from None
        return email


class SignupForm(forms.Form):
    name = forms.CharField(label="Your name", max_length=150)
    email = forms.EmailField(label="Email", max_length=254)
    password = forms.CharField(label="Password", strip=False, widget=forms.PasswordInput, max_length=128)
