"""A tenant's local prompts under the national form's elements, kept by its administrator in
Django admin without code (the elements themselves are the national form: data, not admin)."""

from django.contrib import admin

from agencies.admin import TenantScopedAdmin
from assessments.models import LocalPrompt


@admin.register(LocalPrompt)
class LocalPromptAdmin(TenantScopedAdmin):
    list_display = ["element", "text", "position", "is_active"]
    list_filter = ["is_active", "element__domain"]
    fields = ["tenant", "element", "text", "position", "is_active"]
