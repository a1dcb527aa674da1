"""Expire open offers past their reply deadline. Meant for cron, e.g. daily at 00:05:

    5 0 * * *  cd /srv/broedplaats && .venv/bin/python manage.py expire_offers
"""

from django.core.management.base import BaseCommand
from django.utils import timezone

from broedplaats.services import offers_expire


class Command(BaseCommand):
    help = "Expire open offers whose reply deadline has passed, and their applications."

    def handle(self, *args, **options):
        count = offers_expire(on=timezone.localdate())
        self.stdout.write(f"Expired {count} offer(s).")
