"""A building's audit history: every change to the building and its records, newest first,
each with who, when, which object and what changed (field: old → new).

One query lists the page's changes from all the historical tables at once (a UNION); the
page's rows, the versions before them, their many-to-many rows and the objects their foreign
keys name are then read a fixed number of queries per kind of record, never one a row.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import CharField, OuterRef, Q, Subquery, Value
from django.utils import formats, timezone
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext as _
from simple_history.utils import get_m2m_reverse_field_name

from broedplaats.models import (
    Application,
    Building,
    Call,
    Offer,
    Policy,
    Screening,
    Space,
    Tenancy,
)
from chains.formatting import short_date
from chains.models import StageMove

HISTORY_PER_PAGE = 24
TEXT_SHOWN = 160  # characters of a long text shown in a change

# The kinds of record a building's history lists, by a short key the UNION carries.
KINDS: dict[str, type[models.Model]] = {
    "building": Building, "space": Space, "call": Call, "application": Application,
    "offer": Offer, "screening": Screening, "tenancy": Tenancy, "stagemove": StageMove,
}
# What each kind's rows read along, to name their object without a query of its own.
ALONG: dict[str, tuple[str, ...]] = {
    "application": ("creative", "call"), "offer": ("space", "application__creative"),
    "screening": ("creative",), "tenancy": ("space", "creative"),
    "stagemove": ("creative", "to_stage"),
}
# The same for the objects a changed foreign key names (their __str__ reads these).
RELATED_ALONG: dict[type[models.Model], tuple[str, ...]] = {
    Space: ("building",), Tenancy: ("space__building", "creative"),
    Application: ("creative", "call", "building"),
    Offer: ("space__building", "application__creative"),
    Policy: ("city",),
}


@dataclass
class Change:
    """One field of a record, before and after."""

    field: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    """One change to one record: when, who, which record, how and what."""

    at: datetime
    who: str
    kind: str
    label: str
    action: str  # "created", "changed" or "deleted", in words
    reason: str = ""
    changes: list[Change] = field(default_factory=list)


def _scopes(building: Building) -> dict[str, models.QuerySet]:
    """Each kind's historical rows that belong to the building."""
    spaces = Space.objects.filter(building=building).values("pk")
    applicants = Application.objects.filter(building=building).values("creative_id")
    return {
        "building": Building.history.filter(id=building.pk),
        "space": Space.history.filter(building_id=building.pk),
        "call": Call.history.filter(building_id=building.pk),
        "application": Application.history.filter(building_id=building.pk),
        "offer": Offer.history.filter(space_id__in=spaces),
        # The applicants' screenings in the building's city: what its programmers decide on.
        "screening": Screening.history.filter(city_id=building.city_id,
                                              creative_id__in=applicants),
        "tenancy": Tenancy.history.filter(space_id__in=spaces),
        "stagemove": StageMove.history.filter(building_id=building.pk),
    }


def building_history(building: Building) -> models.QuerySet:
    """The building's changes of every kind as one queryset of (record_kind, history_id,
    history_date), newest first: page it, then read a page with `history_entries`."""
    parts = [
        scope.order_by().annotate(record_kind=Value(kind, output_field=CharField()))
        .values("record_kind", "history_id", "history_date")
        for kind, scope in _scopes(building).items()
    ]
    return parts[0].union(*parts[1:], all=True).order_by("-history_date", "-history_id",
                                                       "record_kind")


def history_entries(rows) -> list[HistoryEntry]:
    """The page's changes in full, in the page's order: a fixed number of queries per kind on
    the page (its rows, the versions before them, their many-to-many rows) and one per kind of
    object a changed foreign key names."""
    rows = list(rows)
    ids_of: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        ids_of[row["record_kind"]].append(row["history_id"])
    records, previous = {}, {}
    for kind, ids in ids_of.items():
        history = KINDS[kind].history.model
        before = history.objects.filter(id=OuterRef("id")).filter(
            Q(history_date__lt=OuterRef("history_date"))
            | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id"))
        ).order_by("-history_date", "-history_id").values("history_id")[:1]
        found = (history.objects.filter(history_id__in=ids)
                 .select_related("history_user", *ALONG.get(kind, ()))
                 .annotate(previous_id=Subquery(before)))
        records.update({(kind, record.history_id): record for record in found})
        earlier = [record.previous_id for record in found if record.previous_id is not None]
        previous.update({(kind, record.history_id): record
                         for record in history.objects.filter(history_id__in=earlier)})
    m2m = _m2m_rows(records, previous)
    changes = {key: _changes(record, previous.get((key[0], record.previous_id)), m2m)
               for key, record in records.items()}
    names = _related_names(changes)
    entries = []
    for row in rows:
        key = (row["record_kind"], row["history_id"])
        record = records[key]
        entries.append(HistoryEntry(
            at=record.history_date, who=_user_name(record.history_user), kind=_kind_name(key[0]),
            label=_label(key[0], record), action=_action(record.history_type),
            reason=record.history_change_reason or "",
            changes=[Change(name, _shown(value_field, old, names),
                            _shown(value_field, new, names))
                     for name, value_field, old, new in changes[key]]))
    return entries


def _m2m_rows(records: dict, previous: dict) -> dict:
    """{(history model, field name, history_id): set of ids} for the tracked many-to-many
    fields of the page's rows and the versions before them: one query per field."""
    found = {}
    by_model = defaultdict(list)
    for record in [*records.values(), *previous.values()]:
        by_model[type(record)].append(record.history_id)
    for history, ids in by_model.items():
        for m2m_field in history._history_m2m_fields:
            target = get_m2m_reverse_field_name(m2m_field)
            rows = getattr(history, m2m_field.name).model.objects.filter(history_id__in=ids)
            sets = defaultdict(set)
            for history_id, target_id in rows.values_list("history_id", f"{target}_id"):
                sets[history_id].add(target_id)
            for history_id in ids:
                found[(history, m2m_field.name, history_id)] = sets[history_id]
    return found


def _changes(record, before, m2m) -> list[tuple]:
    """(field name in words, model field, old, new) of what a version changed; nothing for a
    created or deleted record, or a change whose version before is not kept."""
    if before is None or record.history_type != "~":
        return []
    m2m_names = [m2m_field.name for m2m_field in record._history_m2m_fields]
    delta = record.diff_against(before, excluded_fields=m2m_names)
    model = record.instance_type
    found = [(capfirst(str(model._meta.get_field(change.field).verbose_name)),
              model._meta.get_field(change.field), change.old, change.new)
             for change in delta.changes]
    for name in m2m_names:
        old = m2m[(type(record), name, before.history_id)]
        new = m2m[(type(record), name, record.history_id)]
        if old != new:
            model_field = model._meta.get_field(name)
            found.append((capfirst(str(model_field.verbose_name)), model_field, old, new))
    return found


def _related_names(changes: dict) -> dict:
    """{(model, pk): name} of every object a changed foreign key or many-to-many field names:
    one query per model."""
    wanted = defaultdict(set)
    for found in changes.values():
        for _name, model_field, old, new in found:
            if model_field.is_relation:
                for value in (old, new):
                    ids = value if isinstance(value, set) else {value}
                    wanted[model_field.related_model].update(ids - {None})
    names = {}
    for model, ids in wanted.items():
        rows = model._base_manager.filter(pk__in=ids).select_related(
            *RELATED_ALONG.get(model, ()))
        for row in rows:
            names[(model, row.pk)] = (_user_name(row) if model is get_user_model()
                                      else str(row))
    return names


def _shown(model_field, value, names) -> str:
    """A value as the page shows it, in the user's language."""
    if model_field.is_relation:
        ids = value if isinstance(value, set) else {value} - {None}
        shown = sorted(names.get((model_field.related_model, pk), f"#{pk}") for pk in ids)
        return ", ".join(shown) or "–"
    if value is None or value == "":
        return "–"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(value, date):
        return short_date(value)
    if isinstance(value, Decimal):
        return formats.number_format(value, use_l10n=True)
    return Truncator(str(value)).chars(TEXT_SHOWN)


def _user_name(user) -> str:
    if user is None:
        return _("the system")
    return user.get_full_name() or user.get_username()


def _kind_name(kind: str) -> str:
    return str(KINDS[kind]._meta.verbose_name).capitalize()


def _label(kind: str, record) -> str:
    """Which record, named from the version and what it read along (no query)."""
    if kind == "building":
        return record.name
    if kind == "space":
        return record.code
    if kind == "call":
        return record.title
    if kind == "offer":
        return f"{_code(record.space)} → {_name(record.application, 'creative')}"
    if kind == "tenancy":
        return f"{_code(record.space)}: {_name(record, 'creative')} ({short_date(record.start)})"
    if kind == "application":
        target = record.call.title if record.call else _("candidate list")
        return f"{_name(record, 'creative')} → {target}"
    return _name(record, "creative")


def _code(space) -> str:
    return space.code if space is not None else "–"


def _name(record, relation: str) -> str:
    related = getattr(record, relation, None) if record is not None else None
    return related.name if related is not None else "–"


def _action(history_type: str) -> str:
    return {"+": _("created"), "~": _("changed"), "-": _("deleted")}[history_type]
