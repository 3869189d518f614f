"""A warning when no Times New Roman–compatible font is installed: documents would print in
another typeface, with other line breaks and page counts than the ones people sign."""

import shutil
import subprocess

from django.core import checks

COMPATIBLE = ("times new roman", "liberation serif", "tinos")


def times_font_family() -> str | None:
    """The family fontconfig gives for "Times New Roman", or None without fontconfig."""
    if not shutil.which("fc-match"):
        return None
    try:
        result = subprocess.run(
            ["fc-match", "-f", "%{family}", "Times New Roman"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None


@checks.register()
def times_new_roman_installed(app_configs=None, **kwargs):
    family = times_font_family()
    if family and any(name in family.lower() for name in COMPATIBLE):
        return []
    return [
        checks.Warning(
            "No Times New Roman-compatible font is installed"
            + (f" (fontconfig picks {family!r})" if family else " (fontconfig not found)")
            + ": printed documents will not match Decree 30's typeface.",
            hint="On Debian/Ubuntu: apt-get install fonts-liberation2 (Liberation Serif has "
            "the metrics of Times New Roman).",
            id="documents.W001",
        )
    ]
