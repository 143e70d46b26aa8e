"""Signing in (password, then the second factor), a forgotten password, and one's own account.
Included at the site root."""

from django.contrib.auth import views as auth_views
from django.urls import path

from agencies import views
from agencies.forms import PasswordChangeForm, PasswordResetForm, SetPasswordForm

urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-in/verify/", views.two_factor_verify, name="two_factor_verify"),
    path(
        "sign-in/forgotten-password/",
        auth_views.PasswordResetView.as_view(
            form_class=PasswordResetForm,
            template_name="registration/password_reset.html",
            email_template_name="registration/password_reset_email.txt",
            subject_template_name="registration/password_reset_subject.txt",
        ),
        name="password_reset",
    ),
    path(
        "sign-in/forgotten-password/sent/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="registration/password_reset_sent.html"
        ),
        name="password_reset_done",
    ),
    path(
        "sign-in/new-password/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            form_class=SetPasswordForm, template_name="registration/password_reset_confirm.html"
        ),
        name="password_reset_confirm",
    ),
    path(
        "sign-in/new-password/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="registration/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("account/", views.account, name="account"),
    path("account/two-factor/set-up/", views.two_factor_set_up, name="two_factor_set_up"),
    path(
        "account/two-factor/recovery-codes/",
        views.recovery_codes_new,
        name="recovery_codes_new",
    ),
    path(
        "account/password/",
        auth_views.PasswordChangeView.as_view(
            form_class=PasswordChangeForm, template_name="registration/password_change.html"
        ),
        name="password_change",
    ),
    path(
        "account/password/changed/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="registration/password_change_done.html"
        ),
        name="password_change_done",
    ),
]
