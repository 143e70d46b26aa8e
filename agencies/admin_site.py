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


class EcafAdminConfig(AdminConfig):
    default_site = "agencies.admin_site.TenantAdminSite"
