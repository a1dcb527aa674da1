"""Daily reminders (cron, once a day): offers about to expire, tenancies ending in 3 months.

    10 0 * * *  cd /srv/broedplaats && .venv/bin/python manage.py send_reminders
"""

from django.core.management.base import BaseCommand
from django.utils import timezone

from broedplaats.notifications import send_reminders


class Command(BaseCommand):
    help = "Mail creatives whose offer expires in 2 days or whose tenancy ends in 90 days."

    def handle(self, *args, **options):
        sent = send_reminders(on=timezone.localdate())
        self.stdout.write(f"Reminded {sent['offers']} offer(s), {sent['tenancies']} tenancy(ies).")
