from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Code of no domain. An app only so that it can hold the project-wide commands
    (backup, restore, load_demo, generate_dataset); it has no models."""

    name = "core"
    verbose_name = "Core"
