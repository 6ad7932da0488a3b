"""Small helpers shared by the /v1 views, and the base class every /v1 view derives from."""

from rest_framework.views import APIView


class ApiView(APIView):
    """The base of every /v1 endpoint: the place for behaviour all of them share."""


def rename(data: dict, names: dict[str, str]) -> dict:
    """API field names to service argument names, keeping only the fields that were sent."""
    return {names.get(key, key): value for key, value in data.items()}
