"""Bulk actions on the queue's selected rows: one transaction, every row through the services."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from helpdesk.errors import DomainError

from .. import selectors, services
from ..forms import BulkForm
from .access import agent_required


def _numbers(numbers: list[int]) -> str:
    return ", ".join(f"#{n}" for n in numbers)


@agent_required
@require_POST
def bulk_update(request):
    back = f"{reverse('agent:queue')}?{request.POST.get('query', '')}"
    ids = request.POST.getlist("ids")
    choices = selectors.workspace_choices()
    form = BulkForm(
        request.POST, agents=choices["agents"], groups=choices["groups"], macros=selectors.macros_for(request.user)
    )
    if not ids:
        messages.error(request, "Select at least one request first.")
        return redirect(back)
    if not form.is_valid():
        messages.error(
            request,
            "The bulk change was not understood: "
            + " ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items()),
        )
        return redirect(back)
    macro = (
        selectors.macro_get(user=request.user, pk=form.cleaned_data["macro"]) if form.cleaned_data["macro"] else None
    )
    if not form.changes() and not form.add() and not form.remove() and macro is None:
        messages.error(request, "Choose what to change.")
        return redirect(back)
    try:
        result = services.requests_bulk_update(
            actor=request.user,
            request_ids=ids,
            changes=form.changes(),
            add_tags=form.add(),
            remove_tags=form.remove(),
            macro=macro,
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(back)
    if result.changed:
        messages.success(request, f"Changed {len(result.changed)}: {_numbers(result.changed)}.")
    if result.unchanged:
        messages.info(request, f"Already so, unchanged: {_numbers(result.unchanged)}.")
    for number, reason in result.refused.items():
        messages.error(request, f"#{number} was not changed: {reason}")
    return redirect(back)
