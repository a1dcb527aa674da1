"""Roll the spaces' stored let periods over to today, so that "free now" reads no tenancy
(docs/benchmarks.md, "A stored let period"). Meant for cron, daily just after midnight:

    1 0 * * *  cd /srv/broedplaats && .venv/bin/python manage.py refresh_let_periods

Missing a night costs time, never a wrong answer: a space whose period has ended, or was
forgotten by a tenancy write past the services, is checked against its tenancies.
"""

from django.utils import timezone

from broedplaats.management.locking import LockedCommand
from broedplaats.services import space_let_roll_over


class Command(LockedCommand):
    help = "Refresh the stored let period of the spaces whose period does not answer for today."

    def handle_locked(self, *args, **options):
        count = space_let_roll_over(on=timezone.localdate())
        self.stdout.write(f"Refreshed the let period of {count} space(s).")
