"""The admin of the place side, one module per topic; Django's autodiscovery imports this package,
which registers each module's ModelAdmins by importing it."""

from broedplaats.admin import accounts, matching, places, privacy  # noqa: F401
