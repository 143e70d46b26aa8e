from functools import partial

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.db import transaction

from cafsite.forms import GovukFormMixin


class LoginForm(GovukFormMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account is inactive. Ask your tenant administrator.",
    }

    def clean_username(self):
        # AuthenticationForm sets max_length after its validators are built, so an overlong
        # name reached authenticate() and overflowed django-axes' 255-character column.
        username = self.cleaned_data.get("username", "")
        if len(username) > self.fields["username"].max_length:
            raise forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login")
        return username


class PasswordChangeForm(GovukFormMixin, auth_forms.PasswordChangeForm):
    pass


class PasswordResetForm(GovukFormMixin, auth_forms.PasswordResetForm):
    def save(self, *, request, use_https=False, **kwargs) -> None:
        """Queue the email for each account with this address, if any: the page answers the
        same, equally fast, whether or not one exists."""
        from agencies.tasks import password_reset_email_task

        domain = request.get_host()
        for user in self.get_users(self.cleaned_data["email"]):
            transaction.on_commit(
                partial(password_reset_email_task.delay, user.pk, domain, use_https)
            )


class SetPasswordForm(GovukFormMixin, auth_forms.SetPasswordForm):
    pass
