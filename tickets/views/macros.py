"""Managing macros in the workspace: an agent's own, and (admins) the shared ones."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from helpdesk.errors import DomainError

from .. import selectors, services
from ..forms import MacroForm, form_errors_from
from .access import agent_required


@agent_required
def macro_list(request):
    form = MacroForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.macro_create(actor=request.user, shared=data.pop("shared", False), **data)
        except DomainError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, f"Macro “{data['name']}” saved.")
            return redirect("agent:macros")
    context = {"macros": selectors.macros_for(request.user, search=request.GET.get("q", "")), "form": form}
    return render(request, "agent/macros.html", context, status=422 if form.errors else 200)


@agent_required
def macro_edit(request, pk):
    macro = selectors.macro_get(user=request.user, pk=pk)
    form = MacroForm(request.POST or None, instance=macro, user=request.user, initial={"shared": macro.is_shared})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("shared", None)  # sharing is chosen when a macro is made
        try:
            services.macro_update(actor=request.user, macro=selectors.macro_get(user=request.user, pk=pk), **data)
        except DomainError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, "Macro saved.")
            return redirect("agent:macros")
    return render(request, "agent/macro_edit.html", {"form": form, "macro": macro}, status=422 if form.errors else 200)


@agent_required
@require_POST
def macro_delete(request, pk):
    macro = selectors.macro_get(user=request.user, pk=pk)
    services.macro_delete(actor=request.user, macro=macro)
    messages.success(request, f"Macro “{macro.name}” deleted.")
    return redirect("agent:macros")
