"""API fields the value chain's serializers share with the place side's."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


@extend_schema_field(OpenApiTypes.BINARY)
class UploadField(serializers.FileField):
    """A file sent in a multipart body: a binary string in the schema (drf-spectacular types a
    plain FileField as the URL it is read back as)."""
