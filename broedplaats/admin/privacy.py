"""Privacy in the admin: export a creative's data, erase it on request, and the record of
erasures (docs/privacy.md).

The creative's admin is chains' (chains.admin.CreativeAdmin); the actions need the place
side's services, which chains may not import, so it is registered again here with them.
"""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from broedplaats.models import Erasure, ErasureRequest
from broedplaats.services import creative_erase
from broedplaats.views.privacy import export_response
from chains.admin import CreativeAdmin
from chains.models import Creative


class PrivacyCreativeAdmin(CreativeAdmin):
    actions = [*CreativeAdmin.actions, "export_personal_data", "erase_personal_data"]

    @admin.action(description=_("Export data of the selected creative"), permissions=["view"])
    def export_personal_data(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Choose one creative to export."), messages.WARNING)
            return None
        return export_response(queryset.get())

    @admin.action(description=_("Erase personal data of the selected creatives (on request)"),
                  permissions=["change"])
    def erase_personal_data(self, request, queryset):
        creatives = list(queryset.order_by("pk"))
        if request.POST.get("post") != "yes":
            return TemplateResponse(request, "admin/chains/creative/erase_confirmation.html", {
                **self.admin_site.each_context(request), "opts": self.model._meta,
                "title": _("Erase personal data"), "creatives": creatives,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            })
        done = 0
        for creative in creatives:
            try:
                creative_erase(creative=creative, by=request.user, at=timezone.now(),
                               requested=ErasureRequest.ADMIN)
            except ValidationError as error:
                self.message_user(request, f"#{creative.pk}: {' '.join(error.messages)}",
                                  messages.ERROR)
            else:
                done += 1
        self.message_user(request, ngettext("%(count)d creative is erased.",
                                            "%(count)d creatives are erased.", done)
                          % {"count": done}, messages.SUCCESS)
        return None


admin.site.unregister(Creative)
admin.site.register(Creative, PrivacyCreativeAdmin)


@admin.register(Erasure)
class ErasureAdmin(admin.ModelAdmin):
    """The record of erasures: who erased which (anonymous) creative when. Read only."""

    list_display = ["creative", "requested", "by", "at"]
    list_filter = ["requested", "at"]
    list_select_related = ["creative", "by"]
    readonly_fields = ["creative", "requested", "by", "at", "counts"]
    fields = readonly_fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
