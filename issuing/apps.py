from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IssuingConfig(AppConfig):
    name = "issuing"
    verbose_name = _("Issued documents")

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the signing keys' check)
