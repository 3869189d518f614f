"""Each app's module of a given name, found the way Django finds admin modules.

This is how the lower layers reach the upper ones without importing them: the demo and
dataset loaders call every app's ``demo`` or ``dataset`` module, and the cluster-year page
shows every app's ``cards``. Apps come in INSTALLED_APPS order, lowest layer first."""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

from django.apps import apps
from django.utils.module_loading import module_has_submodule


def app_modules(name: str) -> list[ModuleType]:
    """The ``<app>.<name>`` modules of the installed apps that have one, in app order."""
    return [
        import_module(f"{config.name}.{name}")
        for config in apps.get_app_configs()
        if module_has_submodule(config.module, name)
    ]
