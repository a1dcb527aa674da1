"""The admin of the value chain. A stage move is only ever recorded through stage_move_record."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, OuterRef, Subquery
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseNotAllowed
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from chains.forms import add_service_errors
from chains.locking import lock_rows
from chains.models import (
    Chain,
    ChainStage,
    Creative,
    Discipline,
    PortfolioImage,
    Stage,
    StageCode,
    StageMove,
)
from chains.selectors import creatives_with_stage
from chains.services import (
    creative_archive,
    image_files_delete_on_commit,
    stage_move_check,
    stage_move_record,
)


class ProtectedFirstModelAdmin(admin.ModelAdmin):
    """A delete that protected rows block is explained as such, not as a missing permission.

    Stage moves and tenancies cannot be deleted in the admin, and every foreign key to them
    is PROTECT, so they only ever show up in a delete as protected rows; Django would list them
    as "no permission to delete" first and hide the real reason.
    """

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, set() if protected else perms_needed, protected


class ReadOnlyHistoryAdmin(SimpleHistoryAdmin):
    """The audit history of a model's rows, to read (docs/architecture.md, "Audit history").

    A version is shown with every field read-only and no button (SIMPLE_HISTORY_REVERT_DISABLED);
    simple-history would still save a form POSTed to it, so anything but a read is refused.
    """

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        request.history_version_read_only = True
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_readonly_fields(self, request, obj=None):
        if getattr(request, "history_version_read_only", False):
            # All but a prepopulated field (a slug) and the fields it is made from, which
            # simple-history's view looks up in the form: inputs there, but nothing is sent.
            prepopulated = {name for target, sources in self.prepopulated_fields.items()
                            for name in (target, *sources)}
            return [field.name for field in self.model._meta.get_fields()
                    if field.concrete and field.editable and not field.auto_created
                    and field.name not in prepopulated]
        return super().get_readonly_fields(request, obj)


# --- stage moves: recorded by the service, never edited --------------------------------------

MOVE_FIELDS = ("to_stage", "to_market", "moved_on", "building", "note")


def stage_move_trial(*, creative: Creative, on, to_stage=None, to_market=False, **_) -> None:
    """Refuse what stage_move_record would refuse, before the form is saved.

    The creative's row is locked first; the admin runs a POST in one transaction, so the lock
    holds until the move is recorded.
    """
    lock_rows(Creative.objects.filter(pk=creative.pk))
    stage_move_check(creative=creative, on=on, to_stage=to_stage, to_market=to_market)


def move_arguments(data: dict) -> dict:
    """stage_move_record's arguments from a stage move form's cleaned data."""
    return {
        "creative": data["creative"], "on": data["moved_on"], "to_stage": data.get("to_stage"),
        "to_market": data.get("to_market", False), "building": data.get("building"),
        "note": data.get("note", ""),
    }


def record_move(form: forms.ModelForm, user) -> StageMove:
    return stage_move_record(**move_arguments(form.cleaned_data), by=user)


class StageMoveRecordForm(forms.ModelForm):
    """A new stage move, judged by the rules of stage_move_record (from_stage is derived)."""

    class Meta:
        model = StageMove
        fields = ("creative", *MOVE_FIELDS)

    def clean(self):
        cleaned_data = super().clean()
        # Inline, "creative" is the parent (Django's inline foreign key field).
        if cleaned_data.get("creative") is None or cleaned_data.get("moved_on") is None:
            return cleaned_data
        try:
            stage_move_trial(**move_arguments(cleaned_data))
        except ValidationError as error:
            add_service_errors(self, error)
        return cleaned_data


@admin.register(StageMove)
class StageMoveAdmin(ReadOnlyHistoryAdmin, ProtectedFirstModelAdmin):
    """Add-only: the history is append-only, existing moves are shown read-only."""

    form = StageMoveRecordForm
    list_display = ("creative", "from_stage", "destination", "moved_on", "building",
                    "recorded_by")
    list_filter = ("to_stage", "to_market", "from_stage", "creative__discipline__chain")
    list_select_related = ("creative", "from_stage", "to_stage", "building", "recorded_by")
    search_fields = ("creative__name", "note")
    date_hierarchy = "moved_on"
    autocomplete_fields = ("creative", "building")
    history_fields = ("creative", "from_stage", "to_stage", "to_market", "moved_on", "building",
                      "note", "recorded_by", "recorded_at")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(
            "creative", "from_stage", "to_stage", "building", "recorded_by"
        )

    def get_fields(self, request, obj=None):
        return ("creative", *MOVE_FIELDS) if obj is None else self.history_fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.history_fields

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        move = record_move(form, request.user)
        # The admin logs and redirects with the object it handed in: make it the recorded row.
        obj.__dict__.update(move.__dict__)

    @admin.display(description=_("to"), ordering="to_stage__order")
    def destination(self, move):
        return move.destination


class StageMoveHistoryInline(admin.TabularInline):
    """The creative's history, oldest first, read-only."""

    model = StageMove
    fields = ("moved_on", "from_stage", "destination", "building", "note", "recorded_by")
    readonly_fields = fields
    ordering = ("moved_on", "id")
    verbose_name_plural = _("stage history")
    can_delete = False
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(
            "from_stage", "to_stage", "building", "recorded_by"
        )

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("to"))
    def destination(self, move):
        return move.destination


class StageMoveRecordFormSet(BaseInlineFormSet):
    pass


class StageMoveRecordInline(admin.TabularInline):
    """One new move at a time, appended to the history by stage_move_record."""

    model = StageMove
    form = StageMoveRecordForm
    formset = StageMoveRecordFormSet
    fields = MOVE_FIELDS
    autocomplete_fields = ("building",)
    verbose_name = _("new stage move")
    verbose_name_plural = _("record a stage move")
    can_delete = False
    extra = 1
    max_num = 1

    def get_queryset(self, request):
        return super().get_queryset(request).none()

    def has_change_permission(self, request, obj=None):
        return False


# --- chains, stages, disciplines --------------------------------------------------------------

class DisciplineInline(admin.TabularInline):
    model = Discipline
    fields = ("name", "name_en", "slug")
    prepopulated_fields = {"slug": ("name",)}
    show_change_link = True
    extra = 0


class ChainStageInline(admin.TabularInline):
    model = ChainStage
    extra = 0


@admin.register(Chain)
class ChainAdmin(ProtectedFirstModelAdmin):
    inlines = [DisciplineInline, ChainStageInline]
    list_display = ("name", "name_en", "slug", "discipline_count")
    search_fields = ("name", "name_en", "slug")
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(discipline_count=Count("disciplines"))

    @admin.display(description=_("disciplines"), ordering="discipline_count")
    def discipline_count(self, chain):
        return chain.discipline_count


@admin.register(Stage)
class StageAdmin(ProtectedFirstModelAdmin):
    list_display = ("__str__", "code", "order")
    search_fields = ("code",)
    ordering = ("order",)


@admin.register(Discipline)
class DisciplineAdmin(ProtectedFirstModelAdmin):
    list_display = ("name", "name_en", "chain", "slug")
    list_filter = ("chain",)
    list_select_related = ("chain",)
    search_fields = ("name", "name_en", "slug", "chain__name", "chain__name_en")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("chain",)


# --- creatives ---------------------------------------------------------------------------------

class DisplayOnlyInlineFormSet(BaseInlineFormSet):
    """Rows shown under the parent and nothing more: posted data is ignored (the parent's
    form posts without this formset's management form) and nothing is ever saved."""

    def __init__(self, data=None, files=None, *args, **kwargs):
        super().__init__(None, None, *args, **kwargs)

    def is_valid(self):
        return True

    def save(self, commit=True):
        self.new_objects, self.changed_objects, self.deleted_objects = [], [], []
        return []


class ImageRowsInline(admin.TabularInline):
    """Read-only images with a thumbnail (portfolio images, space photos): they are added and
    removed only by their services, which keep rows and files together."""

    formset = DisplayOnlyInlineFormSet
    fields = ("preview", "caption", "position", "dimensions", "uploaded_at")
    readonly_fields = fields
    ordering = ("position", "id")
    can_delete = False
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("image"))
    def preview(self, image):
        return format_html(
            '<a href="{}"><img src="{}" alt="{}" style="max-width:200px;max-height:200px"></a>',
            image.image.url, image.thumb_400.url, image.caption,
        )

    @admin.display(description=_("size"))
    def dimensions(self, image):
        return f"{image.width} × {image.height}"


class PortfolioImageInline(ImageRowsInline):
    """The creative's portfolio, changed only on the creative's own pages."""

    model = PortfolioImage
    verbose_name_plural = _("portfolio")


class CurrentStageFilter(admin.SimpleListFilter):
    """Filters on the stage derived from each creative's newest move."""

    title = _("current stage")
    parameter_name = "current_stage"

    def lookups(self, request, model_admin):
        stages = [(str(stage.pk), str(stage)) for stage in Stage.objects.order_by("order")]
        return [*stages, ("market", _("Out to the market")), ("none", _("No stage recorded"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "market":
            return queryset.filter(at_market=True)
        if value == "none":
            return queryset.filter(current_stage_id__isnull=True, at_market__isnull=True)
        if value:
            return queryset.filter(current_stage_id=value)
        return queryset


@admin.register(Creative)
class CreativeAdmin(ReadOnlyHistoryAdmin, ProtectedFirstModelAdmin):
    inlines = [PortfolioImageInline, StageMoveHistoryInline, StageMoveRecordInline]
    list_display = ("name", "kind", "discipline", "chain", "current_stage", "kvk_number",
                    "archived", "created_at")
    list_filter = ("archived", CurrentStageFilter, "kind", "discipline__chain")
    list_select_related = ("discipline__chain",)
    search_fields = ("name", "email", "kvk_number")
    date_hierarchy = "created_at"
    autocomplete_fields = ("discipline", "user")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    actions = ["archive_creatives"]

    def get_queryset(self, request):
        # The current stage is derived from the history, never stored.
        qs = creatives_with_stage().annotate(
            current_stage_code=Subquery(
                Stage.objects.filter(pk=OuterRef("current_stage_id")).values("code")[:1]
            )
        )
        ordering = self.get_ordering(request)
        return qs.order_by(*ordering) if ordering else qs

    def get_inline_instances(self, request, obj=None):
        # The first move is recorded once the creative exists.
        return [inline for inline in super().get_inline_instances(request, obj)
                if obj is not None or not isinstance(inline, StageMoveRecordInline)]

    def delete_model(self, request, obj):
        # The portfolio goes with the creative (CASCADE); its files go once that is committed.
        image_files_delete_on_commit(obj.portfolio_images.all())
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        image_files_delete_on_commit(PortfolioImage.objects.filter(creative__in=queryset))
        super().delete_queryset(request, queryset)

    def save_formset(self, request, form, formset, change):
        if not isinstance(formset, StageMoveRecordFormSet):
            return super().save_formset(request, form, formset, change)
        formset.new_objects = [record_move(move_form, request.user)
                               for move_form in formset.extra_forms if move_form.has_changed()]
        formset.changed_objects, formset.deleted_objects = [], []

    @admin.display(description=_("chain"), ordering="discipline__chain__name")
    def chain(self, creative):
        return creative.discipline.chain

    @admin.display(description=_("current stage"))
    def current_stage(self, creative):
        if creative.at_market:
            return _("Out to the market")
        if creative.current_stage_code:
            return StageCode(creative.current_stage_code).label
        return "–"

    @admin.action(description=_("Archive selected creatives"), permissions=["change"])
    def archive_creatives(self, request, queryset):
        creatives = list(queryset.filter(archived=False))
        for creative in creatives:
            creative_archive(creative=creative)
        self.message_user(
            request,
            ngettext("%(count)d creative archived.", "%(count)d creatives archived.",
                     len(creatives)) % {"count": len(creatives)},
            messages.SUCCESS,
        )
