from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BroedplaatsConfig(AppConfig):
    name = "broedplaats"
    verbose_name = _("Broedplaatsen")

    def ready(self):
        from django.db.backends.signals import connection_created

        from broedplaats.db import register_sqlite_functions
        from broedplaats.housing import connect_signals

        # Not domain logic: SQLite lacks percentile_cont, which the dashboards' SQL uses.
        connection_created.connect(register_sqlite_functions,
                                   dispatch_uid="broedplaats_sqlite_functions")
        # Not domain logic either: the finder's cached reading of who is housed where.
        connect_signals()
