from django.apps import AppConfig


class DemoConfig(AppConfig):
    # Demo data touches every app, so it sits above them all in a command of its own.
    name = "demo"
    verbose_name = "Demo data"
