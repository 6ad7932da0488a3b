"""Django admin for users, groups and API tokens. Forms validate and show errors; services write."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.models import Group as AuthGroup
from django.db.models import Count, Q
from django.utils import timezone

from helpdesk.admin_tools import ServiceSaveMixin, changed, plural

from .models import ApiToken, Group, Role, SignupRequest, User
from .services import (
    group_create,
    group_update,
    token_default_expiry,
    token_expiry_set,
    token_issue,
    token_revoke,
    user_create,
    user_update,
)

# We have our own Group (agent teams); Django's permission groups are unused and share the name.
admin.site.unregister(AuthGroup)

# Autocompletes (app, model, field) that may only offer active agents and admins.
AGENT_CHOICES = {
    ("accounts", "group", "members"),
    ("tickets", "request", "assigned_to"),
}


# --- users -------------------------------------------------------------------------------------


class UserCreationForm(auth_forms.BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "name", "role")
        field_classes: dict = {}

    def clean_email(self):
        # Stored lower-case, so the unique check must compare lower-case too.
        return self.cleaned_data["email"].strip().lower()


class UserChangeForm(auth_forms.UserChangeForm):
    class Meta:
        model = User
        fields = ("email", "name", "role", "is_vip", "is_active", "password")
        field_classes: dict = {}

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


@admin.register(User)
class UserAdmin(ServiceSaveMixin, auth_admin.UserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    fieldsets = (
        (None, {"fields": ("public_id", "email", "password")}),
        ("Profile", {"fields": ("name", "is_vip")}),
        ("Access", {"fields": ("role", "is_active", "is_superuser")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "name", "role", "password1", "password2")}),)
    readonly_fields = ("public_id", "is_superuser", "last_login", "date_joined")
    list_display = ("email", "name", "role", "is_vip", "is_active", "last_login", "date_joined")
    list_filter = ("role", "is_active", "is_vip")
    search_fields = ("email", "name", "public_id")
    ordering = ("email",)
    filter_horizontal = ()
    date_hierarchy = "date_joined"

    def service_create(self, request, form):
        data = form.cleaned_data
        return user_create(
            actor=request.user, email=data["email"], name=data["name"], role=data["role"], password=data["password1"]
        )

    def service_update(self, request, obj, form):
        # The service judges the change against the stored user (an admin demoting themselves,
        # a requester leaving their groups), not against the form's already-edited copy.
        stored = User.objects.get(pk=obj.pk)
        user_update(
            actor=request.user, user=stored, changes=changed(form, {"email", "name", "role", "is_vip", "is_active"})
        )

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        source = (request.GET.get("app_label"), request.GET.get("model_name"), request.GET.get("field_name"))
        if source in AGENT_CHOICES:
            queryset = queryset.filter(is_active=True, role__in=[Role.AGENT, Role.ADMIN])
        return queryset, may_have_duplicates


# --- groups ------------------------------------------------------------------------------------


class GroupForm(forms.ModelForm):
    class Meta:
        model = Group
        fields = ("name", "description", "members", "calendar")

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if Group.objects.filter(name__iexact=name).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("A group with this name already exists.")
        return name

    def clean_members(self):
        members = self.cleaned_data["members"]
        refused = [member.email for member in members if not member.is_agent]
        if refused:
            raise forms.ValidationError(
                "Only active agents and admins can be group members: %(emails)s.",
                code="not_agent",
                params={"emails": ", ".join(refused)},
            )
        return members


@admin.register(Group)
class GroupAdmin(ServiceSaveMixin, admin.ModelAdmin):
    form = GroupForm
    fields = ("public_id", "name", "description", "members", "calendar", "created_at")
    readonly_fields = ("public_id", "created_at")
    autocomplete_fields = ("members", "calendar")
    list_display = ("name", "public_id", "member_count", "created_at")
    search_fields = ("name", "public_id")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("members"))

    @admin.display(description="members", ordering="member_count")
    def member_count(self, obj):
        return obj.member_count

    def service_create(self, request, form):
        data = form.cleaned_data
        return group_create(
            actor=request.user,
            name=data["name"],
            description=data["description"],
            member_ids=[member.public_id for member in data["members"]],
            calendar=data["calendar"],
        )

    def service_update(self, request, obj, form):
        changes = changed(form, {"name", "description", "calendar"})
        if "members" in form.changed_data:
            changes["member_ids"] = [member.public_id for member in form.cleaned_data["members"]]
        group_update(actor=request.user, group=obj, changes=changes)


# --- API tokens --------------------------------------------------------------------------------


class TokenStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("active", "Active"), ("expired", "Expired"), ("revoked", "Revoked")]

    def queryset(self, request, queryset):
        now = timezone.now()
        unexpired = Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        if self.value() == "active":
            return queryset.filter(unexpired, revoked_at__isnull=True)
        if self.value() == "expired":
            return queryset.filter(revoked_at__isnull=True, expires_at__lte=now)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(ApiToken)
class ApiTokenAdmin(ServiceSaveMixin, admin.ModelAdmin):
    """Tokens are issued here, then looked at, given another expiry or revoked; the hash is never shown."""

    add_fields = ("user", "name", "expires_at")
    view_fields = ("user", "name", "hint", "created_at", "last_used_at", "expires_at", "revoked_at")
    autocomplete_fields = ("user",)
    list_display = ("hint", "user", "name", "created_at", "last_used_at", "expires_at", "revoked_at")
    list_select_related = ("user",)
    list_filter = (TokenStateFilter,)
    search_fields = ("hint", "name", "user__email")
    date_hierarchy = "created_at"
    actions = ("revoke_selected",)

    def get_fields(self, request, obj=None):
        return self.add_fields if obj is None else self.view_fields

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        # Only the expiry of a live token may change; a revoked token stays revoked.
        return self.view_fields if obj.revoked_at else tuple(f for f in self.view_fields if f != "expires_at")

    def get_changeform_initial_data(self, request):
        # The API_TOKEN_TTL_DAYS default, shown so the admin sees it and may clear it (never expires).
        return {"expires_at": token_default_expiry(), **super().get_changeform_initial_data(request)}

    def service_create(self, request, form):
        data = form.cleaned_data
        token, raw = token_issue(user=data["user"], name=data["name"], expires_at=data["expires_at"])
        self.message_user(
            request,
            f"The new token for {token.user.email} is {raw} — copy it now: "
            "it is not stored and will not be shown again.",
            messages.SUCCESS,
        )
        return token

    def service_update(self, request, obj, form):
        if "expires_at" in form.changed_data:
            token_expiry_set(token=obj, expires_at=form.cleaned_data["expires_at"])

    @admin.action(description="Revoke selected tokens")
    def revoke_selected(self, request, queryset):
        tokens = list(queryset.filter(revoked_at__isnull=True))
        for token in tokens:
            token_revoke(token=token)
        self.message_user(request, f"Revoked {plural(len(tokens), 'token')}.", messages.SUCCESS)


@admin.register(SignupRequest)
class SignupRequestAdmin(admin.ModelAdmin):
    """Sign-ups whose email is not confirmed yet: visible so an admin can answer "I got no mail", and
    deletable; they become accounts only through the link."""

    list_display = ["email", "name", "created_at"]
    search_fields = ["email", "name"]
    readonly_fields = ["email", "name", "created_at"]
    exclude = ["password_hash", "token_hash"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
