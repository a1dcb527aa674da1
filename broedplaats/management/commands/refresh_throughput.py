"""Rebuild the throughput dashboards' summary of stage moves and compute each city's usual
views ahead. Meant for cron, nightly after midnight (the views are computed for that day):

    30 2 * * *  cd /srv/broedplaats && .venv/bin/python manage.py refresh_throughput
"""

from time import perf_counter

from broedplaats.management.locking import LockedCommand
from broedplaats.services import figures_precompute, throughput_refresh


class Command(LockedCommand):
    help = ("Rebuild the stage spells the throughput dashboards read (time in stage, flows, "
            "cohorts), then compute today's figures of each city's views ahead.")

    def add_arguments(self, parser):
        parser.add_argument("--no-figures", action="store_true",
                            help="Only rebuild the stage spells.")

    def handle_locked(self, *args, **options):
        refresh = throughput_refresh()
        self.stdout.write(f"Rebuilt {refresh.spells} stage spells in {refresh.seconds:.1f} s.")
        if not options["no_figures"]:
            started = perf_counter()
            views = figures_precompute()
            self.stdout.write(f"Computed the figures of {views} views ahead in "
                              f"{perf_counter() - started:.1f} s.")
