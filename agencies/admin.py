"""Agencies and staff in Django admin, scoped to the tenant administrator's own tenant.

Every object is filtered to the tenant, foreign-key choices too; nothing can be deleted (staff
leave by being made inactive and losing their memberships). Writes go through
``agencies.services`` so admin changes follow the same rules and audit as everywhere else.
"""

from axes.models import AccessAttempt
from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.db.models import OuterRef, Sum
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.admin_site import MissingOrForbiddenAlike
from agencies.models import Agency, Membership, Tenant, TrainingRecord, User
from agencies.services import (
    StaffError,
    agency_change_validate,
    agency_create,
    agency_update,
    agency_version_check,
    dbs_check_validate,
    membership_add,
    membership_remove,
    membership_validate,
    self_grant_validate,
    staff_record_dbs_check,
    staff_reset_second_factor,
    staff_unlock_sign_in,
)
from cafsite.errors import add_error_to_form
from cafsite.validation import validate_name


def _admin_tenant_id(request) -> int | None:
    """None for a platform superuser (every tenant), else the administrator's tenant."""
    return None if request.user.is_superuser else request.user.tenant_id


class TenantScopedAdmin(MissingOrForbiddenAlike, admin.ModelAdmin):
    """Full rights within the tenant for those the site lets in; no deletion for anyone."""

    tenant_field = "tenant"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        tenant_id = _admin_tenant_id(request)
        if tenant_id is None:
            return queryset
        return queryset.filter(**{f"{self.tenant_field}_id": tenant_id})

    def _allowed(self, request, obj=None) -> bool:
        if not self.admin_site.has_permission(request):
            return False
        tenant_id = _admin_tenant_id(request)
        return (
            obj is None or tenant_id is None or getattr(obj, f"{self.tenant_field}_id") == tenant_id
        )

    def has_module_permission(self, request):
        return self._allowed(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request, obj)

    def has_add_permission(self, request):
        return self._allowed(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_exclude(self, request, obj=None):
        # Tenant administrators cannot move anything to another tenant.
        excluded = list(super().get_exclude(request, obj) or [])
        if _admin_tenant_id(request) is not None:
            excluded.append(self.tenant_field)
        return excluded

    def get_readonly_fields(self, request, obj=None):
        # Nobody moves an existing row to another tenant: its memberships would cross tenants.
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and _admin_tenant_id(request) is None:
            readonly.append(self.tenant_field)
        return readonly

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        tenant_id = _admin_tenant_id(request)
        tenant_field = self.tenant_field

        class TenantForm(form):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                # Set before validation, so the form's and the inlines' rules (one CAF team
                # per tenant, agencies of the staff member's own tenant) see the tenant.
                if tenant_id is not None and getattr(self.instance, f"{tenant_field}_id") is None:
                    setattr(self.instance, f"{tenant_field}_id", tenant_id)

        TenantForm.__name__ = form.__name__
        return TenantForm


@admin.register(Agency)
class AgencyAdmin(TenantScopedAdmin):
    list_display = ["name", "kind", "email", "telephone", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]
    fields = ["tenant", "name", "kind", "email", "telephone", "is_active", "version"]

    def get_fields(self, request, obj=None):
        excluded = set(self.get_exclude(request, obj))
        if obj is None:
            excluded.add("is_active")  # a new agency is open; agency_create makes it so
            excluded.add("version")
        return [f for f in self.fields if f not in excluded]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        class ScopedAgencyForm(form):
            # The version the administrator started from, so a save over a colleague's is
            # refused. Admin validates and saves in one transaction, so the row locked here
            # stays locked until saved.
            version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

            def clean(self):
                cleaned = super().clean()
                if self.instance.pk and self._stale(cleaned.get("version")):
                    return cleaned
                # Before _post_clean, the instance still holds the saved values.
                if self.instance.pk and cleaned.get("kind"):
                    try:
                        agency_change_validate(agency=self.instance, kind=cleaned["kind"])
                    except StaffError as error:
                        add_error_to_form(self, error)
                return cleaned

            def _stale(self, version) -> bool:
                """Refuse an edit begun before a colleague's save, showing what is saved now
                and keeping what was typed; saving again then is a deliberate choice."""
                try:
                    agency_version_check(agency_pk=self.instance.pk, version=version)
                except StaffError:
                    current = Agency.objects.get(pk=self.instance.pk)
                    saved = {
                        "Name": (current.name, "name"),
                        "Kind": (current.get_kind_display(), "kind"),
                        "Email": (current.email, "email"),
                        "Telephone": (current.telephone, "telephone"),
                        "Open": ("yes" if current.is_active else "no", "is_active"),
                    }
                    differ = [
                        f"{label}: {shown or '(blank)'}"
                        for label, (shown, name) in saved.items()
                        if name in self.cleaned_data
                        and getattr(current, name) != self.cleaned_data[name]
                    ]
                    self.add_error(
                        None,
                        "Someone else changed this agency while you were editing it. Your "
                        "changes are still in the form: check them against what is saved now "
                        "and save again. "
                        + (
                            f"Saved now, where it differs: {'; '.join(differ)}."
                            if differ
                            else "What is saved now is what you entered."
                        ),
                    )
                    self.data = self.data.copy()
                    self.data[self.add_prefix("version")] = str(current.version)
                    return True
                return False

            def _post_clean(self):
                # The tenant is not a form field for tenant administrators, so the database
                # constraints that involve it (one CAF team per tenant) are checked here.
                super()._post_clean()
                try:
                    self.instance.validate_constraints()
                except forms.ValidationError as error:
                    self._update_errors(error)

        return ScopedAgencyForm

    def save_model(self, request, obj, form, change):
        if change:
            # From the database: the service compares with what was saved (closing an agency
            # ends its staff's access through its group).
            agency_update(
                agency=Agency.objects.get(pk=obj.pk),
                name=obj.name,
                kind=obj.kind,
                email=obj.email,
                telephone=obj.telephone,
                is_active=obj.is_active,
                version=form.cleaned_data.get("version"),
                by=request.user,
            )
            return
        created = agency_create(
            tenant=obj.tenant,
            name=obj.name,
            kind=obj.kind,
            email=obj.email,
            telephone=obj.telephone,
            by=request.user,
        )
        obj.pk, obj.group_id = created.pk, created.group_id
        obj._state.adding = False


class StaleEditRefusedAdmin(admin.ModelAdmin):
    """For a model with a ``version``: the change form carries the version it was shown at, and
    a save begun before someone else's is refused with what is saved now, what was typed kept.
    Admin validates and saves in one transaction, so the row locked in ``clean`` stays locked
    until saved (on SQLite the transaction holds the write lock from its start)."""

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        (title, options), *rest = fieldsets
        return [(title, {**options, "fields": [*options["fields"], "version"]}), *rest]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is None:
            return form

        class VersionedForm(form):
            version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

            def clean(self):
                cleaned = super().clean()
                model = type(self.instance)
                self.saved = model._default_manager.select_for_update().get(pk=self.instance.pk)
                started_from = cleaned.get("version")
                if started_from is not None and started_from != self.saved.version:
                    differ = [
                        f"{self[name].label}: {getattr(self.saved, name) or '(blank)'}"
                        for name, value in cleaned.items()
                        if name in self.fields
                        and name != "version"
                        and hasattr(self.saved, name)
                        and getattr(self.saved, name) != value
                    ]
                    self.add_error(
                        None,
                        "Someone else changed this record while you were editing it. Your "
                        "changes are still in the form: check them against what is saved now "
                        "and save again."
                        + (f" Saved now, where it differs: {'; '.join(differ)}." if differ else ""),
                    )
                    self.data = self.data.copy()
                    self.data[self.add_prefix("version")] = str(self.saved.version)
                return cleaned

        VersionedForm.__name__ = form.__name__
        return VersionedForm

    def save_model(self, request, obj, form, change):
        if change:
            obj.version = form.saved.version + 1
        super().save_model(request, obj, form, change)


class MembershipForm(forms.ModelForm):
    acting_user: User  # set per request by MembershipInline.get_formset

    class Meta:
        model = Membership
        fields = ["agency", "role"]

    def clean(self):
        cleaned = super().clean()
        agency, role = cleaned.get("agency"), cleaned.get("role")
        if not agency or not role or cleaned.get("DELETE") or not self.has_changed():
            return cleaned
        if not agency.is_active:
            self.add_error("agency", "This agency is closed.")
            return cleaned
        try:
            # The inline formset has set the staff member being edited on the instance.
            membership_validate(tenant_id=self.instance.user.tenant_id, agency=agency, role=role)
            self_grant_validate(user_id=self.instance.user_id, by=self.acting_user, role=role)
        except StaffError as error:
            add_error_to_form(self, error)
        return cleaned


class MembershipInline(admin.TabularInline):
    model = Membership
    form = MembershipForm
    extra = 1

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("agency")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = type(formset.form.__name__, (formset.form,), {"acting_user": request.user})
        return formset

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "agency":
            # Closed agencies stay choices so existing memberships of them still show; the
            # form refuses new ones.
            tenant_id = _admin_tenant_id(request)
            agencies = Agency.objects.all()
            kwargs["queryset"] = (
                agencies if tenant_id is None else agencies.filter(tenant_id=tenant_id)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request, obj=None):
        return True

    def has_change_permission(self, request, obj=None):
        return True

    def has_delete_permission(self, request, obj=None):
        return True  # ending a role is how access ends; the user record itself stays

    def has_view_permission(self, request, obj=None):
        return True


class TrainingInline(admin.TabularInline):
    model = TrainingRecord
    extra = 1
    fields = ["course", "completed_on"]

    def has_add_permission(self, request, obj=None):
        return True

    def has_change_permission(self, request, obj=None):
        return True

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return True


class StaffNamesMixin:
    """Staff names print on every page and PDF: the same name rule as children's."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("first_name", "last_name", "job_title"):
            self.fields[name].validators.append(validate_name)


class StaffChangeForm(StaffNamesMixin, UserChangeForm):
    acting_user: User  # set per request by StaffAdmin.get_form

    class Meta(UserChangeForm.Meta):
        model = User
        fields = [
            "username",
            "first_name",
            "last_name",
            "email",
            "job_title",
            "telephone",
            "dbs_checked_on",
            "dbs_reference",
            "is_active",
        ]

    def clean(self):
        cleaned = super().clean()
        checked_on, reference = cleaned.get("dbs_checked_on"), cleaned.get("dbs_reference", "")
        dbs_changed = {"dbs_checked_on", "dbs_reference"} & set(self.changed_data)
        if checked_on or reference:
            try:
                if dbs_changed:
                    self_grant_validate(user_id=self.instance.pk, by=self.acting_user)
                dbs_check_validate(checked_on=checked_on, reference=reference or "")
            except StaffError as error:
                add_error_to_form(self, error)
        return cleaned


class StaffCreationForm(StaffNamesMixin, UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = User
        fields = ["username", "first_name", "last_name", "email", "job_title"]


@admin.register(User)
class StaffAdmin(StaleEditRefusedAdmin, TenantScopedAdmin, UserAdmin):
    form = StaffChangeForm
    add_form = StaffCreationForm
    inlines = [MembershipInline, TrainingInline]
    list_display = [
        "username",
        "first_name",
        "last_name",
        "job_title",
        "is_active",
        "dbs_checked_on",
        "sign_in_locked",
    ]
    list_filter = ["is_active"]
    search_fields = ["username", "first_name", "last_name", "email"]
    actions = ["unlock_sign_in", "reset_second_factor"]
    ordering = ["last_name", "first_name"]
    fieldsets = [
        (None, {"fields": ["tenant", "username", "password"]}),
        ("Person", {"fields": ["first_name", "last_name", "email", "job_title", "telephone"]}),
        ("Enhanced DBS check", {"fields": ["dbs_checked_on", "dbs_reference"]}),
        ("Access", {"fields": ["is_active"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["tenant", "username", "password1", "password2"]}),
        ("Person", {"fields": ["first_name", "last_name", "email", "job_title"]}),
    ]

    def get_queryset(self, request):
        # Recent failed sign-ins of each account, from every address, for the "Locked" column.
        failures = (
            AccessAttempt.objects.filter(
                username=OuterRef("username"),
                attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME,
            )
            .values("username")
            .annotate(total=Sum("failures_since_start"))
            .values("total")
        )
        queryset = super().get_queryset(request).annotate(recent_sign_in_failures=failures)
        if _admin_tenant_id(request) is None:
            return queryset
        # A platform operator's account is never a tenant administrator's to change, even
        # if it carries a tenant: its password would be theirs to set.
        return queryset.filter(is_superuser=False)

    def _allowed(self, request, obj=None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super()._allowed(request, obj)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.acting_user = request.user
        return form

    @admin.display(boolean=True, description="Sign-in locked")
    def sign_in_locked(self, obj) -> bool:
        return (obj.recent_sign_in_failures or 0) >= settings.AXES_FAILURE_LIMIT

    @admin.action(description="Unlock sign-in of the selected staff")
    def unlock_sign_in(self, request, queryset):
        for user in queryset:
            staff_unlock_sign_in(user=user, by=request.user)
        self.message_user(request, f"Sign-in unlocked for {len(queryset)} staff.")

    @admin.action(description="Reset the authenticator app of the selected staff (lost phone)")
    def reset_second_factor(self, request, queryset):
        for user in queryset:
            staff_reset_second_factor(user=user, by=request.user)
        self.message_user(
            request, f"Authenticator app reset for {len(queryset)} staff: they set it up again."
        )

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if _admin_tenant_id(request) is None:
            return fieldsets
        return [
            (title, {**options, "fields": [f for f in options["fields"] if f != "tenant"]})
            for title, options in fieldsets
        ]

    def save_model(self, request, obj, form, change):
        tenant_id = _admin_tenant_id(request)
        if tenant_id is not None:
            obj.tenant_id = tenant_id
        dbs_changed = change and {"dbs_checked_on", "dbs_reference"} & set(form.changed_data)
        if dbs_changed and obj.dbs_checked_on:
            checked_on, reference = obj.dbs_checked_on, obj.dbs_reference
            # The check goes through the service, which records who recorded it.
            previous = User.objects.get(pk=obj.pk)
            obj.dbs_checked_on, obj.dbs_reference = previous.dbs_checked_on, previous.dbs_reference
            super().save_model(request, obj, form, change)
            staff_record_dbs_check(
                user=obj, checked_on=checked_on, reference=reference, by=request.user
            )
            return
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        user = form.instance
        memberships = formset.save(commit=False)
        for ended in formset.deleted_objects:
            membership_remove(membership=ended, by=request.user)
        for membership in memberships:
            if membership.pk:  # a changed role: end the old one, start the new
                membership_remove(
                    membership=Membership.objects.get(pk=membership.pk), by=request.user
                )
            membership_add(
                user=user, agency=membership.agency, role=membership.role, by=request.user
            )


@admin.register(Tenant)
class TenantAdmin(MissingOrForbiddenAlike, admin.ModelAdmin):
    """Tenants are the platform operator's to manage."""

    list_display = ["name", "slug"]

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return False


# Nobody reads another person's authenticator secret in admin, not even a platform operator:
# it would let them pass that person's second factor. A lost phone is reset by the staff
# action above (staff_reset_second_factor), which is audited.
for otp_device in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(otp_device):
        admin.site.unregister(otp_device)
