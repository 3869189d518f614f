"""Password policy pieces whose Vietnamese Django's own catalogue lacks."""

from django.contrib.auth.password_validation import MinimumLengthValidator as DjangoMinimumLength
from django.utils.translation import gettext as _


class MinimumLengthValidator(DjangoMinimumLength):
    """Django's validator, with messages from the project's catalogue (Django 5.2 has no
    Vietnamese for the new wording of its too-short message)."""

    def get_error_message(self):
        return _("This password is too short: it needs at least %(min_length)d characters.") % {
            "min_length": self.min_length
        }

    def get_help_text(self):
        return _("Your password must have at least %(min_length)d characters.") % {
            "min_length": self.min_length
        }
