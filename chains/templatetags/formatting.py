"""`{% load formatting %}{{ space.monthly_rent|money }}`: "€ 1.234,56" in Dutch, "€1,234.56"
in English (chains.formatting.money). Dates need no tag: `|date` (sentences) and
`|date:"SHORT_DATE_FORMAT"` (tables)."""

from django import template

from chains import formatting

register = template.Library()


@register.filter
def money(amount) -> str:
    """An amount in euros, "–" for none."""
    if amount is None or amount == "":
        return "–"
    return formatting.money(amount)
