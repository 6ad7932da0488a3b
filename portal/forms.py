"""The portal's forms: they parse and label input; the services decide the rules."""

from django import forms

from tickets.api.serializers import COMMENT_MAX, DESCRIPTION_MAX, TITLE_MAX


class NewRequestForm(forms.Form):
    title = forms.CharField(label="Subject", max_length=TITLE_MAX)
    description = forms.CharField(
        label="How can we help?", widget=forms.Textarea(attrs={"rows": 7}), max_length=DESCRIPTION_MAX
    )
    category = forms.ChoiceField(label="Topic", required=False)

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "Choose a topic (optional)")] + [(c.name, str(c)) for c in categories]


class ReplyForm(forms.Form):
    content = forms.CharField(
        label="Your reply",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=COMMENT_MAX,
        error_messages={"required": "Write a reply before sending."},
    )
