"""Forms of the privacy page: confirming an erasure with one's password."""

from django import forms
from django.utils.translation import gettext_lazy as _


class ErasureConfirmForm(forms.Form):
    """The password again: an erasure cannot be undone, and a session left open on a shared
    computer must not be enough for it."""

    password = forms.CharField(
        label=_("Your password"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("To confirm that you, and no one else at this computer, erase this account."))
