"""How a date or an amount of money reads in the user's language, for messages, mails and pages.

One place for both apps (it sits in chains, the app both may import): Dutch "1 januari 2027",
"1-1-2027" and "€ 1.234,56"; English "January 1, 2027", "Jan 1, 2027" and "€1,234.56". The
date formats are Django's per language (DATE_FORMAT in sentences, SHORT_DATE_FORMAT in tables),
with the English ones set in broedplaats/formats/en/formats.py (FORMAT_MODULE_PATH). Machine
output (the API, CSV cells, stored JSON) stays ISO: docs/development.md, "Formats".
"""

from datetime import date
from decimal import Decimal

from django.utils import formats
from django.utils.translation import get_language


def long_date(value: date) -> str:
    """A date in a sentence: "1 januari 2027" (Dutch), "January 1, 2027" (English)."""
    return formats.date_format(value, "DATE_FORMAT")


def short_date(value: date) -> str:
    """A date in a table cell: "1-1-2027" (Dutch), "Jan 1, 2027" (English)."""
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def money(amount: Decimal | int | float | str) -> str:
    """An amount in euros with cents and thousands grouped: "€ 1.234,56" (Dutch, with a
    space), "€1,234.56" (English, without)."""
    # Through str: Decimal(1234.56) of a float is 1234.5599..., which would show 1.234,55.
    number = formats.number_format(Decimal(str(amount)), 2, use_l10n=True, force_grouping=True)
    if (get_language() or "nl").startswith("en"):
        return f"€{number}"
    return f"€ {number}"
