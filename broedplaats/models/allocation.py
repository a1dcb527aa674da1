"""Allocation: open calls, applications with their status history, screening, offers and
social return."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from broedplaats import limits
from broedplaats.models.places import Building, City, Facility, Policy, Space, Tenancy
from chains.models import Chain, Creative, PortfolioImage, Stage


class AllocationMethod(models.TextChoices):
    LOTTERY = "lottery", _("Lottery")
    RANKING = "ranking", _("Ranking by fit")
    COMMITTEE = "committee", _("Committee")
    STABLE_MATCHING = "stable_matching", _("Stable matching")
    OPTIMAL = "optimal", _("Optimal assignment")


class Call(models.Model):
    """An open call: a building asks for applications for one or more spaces."""

    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="calls",
                                 verbose_name=_("building"))
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"), blank=True, **limits.at_most(limits.CALL_TEXT))
    spaces = models.ManyToManyField(Space, blank=True, related_name="calls",
                                    verbose_name=_("spaces offered"))
    chains = models.ManyToManyField(Chain, blank=True, related_name="calls",
                                    verbose_name=_("chains"))
    disciplines = models.ManyToManyField("chains.Discipline", blank=True, related_name="calls",
                                         verbose_name=_("disciplines"))
    stages = models.ManyToManyField(Stage, blank=True, related_name="calls",
                                    verbose_name=_("stages"))
    facilities = models.ManyToManyField(Facility, blank=True, related_name="calls",
                                        verbose_name=_("facilities"))
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    allocation_method = models.CharField(_("allocation method"), max_length=20,
                                         choices=AllocationMethod.choices,
                                         default=AllocationMethod.LOTTERY)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+",
                                     verbose_name=_("published by"))
    closed_at = models.DateTimeField(_("closed early at"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                  null=True, blank=True, related_name="+",
                                  verbose_name=_("closed early by"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # The spaces a call offers are what applicants apply for: kept with each change.
    history = HistoricalRecords(m2m_fields=["spaces"])

    class Meta:
        ordering = ["-opens_on", "title"]
        verbose_name = _("open call")
        verbose_name_plural = _("open calls")
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=F("opens_on")), name="call_closes_after_opening",
                violation_error_message=_("A call cannot close before it opens."),
            ),
        ]

    def __str__(self):
        return self.title

    def is_open(self, on) -> bool:
        return self.published_at is not None and self.opens_on <= on <= self.closes_on


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    SCREENING = "screening", _("Screening")
    ELIGIBLE = "eligible", _("Eligible")
    INELIGIBLE = "ineligible", _("Ineligible")
    SHORTLISTED = "shortlisted", _("Shortlisted")
    OFFERED = "offered", _("Offered")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")


# The workflow of DESIGN.md: draft -> submitted -> screening -> eligible / ineligible ->
# shortlisted -> offered -> accepted / declined / withdrawn / expired. An applicant whose
# screening lapses becomes ineligible and may be screened again.
S = ApplicationStatus
APPLICATION_TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.SUBMITTED, S.WITHDRAWN}),
    S.SUBMITTED: frozenset({S.SCREENING, S.ELIGIBLE, S.INELIGIBLE, S.WITHDRAWN}),
    S.SCREENING: frozenset({S.ELIGIBLE, S.INELIGIBLE, S.WITHDRAWN}),
    S.ELIGIBLE: frozenset({S.SHORTLISTED, S.OFFERED, S.INELIGIBLE, S.WITHDRAWN}),
    S.INELIGIBLE: frozenset({S.SCREENING, S.ELIGIBLE, S.WITHDRAWN}),
    S.SHORTLISTED: frozenset({S.OFFERED, S.INELIGIBLE, S.WITHDRAWN}),
    # Back to eligible: the programmer withdrew the offer (services.offer_withdraw).
    S.OFFERED: frozenset({S.ACCEPTED, S.DECLINED, S.EXPIRED, S.WITHDRAWN, S.ELIGIBLE}),
    S.ACCEPTED: frozenset(),
    S.DECLINED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.EXPIRED: frozenset(),
}
ACTIVE_APPLICATION_STATUSES = frozenset(s for s, nxt in APPLICATION_TRANSITIONS.items() if nxt)
del S


class Application(models.Model):
    """A creative's request for space: to an open call, or onto a building's candidate list."""

    creative = models.ForeignKey(Creative, on_delete=models.PROTECT, related_name="applications",
                                 verbose_name=_("creative"))
    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="applications",
                                 verbose_name=_("building"))
    call = models.ForeignKey(Call, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="applications", verbose_name=_("open call"),
                             help_text=_("Empty: the building's candidate list."))
    status = models.CharField(_("status"), max_length=20, choices=ApplicationStatus.choices,
                              default=ApplicationStatus.DRAFT)
    min_area_m2 = models.DecimalField(_("area from (m²)"), max_digits=7, decimal_places=2,
                                      null=True, blank=True,
                                      validators=limits.WISHED_MIN_AREA_M2.validators())
    max_area_m2 = models.DecimalField(_("area up to (m²)"), max_digits=7, decimal_places=2,
                                      null=True, blank=True,
                                      validators=limits.AREA_M2.validators())
    max_rent = models.DecimalField(_("monthly rent up to (€)"), max_digits=9, decimal_places=2,
                                   null=True, blank=True,
                                   validators=limits.MONTHLY_RENT.validators())
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("stage"))
    facilities = models.ManyToManyField(Facility, blank=True, related_name="+",
                                        verbose_name=_("facilities wished"))
    portfolio_images = models.ManyToManyField(
        PortfolioImage, blank=True, related_name="+", verbose_name=_("portfolio selection"),
        help_text=_("The images of their portfolio the creative shows with this application."),
    )
    motivation = models.TextField(_("motivation"), blank=True,
                                  **limits.at_most(limits.MOTIVATION))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Set when its personal content was erased (the creative's erasure, or the city's retention
    # period after an unsuccessful end); its dates and statuses stay for the figures.
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True,
                                         editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        indexes = [
            models.Index(fields=["call", "status"], name="application_call_status"),
            models.Index(fields=["building", "call", "status", "submitted_at"],
                         name="application_list_position"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["creative", "call"],
                condition=Q(call__isnull=False) & ~Q(status__in=["accepted", "declined",
                                                                  "withdrawn", "expired"]),
                name="application_one_active_per_call",
                violation_error_message=_("You already have an application to this call."),
            ),
            models.UniqueConstraint(
                fields=["creative", "building"],
                condition=Q(call__isnull=True) & ~Q(status__in=["accepted", "declined",
                                                                 "withdrawn", "expired"]),
                name="application_one_active_per_list",
                violation_error_message=_("You are already on this building's candidate list."),
            ),
            models.CheckConstraint(
                condition=Q(min_area_m2__isnull=True) | Q(max_area_m2__isnull=True)
                | Q(max_area_m2__gte=F("min_area_m2")),
                name="application_area_range",
                violation_error_message=_("The largest area cannot be below the smallest."),
            ),
            *limits.range_checks("application", min_area_m2=limits.WISHED_MIN_AREA_M2,
                                 max_area_m2=limits.AREA_M2, max_rent=limits.MONTHLY_RENT),
        ]

    def __str__(self):
        return f"{self.creative} → {self.call or self.building}"


class ApplicationEvent(models.Model):
    """One status change of an application, with who made it and when."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE,
                                    related_name="events", verbose_name=_("application"))
    from_status = models.CharField(_("from"), max_length=20, choices=ApplicationStatus.choices,
                                   blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=ApplicationStatus.choices)
    note = models.TextField(_("note"), blank=True, **limits.at_most(limits.STATUS_NOTE))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                           blank=True, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["application", "at", "id"]
        verbose_name = _("application status change")
        verbose_name_plural = _("application status changes")

    def __str__(self):
        return f"{self.application}: {self.from_status or '–'} → {self.to_status}"


class ApplicantNote(models.Model):
    """A programmer's private note on an application; never shown to the creative."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="notes",
                                    verbose_name=_("application"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                               related_name="+", verbose_name=_("author"))
    text = models.TextField(_("text"), **limits.at_most(limits.PRIVATE_NOTE))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["application", "created_at"]
        verbose_name = _("private note")
        verbose_name_plural = _("private notes")

    def __str__(self):
        return self.text[:60]


class Screening(models.Model):
    """A creative's result against a city's criteria. Only the outcome and reasons are kept;
    income documents are never stored."""

    creative = models.ForeignKey(Creative, on_delete=models.PROTECT, related_name="screenings",
                                 verbose_name=_("creative"))
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="screenings",
                             verbose_name=_("city"))
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="screenings", verbose_name=_("policy"))
    professional_practice = models.BooleanField(
        _("professional practice and output in the last year"))
    income_within_limit = models.BooleanField(_("taxable income at most the policy limit"))
    eligible = models.BooleanField(_("eligible"))
    reasons = models.TextField(_("reasons"), blank=True,
                               **limits.at_most(limits.SCREENING_REASONS))
    decided_on = models.DateField(_("decided on"))
    valid_until = models.DateField(_("valid until"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("decided by"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["creative", "-decided_on", "-id"]
        verbose_name = _("screening")
        verbose_name_plural = _("screenings")
        indexes = [models.Index(fields=["creative", "city", "-valid_until"],
                                name="screening_latest")]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gt=F("decided_on")), name="screening_valid_after_decision",
                violation_error_message=_("A screening must stay valid past the day it is decided."),
            ),
            models.CheckConstraint(
                condition=Q(eligible=False)
                | (Q(professional_practice=True) & Q(income_within_limit=True)),
                name="screening_eligible_meets_criteria",
                violation_error_message=_("Eligible needs both professional practice and income "
                                          "within the limit."),
            ),
        ]

    def __str__(self):
        outcome = _("eligible") if self.eligible else _("not eligible")
        return f"{self.creative} – {self.city}: {outcome} ({self.decided_on})"


class OfferStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    CLOSED = "closed", _("Closed (space let to another)")


class Offer(models.Model):
    """A space offered to an applicant, to accept or decline before a deadline."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="offers",
                                    verbose_name=_("application"))
    space = models.ForeignKey(Space, on_delete=models.PROTECT, related_name="offers",
                              verbose_name=_("space"))
    status = models.CharField(_("status"), max_length=20, choices=OfferStatus.choices,
                              default=OfferStatus.OPEN)
    start = models.DateField(_("tenancy starts"))
    offered_on = models.DateField(_("offered on"))
    reply_by = models.DateField(_("reply by"))
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                blank=True, related_name="+", verbose_name=_("made by"))
    made_at = models.DateTimeField(_("made at"), auto_now_add=True)
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+",
                                     verbose_name=_("responded by"))
    tenancy = models.OneToOneField(Tenancy, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="offer", verbose_name=_("tenancy"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["-offered_on", "-id"]
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        constraints = [
            models.UniqueConstraint(
                fields=["space"], condition=Q(status="open"), name="offer_one_open_per_space",
                violation_error_message=_("This space already has an open offer."),
            ),
            models.CheckConstraint(
                condition=Q(reply_by__gte=F("offered_on")), name="offer_reply_after_offer",
                violation_error_message=_("The reply deadline cannot be before the offer."),
            ),
            # offer_make's rule (services.allocation._offer_dates_check), as a round's.
            models.CheckConstraint(
                condition=Q(reply_by__lte=F("start")), name="offer_reply_before_start",
                violation_error_message=_("The reply deadline cannot be after the start."),
            ),
            models.CheckConstraint(
                condition=Q(tenancy__isnull=True) | Q(status="accepted"),
                name="offer_tenancy_only_when_accepted",
            ),
        ]

    def __str__(self):
        return f"{self.space} → {self.application.creative} ({self.get_status_display()})"


class SocialReturnKind(models.TextChoices):
    WORKSHOP = "workshop", _("Workshop")
    OPEN_STUDIO = "open_studio", _("Open studio")
    NEIGHBOURHOOD = "neighbourhood", _("Neighbourhood project")
    EDUCATION = "education", _("Education")
    OTHER = "other", _("Other")


class SocialReturn(models.Model):
    """Hours a tenant gives back to the neighbourhood (maatschappelijke tegenprestatie)."""

    tenancy = models.ForeignKey(Tenancy, on_delete=models.PROTECT, related_name="social_returns",
                                verbose_name=_("tenancy"))
    kind = models.CharField(_("kind"), max_length=20, choices=SocialReturnKind.choices)
    on = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=2,
                                validators=limits.SOCIAL_RETURN_HOURS.validators())
    description = models.TextField(_("description"), blank=True,
                                   **limits.at_most(limits.SOCIAL_RETURN_DESCRIPTION))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["tenancy", "-on"]
        verbose_name = _("social return activity")
        verbose_name_plural = _("social return activities")
        constraints = [
            *limits.range_checks("socialreturn", hours=limits.SOCIAL_RETURN_HOURS),
        ]

    def __str__(self):
        return f"{self.tenancy.creative}: {self.get_kind_display()} {self.hours} h ({self.on})"
