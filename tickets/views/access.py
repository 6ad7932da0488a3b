"""Who may open the agent workspace: agents and admins. Requesters are sent to their own pages."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import Http404
from django.shortcuts import redirect

from helpdesk.errors import NotFound, PermissionDenied


def agent_required(view):
    """Also turns the services' NotFound and PermissionDenied into the HTML 404 and 403."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not request.user.is_agent:
            return redirect("home")  # never agent data: their own pages instead
        try:
            return view(request, *args, **kwargs)
        except NotFound as error:
            raise Http404(error.message) from None
        except PermissionDenied as error:
            raise Forbidden(error.message) from None

    return wrapper
