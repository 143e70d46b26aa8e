"""Tokens are each person's own business, on their "API tokens" page: knox's admin would show
every tenant's tokens to a tenant administrator."""

from django.contrib import admin
from knox.models import AuthToken

admin.site.unregister(AuthToken)
