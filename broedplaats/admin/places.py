"""The admin of buildings, spaces, calls, applications, tenancies and policies. Saves go through
the services' checks (see admin/forms.py)."""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, Q
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from broedplaats.admin.forms import (
    BuildingAdminForm,
    ParentInstanceFormSet,
    PolicyAdminForm,
    SpaceAdminForm,
    TenancyAdminForm,
    TenancyInlineFormSet,
)
from broedplaats.models import (
    ApplicantNote,
    Application,
    ApplicationEvent,
    Building,
    Call,
    City,
    Facility,
    FigureSnapshot,
    Offer,
    Policy,
    PolicyRentCap,
    PublicFigure,
    Screening,
    SocialReturn,
    Space,
    SpacePhoto,
    Tenancy,
    ThroughputRefresh,
)
from broedplaats.selectors import tenancies_running
from broedplaats.services import (
    building_archive,
    space_archive,
    tenancy_end,
    tenancy_save,
    throughput_refresh,
)
from broedplaats.views.forms.programmer import ProgrammerTenancyEndForm
from chains.admin import ImageRowsInline, ProtectedFirstModelAdmin, ReadOnlyHistoryAdmin
from chains.formatting import money
from chains.forms import add_service_errors
from chains.selectors import stage_list


def euros(value) -> str:
    return "" if value is None else money(value)


def square_metres(value) -> str:
    return "" if value is None else f"{number_format(value, 2, force_grouping=True)} m²"


def archive_selected(modeladmin, request, queryset, archive) -> None:
    """Archive each selected row through its archive service and say how many."""
    archived = 0
    for row in queryset.filter(archived=False):
        try:
            archive(row)
        except ValidationError as error:
            for message in error.messages:
                modeladmin.message_user(request, f"{row}: {message}", messages.ERROR)
        else:
            archived += 1
    modeladmin.message_user(
        request,
        ngettext("%(count)d row archived.", "%(count)d rows archived.", archived)
        % {"count": archived},
        messages.SUCCESS,
    )


# --- cities and policies ---------------------------------------------------------------------

@admin.register(City)
class CityAdmin(ProtectedFirstModelAdmin):
    list_display = ("name", "slug", "building_count", "policy_count")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("bureau_members",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            building_count=Count("buildings", distinct=True),
            policy_count=Count("policies", distinct=True),
        )

    @admin.display(description=_("buildings"), ordering="building_count")
    def building_count(self, city):
        return city.building_count

    @admin.display(description=_("policies"), ordering="policy_count")
    def policy_count(self, city):
        return city.policy_count


class PolicyRentCapInline(admin.TabularInline):
    model = PolicyRentCap
    extra = 1


@admin.register(Policy)
class PolicyAdmin(ReadOnlyHistoryAdmin, ProtectedFirstModelAdmin):
    form = PolicyAdminForm
    inlines = [PolicyRentCapInline]
    list_display = ("city", "valid_from", "valid_to", "income_limit_display",
                    "standard_term_months", "max_renewals", "max_tenancies_per_creative",
                    "rent_caps_display")
    list_filter = ("city",)
    list_select_related = ("city",)
    search_fields = ("city__name", "source")
    date_hierarchy = "valid_from"
    autocomplete_fields = ("city",)
    fieldsets = (
        (None, {"fields": ("city", "valid_from", "valid_to", "source")}),
        (_("Screening"), {"fields": ("income_limit", "screening_validity_months",
                                     "live_work_retest_years", "required_screened_share")}),
        (_("Terms"), {"fields": ("standard_term_months", "max_renewals",
                                 "max_tenancies_per_creative")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("rent_caps")

    @admin.display(description=Policy._meta.get_field("income_limit").verbose_name,
                   ordering="income_limit")
    def income_limit_display(self, policy):
        return euros(policy.income_limit)

    @admin.display(description=_("rent caps (per m² per year)"))
    def rent_caps_display(self, policy):
        return ", ".join(
            f"{cap.get_space_kind_display()} {euros(cap.max_rent_per_m2_year)}"
            for cap in policy.rent_caps.all()
        )


# --- buildings and spaces --------------------------------------------------------------------

class SpaceInline(admin.TabularInline):
    model = Space
    form = SpaceAdminForm
    formset = ParentInstanceFormSet
    fields = ("code", "kind", "area_m2", "monthly_rent", "rent_exception_reason", "archived")
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 1,
                                                                              "cols": 30})}}
    show_change_link = True
    extra = 0


@admin.register(Building)
class BuildingAdmin(ReadOnlyHistoryAdmin, ProtectedFirstModelAdmin):
    form = BuildingAdminForm
    inlines = [SpaceInline]
    list_display = ("name", "city", "postcode", "operator_kind", "cluster_type", "chains",
                    "space_count", "temporary_until", "archived")
    list_filter = ("archived", "city", "operator_kind", "cluster_type", "chain_focus")
    list_select_related = ("city",)
    search_fields = ("name", "address", "postcode", "operator_name")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("city", "chain_focus", "programmers")
    actions = ["archive_buildings"]
    fieldsets = (
        (None, {"fields": ("city", "name", "slug", "description", "archived")}),
        (_("Address"), {"fields": ("address", "postcode", "latitude", "longitude")}),
        (_("Operation"), {"fields": ("operator_name", "operator_kind", "cluster_type",
                                     "chain_focus", "temporary_until", "programmers")}),
    )

    def get_queryset(self, request):
        return (
            super().get_queryset(request)
            .prefetch_related("chain_focus")
            .annotate(space_count=Count("spaces", filter=Q(spaces__archived=False)))
        )

    @admin.action(description=_("Archive selected buildings"), permissions=["change"])
    def archive_buildings(self, request, queryset):
        archive_selected(self, request, queryset, lambda building: building_archive(building=building))

    @admin.display(description=_("chain focus"))
    def chains(self, building):
        return ", ".join(str(chain) for chain in building.chain_focus.all())

    @admin.display(description=_("active spaces"), ordering="space_count")
    def space_count(self, building):
        return building.space_count


@admin.register(Facility)
class FacilityAdmin(ProtectedFirstModelAdmin):
    list_display = ("__str__", "code", "space_count")
    search_fields = ("code",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(space_count=Count("spaces"))

    @admin.display(description=_("spaces"), ordering="space_count")
    def space_count(self, facility):
        return facility.space_count


# Ending a tenancy is not an edit: tenancy_end checks it and records the creative's stage move
# and who ended it, so the admin shows these fields and ends a tenancy on its end page only.
TENANCY_END_FIELDS = ("actual_end", "end_reason", "ended_by", "ended_at")


def stamp_creator(tenancy: Tenancy, user) -> None:
    """Record who let the space (who ended it is recorded by tenancy_end)."""
    if tenancy.pk is None:
        tenancy.created_by = user


class TenancyInline(admin.TabularInline):
    """The space's tenancies; each row and the rows together obey the tenancy rules.

    A row is ended on its tenancy's end page (the change link), not here.
    """

    model = Tenancy
    form = TenancyAdminForm
    formset = TenancyInlineFormSet
    fields = ("creative", "start", "planned_end", "actual_end", "end_reason", "monthly_rent",
              "rent_exception_reason", "term_exception_reason")
    readonly_fields = ("actual_end", "end_reason")
    autocomplete_fields = ("creative",)
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 1,
                                                                              "cols": 24})}}
    ordering = ("-start",)
    show_change_link = True
    can_delete = False  # tenancies count in the dashboards: end them, never delete
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("creative")


class SpacePhotoInline(ImageRowsInline):
    """A space's photos, changed only on the programmer's space page."""

    model = SpacePhoto
    verbose_name_plural = _("photos")


@admin.register(Space)
class SpaceAdmin(ReadOnlyHistoryAdmin, ProtectedFirstModelAdmin):
    form = SpaceAdminForm
    inlines = [TenancyInline, SpacePhotoInline]
    list_display = ("code", "building", "city", "kind", "area", "rent", "rent_per_m2_year",
                    "archived")
    list_filter = ("archived", "kind", "building__city", "facilities", "stages")
    list_select_related = ("building__city",)
    search_fields = ("code", "building__name")
    autocomplete_fields = ("building",)
    filter_horizontal = ("facilities", "stages")
    actions = ["archive_spaces"]

    def get_queryset(self, request):
        # str(space) names the building; every admin view (and the autocomplete) shows it.
        return super().get_queryset(request).select_related("building__city")

    def get_inline_instances(self, request, obj=None):
        # tenancy_check reads the space's stored tenancies, so a space is let once it is saved.
        return super().get_inline_instances(request, obj) if obj is not None else []

    def save_formset(self, request, form, formset, change):
        if not isinstance(formset, TenancyInlineFormSet):
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)
        for tenancy_form in formset.saved_forms:
            stamp_creator(tenancy_form.instance, request.user)
            tenancy_save(tenancy_form.instance)
        formset.save_m2m()

    @admin.action(description=_("Archive selected spaces"), permissions=["change"])
    def archive_spaces(self, request, queryset):
        archive_selected(self, request, queryset, lambda space: space_archive(space=space))

    @admin.display(description=_("city"), ordering="building__city__name")
    def city(self, space):
        return space.building.city

    @admin.display(description=Space._meta.get_field("area_m2").verbose_name, ordering="area_m2")
    def area(self, space):
        return square_metres(space.area_m2)

    @admin.display(description=Space._meta.get_field("monthly_rent").verbose_name,
                   ordering="monthly_rent")
    def rent(self, space):
        return euros(space.monthly_rent)

    @admin.display(description=_("rent per m² per year"))
    def rent_per_m2_year(self, space):
        return euros(space.rent_per_m2_year)


# --- tenancies -------------------------------------------------------------------------------

class TenancyStatusFilter(admin.SimpleListFilter):
    title = _("status today")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("running", _("Running")), ("upcoming", _("Upcoming")), ("ended", _("Ended"))]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "running":
            return queryset.filter(pk__in=tenancies_running(today).values("pk"))
        if self.value() == "upcoming":
            return queryset.filter(start__gt=today)
        if self.value() == "ended":
            return queryset.filter(Q(actual_end__lte=today)
                                   | Q(actual_end__isnull=True, planned_end__lte=today))
        return queryset


@admin.register(Tenancy)
class TenancyAdmin(ReadOnlyHistoryAdmin, ProtectedFirstModelAdmin):
    """Tenancies are let and edited here; a running one is ended on its end page
    (`<id>/end/`, linked from the change form), through `tenancy_end`."""

    form = TenancyAdminForm
    change_form_template = "admin/broedplaats/tenancy/change_form.html"
    end_template = "admin/broedplaats/tenancy/end.html"
    list_display = ("creative", "space", "start", "planned_end", "actual_end", "rent",
                    "rent_per_m2_year", "end_reason")
    list_filter = (TenancyStatusFilter, "end_reason", "space__kind", "space__building__city")
    list_select_related = ("space__building", "creative")
    search_fields = ("creative__name", "space__code", "space__building__name")
    date_hierarchy = "start"
    autocomplete_fields = ("space", "creative")
    readonly_fields = ("created_by", "created_at", *TENANCY_END_FIELDS, "cancel_reason")
    fieldsets = (
        (None, {"fields": ("space", "creative", "start", "planned_end", "monthly_rent")}),
        (_("Exceptions to the policy"), {"fields": ("rent_exception_reason",
                                                    "term_exception_reason")}),
        (_("End"), {"fields": ("actual_end", "end_reason", "cancel_reason")}),
        (_("Record"), {"fields": ("created_by", "created_at", "ended_by", "ended_at")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("space__building", "creative")

    def has_delete_permission(self, request, obj=None):
        return False  # tenancies count in the dashboards: end them, never delete

    def save_model(self, request, obj, form, change):
        if change and not form.has_changed():
            return
        stamp_creator(obj, request.user)
        tenancy_save(obj)

    def get_urls(self):
        end = path("<path:object_id>/end/", self.admin_site.admin_view(self.end_view),
                   name=f"{self.opts.app_label}_{self.opts.model_name}_end")
        return [end, *super().get_urls()]

    def end_view(self, request, object_id):
        """End one tenancy through tenancy_end; a refusal is shown on the form (HTTP 400)."""
        tenancy = self.get_object(request, unquote(object_id))
        if tenancy is None:
            raise Http404
        if not self.has_change_permission(request, tenancy):
            raise PermissionDenied
        stages = list(stage_list())
        if request.method != "POST":
            form = ProgrammerTenancyEndForm(initial={"on": timezone.localdate()}, stages=stages)
            return self.render_end_page(request, tenancy, form)
        form = ProgrammerTenancyEndForm(request.POST, stages=stages)
        if form.is_valid():
            try:
                tenancy_end(tenancy=tenancy, by=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
                # The service may have set the end on this copy before it refused; the write
                # was rolled back, so show what is stored.
                tenancy.refresh_from_db()
            else:
                with translation.override(None):  # logged untranslated, as Django's own
                    fields = [str(Tenancy._meta.get_field(name).verbose_name)
                              for name in TENANCY_END_FIELDS]
                self.log_change(request, tenancy, [{"changed": {"fields": fields}}])
                self.message_user(request, gettext("The tenancy of %(creative)s is ended.")
                                  % {"creative": tenancy.creative}, messages.SUCCESS)
                return HttpResponseRedirect(reverse(
                    f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                    args=[tenancy.pk], current_app=self.admin_site.name,
                ))
        return self.render_end_page(request, tenancy, form, status=400)

    def render_end_page(self, request, tenancy, form, status=200):
        shown = ["creative", "space", "start", "planned_end", "monthly_rent"]
        if tenancy.actual_end is not None:
            shown += ["actual_end", "end_reason"]
        values = {"monthly_rent": euros(tenancy.monthly_rent),
                  "end_reason": tenancy.get_end_reason_display()}
        summary = [(capfirst(Tenancy._meta.get_field(name).verbose_name),
                    values.get(name, getattr(tenancy, name))) for name in shown]
        context = {
            **self.admin_site.each_context(request),
            "title": _("End tenancy"),
            "subtitle": str(tenancy),
            "opts": self.opts,
            "original": tenancy,
            "summary": summary,
            "form": form,
            "media": self.media + form.media,
            "has_view_permission": self.has_view_permission(request, tenancy),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.end_template, context, status=status)

    @admin.display(description=Tenancy._meta.get_field("monthly_rent").verbose_name,
                   ordering="monthly_rent")
    def rent(self, tenancy):
        return euros(tenancy.monthly_rent)

    @admin.display(description=_("rent per m² per year"))
    def rent_per_m2_year(self, tenancy):
        return euros((tenancy.monthly_rent * 12 / tenancy.space.area_m2).quantize(Decimal("0.01")))


# --- allocation: calls, applications, screening, offers, social return ------------------------
# Workflow objects change state only through the services (who and when are recorded there), so
# the admin shows them read-only; calls are edited here, their spaces kept to their building.

class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CallAdminForm(forms.ModelForm):
    class Meta:
        model = Call
        fields = ("building", "title", "text", "spaces", "chains", "disciplines", "stages",
                  "facilities", "opens_on", "closes_on", "allocation_method")

    def clean(self):
        cleaned_data = super().clean()
        building, spaces = cleaned_data.get("building"), cleaned_data.get("spaces")
        if building and spaces:
            foreign = [space.code for space in spaces if space.building_id != building.pk]
            if foreign:
                self.add_error("spaces", _("These spaces are not in %(building)s: %(codes)s.")
                               % {"building": building, "codes": ", ".join(foreign)})
        return cleaned_data


@admin.register(Call)
class CallAdmin(ReadOnlyHistoryAdmin, ProtectedFirstModelAdmin):
    form = CallAdminForm
    list_display = ("title", "building", "opens_on", "closes_on", "allocation_method",
                    "published_at")
    list_filter = ("allocation_method", "building__city",
                   ("published_at", admin.EmptyFieldListFilter))
    list_select_related = ("building",)
    search_fields = ("title", "building__name")
    date_hierarchy = "opens_on"
    autocomplete_fields = ("building", "spaces", "chains", "disciplines")
    filter_horizontal = ("stages", "facilities")
    readonly_fields = ("published_at", "published_by", "closed_at", "closed_by", "created_by",
                       "created_at")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class ApplicationEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ApplicationEvent
    fields = ("at", "from_status", "to_status", "by", "note")
    readonly_fields = fields
    extra = 0


class ApplicantNoteInline(admin.TabularInline):
    model = ApplicantNote
    fields = ("text", "author", "created_at")
    readonly_fields = ("author", "created_at")
    extra = 0


@admin.register(Application)
class ApplicationAdmin(ReadOnlyHistoryAdmin, ProtectedFirstModelAdmin):
    list_display = ("creative", "building", "call", "status", "submitted_at")
    list_filter = ("status", "building__city", ("call", admin.EmptyFieldListFilter))
    list_select_related = ("creative", "building", "call")
    search_fields = ("creative__name", "building__name", "call__title")
    date_hierarchy = "created_at"
    fields = ("creative", "building", "call", "status", "submitted_at", "stage", "min_area_m2",
              "max_area_m2", "max_rent", "facilities", "motivation")
    readonly_fields = fields
    inlines = [ApplicationEventInline, ApplicantNoteInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_formset(self, request, form, formset, change):
        notes = formset.save(commit=False)
        for note in notes:
            note.author = note.author or request.user
            note.save()
        formset.save_m2m()


@admin.register(Screening)
class ScreeningAdmin(ReadOnlyAdminMixin, ReadOnlyHistoryAdmin, ProtectedFirstModelAdmin):
    list_display = ("creative", "city", "eligible", "decided_on", "valid_until", "decided_by")
    list_filter = ("eligible", "city")
    list_select_related = ("creative", "city", "decided_by")
    search_fields = ("creative__name",)
    date_hierarchy = "decided_on"


@admin.register(Offer)
class OfferAdmin(ReadOnlyAdminMixin, ReadOnlyHistoryAdmin, ProtectedFirstModelAdmin):
    list_display = ("space", "application", "status", "offered_on", "reply_by", "start")
    list_filter = ("status", "space__building__city")
    list_select_related = ("space__building", "application__creative", "application__building",
                           "application__call")
    search_fields = ("application__creative__name", "space__code", "space__building__name")
    date_hierarchy = "offered_on"


@admin.register(SocialReturn)
class SocialReturnAdmin(ReadOnlyAdminMixin, ProtectedFirstModelAdmin):
    list_display = ("tenancy", "kind", "on", "hours", "recorded_by")
    list_filter = ("kind",)
    list_select_related = ("tenancy__creative", "tenancy__space__building", "recorded_by")
    search_fields = ("tenancy__creative__name", "description")
    date_hierarchy = "on"


# --- throughput ------------------------------------------------------------------------------------

@admin.register(PublicFigure)
class PublicFigureAdmin(admin.ModelAdmin):
    """Which figures a city publishes as open data (a bureau does this on its dashboard)."""

    list_display = ("city", "figure", "published_by", "published_at")
    list_filter = ("city", "figure")
    readonly_fields = ("published_by", "published_at")

    def save_model(self, request, obj, form, change):
        obj.published_by = obj.published_by or request.user
        super().save_model(request, obj, form, change)


@admin.register(FigureSnapshot)
class FigureSnapshotAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The city views the nightly refresh_throughput computed ahead: which, for which day, when
    (docs/throughput.md, "Computed ahead"); the stored tables are not shown."""

    list_display = ("city", "on", "view_name", "language", "computed_at")
    list_filter = ("on", "city", "language")
    exclude = ("tables",)
    actions = None

    @admin.display(description=_("view"), ordering="view")
    def view_name(self, snapshot):
        return snapshot.view or gettext("the whole city")


@admin.register(ThroughputRefresh)
class ThroughputRefreshAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The rebuilds of the stage-spell summary; 'Rebuild now' runs one at once."""

    list_display = ("finished_at", "seconds", "spells")
    actions = None
    change_list_template = "admin/broedplaats/throughputrefresh/change_list.html"

    def get_urls(self):
        return [path("rebuild/", self.admin_site.admin_view(self.rebuild_view),
                     name="broedplaats_throughputrefresh_rebuild"), *super().get_urls()]

    def rebuild_view(self, request):
        if request.method != "POST" or not request.user.is_superuser:
            raise PermissionDenied
        refresh = throughput_refresh()
        self.message_user(request, gettext("Rebuilt %(n)s stage spells in %(s).1f s.")
                          % {"n": refresh.spells, "s": refresh.seconds}, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:broedplaats_throughputrefresh_changelist"))
