from django.apps import AppConfig


class SecurityConfig(AppConfig):
    """What protects a signed-in person on a shared computer: responses kept out of caches,
    session lifetimes and the record of each person's sessions, and their API tokens."""

    name = "security"
    verbose_name = "Sessions and API tokens"
