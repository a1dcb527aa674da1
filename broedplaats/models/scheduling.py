"""What the scheduled commands have done, so that running one again does nothing twice."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chains.formatting import short_date


class ScheduledRun(models.Model):
    """A scheduled job done for a day (`send_reminders`): a second run for that day finds it
    and sends nothing again. The other jobs need no record: what they change tells them."""

    job = models.CharField(_("job"), max_length=50)
    on = models.DateField(_("day"))
    done_at = models.DateTimeField(_("done at"), default=timezone.now)

    class Meta:
        verbose_name = _("scheduled run")
        verbose_name_plural = _("scheduled runs")
        constraints = [
            models.UniqueConstraint(fields=["job", "on"], name="scheduled_run_once_a_day"),
        ]

    def __str__(self):
        return f"{self.job} {short_date(self.on)}"
