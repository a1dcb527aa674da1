"""Serializers of the API, one module per topic (the same names as services/)."""
