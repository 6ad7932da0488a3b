"""Admin building blocks shared by the apps' admin modules."""

from django.contrib import messages
from django.http import HttpResponseRedirect

from helpdesk.errors import DomainError


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


class ServiceSaveMixin:
    """For a ModelAdmin whose writes belong to a service: the form validates and shows field
    errors, then `service_create(request, form)` (returning the saved object) or
    `service_update(request, obj, form)` writes, many-to-many fields included.

    The admin saves inside a transaction, so a DomainError the form could not foresee rolls the
    whole save back; it comes back as an error message above the unchanged form. An admin using
    this must not show inline formsets on its add page: the object is created before they are
    validated.
    """

    def service_create(self, request, form):
        raise NotImplementedError

    def service_update(self, request, obj, form) -> None:
        raise NotImplementedError

    def save_form(self, request, form, change):
        return form.save(commit=False) if change else self.service_create(request, form)

    def save_model(self, request, obj, form, change):
        if change:
            self.service_update(request, obj, form)

    def save_related(self, request, form, formsets, change):
        # No form.save_m2m(): the service has saved the many-to-many fields.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


def changed(form, fields) -> dict:
    """The cleaned values of the fields among `fields` the admin actually changed."""
    return {name: form.cleaned_data[name] for name in form.changed_data if name in fields}
