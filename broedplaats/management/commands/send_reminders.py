"""Daily reminders (cron, once a day): offers about to expire, tenancies ending in 3 months.

    10 0 * * *  cd /srv/broedplaats && .venv/bin/python manage.py send_reminders
"""

from django.utils import timezone

from broedplaats.management.locking import LockedCommand
from broedplaats.notifications import send_reminders


class Command(LockedCommand):
    help = "Mail creatives whose offer expires in 2 days or whose tenancy ends in 90 days."

    def handle_locked(self, *args, **options):
        sent = send_reminders(on=timezone.localdate())
        self.stdout.write(f"Reminded {sent['offers']} offer(s), {sent['tenancies']} tenancy(ies).")
