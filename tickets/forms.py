"""Forms of the agent workspace. They parse and label input; the services decide the rules, and
their DomainErrors come back as errors on these forms (form_errors_from)."""

from django import forms

from accounts.models import Role, User
from helpdesk.errors import DomainError

from .api.serializers import COMMENT_MAX, DESCRIPTION_MAX, TITLE_MAX
from .macros import split_tags
from .models import Macro, Priority, Status
from .services import MACRO_FIELDS


def _choices(items, *, empty: str, value=lambda x: x.public_id, label=str):
    return [("", empty)] + [(value(item), label(item)) for item in items]


FILES_PER_POST = 10


def posted_files(request, form: forms.Form) -> list:
    """The files sent with a reply or a new request; more than FILES_PER_POST is an error on the form."""
    files = request.FILES.getlist("files")
    if len(files) > FILES_PER_POST:
        form.add_error(None, f"Attach at most {FILES_PER_POST} files at a time.")
    return files


def form_errors_from(form: forms.Form, error: DomainError) -> None:
    """Puts a service's refusal next to the field it names (or at the top of the form). A refusal
    naming one field gets its whole sentence there, not the API's short per-field note ("not allowed")."""
    placed = False
    for field, messages in error.fields.items():
        name = field if field in form.fields else None
        if len(error.fields) == 1:
            messages = [error.message]
        for message in messages:
            form.add_error(name, message if name else error.message)
            placed = True
    if not placed:
        form.add_error(None, error.message)


class NewRequestForm(forms.Form):
    requester_email = forms.EmailField(label="Requester's email", max_length=254)
    requester_name = forms.CharField(label="Requester's name", max_length=150, required=False)
    title = forms.CharField(max_length=TITLE_MAX)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), max_length=DESCRIPTION_MAX)
    priority = forms.ChoiceField(choices=Priority.choices, initial=Priority.MEDIUM)
    category = forms.ChoiceField(required=False)
    assigned_group = forms.ChoiceField(label="Group", required=False)
    assigned_to = forms.ChoiceField(label="Assignee", required=False)

    def __init__(self, *args, agents, groups, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = _choices(categories, empty="None", value=lambda c: c.name)
        self.fields["assigned_group"].choices = _choices(groups, empty="No group")
        self.fields["assigned_to"].choices = _choices(agents, empty="Unassigned", label=lambda a: a.get_full_name())


class TitleForm(forms.Form):
    """The request page's title, edited in place."""

    title = forms.CharField(
        max_length=TITLE_MAX,
        error_messages={"required": "The title cannot be empty.", "max_length": f"At most {TITLE_MAX} characters."},
    )


class ReplyForm(forms.Form):
    content = forms.CharField(label="Reply", widget=forms.Textarea(attrs={"rows": 5}), max_length=COMMENT_MAX)
    macro = forms.IntegerField(required=False, widget=forms.HiddenInput)
    is_internal = forms.BooleanField(label="Internal note (agents only)", required=False)
    status = forms.ChoiceField(label="and set status", required=False, choices=[("", "Keep status"), *Status.choices])


class RequestFieldsForm(forms.Form):
    """The side panel of the request page."""

    status = forms.ChoiceField(choices=Status.choices)
    priority = forms.ChoiceField(choices=Priority.choices)
    assigned_group = forms.ChoiceField(label="Group", required=False)
    assigned_to = forms.ChoiceField(label="Assignee", required=False)
    category = forms.ChoiceField(required=False)
    tags = forms.CharField(required=False, max_length=1000, help_text="Separated by commas or spaces")

    def __init__(self, *args, agents, groups, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = _choices(categories, empty="None", value=lambda c: c.name)
        self.fields["assigned_group"].choices = _choices(groups, empty="No group")
        self.fields["assigned_to"].choices = _choices(agents, empty="Unassigned", label=lambda a: a.get_full_name())

    @staticmethod
    def initial_for(request) -> dict:
        return {
            "status": request.status,
            "priority": request.priority,
            "assigned_group": request.assigned_group.public_id if request.assigned_group else "",
            "assigned_to": request.assigned_to.public_id if request.assigned_to else "",
            "category": request.category.name if request.category else "",
            "tags": ", ".join(sorted(t.name for t in request.tags.all())),
        }

    def changes(self) -> dict:
        """What the service is asked to change: only fields that differ from the request as loaded."""
        data = dict(self.cleaned_data)
        data["tags"] = split_tags(data["tags"])
        for key in ("assigned_group", "assigned_to", "category"):
            data[key] = data[key] or None
        initial = self.initial
        changed = {}
        for key, value in data.items():
            before = initial.get(key)
            if key == "tags":
                before = split_tags(before or "")
                if sorted(value) != sorted(before):
                    changed[key] = value
            elif (value or None) != (before or None):
                changed[key] = value
        return changed


class BulkForm(forms.Form):
    """What a bulk action changes on the selected rows; empty fields change nothing."""

    assigned_to = forms.ChoiceField(label="Assignee", required=False)
    assigned_group = forms.ChoiceField(label="Group", required=False)
    status = forms.ChoiceField(required=False, choices=[("", "No change"), *Status.choices])
    priority = forms.ChoiceField(required=False, choices=[("", "No change"), *Priority.choices])
    add_tags = forms.CharField(label="Add tags", required=False, max_length=500)
    remove_tags = forms.CharField(label="Remove tags", required=False, max_length=500)
    macro = forms.ChoiceField(label="Macro's changes", required=False)

    def __init__(self, *args, agents, groups, macros=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["macro"].choices = [("", "None")] + [(str(m.pk), m.name) for m in macros]
        self.fields["assigned_to"].choices = [("", "No change"), ("none", "Unassign")] + [
            (a.public_id, a.get_full_name()) for a in agents
        ]
        self.fields["assigned_group"].choices = [("", "No change"), ("none", "No group")] + [
            (g.public_id, g.name) for g in groups
        ]

    def changes(self) -> dict:
        data = self.cleaned_data
        changes = {}
        for key in ("assigned_to", "assigned_group"):
            if data[key]:
                changes[key] = None if data[key] == "none" else data[key]
        for key in ("status", "priority"):
            if data[key]:
                changes[key] = data[key]
        return changes

    def add(self) -> list[str]:
        return split_tags(self.cleaned_data["add_tags"])

    def remove(self) -> list[str]:
        return split_tags(self.cleaned_data["remove_tags"])


class MacroForm(forms.ModelForm):
    shared = forms.BooleanField(label="Share with every agent", required=False)

    class Meta:
        model = Macro
        fields = list(MACRO_FIELDS)
        widgets = {"body": forms.Textarea(attrs={"rows": 6})}
        labels = {"body": "Reply text", "is_internal": "Send as an internal note"}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].queryset = User.objects.filter(
            is_active=True, role__in=[Role.AGENT, Role.ADMIN]
        ).order_by("name", "email")
        self.fields["status"].choices = [("", "No change"), *Status.choices]
        self.fields["priority"].choices = [("", "No change"), *Priority.choices]
        self.fields["assigned_group"].empty_label = "No change"
        self.fields["assigned_to"].empty_label = "No change"
        if not user.is_admin:
            del self.fields["shared"]
