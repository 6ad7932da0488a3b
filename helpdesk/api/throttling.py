"""The /v1 rate limit: API_RATE_LIMIT per user, so a second token does not double it; per client
address for calls without valid credentials. Counters in helpdesk.ratelimit (Redis when configured)."""

from django.conf import settings
from rest_framework.throttling import BaseThrottle

from helpdesk import ratelimit
from helpdesk.client_ip import client_ip


class ApiRateThrottle(BaseThrottle):
    usage: ratelimit.Usage | None = None

    def allow_request(self, request, view):
        rate = ratelimit.Rate.parse(settings.API_RATE_LIMIT)
        if rate is None:  # empty setting: no limit
            return True
        user = request.user
        ident = f"user:{user.pk}" if user and user.is_authenticated else f"addr:{client_ip(request)}"
        self.usage = ratelimit.hit(f"api:{ident}", rate)
        request.rate_usage = self.usage  # for the RateLimit-* headers (ApiView.finalize_response)
        return self.usage.allowed

    def wait(self):
        return self.usage.reset if self.usage else None
