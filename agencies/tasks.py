"""Background work for staff accounts."""

from celery import shared_task
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from agencies.models import User

RESET_SUBJECT_TEMPLATE = "registration/password_reset_subject.txt"
RESET_EMAIL_TEMPLATE = "registration/password_reset_email.txt"


@shared_task
def password_reset_email_task(user_id: int, domain: str, use_https: bool) -> None:
    """Email a member of staff a one-use link to choose a new password. Sent from the worker,
    so the reset page answers as fast for an unknown address as for a known one. The link is
    made here, not carried through the broker. Running twice sends a second working link."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.has_usable_password() or not user.email:
        return
    context = {
        "email": user.email,
        "domain": domain,
        "site_name": domain,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": "https" if use_https else "http",
    }
    PasswordResetForm().send_mail(
        RESET_SUBJECT_TEMPLATE, RESET_EMAIL_TEMPLATE, context, None, user.email
    )
