from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from .engine import validate_hours
from .models import (
    BusinessCalendar,
    Holiday,
    OpeningHours,
    PendingRebuild,
    SlaClock,
    SlaPolicy,
    SlaTarget,
    SlaTier,
)
from .triggers import rebuild_after_commit


class RebuildClocksOnSave:
    """Tiers, policies and calendars decide every request's targets: after a change, recount all
    clocks on a worker (recorded for the next sweep while the broker is down)."""

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        rebuild_after_commit()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        rebuild_after_commit()


class OpeningHoursFormSet(forms.BaseInlineFormSet):
    """Refuses overlapping opening hours on a day, which would count the same minutes twice."""

    def clean(self):
        super().clean()
        hours: dict[int, list] = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or data.get("opens") is None or data.get("closes") is None:
                continue
            hours.setdefault(data["weekday"], []).append((data["opens"], data["closes"]))
        problems = validate_hours({day: tuple(spans) for day, spans in hours.items()})
        if problems:
            raise ValidationError(problems)


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    formset = OpeningHoursFormSet
    extra = 0


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(RebuildClocksOnSave, admin.ModelAdmin):
    list_display = ("name", "time_zone", "is_default")
    search_fields = ("name",)
    inlines = [OpeningHoursInline, HolidayInline]


class SlaTargetInline(admin.TabularInline):
    model = SlaTarget
    extra = 0
    min_num = 1


@admin.register(SlaTier)
class SlaTierAdmin(RebuildClocksOnSave, admin.ModelAdmin):
    list_display = ("name", "is_default")
    search_fields = ("name",)
    inlines = [SlaTargetInline]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(RebuildClocksOnSave, admin.ModelAdmin):
    list_display = ("name", "position", "tier", "priority", "requester_is_vip", "group", "is_active")
    list_editable = ("position", "is_active")
    list_filter = ("tier", "is_active")
    list_select_related = ("tier", "group")
    autocomplete_fields = ("group", "tier")
    search_fields = ("name",)


@admin.register(SlaClock)
class SlaClockAdmin(admin.ModelAdmin):
    """What the engine last computed; read-only (the clocks are recomputed, never edited)."""

    list_display = ("request", "kind", "status", "target_at", "next_check_at", "computed_at")
    list_filter = ("kind", "status")
    list_select_related = ("request",)
    raw_id_fields = ("request",)
    search_fields = ("request__public_id",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PendingRebuild)
class PendingRebuildAdmin(admin.ModelAdmin):
    """Rebuilds of every clock asked for while the broker was down; the next sweep runs them."""

    list_display = ("requested_at",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
