"""Delete the answers kept for API writes sent with an Idempotency-Key once they are older than
a day (broedplaats/api/idempotency.py): past that no repeat gets them, and their bodies may
name people. Meant for cron, nightly:

    50 2 * * *  cd /srv/broedplaats && .venv/bin/python manage.py purge_idempotency_keys

Running it twice deletes nothing the second time; a run started while another holds the
command's advisory lock does nothing (broedplaats/management/locking.py).
"""

from django.utils import timezone

from broedplaats.management.locking import LockedCommand
from broedplaats.services import idempotent_requests_purge


class Command(LockedCommand):
    help = "Delete the kept answers of API writes whose Idempotency-Key is older than a day."

    def handle_locked(self, *args, **options):
        count = idempotent_requests_purge(now=timezone.now())
        self.stdout.write(f"Deleted {count} kept answer(s).")
