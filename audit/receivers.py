"""Authentication events into the access log. Django announces them only as signals."""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from audit.models import AccessAction
from audit.services import access_log_record


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def log_failed_login(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))
    user = get_user_model().objects.filter(username=username).first()
    access_log_record(
        action=AccessAction.LOGIN_FAILED,
        user=user,
        request=request,
        username=username,
        detail="" if user else "no such user",
    )


@receiver(user_logged_in, dispatch_uid="audit_logged_in")
def log_login(sender, request, user, **kwargs):
    access_log_record(action=AccessAction.LOGIN, user=user, request=request)


@receiver(user_logged_out, dispatch_uid="audit_logged_out")
def log_logout(sender, request, user, **kwargs):
    if user is not None:
        access_log_record(action=AccessAction.LOGOUT, user=user, request=request)
