"""Pages of a member of staff's own account: sign-in with its second factor, the authenticator
app and recovery codes, and their password."""

from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from agencies.forms import LoginForm
from agencies.second_factor import (
    SecondFactorError,
    after_password_url,
    authenticator_confirm,
    authenticator_of,
    authenticator_pending,
    authenticator_qr_code,
    authenticator_secret,
    recovery_codes_left,
    recovery_codes_renew,
    second_factor_required,
    second_factor_verify,
)
from cafsite.errors import add_error_to_form
from cafsite.forms import GovukFormMixin


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("home")


class SignInView(auth_views.LoginView):
    """The password step; a session that owes a second factor goes on to it."""

    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_success_url(self):
        next_url = super().get_success_url()
        return after_password_url(self.request.user, next_url) or next_url


class CodeForm(GovukFormMixin, forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "spellcheck": "false", "autocapitalize": "off"}
        ),
    )


def two_factor_verify(request):
    """The second step of signing in: a code from the app, or a recovery code."""
    if not request.user.is_authenticated:
        return redirect("login")
    if request.user.is_verified() or authenticator_of(request.user) is None:
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    form.fields["code"].help_text = (
        "The 6-digit code your authenticator app shows for eCAF. If you do not have your "
        "phone, enter one of your recovery codes."
    )
    if request.method == "POST" and form.is_valid():
        try:
            second_factor_verify(request=request, code=form.cleaned_data["code"])
        except SecondFactorError as error:
            add_error_to_form(form, error)
        else:
            return redirect(_next_url(request))
    return render(
        request, "registration/two_factor_verify.html", {"form": form, "next": _next_url(request)}
    )


def two_factor_set_up(request):
    """Set up the authenticator app: scan or type the secret, then prove it with a code."""
    if not request.user.is_authenticated:
        return redirect("login")
    user = request.user
    if authenticator_of(user) is not None:
        return redirect("account")
    form = CodeForm(request.POST or None)
    form.fields["code"].help_text = "The 6-digit code your authenticator app shows now."
    if request.method == "POST" and form.is_valid():
        try:
            codes = authenticator_confirm(request=request, code=form.cleaned_data["code"])
        except SecondFactorError as error:
            add_error_to_form(form, error)
        else:
            return render(
                request,
                "registration/recovery_codes.html",
                {"codes": codes, "next": _next_url(request), "first_time": True},
            )
    device = authenticator_pending(user=user)
    return render(
        request,
        "registration/two_factor_set_up.html",
        {
            "form": form,
            "next": _next_url(request),
            "qr_code": authenticator_qr_code(device),
            "secret": authenticator_secret(device),
            "required": second_factor_required(user),
        },
    )


@login_required
def account(request):
    user = request.user
    return render(
        request,
        "registration/account.html",
        {
            "authenticator": authenticator_of(user),
            "recovery_codes_left": recovery_codes_left(user),
            "required": second_factor_required(user),
        },
    )


@login_required
def recovery_codes_new(request):
    if request.method != "POST":
        return redirect("account")  # new codes replace the old: only by the account's button
    try:
        codes = recovery_codes_renew(user=request.user)
    except SecondFactorError:
        return redirect("two_factor_set_up")
    return render(
        request,
        "registration/recovery_codes.html",
        {"codes": codes, "next": reverse("account"), "first_time": False},
    )
