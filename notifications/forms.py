from django import forms

from .models import AGENT_CHOICES, NotificationPreference


class PreferencesForm(forms.Form):
    """One checkbox per event type an agent may switch off; labels from the model's fields."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for rule in AGENT_CHOICES:
            field = NotificationPreference._meta.get_field(rule)
            self.fields[rule] = forms.BooleanField(label=field.verbose_name, required=False)
