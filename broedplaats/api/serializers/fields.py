"""Input fields that take exactly what the schema says they take."""

from rest_framework import serializers


class StrictCharField(serializers.CharField):
    """Text, and only text. DRF's CharField also takes a number and reads 0 as "0", where the
    schema types the field a string: a client sending a number has made a mistake, and is
    told so (400) instead of having it stored as text."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)
