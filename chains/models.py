"""The value chain: chains, disciplines, stages, creatives and where each creative is.

This app knows nothing about buildings. The place of a stage move is referenced through
settings.CHAINS_PLACE_MODEL (like AUTH_USER_MODEL), so the dependency runs one way:
broedplaats -> chains.
"""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from chains import limits

kvk_validator = RegexValidator(
    r"^\d{8}$", _("A KvK number has exactly 8 digits."), code="invalid_kvk"
)


class LocalizedNameMixin(models.Model):
    """A Dutch name (the default language) with an optional English one."""

    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)

    class Meta:
        abstract = True

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        if (get_language() or "nl").startswith("en") and self.name_en:
            return self.name_en
        return self.name


class StageCode(models.TextChoices):
    IDEA = "idea", _("Idea (bedenken)")
    MAKING = "making", _("Making (maken)")
    DISTRIBUTION = "distribution", _("Distribution (verspreiden)")


class Stage(models.Model):
    """One of the ordered stages idea -> making -> distribution."""

    code = models.CharField(_("code"), max_length=20, choices=StageCode.choices, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), unique=True,
                                             validators=limits.STAGE_ORDER.validators())

    class Meta:
        ordering = ["order"]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        constraints = limits.range_checks("stage", order=limits.STAGE_ORDER)

    def __str__(self):
        return str(self.get_code_display())


class Chain(LocalizedNameMixin):
    """A value chain such as fashion or games & digital."""

    slug = models.SlugField(_("slug"), unique=True)
    description = models.TextField(_("description"), blank=True,
                                   **limits.at_most(limits.CHAIN_DESCRIPTION))

    class Meta:
        ordering = ["name"]
        verbose_name = _("chain")
        verbose_name_plural = _("chains")

    def get_absolute_url(self):
        return reverse("building-list") + f"?chain={self.slug}"


class ChainStage(models.Model):
    """What a stage means within one chain (e.g. 'sampling' is making for fashion)."""

    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="stage_notes")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="chain_notes")
    description = models.TextField(_("description"),
                                   **limits.at_most(limits.CHAIN_STAGE_DESCRIPTION))

    class Meta:
        ordering = ["chain", "stage__order"]
        verbose_name = _("stage of a chain")
        verbose_name_plural = _("stages of chains")
        constraints = [
            models.UniqueConstraint(fields=["chain", "stage"], name="chainstage_unique"),
        ]

    def __str__(self):
        return f"{self.chain} – {self.stage}"


class Discipline(LocalizedNameMixin):
    """A creative discipline (architect, fashion designer, ...) within one chain."""

    chain = models.ForeignKey(Chain, on_delete=models.PROTECT, related_name="disciplines")
    slug = models.SlugField(_("slug"), unique=True)

    class Meta:
        ordering = ["chain__name", "name"]
        verbose_name = _("discipline")
        verbose_name_plural = _("disciplines")


class CreativeKind(models.TextChoices):
    PERSON = "person", _("Person")
    DUO = "duo", _("Duo")
    COLLECTIVE = "collective", _("Collective")
    COMPANY = "company", _("Company")


class Creative(models.Model):
    """An artist, maker or small creative company; may or may not have a user account."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="creative",
        verbose_name=_("user account"),
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=20, choices=CreativeKind.choices, default=CreativeKind.PERSON
    )
    kvk_number = models.CharField(
        _("KvK number"), max_length=8, blank=True, validators=[kvk_validator]
    )
    discipline = models.ForeignKey(
        Discipline, on_delete=models.PROTECT, related_name="creatives",
        verbose_name=_("discipline"),
    )
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    website = models.URLField(_("website"), blank=True)
    bio = models.TextField(_("bio"), blank=True, **limits.at_most(limits.BIO))
    archived = models.BooleanField(_("archived"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("creative")
        verbose_name_plural = _("creatives")
        # A chain's creatives (its disciplines' ids) from the index alone: the finder's tenants.
        indexes = [models.Index(fields=["discipline", "id"], name="creative_discipline_id")]
        constraints = [
            models.UniqueConstraint(
                fields=["kvk_number"], condition=~Q(kvk_number=""), name="creative_kvk_unique",
                violation_error_message=_("Another creative is registered with this KvK number."),
            ),
            models.CheckConstraint(
                condition=Q(kvk_number="") | Q(kvk_number__regex=r"^[0-9]{8}$"),
                name="creative_kvk_8_digits",
                violation_error_message=_("A KvK number has exactly 8 digits."),
            ),
        ]

    def __str__(self):
        return self.name


class StageMove(models.Model):
    """One step in a creative's history: into a stage, or out to the market.

    The creative's current stage is the newest move; it is never stored elsewhere.
    """

    creative = models.ForeignKey(
        Creative, on_delete=models.PROTECT, related_name="stage_moves",
        verbose_name=_("creative"),
    )
    from_stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("from stage"),
    )
    to_stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("to stage"),
    )
    to_market = models.BooleanField(_("out to the market"), default=False)
    moved_on = models.DateField(_("date"))
    building = models.ForeignKey(
        settings.CHAINS_PLACE_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="stage_moves", verbose_name=_("building"),
    )
    note = models.TextField(_("note"), blank=True, **limits.at_most(limits.STAGE_MOVE_NOTE))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["creative", "moved_on", "id"]
        verbose_name = _("stage move")
        verbose_name_plural = _("stage moves")
        # A creative's newest move with its stage, from the index alone: the finder's and the
        # dashboard's current-stage look-ups (docs/benchmarks.md, "The finder's indexes").
        indexes = [models.Index(fields=["creative", "-moved_on", "-id"], name="stagemove_latest",
                                include=["to_stage"])]
        constraints = [
            models.CheckConstraint(
                condition=(Q(to_stage__isnull=False) & Q(to_market=False))
                | (Q(to_stage__isnull=True) & Q(to_market=True)),
                name="stagemove_to_stage_xor_market",
                violation_error_message=_(
                    "A move goes either to a stage or out to the market, not both."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(from_stage=models.F("to_stage")),
                name="stagemove_changes_stage",
                violation_error_message=_("A move must change the stage."),
            ),
        ]

    def __str__(self):
        target = _("market") if self.to_market else self.to_stage
        return f"{self.creative}: {self.from_stage or '–'} → {target} ({self.moved_on})"

    @property
    def destination(self) -> str:
        return str(_("Out to the market")) if self.to_market else str(self.to_stage)


def portfolio_upload_to(image: "PortfolioImage", filename: str) -> str:
    """Files of a creative's portfolio live together under portfolio/<creative id>/.

    The service names the files (a random token, never the uploader's file name, which may
    say more than the image should).
    """
    return f"portfolio/{image.creative_id}/{filename}"


class PortfolioImage(models.Model):
    """One image of a creative's portfolio, re-encoded without metadata, with two thumbnails.

    Written only through chains.services (portfolio_image_add, _remove, _reorder), which keep
    the files and the row together.
    """

    creative = models.ForeignKey(
        Creative, on_delete=models.CASCADE, related_name="portfolio_images",
        verbose_name=_("creative"),
    )
    image = models.ImageField(_("image"), upload_to=portfolio_upload_to)
    thumb_400 = models.ImageField(_("thumbnail (400 px)"), upload_to=portfolio_upload_to)
    thumb_1200 = models.ImageField(_("thumbnail (1200 px)"), upload_to=portfolio_upload_to)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    caption = models.CharField(_("caption"), max_length=300, blank=True)
    position = models.PositiveIntegerField(_("position"))
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["creative", "position"]
        verbose_name = _("portfolio image")
        verbose_name_plural = _("portfolio images")
        constraints = [
            models.UniqueConstraint(
                fields=["creative", "position"], name="portfolioimage_position_unique",
                violation_error_message=_("Two images of a portfolio cannot share a position."),
            ),
        ]

    def __str__(self):
        return self.caption or f"{self.creative} #{self.position + 1}"
