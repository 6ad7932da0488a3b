from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def home(request):
    """A placeholder until the agent workspace and the portal land."""
    return render(request, "home/home.html")
