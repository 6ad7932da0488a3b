"""The agents' notification preferences page (server-rendered, works without JavaScript)."""

from django.contrib import messages
from django.shortcuts import redirect, render

from tickets.views.access import agent_required

from . import selectors, services
from .forms import PreferencesForm


@agent_required
def preferences(request):
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            services.preferences_update(actor=request.user, user=request.user, switches=form.cleaned_data)
            messages.success(request, "Your notification preferences are saved.")
            return redirect("notifications:preferences")
    else:
        form = PreferencesForm(initial=selectors.preferences_of(request.user))
    return render(request, "notifications/preferences.html", {"form": form})
