"""Which database a query goes to: the dashboards' reads to the read replica, all else default.

The throughput dashboards aggregate a whole city over the models every other page reads and
writes too (tenancies, offers, spaces, stage moves), so no model can be routed by itself:
routing by model would send the allocation's reads (and the reads a service makes before it
writes) to a replica that may lag. Instead the dashboards' one entry point,
`selectors.throughput.figure_tables`, reads inside `dashboard_reads()`, and only there does
`ReplicaRouter` send reads to the "replica" alias, when settings define one
(DATABASE_REPLICA_URL). Writes always go to default, and so does every read made while default
is inside a transaction (a service, `figures_precompute`, the admin), which must see its own
writes. docs/deploy.md, "Scaling out".
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"

_dashboard: ContextVar[bool] = ContextVar("dashboard_reads", default=False)


@contextmanager
def dashboard_reads() -> Iterator[None]:
    """Reads inside go to the replica when there is one (and no transaction is open)."""
    token = _dashboard.set(True)
    try:
        yield
    finally:
        _dashboard.reset(token)


def read_alias() -> str:
    """The alias a read should use now: the replica inside `dashboard_reads()` when one is
    configured and default has no transaction open; default otherwise. For raw SQL, which no
    router sees: `connections[read_alias()].cursor()`."""
    if not _dashboard.get() or REPLICA not in connections:
        return DEFAULT_DB_ALIAS
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    return REPLICA


class ReplicaRouter:
    """Dashboard reads to the replica (see the module's docstring); writes never."""

    def db_for_read(self, model, **hints):
        return read_alias()

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the same rows as default.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica follows default's schema by replication; nothing migrates it.
        return db != REPLICA
