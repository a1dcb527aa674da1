from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BroedplaatsConfig(AppConfig):
    name = "broedplaats"
    verbose_name = _("Broedplaatsen")
