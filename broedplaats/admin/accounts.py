"""Personal API tokens in the admin: seen and revoked, never made or changed here (a key is
shown once, to its owner, on their account page or from /api/token/)."""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from broedplaats.models import ApiToken
from broedplaats.services import api_token_revoke


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "expires_on", "last_used_at",
                    "revoked_at"]
    list_filter = ["expires_on", "revoked_at"]
    search_fields = ["name", "user__username", "prefix"]
    list_select_related = ["user"]
    fields = list_display
    readonly_fields = list_display
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Revoke the selected tokens"), permissions=["delete"])
    def revoke(self, request, queryset):
        at = timezone.now()
        tokens = list(queryset.filter(revoked_at__isnull=True))
        for token in tokens:
            api_token_revoke(token=token, at=at)
        self.message_user(request, ngettext("%(count)d token is revoked.",
                                            "%(count)d tokens are revoked.", len(tokens))
                          % {"count": len(tokens)}, messages.SUCCESS)
