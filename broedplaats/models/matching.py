"""Matching: how applicants are judged (fit weights, committee criteria and scores, the
applicant's own ranking of a call's spaces), allocation rounds with their stored inputs,
proposal and hand changes, and pathways between buildings.

The algorithms themselves live in `broedplaats.matching` (no Django); these models keep what
a round saw and decided, so that anyone can check it afterwards.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from broedplaats import limits
from broedplaats.models.allocation import AllocationMethod, Application, Call
from broedplaats.models.places import Building, City, Space
from chains.models import Chain, Creative, Stage

# The seven parts of a fit score, in the order they are shown (see docs/matching.md).
FIT_COMPONENTS = ("stage", "chain", "completeness", "area", "rent", "facilities", "wait")


def _points(verbose: str, default: int, help_text: str):
    return models.PositiveSmallIntegerField(
        verbose, default=default, help_text=help_text,
        validators=limits.FIT_POINTS.validators())


class FitWeights(models.Model):
    """How much each part of the fit score counts: a city's defaults, or one building's own.

    The points are relative: they are scaled to sum to 100 when a score is computed."""

    city = models.OneToOneField(City, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="fit_weights", verbose_name=_("city"))
    building = models.OneToOneField(Building, on_delete=models.CASCADE, null=True, blank=True,
                                    related_name="fit_weights", verbose_name=_("building"))
    stage = _points(_("stage fit"), 25, _("The space serves the applicant's stage or the next."))
    chain = _points(_("chain fit"), 20, _("The building's chain focus includes the applicant's "
                                          "chain."))
    completeness = _points(_("chain completeness"), 10, _(
        "The applicant fills a stage of that chain the building does not house now."))
    area = _points(_("area"), 15, _("The space's area lies within the wished range."))
    rent = _points(_("rent"), 15, _("The rent is within the wished maximum."))
    facilities = _points(_("facilities"), 10, _("The wished facilities are present."))
    wait = _points(_("waiting time"), 5, _("Time waited since applying (fairness)."))
    wait_full_days = models.PositiveSmallIntegerField(
        _("full waiting points after (days)"), default=730,
        validators=limits.WAIT_FULL_DAYS.validators())
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("updated by"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("fit weights")
        verbose_name_plural = _("fit weights")
        constraints = [
            models.CheckConstraint(
                condition=(Q(city__isnull=False) & Q(building__isnull=True))
                | (Q(city__isnull=True) & Q(building__isnull=False)),
                name="fitweights_city_or_building",
                violation_error_message=_("Weights belong to a city or to a building."),
            ),
            *limits.range_checks("fitweights", **dict.fromkeys(FIT_COMPONENTS, limits.FIT_POINTS),
                                 wait_full_days=limits.WAIT_FULL_DAYS),
            models.CheckConstraint(
                condition=Q(stage__gt=0) | Q(chain__gt=0) | Q(completeness__gt=0)
                | Q(area__gt=0) | Q(rent__gt=0) | Q(facilities__gt=0) | Q(wait__gt=0),
                name="fitweights_not_all_zero",
                violation_error_message=_("At least one weight must be above 0."),
            ),
        ]

    def __str__(self):
        return str(self.building or self.city)

    def points(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in FIT_COMPONENTS}


class ApplicationChoice(models.Model):
    """An applicant's ranking of a call's spaces (1 = most wanted), for stable matching."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE,
                                    related_name="choices", verbose_name=_("application"))
    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="+",
                              verbose_name=_("space"))
    rank = models.PositiveSmallIntegerField(_("rank"), validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["application", "rank"]
        verbose_name = _("ranked space")
        verbose_name_plural = _("ranked spaces")
        constraints = [
            models.UniqueConstraint(fields=["application", "space"],
                                    name="choice_space_once",
                                    violation_error_message=_("Rank each space once.")),
            models.UniqueConstraint(fields=["application", "rank"],
                                    name="choice_rank_once",
                                    violation_error_message=_("Give each space its own rank.")),
            models.CheckConstraint(condition=Q(rank__gte=1), name="choice_rank_positive",
                                   violation_error_message=_("Ranks start at 1.")),
        ]

    def __str__(self):
        return f"{self.application}: {self.rank}. {self.space}"


class CommitteeCriterion(models.Model):
    """One thing a call's committee scores each eligible applicant on, from 0 to 10."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="criteria",
                             verbose_name=_("open call"))
    name = models.CharField(_("criterion"), max_length=120)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["call", "order", "id"]
        verbose_name = _("committee criterion")
        verbose_name_plural = _("committee criteria")
        constraints = [
            models.UniqueConstraint(fields=["call", "name"], name="criterion_name_once",
                                    violation_error_message=_("The call already has this "
                                                              "criterion.")),
        ]

    def __str__(self):
        return self.name


COMMITTEE_MAX = limits.COMMITTEE_SCORE.high


class CommitteeScore(models.Model):
    """One committee member's score of one applicant on one criterion (0–10)."""

    criterion = models.ForeignKey(CommitteeCriterion, on_delete=models.CASCADE,
                                  related_name="scores", verbose_name=_("criterion"))
    application = models.ForeignKey(Application, on_delete=models.CASCADE,
                                    related_name="committee_scores",
                                    verbose_name=_("application"))
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("committee member"))
    score = models.PositiveSmallIntegerField(
        _("score"), validators=limits.COMMITTEE_SCORE.validators())
    scored_at = models.DateTimeField(_("scored at"), auto_now=True)

    class Meta:
        ordering = ["application", "criterion", "member"]
        verbose_name = _("committee score")
        verbose_name_plural = _("committee scores")
        constraints = [
            models.UniqueConstraint(fields=["criterion", "application", "member"],
                                    name="committee_score_once"),
            *limits.range_checks("committee", score=limits.COMMITTEE_SCORE),
        ]

    def __str__(self):
        return f"{self.application} · {self.criterion}: {self.score}"


class RoundStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    CONFIRMED = "confirmed", _("Confirmed")
    DISCARDED = "discarded", _("Discarded")


class AllocationRound(models.Model):
    """One run of an allocation method over one or more published calls of a city.

    `inputs` keeps what the round saw (applicants with their lottery numbers, scores and why
    any was left out; the spaces; the weights), so that anyone can re-run and check it."""

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="rounds",
                             verbose_name=_("city"))
    calls = models.ManyToManyField(Call, related_name="rounds", verbose_name=_("open calls"))
    method = models.CharField(_("method"), max_length=20, choices=AllocationMethod.choices)
    seed = models.BigIntegerField(_("lottery seed"), validators=limits.LOTTERY_SEED.validators())
    status = models.CharField(_("status"), max_length=20, choices=RoundStatus.choices,
                              default=RoundStatus.PROPOSED)
    start = models.DateField(_("tenancies start"))
    reply_by = models.DateField(_("reply by"))
    inputs = models.JSONField(_("inputs"), default=dict)
    run_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                               blank=True, related_name="+", verbose_name=_("run by"))
    run_at = models.DateTimeField(_("run at"), auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("confirmed or discarded by"))
    decided_at = models.DateTimeField(_("confirmed or discarded at"), null=True, blank=True)

    class Meta:
        ordering = ["-run_at", "-id"]
        verbose_name = _("allocation round")
        verbose_name_plural = _("allocation rounds")
        constraints = [
            models.CheckConstraint(condition=Q(reply_by__lte=models.F("start")),
                                   name="round_reply_before_start",
                                   violation_error_message=_("The reply deadline cannot be "
                                                             "after the start.")),
            *limits.range_checks("round", seed=limits.LOTTERY_SEED),
        ]

    def __str__(self):
        return f"{self.get_method_display()} #{self.pk}"


class RoundEntry(models.Model):
    """One applicant in a round: their place in line, score, the space proposed to them
    (by the method, and after any hand change) and the breakdown of that fit."""

    round = models.ForeignKey(AllocationRound, on_delete=models.CASCADE, related_name="entries",
                              verbose_name=_("round"))
    creative = models.ForeignKey(Creative, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("creative"))
    application = models.ForeignKey(Application, on_delete=models.PROTECT,
                                    related_name="round_entries",
                                    verbose_name=_("application"))
    position = models.PositiveIntegerField(_("position"))
    lottery = models.FloatField(_("lottery number"))
    value = models.FloatField(_("ranking value"), null=True, blank=True,
                              help_text=_("Best fit, committee mean, or empty for a lottery."))
    proposed_space = models.ForeignKey(Space, on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="+", verbose_name=_("proposed by the method"))
    space = models.ForeignKey(Space, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("space"))
    score = models.FloatField(_("fit"), null=True, blank=True)
    breakdown = models.JSONField(_("breakdown"), default=dict, blank=True)
    excluded = models.CharField(_("left out because"), max_length=300, blank=True)

    class Meta:
        ordering = ["round", "position"]
        verbose_name = _("round entry")
        verbose_name_plural = _("round entries")
        constraints = [
            models.UniqueConstraint(fields=["round", "creative"], name="round_creative_once"),
            models.UniqueConstraint(fields=["round", "space"], condition=Q(space__isnull=False),
                                    name="round_space_once",
                                    violation_error_message=_("This space is already proposed "
                                                              "to another applicant.")),
        ]

    def __str__(self):
        return f"{self.round}: {self.position}. {self.creative}"


class RoundChange(models.Model):
    """A programmer's hand change to a proposal: who, when, from which space to which."""

    round = models.ForeignKey(AllocationRound, on_delete=models.CASCADE, related_name="changes",
                              verbose_name=_("round"))
    entry = models.ForeignKey(RoundEntry, on_delete=models.CASCADE, related_name="changes",
                              verbose_name=_("applicant"))
    from_space = models.ForeignKey(Space, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("from"))
    to_space = models.ForeignKey(Space, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("to"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                           blank=True, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["round", "at", "id"]
        verbose_name = _("hand change")
        verbose_name_plural = _("hand changes")

    def __str__(self):
        return f"{self.entry}: {self.from_space or '–'} → {self.to_space or '–'}"


class PathwayPriority(models.TextChoices):
    BONUS = "bonus", _("Bonus points on the fit score")
    FIRST = "first", _("First in line (before the lottery)")


class Pathway(models.Model):
    """A chain running through several buildings as ordered (building, stage) steps. A tenant
    who leaves a step for the next stage gets priority in the next step's building."""

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="pathways",
                             verbose_name=_("city"))
    chain = models.ForeignKey(Chain, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("chain"))
    name = models.CharField(_("name"), max_length=200)
    priority = models.CharField(_("priority"), max_length=10, choices=PathwayPriority.choices,
                                default=PathwayPriority.BONUS)
    bonus_points = models.PositiveSmallIntegerField(
        _("bonus points"), default=15, validators=limits.PATHWAY_BONUS_POINTS.validators())
    priority_months = models.PositiveSmallIntegerField(
        _("priority lasts (months)"), default=12,
        validators=limits.PATHWAY_PRIORITY_MONTHS.validators(),
        help_text=_("After leaving the previous step."))
    archived = models.BooleanField(_("archived"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["city", "name"]
        verbose_name = _("pathway")
        verbose_name_plural = _("pathways")
        constraints = [
            *limits.range_checks("pathway", bonus_points=limits.PATHWAY_BONUS_POINTS,
                                 priority_months=limits.PATHWAY_PRIORITY_MONTHS),
        ]

    def __str__(self):
        return self.name


class PathwayStep(models.Model):
    """One step of a pathway: a building, and the stage it serves along the chain."""

    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="steps",
                                verbose_name=_("pathway"))
    order = models.PositiveSmallIntegerField(_("order"))
    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("building"))
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("stage"))

    class Meta:
        ordering = ["pathway", "order"]
        verbose_name = _("pathway step")
        verbose_name_plural = _("pathway steps")
        constraints = [
            models.UniqueConstraint(fields=["pathway", "order"], name="pathway_step_order_once"),
        ]

    def __str__(self):
        return f"{self.order}. {self.building} ({self.stage})"
