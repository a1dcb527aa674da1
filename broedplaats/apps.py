from django.apps import AppConfig
from django.core.management import call_command
from django.utils.translation import gettext_lazy as _


class BroedplaatsConfig(AppConfig):
    name = "broedplaats"
    verbose_name = _("Broedplaatsen")

    def ready(self):
        from axes.signals import user_locked_out
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from broedplaats.db import register_sqlite_functions
        from broedplaats.housing import connect_signals
        from broedplaats.views.lockout import mark_drf_request_locked_out

        # Not domain logic: SQLite lacks percentile_cont, which the dashboards' SQL uses.
        connection_created.connect(register_sqlite_functions,
                                   dispatch_uid="broedplaats_sqlite_functions")
        # Not domain logic either: the finder's cached reading of who is housed where.
        connect_signals()
        # Nor this: the database cache's table (the API's throttle counts, when
        # REDIS_URL is unset) is no model, so no migration makes it. Every `migrate`, the
        # test database's included, creates it when missing; with Redis this does nothing.
        # And this: the API's token log-in locks out with the same 429 as the pages.
        user_locked_out.connect(mark_drf_request_locked_out,
                                dispatch_uid="broedplaats_drf_lockout")
        post_migrate.connect(create_cache_table, sender=self,
                             dispatch_uid="broedplaats_create_cache_table")


def create_cache_table(sender, using="default", verbosity=1, **kwargs):
    call_command("createcachetable", database=using, verbosity=max(0, verbosity - 1))
