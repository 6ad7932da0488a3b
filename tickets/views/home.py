from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect


@login_required
def home(request):
    """Staff go to their queue, requesters to their requests in the portal."""
    return redirect("agent:queue" if request.user.is_agent else "portal:requests")
