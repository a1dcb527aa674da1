"""FilterSets for the value chain, shared by the pages and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chains.models import Chain, Discipline


def _search_names(queryset, name, value: str):
    """Rows whose Dutch or English name contains the text."""
    return queryset.filter(Q(name__icontains=value) | Q(name_en__icontains=value))


class ChainFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method=_search_names, label=_("Search"))

    class Meta:
        model = Chain
        fields = []


class DisciplineFilter(django_filters.FilterSet):
    chain = django_filters.ModelChoiceFilter(
        queryset=Chain.objects.all(), to_field_name="slug", label=_("Chain"),
    )
    search = django_filters.CharFilter(method=_search_names, label=_("Search"))

    class Meta:
        model = Discipline
        fields = []
