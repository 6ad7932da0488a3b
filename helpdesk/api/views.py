"""Small helpers shared by the /v1 views, and the base class every /v1 view derives from."""

from rest_framework import exceptions
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView


class ApiView(APIView):
    """The base of every /v1 endpoint. Every answer says where the caller stands against the rate
    limit (the IETF httpapi draft's RateLimit-Limit, -Remaining and -Reset), errors included."""

    def perform_authentication(self, request):
        try:
            super().perform_authentication(request)
        except exceptions.APIException:
            # Bad credentials still count against the caller's address, and the 401 carries the headers.
            self.check_throttles(request)
            raise

    def check_permissions(self, request):
        # Before the permission check (DRF throttles after it), so refused calls count too.
        self.check_throttles(request)
        super().check_permissions(request)

    def check_throttles(self, request):
        if not getattr(request, "throttled_once", False):
            request.throttled_once = True
            super().check_throttles(request)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        usage = getattr(request, "rate_usage", None)
        if usage is not None:
            response["RateLimit-Limit"] = str(usage.limit)
            response["RateLimit-Remaining"] = str(usage.remaining)
            response["RateLimit-Reset"] = str(usage.reset)
        return response


class UnknownEndpointView(ApiView):
    """Any /v1 path that names no endpoint: a 404 in the envelope, counted and with the rate-limit
    headers like every other answer."""

    permission_classes = [AllowAny]
    schema = None  # not an endpoint: keep it out of the OpenAPI

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        raise exceptions.NotFound("No such endpoint.")


def rename(data: dict, names: dict[str, str]) -> dict:
    """API field names to service argument names, keeping only the fields that were sent."""
    return {names.get(key, key): value for key, value in data.items()}
