from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResultsConfig(AppConfig):
    name = "results"
    verbose_name = _("Results and awards")

    def ready(self) -> None:
        from documents import jobs

        from .bundle import YEAR_BUNDLE, bundle_from_params

        jobs.register(YEAR_BUNDLE, bundle_from_params)
