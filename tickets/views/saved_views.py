"""Saving the queue's filters as a view, and managing one's views (and, for admins, the shared ones)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from helpdesk.errors import DomainError

from .. import selectors, services
from .access import agent_required


@agent_required
@require_POST
def save_view(request):
    query = request.POST.get("query", "")
    try:
        services.saved_view_create(
            actor=request.user,
            name=request.POST.get("name", ""),
            query=query,
            shared=request.POST.get("shared") == "on",
        )
    except DomainError as error:
        messages.error(request, f"The view was not saved: {error.message}")
    return redirect(f"{reverse('agent:queue')}?{query}")


@agent_required
def manage_views(request):
    return render(request, "agent/views.html", {"saved_views": selectors.saved_views_for(request.user)})


@agent_required
@require_POST
def move_view(request, pk):
    view = selectors.saved_view_get(user=request.user, pk=pk)
    services.saved_view_move(actor=request.user, view=view, offset=1 if request.POST.get("to") == "down" else -1)
    return redirect("agent:views")


@agent_required
@require_POST
def delete_view(request, pk):
    view = selectors.saved_view_get(user=request.user, pk=pk)
    services.saved_view_delete(actor=request.user, view=view)
    return redirect("agent:views")
