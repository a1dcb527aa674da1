"""Throughput: what the dashboards read besides the live rows.

`StageSpell` is a summary table: one stay of a creative in a stage, from the stage move into
it to the next move. It is derived from the stage moves by `throughput_refresh` (a management
command cron runs) because a million moves are too many to pair up on every page view; see
docs/throughput.md. `ThroughputRefresh` records each rebuild, so pages show how fresh it is.
`FigureSnapshot` holds the figures of a city-wide view computed ahead by the same nightly run.
`PublicFigure` is a city's choice to publish a figure as open data.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from broedplaats.models.places import City


class Figure(models.TextChoices):
    """Every figure of the throughput dashboards: one table, one CSV, one API endpoint."""

    OCCUPANCY = "occupancy", _("Occupancy now")
    OCCUPANCY_MONTHLY = "occupancy-monthly", _("Occupancy per month")
    VACANCY = "vacancy", _("Vacancy days")
    LONGEST_VACANT = "longest-vacant", _("Longest-vacant spaces")
    DEMAND = "demand", _("Demand")
    WAITS = "waits", _("Waiting time to a tenancy")
    TIME_IN_STAGE = "time-in-stage", _("Time in stage")
    FLOWS = "flows", _("Flows between stages")
    TENANCY_LENGTH = "tenancy-length", _("Tenancy length")
    END_REASONS = "end-reasons", _("End reasons")
    TENANCIES = "tenancies", _("Doorstroming, renewals and exceptions")
    COHORTS = "cohorts", _("Cohorts")
    COMPLETENESS = "completeness", _("Chain completeness")
    SOCIAL_RETURN = "social-return", _("Social return")
    DISTRICTS = "districts", _("Spread over districts")
    DISCIPLINES = "disciplines", _("Spread over disciplines")
    TRENDS = "trends", _("Trends per quarter")
    PATHWAYS = "pathways", _("Moves along pathways")


class StageSpell(models.Model):
    """A creative's stay in one stage, from the move into it to the next move (or still on).

    Rebuilt as a whole by `throughput_refresh`; never edited. The chain, discipline, building
    and city are copied in so the dashboards filter without joins. Foreign keys carry no
    database constraint: the table is thrown away and rebuilt, and must not hold up a change
    to the rows it was read from.
    """

    creative = models.ForeignKey("chains.Creative", on_delete=models.DO_NOTHING,
                                 db_constraint=False, related_name="+")
    chain = models.ForeignKey("chains.Chain", on_delete=models.DO_NOTHING, db_constraint=False,
                              related_name="+")
    discipline = models.ForeignKey("chains.Discipline", on_delete=models.DO_NOTHING,
                                   db_constraint=False, related_name="+")
    stage = models.ForeignKey("chains.Stage", on_delete=models.DO_NOTHING, db_constraint=False,
                              related_name="+")
    stage_order = models.PositiveSmallIntegerField()
    building = models.ForeignKey("broedplaats.Building", on_delete=models.DO_NOTHING,
                                 db_constraint=False, null=True, related_name="+",
                                 help_text=_("Where the move into the stage was recorded."))
    city = models.ForeignKey(City, on_delete=models.DO_NOTHING, db_constraint=False, null=True,
                             related_name="+")
    started_on = models.DateField()
    ended_on = models.DateField(null=True, help_text=_("Empty while the creative is still in it."))
    next_stage = models.ForeignKey("chains.Stage", on_delete=models.DO_NOTHING,
                                   db_constraint=False, null=True, related_name="+")
    to_market = models.BooleanField(default=False)
    days = models.IntegerField(null=True)
    first_entry = models.BooleanField(
        default=False, help_text=_("The creative's first time in this stage (for cohorts)."))
    reached_next_on = models.DateField(
        null=True,
        help_text=_("For a first entry: the day the creative first reached the next stage "
                    "(from distribution: the market)."))

    class Meta:
        verbose_name = _("stage spell")
        verbose_name_plural = _("stage spells")
        indexes = [
            models.Index(fields=["city", "ended_on"], name="stagespell_city_ended"),
            models.Index(fields=["building", "ended_on"], name="stagespell_building_ended"),
            models.Index(fields=["creative", "stage_order", "started_on"],
                         name="stagespell_creative_stage"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="stagespell_ends_after_start"),
        ]

    def __str__(self):
        return f"{self.creative_id} {self.stage_id} {self.started_on} – {self.ended_on or '…'}"


class ThroughputRefresh(models.Model):
    """One rebuild of the throughput summary tables: when, how long, how many rows."""

    finished_at = models.DateTimeField(_("finished at"))
    seconds = models.FloatField(_("seconds"))
    spells = models.PositiveIntegerField(_("stage spells"))

    class Meta:
        ordering = ["-finished_at"]
        get_latest_by = "finished_at"
        verbose_name = _("throughput refresh")
        verbose_name_plural = _("throughput refreshes")

    def __str__(self):
        return f"{self.finished_at:%Y-%m-%d %H:%M} ({self.spells} spells)"


class FigureSnapshot(models.Model):
    """Every figure of one city-wide view of the dashboard, computed ahead for one day and
    language by the nightly run (`figures_precompute`), so the bureau's page reads a few rows
    instead of aggregating the whole city on each view (docs/throughput.md, "Computed ahead").

    A view is the city's default period with at most one of chain, discipline or kind of
    space chosen (`view`, see `selectors.throughput.snapshot_key`); any other choice is computed
    live. `tables` is the pickled dict of figure code to its unsuppressed `Table`, written
    and read only by this application. Thrown away and rebuilt as a whole by each run.
    """

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    on = models.DateField(help_text=_("The dashboard's today these figures are for."))
    view = models.CharField(max_length=100)
    language = models.CharField(max_length=8)
    tables = models.BinaryField()
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("figures computed ahead")
        verbose_name_plural = _("figures computed ahead")
        constraints = [
            models.UniqueConstraint(fields=["city", "on", "view", "language"],
                                    name="figuresnapshot_unique"),
        ]

    def __str__(self):
        return f"{self.city_id} {self.on} {self.view or '-'} {self.language}"


class PublicFigure(models.Model):
    """A figure a city publishes as open data: shown without login, small counts suppressed."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="public_figures",
                             verbose_name=_("city"))
    figure = models.CharField(_("figure"), max_length=30, choices=Figure.choices)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+",
                                     verbose_name=_("published by"))
    published_at = models.DateTimeField(_("published at"), auto_now_add=True)

    class Meta:
        ordering = ["city", "figure"]
        verbose_name = _("public figure")
        verbose_name_plural = _("public figures")
        constraints = [
            models.UniqueConstraint(fields=["city", "figure"], name="publicfigure_unique",
                                    violation_error_message=_("This figure is already public.")),
        ]

    def __str__(self):
        return f"{self.city}: {self.get_figure_display()}"
