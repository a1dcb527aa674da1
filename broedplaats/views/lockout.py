"""The answer to a log-in that django-axes refused (settings.AXES_LOCKOUT_CALLABLE).

One status for pages and API alike: 429 Too Many Requests, with Retry-After in seconds. A page
log-in (the site's or the admin's) gets a page in the user's language; the API's token log-in
gets JSON with `detail`, as every other API error.
"""

from axes.helpers import get_cool_off
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext, ngettext


def client_ip(request: HttpRequest) -> str | None:
    """The client's address for counting failures (settings.AXES_CLIENT_IP_CALLABLE), read
    as DRF's throttles read it: REMOTE_ADDR, or behind settings.TRUSTED_PROXIES proxies the
    address that many places from the right of X-Forwarded-For."""
    proxies = settings.TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        addresses = [address.strip() for address in forwarded.split(",")]
        return addresses[-min(proxies, len(addresses))]
    return request.META.get("REMOTE_ADDR")


def lockout_minutes(request: HttpRequest) -> int:
    """How long a locked-out log-in waits, in whole minutes (at least one)."""
    cool_off = get_cool_off(request)
    return max(1, round(cool_off.total_seconds() / 60)) if cool_off else 0


def lockout_message(minutes: int) -> str:
    """What a locked-out user reads, in their language."""
    return " ".join([
        gettext("Too many failed log-in attempts for this account or from this address."),
        ngettext("Try again in %(minutes)d minute.", "Try again in %(minutes)d minutes.",
                 minutes) % {"minutes": minutes},
        gettext("Every attempt before then starts the wait again."),
    ])


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """429 with Retry-After: JSON under /api/, the lockout page elsewhere."""
    minutes = lockout_minutes(request)
    message = lockout_message(minutes)
    if request.path_info.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=429)
    else:
        response = render(request, "registration/locked_out.html",
                          {"message": message, "minutes": minutes}, status=429)
    if minutes:
        response["Retry-After"] = str(minutes * 60)
    return response


def mark_drf_request_locked_out(sender, request=None, **kwargs) -> None:
    """Connected to axes's user_locked_out: carry the lockout over to the HttpRequest.

    An API view calls authenticate() with DRF's Request, a wrapper around the HttpRequest;
    axes marks the wrapper, but its middleware (and so the 429) looks at the HttpRequest.
    """
    inner = getattr(request, "_request", None)
    if inner is not None:
        inner.axes_locked_out = True
        inner.axes_credentials = getattr(request, "axes_credentials", None)
