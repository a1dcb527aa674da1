"""Expire open offers past their reply deadline. Meant for cron, e.g. daily at 00:05:

    5 0 * * *  cd /srv/broedplaats && .venv/bin/python manage.py expire_offers
"""

from django.utils import timezone

from broedplaats.management.locking import LockedCommand
from broedplaats.services import offers_expire


class Command(LockedCommand):
    help = "Expire open offers whose reply deadline has passed, and their applications."

    def handle_locked(self, *args, **options):
        count = offers_expire(on=timezone.localdate())
        self.stdout.write(f"Expired {count} offer(s).")
