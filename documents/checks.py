"""A warning when the project's own fonts cannot be found: documents would print in whatever
the machine has, with other line breaks and page counts than the ones people sign."""

from __future__ import annotations

from django.core import checks

from .rendering import RefusedURL, static_path_for, static_url

# The four faces print.css loads with @font-face (Liberation Serif: the metrics of Times New
# Roman, which Decree 30 asks for).
FONT_FILES = (
    "fonts/LiberationSerif-Regular.ttf",
    "fonts/LiberationSerif-Bold.ttf",
    "fonts/LiberationSerif-Italic.ttf",
    "fonts/LiberationSerif-BoldItalic.ttf",
)


def missing_fonts() -> list[str]:
    """The font files the renderer could not load (it finds them as it finds every static file
    of a document, through static_path_for)."""
    missing = []
    for name in FONT_FILES:
        try:
            path = static_path_for(static_url(name))
        except RefusedURL:
            missing.append(name)
            continue
        if path.stat().st_size == 0:
            missing.append(name)
    return missing


@checks.register()
def project_fonts_present(app_configs=None, **kwargs):
    missing = missing_fonts()
    if not missing:
        return []
    return [
        checks.Warning(
            "The documents' fonts are missing from the static files: "
            + ", ".join(missing)
            + ". Printed documents will not have Decree 30's typeface.",
            hint="They ship with the project under static/fonts/; restore them from the "
            "repository (and run collectstatic where STATIC_ROOT is served).",
            id="documents.W001",
        )
    ]
