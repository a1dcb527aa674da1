"""Password validators whose messages Django's own Dutch catalogue translates.

Django 5.2 reworded the too-short message ("... at least %d characters.") and its Dutch
catalogue has only the earlier wording ("... at least %(min_length)d characters."), so the
Dutch sign-up and password pages said it in English. The same check, in the earlier wording:
the English reads the same, the Dutch is Django's ("Dit wachtwoord is te kort. ...").
tests/test_dutch_formats.py fails when a Django upgrade brings the Dutch of its own wording.
"""

from django.contrib.auth import password_validation
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self):
        return ngettext(
            "This password is too short. It must contain at least %(min_length)d character.",
            "This password is too short. It must contain at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}
