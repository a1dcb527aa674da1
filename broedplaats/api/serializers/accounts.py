"""A user's personal API tokens over the API: what goes in to make one, what comes out."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from broedplaats.models import ApiToken


class TokenOutput(serializers.ModelSerializer):
    """A token as its owner sees it afterwards: never its key."""

    state = serializers.SerializerMethodField(help_text=_("active, expired or revoked, today."))

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "expires_on", "last_used_at",
                  "revoked_at", "state"]

    def get_state(self, token) -> str:
        return token.state_on(self.context["on"])


class TokenCreatedOutput(serializers.ModelSerializer):
    """A token just made, with its key: shown this once, never again."""

    token = serializers.CharField(
        source="key", read_only=True,
        help_text=_("The key: send it as “Authorization: Token <key>”. Shown only now."))

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "token", "created_at", "expires_on"]


class TokenLoginInput(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False,
                                     style={"input_type": "password"})
    name = serializers.CharField(max_length=ApiToken._meta.get_field("name").max_length,
                                 help_text=_("What the token is for, e.g. the script that "
                                             "uses it."))
    expires_on = serializers.DateField(
        help_text=_("From this day on the token is refused; within a year from today."))
