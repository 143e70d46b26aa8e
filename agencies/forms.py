from django import forms
from django.contrib.auth.forms import AuthenticationForm

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
