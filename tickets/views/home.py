from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render


@login_required
def home(request):
    """Staff go to their queue; requesters see their home (the portal replaces it)."""
    if request.user.is_agent:
        return redirect("agent:queue")
    return render(request, "home/home.html")
