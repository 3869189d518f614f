"""`manage.py check`: the signing keys the operator configured can be had (issuing/signing.py)."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Warning, register


@register()
def signing_keys_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    from .signing import configuration_problems

    return [
        Warning(
            f"Digital signing: {problem}.",
            hint="Issued documents cannot be signed until the SIGNING_* settings are fixed "
            "(config/settings.py).",
            id="issuing.W001",
        )
        for problem in configuration_problems()
    ]
