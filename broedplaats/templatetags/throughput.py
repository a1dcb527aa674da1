"""Formatting of the dashboards' cells: one place decides how a count, a share, a number of
days or m², a month or a suppressed value reads, in the user's language (Dutch: 1.234,5)."""

from datetime import date

from django import template
from django.utils import formats
from django.utils.translation import gettext as _

from broedplaats.selectors.throughput import SMALL, Kind

register = template.Library()

DECIMALS = {Kind.SHARE: 1, Kind.DAYS: 0, Kind.AREA: 0, Kind.HOURS: 1, Kind.RATIO: 1,
            Kind.PEOPLE: 0, Kind.COUNT: 0}


def format_cell(value, kind: str, key: str = "") -> str:
    if value is None:
        return "–"
    if value == SMALL:
        return SMALL
    if isinstance(value, date):
        # A table cell: the short date of the language, as in every other table.
        return formats.date_format(value, "YEAR_MONTH_FORMAT" if key == "month"
                                   else "SHORT_DATE_FORMAT")
    if kind == Kind.TEXT or isinstance(value, str):
        return str(value)
    number = formats.number_format(value, DECIMALS.get(kind, 0), use_l10n=True,
                                   force_grouping=True)
    if kind == Kind.SHARE:
        return f"{number}%"
    if kind == Kind.AREA:
        return f"{number} m²"
    if kind == Kind.HOURS:
        return _("%(n)s h") % {"n": number}
    return number


@register.simple_tag
def cell(row: dict, column) -> str:
    """A row's value for a column, formatted by its kind (a 'mixed' column: the row's kind)."""
    kind = row.get("unit", Kind.COUNT) if column.kind == Kind.MIXED else column.kind
    return format_cell(row.get(column.key), kind, column.key)


@register.filter
def is_number_column(column) -> bool:
    return column.kind not in (Kind.TEXT, Kind.DATE)


@register.filter
def missing_filters(applied) -> list[str]:
    """The names of the filters a figure does not take."""
    from broedplaats.selectors.throughput import ALL_FILTERS, FILTER_LABELS

    return [str(FILTER_LABELS[name]) for name in sorted(ALL_FILTERS - set(applied))]


@register.simple_tag
def figure_value(value, kind: str) -> str:
    return format_cell(value, kind)


@register.simple_tag
def people(value, suppressed: bool) -> str:
    """A count of people, "< 5" from 1 to 4 where suppressed."""
    from broedplaats.selectors.throughput import SMALL, THRESHOLD

    if suppressed and value and 0 < value < THRESHOLD:
        return SMALL
    return format_cell(value, Kind.PEOPLE)
