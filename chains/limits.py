"""How much a person may enter: the most characters of each free text, the range of each number.

One place per app (the place side's are in broedplaats.limits). The models' validators read
these, so full_clean() refuses the same input in every service, hence on the pages, in the API
and in the admin; the pages' forms and the API's input fields read them too, so the browser and
the first form refuse first. docs/allocation.md ("Text lengths and number ranges") lists them.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import DEFAULT_DB_ALIAS
from django.db.models import CheckConstraint, Q


@dataclass(frozen=True)
class Range:
    """The lowest and the highest value a number may take, both allowed."""

    low: int | Decimal
    high: int | Decimal

    def validators(self) -> list:
        """For a model field: full_clean() refuses a value outside, keyed by the field."""
        return [MinValueValidator(self.low), MaxValueValidator(self.high)]

    @property
    def bounds(self) -> dict:
        """`min_value` and `max_value` for a form or serializer field (the browser gets them as
        the input's min and max)."""
        return {"min_value": self.low, "max_value": self.high}

    def check(self, field: str) -> Q:
        """For the database: `field` lies within the range, both ends allowed. NULL passes,
        as an empty field skips its validators."""
        return Q(**{f"{field}__gte": self.low}) & Q(**{f"{field}__lte": self.high})


class RangeCheck(CheckConstraint):
    """The database's copy of a field's range, made from the same `Range` as its validators.

    The database refuses what never passes full_clean(): an update(), a bulk_create(), a
    script. full_clean() does not ask the database again: the field's validators refuse the
    same values first, with the message beside the field (tests/test_check_constraints.py
    proves both read the same bounds)."""

    def validate(self, model, instance, exclude=None, using=DEFAULT_DB_ALIAS):
        return None


def range_checks(prefix: str, **fields: Range) -> list[RangeCheck]:
    """One RangeCheck per field, named `<prefix>_<field>_range`, for a model's Meta.constraints
    beside the `validators=RANGE.validators()` of the same fields."""
    return [RangeCheck(condition=allowed.check(field), name=f"{prefix}_{field}_range")
            for field, allowed in fields.items()]


def at_most(characters: int) -> dict:
    """The validators of a model TextField of at most so many characters: full_clean() checks
    them, and ModelForms (the admin) and ModelSerializers pick them up.

    No `max_length` on the TextField itself: it would only size the admin's textarea, and
    SQLite rebuilds a whole table to change it."""
    return {"validators": [MaxLengthValidator(characters)]}


# --- texts (characters) ------------------------------------------------------------------------
BIO = 5_000  # about two pages: a statement and a short CV
STAGE_MOVE_NOTE = 1_000  # a line or two on why a creative moved on
CHAIN_DESCRIPTION = 5_000  # reference data, written in the admin
CHAIN_STAGE_DESCRIPTION = 2_000

# --- numbers -----------------------------------------------------------------------------------
STAGE_ORDER = Range(1, 99)  # idea 1, making 2, distribution 3; room for more
