"""Apply each city's retention period to unsuccessful applications (docs/privacy.md). Meant
for cron, nightly:

    45 2 * * *  cd /srv/broedplaats && .venv/bin/python manage.py anonymise_old_applications

An application that ended without a tenancy (declined, withdrawn, expired, not eligible) more
than the city's `application_retention_months` ago loses its motivation, portfolio selection
and notes; its dates and statuses stay, so the figures keep counting it. Running it twice
changes nothing the second time; a run started while another holds the command's advisory
lock does nothing (broedplaats/management/locking.py).
"""

from django.utils import timezone

from broedplaats.management.locking import LockedCommand
from broedplaats.services import retention_apply


class Command(LockedCommand):
    help = ("Erase the personal content of applications that ended unsuccessfully longer ago "
            "than their city's retention period; prints the count per city.")

    def handle_locked(self, *args, **options):
        counts = retention_apply(on=timezone.localdate(), at=timezone.now())
        for slug, count in counts.items():
            self.stdout.write(f"{slug}: {count}")
        self.stdout.write(f"Anonymised {sum(counts.values())} applications.")
