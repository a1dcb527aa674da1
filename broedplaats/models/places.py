"""The place side: cities and their dated policies, buildings, spaces and tenancies."""

from decimal import ROUND_UP, Decimal

from django.conf import settings
from django.contrib.postgres.fields import DateRangeField, RangeOperators
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Func, Q, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from broedplaats import limits
from broedplaats.constraints import PostgresExclusionConstraint
from chains.formatting import short_date
from chains.models import Chain, Creative, Stage

postcode_validator = RegexValidator(
    r"^[1-9][0-9]{3} [A-Z]{2}$",
    _("Enter a Dutch postcode such as 1012 AB (four digits, a space, two capital letters)."),
    code="invalid_postcode",
)


def normalize_postcode(value: str) -> str:
    """'1012ab' and '1012 ab' both become '1012 AB'; anything else is returned stripped."""
    compact = "".join((value or "").split()).upper()
    if len(compact) == 6 and compact[:4].isdigit() and compact[4:].isalpha():
        return f"{compact[:4]} {compact[4:]}"
    return (value or "").strip()


def rent_per_m2_year(monthly_rent: Decimal, area_m2: Decimal) -> Decimal:
    """Yearly rent per m², rounded up to the cent: a fraction above a cap is above it."""
    return (Decimal(monthly_rent) * 12 / Decimal(area_m2)).quantize(
        Decimal("0.01"), rounding=ROUND_UP
    )


class City(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), unique=True)
    bureau_members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="bureau_cities",
        verbose_name=_("city bureau members"),
    )
    application_retention_months = models.PositiveSmallIntegerField(
        _("keep unsuccessful applications for (months)"), default=12,
        validators=limits.APPLICATION_RETENTION_MONTHS.validators(),
        help_text=_("After this many months the motivation, portfolio selection and notes of an "
                    "application that ended without a tenancy are erased (the command "
                    "anonymise_old_applications); its dates and statuses stay for the figures."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("city")
        verbose_name_plural = _("cities")
        constraints = limits.range_checks(
            "city", application_retention_months=limits.APPLICATION_RETENTION_MONTHS)

    def __str__(self):
        return self.name


class SpaceKind(models.TextChoices):
    STUDIO = "studio", _("Studio")
    LIVE_WORK = "live_work", _("Live/work studio")
    WORKSHOP = "workshop", _("Workshop")
    DESK = "desk", _("Desk")
    OFFICE = "office", _("Office")
    SHOWROOM = "showroom", _("Showroom")
    SHARED_WORKSHOP = "shared_workshop", _("Shared workshop")


class Policy(models.Model):
    """A city's broedplaats policy, valid over a period. Every figure is a dated setting."""

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="policies")
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True,
                                help_text=_("Last day the policy applies; empty means open-ended."))
    income_limit = models.DecimalField(
        _("income limit (€ per year)"), max_digits=10, decimal_places=2,
        validators=limits.INCOME_LIMIT.validators(),
    )
    standard_term_months = models.PositiveSmallIntegerField(
        _("standard term (months)"), validators=limits.STANDARD_TERM_MONTHS.validators())
    max_renewals = models.PositiveSmallIntegerField(
        _("maximum renewals"), default=0, validators=limits.MAX_RENEWALS.validators())
    screening_validity_months = models.PositiveSmallIntegerField(
        _("screening valid for (months)"), default=12,
        validators=limits.SCREENING_VALIDITY_MONTHS.validators(),
    )
    live_work_retest_years = models.PositiveSmallIntegerField(
        _("live/work re-test after (years)"), default=5,
        validators=limits.LIVE_WORK_RETEST_YEARS.validators(),
    )
    required_screened_share = models.DecimalField(
        _("required share of screened tenants (%)"), max_digits=5, decimal_places=2,
        default=Decimal("100"),
        validators=limits.SCREENED_SHARE.validators(),
    )
    max_tenancies_per_creative = models.PositiveSmallIntegerField(
        _("tenancies a creative may hold at once"), default=1,
        validators=limits.TENANCIES_PER_CREATIVE.validators(),
    )
    source = models.CharField(_("source"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["city", "-valid_from"]
        verbose_name = _("policy")
        verbose_name_plural = _("policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="policy_valid_to_after_from",
                violation_error_message=_("A policy must end on or after the day it starts."),
            ),
            *limits.range_checks(
                "policy", income_limit=limits.INCOME_LIMIT,
                standard_term_months=limits.STANDARD_TERM_MONTHS,
                max_renewals=limits.MAX_RENEWALS,
                screening_validity_months=limits.SCREENING_VALIDITY_MONTHS,
                live_work_retest_years=limits.LIVE_WORK_RETEST_YEARS,
                required_screened_share=limits.SCREENED_SHARE,
                max_tenancies_per_creative=limits.TENANCIES_PER_CREATIVE,
            ),
            PostgresExclusionConstraint(
                name="policy_no_overlap",
                expressions=[
                    ("city", RangeOperators.EQUAL),
                    (
                        # A NULL upper bound is unbounded: an open-ended policy runs on.
                        Func(F("valid_from"), F("valid_to"), Value("[]"), function="daterange",
                             output_field=DateRangeField()),
                        RangeOperators.OVERLAPS,
                    ),
                ],
                violation_error_message=_("Another policy of this city covers part of this period."),
            ),
        ]

    def __str__(self):
        end = short_date(self.valid_to) if self.valid_to else "…"
        return f"{self.city} {short_date(self.valid_from)} – {end}"


class PolicyRentCap(models.Model):
    """The highest rent per m² per year a policy allows for one kind of space."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="rent_caps")
    space_kind = models.CharField(_("space kind"), max_length=20, choices=SpaceKind.choices)
    max_rent_per_m2_year = models.DecimalField(
        _("maximum rent (€ per m² per year)"), max_digits=8, decimal_places=2,
        validators=limits.RENT_CAP_PER_M2_YEAR.validators(),
    )

    class Meta:
        ordering = ["policy", "space_kind"]
        verbose_name = _("rent cap")
        verbose_name_plural = _("rent caps")
        constraints = [
            models.UniqueConstraint(fields=["policy", "space_kind"], name="rentcap_unique_kind",
                                    violation_error_message=_("This policy already has a cap for "
                                                              "this kind of space.")),
            *limits.range_checks("rentcap", max_rent_per_m2_year=limits.RENT_CAP_PER_M2_YEAR),
        ]

    def __str__(self):
        return f"{self.get_space_kind_display()}: €{self.max_rent_per_m2_year}/m²/yr"


class OperatorKind(models.TextChoices):
    MUNICIPAL = "municipal", _("Municipal")
    FOUNDATION = "foundation", _("Foundation")
    PRIVATE_DEVELOPER = "private_developer", _("Private developer")
    TENANT_COOPERATIVE = "tenant_cooperative", _("Tenant cooperative")


class ClusterType(models.TextChoices):
    SPECIALIST = "specialist", _("Specialist cluster")
    ARTISTS_ZONE = "artists_zone", _("Artists' zone")
    MIXED = "mixed", _("Mixed cluster")
    MEDIA_PRODUCTION = "media_production", _("Media production")
    INCUBATOR = "incubator", _("Incubator")


class Building(models.Model):
    """A broedplaats: a building let to creatives below market rent."""

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="buildings",
                             verbose_name=_("city"))
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), unique=True, max_length=200)
    description = models.TextField(_("description"), blank=True,
                                   **limits.at_most(limits.BUILDING_DESCRIPTION))
    address = models.CharField(_("address"), max_length=200)
    postcode = models.CharField(_("postcode"), max_length=7, validators=[postcode_validator])
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6,
                                   null=True, blank=True, validators=limits.LATITUDE.validators())
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6,
                                    null=True, blank=True,
                                    validators=limits.LONGITUDE.validators())
    operator_name = models.CharField(_("operator"), max_length=200)
    operator_kind = models.CharField(_("operator kind"), max_length=30,
                                     choices=OperatorKind.choices)
    cluster_type = models.CharField(_("cluster type"), max_length=30, choices=ClusterType.choices)
    chain_focus = models.ManyToManyField(Chain, blank=True, related_name="buildings",
                                         verbose_name=_("chain focus"))
    temporary_until = models.DateField(_("temporary use ends"), null=True, blank=True)
    programmers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="programmed_buildings",
        verbose_name=_("programmers"),
    )
    archived = models.BooleanField(_("archived"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Who may program the building is part of its history, too.
    history = HistoricalRecords(m2m_fields=["programmers"])

    class Meta:
        ordering = ["city__name", "name"]
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        # The space list's order (building name, then code) walked from an index, so its page
        # stops after its rows instead of sorting 30,000 spaces (docs/benchmarks.md, pages).
        indexes = [models.Index(fields=["name"], name="building_name")]
        constraints = [
            models.CheckConstraint(
                condition=Q(postcode__regex=r"^[1-9][0-9]{3} [A-Z]{2}$"),
                name="building_postcode_dutch",
                violation_error_message=_("Enter a Dutch postcode such as 1012 AB."),
            ),
            models.CheckConstraint(
                condition=(Q(latitude__isnull=True) & Q(longitude__isnull=True))
                | (Q(latitude__isnull=False) & Q(longitude__isnull=False)),
                name="building_coordinates_both_or_neither",
                violation_error_message=_("Give both coordinates, or neither."),
            ),
            # Within the Netherlands (a NULL passes: the constraint above pairs them).
            *limits.range_checks("building", latitude=limits.LATITUDE,
                                 longitude=limits.LONGITUDE),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("building-detail", kwargs={"slug": self.slug})


class FacilityCode(models.TextChoices):
    DAYLIGHT = "daylight", _("Daylight")
    WATER = "water", _("Water")
    HEAVY_POWER = "heavy_power", _("Heavy power")
    GROUND_FLOOR = "ground_floor", _("Ground floor")
    LOADING_ACCESS = "loading_access", _("Loading access")
    SOUNDPROOFING = "soundproofing", _("Soundproofing")
    DUST_EXTRACTION = "dust_extraction", _("Dust extraction")
    KILN = "kiln", _("Kiln")
    DARKROOM = "darkroom", _("Darkroom")
    SHOP_WINDOW = "shop_window", _("Shop window")


class Facility(models.Model):
    code = models.CharField(_("code"), max_length=30, choices=FacilityCode.choices, unique=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")

    def __str__(self):
        return str(self.get_code_display())


# The columns only services.space_let_refresh writes.
LET_PERIOD = ("let_from", "let_until", "let_known_on")


class Space(models.Model):
    """A lettable unit in a building: a studio, workshop, desk, showroom..."""

    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="spaces",
                                 verbose_name=_("building"))
    code = models.CharField(_("code"), max_length=30)
    kind = models.CharField(_("kind"), max_length=20, choices=SpaceKind.choices)
    area_m2 = models.DecimalField(_("area (m²)"), max_digits=7, decimal_places=2,
                                  validators=limits.AREA_M2.validators())
    monthly_rent = models.DecimalField(_("monthly rent (€)"), max_digits=9, decimal_places=2,
                                       validators=limits.MONTHLY_RENT.validators())
    rent_exception_reason = models.TextField(
        _("rent cap exception"), blank=True,
        help_text=_("Why this space may be let above the city's rent cap."),
        **limits.at_most(limits.EXCEPTION_REASON),
    )
    facilities = models.ManyToManyField(Facility, blank=True, related_name="spaces",
                                        verbose_name=_("facilities"))
    stages = models.ManyToManyField(Stage, blank=True, related_name="spaces",
                                    verbose_name=_("stages served"))
    description = models.TextField(_("description"), blank=True,
                                   **limits.at_most(limits.SPACE_DESCRIPTION))
    archived = models.BooleanField(_("archived"), default=False)
    # The [let_from, let_until) period of one real tenancy of the space: the one running on the
    # day it was computed (let_known_on), else the next one to start, else none. Kept by the
    # tenancy services (space_let_refresh) and rolled over nightly. The database empties
    # let_known_on whenever a tenancy of the space is written by any path (the trigger of
    # migration 0017), so a period with its day is the whole truth from that day on: "free
    # now" checks only the spaces it does not answer for (selectors.free_on).
    let_from = models.DateField(_("let from"), null=True, blank=True, editable=False)
    let_until = models.DateField(_("let until"), null=True, blank=True, editable=False)
    let_known_on = models.DateField(_("let period known on"), null=True, blank=True,
                                    editable=False)
    # Not the let period: a cache of the tenancies (whose own history says what changed),
    # rewritten by UPDATE statements nightly and by a trigger, never by a save.
    history = HistoricalRecords(excluded_fields=list(LET_PERIOD))

    class Meta:
        ordering = ["building", "code"]
        verbose_name = _("space")
        verbose_name_plural = _("spaces")
        indexes = [
            # "Not covered on a day": let_from IS NULL OR let_from > day (one index) OR
            # let_until <= day (the other), few rows each once the periods are current.
            models.Index(fields=["let_from"], name="space_let_from"),
            models.Index(fields=["let_until"], name="space_let_until"),
            # "Not known on a day": let_known_on IS NULL OR let_known_on > day (a handful).
            models.Index(fields=["let_known_on"], name="space_let_known_on"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["building", "code"], name="space_code_unique",
                                    violation_error_message=_("This building already has a "
                                                              "space with this code.")),
            *limits.range_checks("space", area_m2=limits.AREA_M2,
                                 monthly_rent=limits.MONTHLY_RENT),
            # A let period is whole or absent: "not covered" reads let_from IS NULL as none.
            models.CheckConstraint(
                condition=Q(let_from__isnull=True, let_until__isnull=True)
                | Q(let_from__isnull=False, let_until__isnull=False,
                    let_until__gt=F("let_from")),
                name="space_let_period_whole"),
        ]

    def __str__(self):
        return f"{self.building} {self.code}"

    def save(self, **kwargs):
        # The let period and its day are written only by space_let_refresh (an UPDATE under the space's
        # lock): a space read earlier and saved by a form or a service must not write back a
        # period that has changed since, which could outlive its tenancy.
        if kwargs.get("update_fields") is None and not self._state.adding and self.pk:
            kwargs["update_fields"] = [field.attname for field in self._meta.concrete_fields
                                       if not field.primary_key
                                       and field.attname not in LET_PERIOD]
        super().save(**kwargs)

    @property
    def rent_per_m2_year(self) -> Decimal:
        return rent_per_m2_year(self.monthly_rent, self.area_m2)


def space_photo_upload_to(photo: "SpacePhoto", filename: str) -> str:
    """Photos of a space live under spaces/<space id>/, named by the service (a random token)."""
    return f"spaces/{photo.space_id}/{filename}"


class SpacePhoto(models.Model):
    """A photo of a space, re-encoded without metadata, with 400 and 1200 px thumbnails.

    Written only through broedplaats.services (space_photo_add, space_photo_remove), which
    keep the files and the row together, like a creative's portfolio.
    """

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="photos",
                              verbose_name=_("space"))
    image = models.ImageField(_("image"), upload_to=space_photo_upload_to)
    thumb_400 = models.ImageField(_("thumbnail (400 px)"), upload_to=space_photo_upload_to)
    thumb_1200 = models.ImageField(_("thumbnail (1200 px)"), upload_to=space_photo_upload_to)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    caption = models.CharField(_("caption"), max_length=300, blank=True)
    position = models.PositiveIntegerField(_("position"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["space", "position"]
        verbose_name = _("space photo")
        verbose_name_plural = _("space photos")
        constraints = [
            models.UniqueConstraint(
                fields=["space", "position"], name="spacephoto_position_unique",
                violation_error_message=_("Two photos of a space cannot share a position."),
            ),
        ]

    def __str__(self):
        return self.caption or f"{self.space} #{self.position + 1}"


class EndReason(models.TextChoices):
    OUTFLOW_TO_MARKET = "outflow_to_market", _("Outflow to the market")
    NEXT_STAGE = "next_stage", _("Next stage in another building")
    TERM_ENDED = "term_ended", _("End of term, not renewed")
    OTHER_BROEDPLAATS = "other_broedplaats", _("Other broedplaats")
    LEFT_SECTOR = "left_sector", _("Left the sector")
    TERMINATED = "terminated", _("Terminated")
    OTHER = "other", _("Other")


class Tenancy(models.Model):
    """A creative renting a space from `start` until `planned_end` (or `actual_end`).

    End dates are exclusive: the space is free again on the end date.
    """

    space = models.ForeignKey(Space, on_delete=models.PROTECT, related_name="tenancies",
                              verbose_name=_("space"))
    creative = models.ForeignKey(Creative, on_delete=models.PROTECT, related_name="tenancies",
                                 verbose_name=_("creative"))
    start = models.DateField(_("start"))
    planned_end = models.DateField(_("planned end"))
    actual_end = models.DateField(_("actual end"), null=True, blank=True)
    monthly_rent = models.DecimalField(_("monthly rent (€)"), max_digits=9, decimal_places=2,
                                       validators=limits.MONTHLY_RENT.validators())
    end_reason = models.CharField(_("end reason"), max_length=30, choices=EndReason.choices,
                                  blank=True)
    rent_exception_reason = models.TextField(_("rent cap exception"), blank=True,
                                             **limits.at_most(limits.EXCEPTION_REASON))
    term_exception_reason = models.TextField(_("term exception"), blank=True,
                                             **limits.at_most(limits.TERM_EXCEPTIONS))
    renewals = models.PositiveSmallIntegerField(_("renewals"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                 null=True, blank=True, related_name="+",
                                 verbose_name=_("ended by"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True,
                                     **limits.at_most(limits.STATUS_NOTE))
    history = HistoricalRecords()

    class Meta:
        ordering = ["space", "start"]
        verbose_name = _("tenancy")
        verbose_name_plural = _("tenancies")
        indexes = [
            models.Index(fields=["space", "start"], name="tenancy_space_start"),
            # "Running on a day" (start <= day < coalesce(actual_end, planned_end)) read from
            # one index: free now and occupancy at national scale (docs/benchmarks.md, pages);
            # with the tenant, so the finder reads who rents from the index alone.
            models.Index(Coalesce("actual_end", "planned_end"), "start", name="tenancy_running",
                         include=["space", "creative", "actual_end", "planned_end"]),
            # "Does a tenancy hold this space on a day", probed for each space whose stored let
            # period does not cover it (selectors.free_on): its tenancies not ended by then,
            # from the index alone (both ends included for PostgreSQL 15, as above).
            models.Index(F("space"), Coalesce("actual_end", "planned_end"),
                         name="tenancy_space_until", include=["start", "actual_end", "planned_end"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_end__gt=F("start")), name="tenancy_planned_end_after_start",
                violation_error_message=_("The planned end must be after the start."),
            ),
            models.CheckConstraint(
                condition=Q(actual_end__isnull=True) | Q(actual_end__gte=F("start")),
                name="tenancy_actual_end_not_before_start",
                violation_error_message=_("The actual end cannot be before the start."),
            ),
            models.CheckConstraint(
                condition=(Q(actual_end__isnull=True) & Q(end_reason=""))
                | (Q(actual_end__isnull=False) & ~Q(end_reason="")),
                name="tenancy_end_has_reason",
                violation_error_message=_("An ended tenancy needs an end reason, and only an "
                                          "ended one."),
            ),
            *limits.range_checks("tenancy", monthly_rent=limits.MONTHLY_RENT),
            PostgresExclusionConstraint(
                name="tenancy_no_overlap",
                expressions=[
                    ("space", RangeOperators.EQUAL),
                    (
                        Func(F("start"), Coalesce(F("actual_end"), F("planned_end")),
                             Value("[)"), function="daterange", output_field=DateRangeField()),
                        RangeOperators.OVERLAPS,
                    ),
                ],
                violation_error_message=_("This space already has a tenancy in this period."),
            ),
        ]

    def __str__(self):
        return f"{self.creative} @ {self.space} ({self.start} – {self.end})"

    @property
    def end(self):
        """The day the space is free again: the actual end if ended, else the planned end."""
        return self.actual_end or self.planned_end
