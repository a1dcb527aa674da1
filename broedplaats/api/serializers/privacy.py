"""What goes in to erase one's own account over the API."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class ErasureInput(serializers.Serializer):
    password = serializers.CharField(
        write_only=True, trim_whitespace=False, max_length=4096,
        help_text=_("Your password: a token alone does not erase an account."))
