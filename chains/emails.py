"""Mails to creatives, and the signed links inside them. Sent by services, after commit."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _


class EmailVerificationTokenGenerator(PasswordResetTokenGenerator):
    """Tokens like password reset's (expire after PASSWORD_RESET_TIMEOUT), but with their own
    salt, so a reset token never verifies an address, and void once the account is active."""

    key_salt = "chains.emails.EmailVerificationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        return f"{super()._make_hash_value(user, timestamp)}{user.is_active}"


verification_token_generator = EmailVerificationTokenGenerator()


def verification_path(user: AbstractBaseUser) -> str:
    """The path of the page that verifies this user's email address."""
    return reverse("creative-verify", kwargs={
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": verification_token_generator.make_token(user),
    })


def user_for_verification(*, uidb64: str, token: str) -> AbstractBaseUser | None:
    """The inactive user a verification link belongs to, or None for a wrong or old link."""
    user_model = get_user_model()
    try:
        pk = force_str(urlsafe_base64_decode(uidb64))
        user = user_model._default_manager.get(pk=pk, is_active=False)
    except (TypeError, ValueError, OverflowError, user_model.DoesNotExist):
        return None
    if not verification_token_generator.check_token(user, token):
        return None
    return user


def send_verification_email(*, user: AbstractBaseUser, site_url: str) -> None:
    """Mail a new creative the link that verifies their address and activates the account."""
    link = site_url.rstrip("/") + verification_path(user)
    body = render_to_string("chains/emails/verify_email.txt", {"user": user, "link": link})
    send_mail(_("Confirm your email address for Broedplaats"), body, None, [user.email])


def send_sign_up_attempt_email(*, user: AbstractBaseUser, address: str, site_url: str) -> None:
    """Tell the owner of an address that someone tried to sign up with it, and how to log in or
    reset the password; an account not yet confirmed gets its verification link again."""
    site_url = site_url.rstrip("/")
    body = render_to_string("chains/emails/sign_up_attempt.txt", {
        "user": user,
        "login_link": site_url + reverse("login"),
        "reset_link": site_url + reverse("password_reset"),
        "verify_link": "" if user.is_active else site_url + verification_path(user),
    })
    send_mail(_("Someone tried to sign up with your email address"), body, None, [address])
