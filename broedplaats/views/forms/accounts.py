"""Forms of the account pages: password reset (where it differs from Django's own) and
personal API tokens."""

from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from broedplaats.models import ApiToken
from broedplaats.views.forms.programmer import DateInput


class DeferredPasswordResetForm(PasswordResetForm):
    """Django's reset form, but the mail goes out once the transaction commits.

    Like every other mail of the site (broedplaats.notifications, chains.emails): nothing is
    sent for a request that rolls back, and the page does not wait on a slow mail server inside
    a transaction.
    """

    def send_mail(self, *args, **kwargs) -> None:
        send = super().send_mail
        transaction.on_commit(lambda: send(*args, **kwargs))


class ApiTokenForm(forms.Form):
    """Name a new personal API token and choose the day it expires (the rule, within a year
    from today, is api_token_create's)."""

    name = forms.CharField(label=_("Name"), max_length=ApiToken._meta.get_field("name").max_length,
                           help_text=_("What the token is for, e.g. the script that uses it."))
    expires_on = forms.DateField(
        label=_("Expires on"), widget=DateInput,
        help_text=_("From this day on the token is refused; at most a year from today."))
