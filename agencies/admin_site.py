"""Django admin as tenant administrators use it: their own tenant's agencies and staff only.

Entry is decided by role (tenant administrator, or a platform superuser), not by ``is_staff``.
Sign-in goes through the service's own sign-in page, with its lockout.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import Http404


class TenantAdminSite(admin.AdminSite):
    site_header = "eCAF administration"
    site_title = "eCAF administration"
    index_title = "Agencies and staff"

    def has_permission(self, request) -> bool:
        from agencies.roles import is_tenant_admin  # models are not ready at import

        # Asked many times per admin page; answered once per request.
        if not hasattr(request, "_tenant_admin_allowed"):
            user = request.user
            request._tenant_admin_allowed = user.is_active and (
                user.is_superuser or is_tenant_admin(user)
            )
        return request._tenant_admin_allowed

    def login(self, request, extra_context=None):
        from django.contrib.auth.views import redirect_to_login

        if request.user.is_authenticated:
            # Signed in without the role: the admin does not exist for them.
            raise Http404
        return redirect_to_login(request.GET.get("next", request.path), "login")


# Registered by the libraries' own admin modules, and not for anyone here: the change log holds
# every tenant's children's details, and an API token lets whoever reads it act as its owner.
# No role bypasses need-to-know, a platform superuser's included (R-AUDIT-2).
NOT_IN_ADMIN = [("audit", "ChangeLogEntry"), ("authtoken", "TokenProxy"), ("knox", "AuthToken")]


class EcafAdminConfig(AdminConfig):
    default_site = "agencies.admin_site.TenantAdminSite"

    def ready(self):
        super().ready()  # imports every app's admin module
        from django.apps import apps
        from django.contrib.admin import site

        for app_label, model_name in NOT_IN_ADMIN:
            try:
                model = apps.get_model(app_label, model_name)
            except LookupError:
                continue
            if site.is_registered(model):
                site.unregister(model)


class MissingOrForbiddenAlike:
    """A ModelAdmin mixin: an object the administrator may not see answers 404 on every
    object page (change, history, delete), exactly as a missing one does; Django's own
    answers (403 for forbidden, a redirect for missing) tell which objects exist."""

    def _visible_or_404(self, request, object_id):
        from django.contrib.admin.utils import unquote

        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_view_or_change_permission(request, obj):
            raise Http404
        return obj

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._visible_or_404(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self._visible_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self._visible_or_404(request, object_id)
        return super().delete_view(request, object_id, extra_context)
