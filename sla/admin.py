from django.contrib import admin

from .models import SlaTier


@admin.register(SlaTier)
class SlaTierAdmin(admin.ModelAdmin):
    list_display = ("name", "priority", "first_response_minutes", "resolution_minutes")
    search_fields = ("name",)
