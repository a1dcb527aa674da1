"""The admin of matching: fit weights (a city's defaults and each building's own), the stored
allocation rounds with their entries and hand changes, committee criteria with every member's
scores, applicants' rankings of spaces, and pathways.

Rounds, scores, rankings and pathways are written by their services (who and when are
recorded there) and shown here read-only; fit weights are edited here through
`fit_weights_set`, so the same rules hold. Registered by broedplaats/admin/__init__.py.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from broedplaats.admin.places import ReadOnlyAdminMixin
from broedplaats.models import (
    FIT_COMPONENTS,
    AllocationRound,
    ApplicationChoice,
    CommitteeCriterion,
    CommitteeScore,
    FitWeights,
    Pathway,
    PathwayStep,
    RoundChange,
    RoundEntry,
)
from broedplaats.services import fit_weights_set, pathway_archive


class FitWeightsForm(forms.ModelForm):
    class Meta:
        model = FitWeights
        fields = ("city", "building", *FIT_COMPONENTS, "wait_full_days")


@admin.register(FitWeights)
class FitWeightsAdmin(admin.ModelAdmin):
    """A city's default weights (leave the building empty) or one building's own."""

    form = FitWeightsForm
    list_display = ("__str__", "city", "building", *FIT_COMPONENTS, "updated_at")
    list_select_related = ("city", "building")
    readonly_fields = ("updated_by", "updated_at")

    def save_model(self, request, obj, form, change):
        points = {name: form.cleaned_data[name] for name in (*FIT_COMPONENTS, "wait_full_days")}
        try:
            saved = fit_weights_set(building=form.cleaned_data.get("building"),
                                    city=form.cleaned_data.get("city"), by=request.user,
                                    **points)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return
        obj.pk = saved.pk


class RoundEntryInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = RoundEntry
    fields = ("position", "creative", "application", "lottery", "value", "proposed_space",
              "space", "score", "breakdown", "excluded")
    readonly_fields = fields
    extra = 0


class RoundChangeInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = RoundChange
    fields = ("entry", "from_space", "to_space", "by", "at")
    readonly_fields = fields
    extra = 0


@admin.register(AllocationRound)
class AllocationRoundAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Every round as it was run: method, seed, inputs, proposal and hand changes."""

    list_display = ("__str__", "city", "method", "status", "seed", "run_by", "run_at",
                    "decided_by")
    list_filter = ("status", "method", "city")
    list_select_related = ("city", "run_by", "decided_by")
    fields = ("city", "calls", "method", "seed", "status", "start", "reply_by", "run_by",
              "run_at", "decided_by", "decided_at", "inputs")
    readonly_fields = fields
    inlines = [RoundEntryInline, RoundChangeInline]

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff


class CommitteeScoreInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = CommitteeScore
    fields = ("application", "member", "score", "scored_at")
    readonly_fields = fields
    extra = 0


@admin.register(CommitteeCriterion)
class CommitteeCriterionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """A call's committee criteria with every member's scores (members see only means)."""

    list_display = ("name", "call", "order")
    list_select_related = ("call",)
    inlines = [CommitteeScoreInline]


@admin.register(ApplicationChoice)
class ApplicationChoiceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("application", "rank", "space")
    list_select_related = ("application__creative", "application__call", "space__building")


class PathwayStepInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = PathwayStep
    fields = ("order", "building", "stage")
    readonly_fields = fields
    extra = 0


@admin.register(Pathway)
class PathwayAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Pathways are made on the pathway pages (which check their steps); archive one here."""

    list_display = ("name", "city", "chain", "priority", "bonus_points", "priority_months",
                    "archived")
    list_filter = ("archived", "city", "chain")
    list_select_related = ("city", "chain")
    inlines = [PathwayStepInline]
    actions = ["archive"]

    @admin.action(description=_("Archive the chosen pathways"))
    def archive(self, request, queryset):
        for pathway in queryset.filter(archived=False):
            pathway_archive(pathway=pathway, by=request.user)
        self.message_user(request, gettext("Archived."), messages.SUCCESS)

    def has_change_permission(self, request, obj=None):  # for the action; fields stay read-only
        return request.user.is_superuser

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Pathway._meta.fields]
