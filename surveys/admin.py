"""Django admin: admins configure surveys here as Desk365 does, and read the invitations and answers
(never edited: an answer is the requester's)."""

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from helpdesk.errors import DomainError

from .models import Survey, SurveyInvitation
from .services import survey_save, survey_validate


class SurveyForm(forms.ModelForm):
    class Meta:
        model = Survey
        fields = [
            "name",
            "survey_type",
            "trigger",
            "is_active",
            "question",
            "question_2",
            "question_3",
            "cs_scale",
            "cs_rating_order",
            "cs_neutral_type",
            "comments_enabled",
            "comments_title",
        ]

    def _post_clean(self):
        super()._post_clean()  # copies the cleaned values onto the instance
        if self.errors:
            return
        try:
            survey_validate(self.instance)  # the service's rules, shown next to their fields
        except DomainError as error:
            for field, messages in error.fields.items():
                self.add_error(field if field in self.fields else None, messages)


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    form = SurveyForm
    list_display = ("name", "survey_type", "cs_scale", "trigger", "is_active", "created_at")
    list_filter = ("survey_type", "is_active", "trigger")
    search_fields = ("name",)
    readonly_fields = ("public_id", "created_at")
    fieldsets = [
        (None, {"fields": ("name", "survey_type", "trigger", "is_active", "public_id", "created_at")}),
        (
            "Questions",
            {
                "fields": ("question", "question_2", "question_3"),
                "description": "Five-star and NPS surveys ask the first question only.",
            },
        ),
        ("Customer satisfaction", {"fields": ("cs_scale", "cs_rating_order", "cs_neutral_type")}),
        ("Comments", {"fields": ("comments_enabled", "comments_title")}),
    ]

    def save_model(self, request, obj, form, change):
        survey_save(actor=request.user, survey=obj)

    def has_delete_permission(self, request, obj=None):
        # A survey that was sent keeps its answers' meaning: deactivate it instead.
        if obj is not None and obj.invitations.exists():
            return False
        return super().has_delete_permission(request, obj)


@admin.register(SurveyInvitation)
class SurveyInvitationAdmin(admin.ModelAdmin):
    list_display = ("public_id", "request_link", "survey", "agent", "group", "sent_at", "rated_at", "rating")
    list_filter = ("survey", ("rated_at", admin.EmptyFieldListFilter), "trigger")
    list_select_related = ("survey", "request", "agent", "group")
    search_fields = ("public_id", "request__public_id", "request__title", "comment")
    date_hierarchy = "sent_at"
    readonly_fields = [f.name for f in SurveyInvitation._meta.fields]
    show_full_result_count = False

    @admin.display(description="request")
    def request_link(self, obj):
        url = reverse("admin:tickets_request_change", args=[obj.request_id])
        return format_html('<a href="{}">#{}</a>', url, obj.request_id)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # read-only: shown, never edited
