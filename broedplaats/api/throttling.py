"""The API's throttles: per anonymous IP and per user, counted in the shared cache.

DRF's own classes copy the rates once, when they are imported; these read them from the
settings on every request, so the rates the environment (or a test) sets are the ones in force.
"""

from rest_framework import throttling
from rest_framework.settings import api_settings


class _CurrentRates:
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonRateThrottle(_CurrentRates, throttling.AnonRateThrottle):
    """Anonymous calls, counted per client IP address."""


class UserRateThrottle(_CurrentRates, throttling.UserRateThrottle):
    """Logged-in calls, counted per user; anonymous ones are left to AnonRateThrottle, so they
    are not counted twice."""

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None
        return super().get_cache_key(request, view)
