"""Rebuild the throughput dashboards' summary of stage moves. Meant for cron, e.g. nightly:

    30 2 * * *  cd /srv/broedplaats && .venv/bin/python manage.py refresh_throughput
"""

from django.core.management.base import BaseCommand

from broedplaats.services import throughput_refresh


class Command(BaseCommand):
    help = "Rebuild the stage spells the throughput dashboards read (time in stage, flows, cohorts)."

    def handle(self, *args, **options):
        refresh = throughput_refresh()
        self.stdout.write(f"Rebuilt {refresh.spells} stage spells in {refresh.seconds:.1f} s.")
