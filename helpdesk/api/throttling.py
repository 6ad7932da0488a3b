from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class PerTokenRateThrottle(SimpleRateThrottle):
    """API_RATE_LIMIT per token; per user for browser sessions; per address for anonymous calls."""

    scope = "api"
    setting = "API_RATE_LIMIT"

    def get_rate(self):
        return getattr(settings, self.setting) or None  # empty: no limit

    def get_cache_key(self, request, view):
        token = request.auth
        if token is not None and hasattr(token, "pk"):
            ident = f"token-{token.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return f"throttle-{self.scope}-{ident}"


class LoginRateThrottle(SimpleRateThrottle):
    """Password log-ins per client address, against guessing."""

    scope = "login"
    setting = "API_LOGIN_RATE_LIMIT"

    def get_rate(self):
        return getattr(settings, self.setting) or None

    def get_cache_key(self, request, view):
        return f"throttle-login-{self.get_ident(request)}"
