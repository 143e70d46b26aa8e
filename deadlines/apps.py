"""Every due date of the CAF process (R-RET-2), computed in one place from the case's data."""

from django.apps import AppConfig


class DeadlinesConfig(AppConfig):
    name = "deadlines"
