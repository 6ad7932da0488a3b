"""Who may open the agent workspace: agents and admins. Requesters are sent to their own pages."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import Http404
from django.shortcuts import redirect

from helpdesk.errors import NotFound, PermissionDenied


def refusals_as_http(view):
    """Turns the services' NotFound and PermissionDenied into the HTML 404 and 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound as error:
            raise Http404(error.message) from None
        except PermissionDenied as error:
            raise Forbidden(error.message) from None

    return wrapper


def agent_required(view):
    """Agents and admins; requesters are sent to their own pages, never shown agent data."""
    view = refusals_as_http(view)

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not request.user.is_agent:
            return redirect("home")
        return view(request, *args, **kwargs)

    return wrapper
