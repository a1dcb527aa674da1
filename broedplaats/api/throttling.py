"""The API's throttles: per anonymous IP and per user, counted in the shared cache.

DRF's own throttles keep, per client, the list of the times of its calls in the last period,
read and written whole on every call: at the default 120 calls a minute a short list, but its
cost grows with the rate (a raised rate for an integrator, or the load run's 1,000,000/min:
tens of thousands of times, hundreds of kilobytes, pickled, sent and unpickled on each call),
and two processes writing it at once lose one of the calls. These keep two counters per
client instead, the current fixed window of one period and the one before, and estimate the
calls in the sliding period ending now as

    before × (the part of the previous window still inside the period) + current

(the sliding-window counter). Each call reads two integers and adds one, whatever the rate.
In Redis (production's cache) that is one round trip, a script Redis runs atomically: no
call is lost when workers count at the same moment. In other caches (the database's table)
a read and the cache's `incr`. Like DRF's, a refused call is not counted, and `wait()` says
when the estimate drops below the rate (the `Retry-After`).

The rates are read from the settings on every request (DRF's copies them once, at import), so
the rates the environment (or a test) sets are the ones in force.
"""

import math

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.redis import RedisCache
from rest_framework import throttling
from rest_framework.settings import api_settings

# KEYS: the previous window's counter, the current one. ARGV: the previous window's weight,
# the rate, the counters' lifetime in seconds. Returns the two counts as read and 1 when the
# call was allowed (and counted), else 0.
_COUNT_SCRIPT = """
local previous = tonumber(redis.call('GET', KEYS[1]) or '0')
local current = tonumber(redis.call('GET', KEYS[2]) or '0')
if previous * tonumber(ARGV[1]) + current >= tonumber(ARGV[2]) then
  return {previous, current, 0}
end
if redis.call('INCR', KEYS[2]) == 1 then
  redis.call('EXPIRE', KEYS[2], ARGV[3])
end
return {previous, current, 1}
"""


class WindowCounterThrottle(throttling.SimpleRateThrottle):
    """DRF's rate throttle with a sliding-window counter in place of its list of times."""

    @property
    def cache(self):
        """The default cache itself, not DRF's proxy of it: its class decides how to count."""
        return caches[DEFAULT_CACHE_ALIAS]

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        window, self.elapsed = divmod(self.timer(), self.duration)
        previous_key = f"{self.key}:{int(window) - 1}"
        current_key = f"{self.key}:{int(window)}"
        weight = 1 - self.elapsed / self.duration
        # Kept for two periods: through its own window and the next, which weighs it.
        lifetime = 2 * self.duration
        cache = self.cache
        if isinstance(cache, RedisCache):
            keys = [cache.make_and_validate_key(key) for key in (previous_key, current_key)]
            client = cache._cache.get_client(None, write=True)
            self.previous, self.current, allowed = client.eval(
                _COUNT_SCRIPT, 2, *keys, repr(weight), self.num_requests, lifetime)
            return bool(allowed)
        counts = cache.get_many([previous_key, current_key])
        self.previous = counts.get(previous_key, 0)
        self.current = counts.get(current_key, 0)
        if self.previous * weight + self.current >= self.num_requests:
            return False
        if current_key in counts or not cache.add(current_key, 1, timeout=lifetime):
            try:
                cache.incr(current_key)
            except ValueError:  # expired between the read and the count: this call starts it
                cache.set(current_key, 1, timeout=lifetime)
        return True

    def wait(self):
        """Seconds until a call would be allowed again."""
        limit = self.num_requests
        if self.current < limit and self.previous:
            # Within this window, once enough of the previous one has slid out of the period.
            until = self.duration * (1 - (limit - self.current) / self.previous)
            return max(until - self.elapsed, 1)
        # After this window, once enough of it has slid out of the period.
        rest_of_window = self.duration - self.elapsed
        into_next = self.duration * (1 - limit / self.current) if self.current else 0
        return max(math.ceil(rest_of_window + into_next), 1)


class AnonRateThrottle(WindowCounterThrottle, throttling.AnonRateThrottle):
    """Anonymous calls, counted per client IP address."""


class UserRateThrottle(WindowCounterThrottle, throttling.UserRateThrottle):
    """Logged-in calls, counted per user; anonymous ones are left to AnonRateThrottle, so they
    are not counted twice."""

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None
        return super().get_cache_key(request, view)
