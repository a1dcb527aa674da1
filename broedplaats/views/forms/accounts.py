"""Forms of the account pages (password reset and change) that differ from Django's own."""

from django.contrib.auth.forms import PasswordResetForm
from django.db import transaction


class DeferredPasswordResetForm(PasswordResetForm):
    """Django's reset form, but the mail goes out once the transaction commits.

    Like every other mail of the site (broedplaats.notifications, chains.emails): nothing is
    sent for a request that rolls back, and the page does not wait on a slow mail server inside
    a transaction.
    """

    def send_mail(self, *args, **kwargs) -> None:
        send = super().send_mail
        transaction.on_commit(lambda: send(*args, **kwargs))
