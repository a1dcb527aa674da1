"""Who made a change, for the audit history (django-simple-history; docs/architecture.md,
"Audit history").

In a request, `simple_history.middleware.HistoryRequestMiddleware` records the logged-in user
on every historical row. A service that is told who acts (`by=`) says so on the instance as
well, so a change made outside a request (a management command, a test, a service called by
another) names the same person, and one made by a service on someone's behalf names them.
"""

from django.db import models


def history_by(instance: models.Model, by=None, reason: str = "") -> models.Model:
    """Record `by` (when given) as who made the next saves of `instance`, and `reason` (when
    given) as why; without them the request's user, or nobody outside a request, is recorded."""
    # Each call says it afresh: a user or reason left by an earlier service on the same object
    # must not be recorded for this change.
    if by is not None and getattr(by, "is_authenticated", False):
        instance._history_user = by
    else:
        instance.__dict__.pop("_history_user", None)
    instance._change_reason = reason[:100] if reason else None
    return instance
