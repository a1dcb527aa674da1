"""Every numeric and range rule the models' validators and the forms check is a check
constraint too, so an update(), a bulk_create() or a script cannot store what a form refuses.

The meta-tests walk the models: each field with a MinValueValidator or MaxValueValidator has
a check constraint with the same bound, and each ordered pair of fields (a minimum and its
maximum, a start and its end) has one that orders them. The other tests write past each
bound with update(), which skips every validator, and the database refuses it.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q

from broedplaats.history import is_history_model
from broedplaats.models import (
    AllocationRound,
    Application,
    ApplicationChoice,
    Call,
    CommitteeCriterion,
    CommitteeScore,
    FitWeights,
    Offer,
    Pathway,
    Policy,
    Screening,
    SocialReturn,
    Space,
    StageSpell,
    Tenancy,
)
from chains.limits import RangeCheck, range_checks
from tests.factories import (
    BuildingFactory,
    ChainFactory,
    CreativeFactory,
    PolicyFactory,
    SpaceFactory,
    TenancyFactory,
    UserFactory,
    stage,
)

APPS = ("broedplaats", "chains")


def _leaves(condition: Q):
    for child in condition.children:
        if isinstance(child, Q):
            yield from _leaves(child)
        else:
            yield child


def _checks(model) -> dict[tuple, str]:
    """(lookup, value) of every leaf of the model's check constraints, with the constraint."""
    return {leaf: constraint.name for constraint in model._meta.constraints
            if isinstance(constraint, models.CheckConstraint)
            for leaf in _leaves(constraint.condition)}


def bounded_fields() -> list[tuple]:
    """(model, field, lookup, bound) of every bound a field's validators set."""
    found = []
    for label in APPS:
        # Not the audit history's copies: they hold what the constrained rows held.
        for model in apps.get_app_config(label).get_models():
            if is_history_model(model):
                continue
            for field in model._meta.concrete_fields:
                # The declared validators: `validators` adds the column type's own range.
                for validator in field._validators:
                    if isinstance(validator, MinValueValidator):
                        found.append((model, field, "gte", validator.limit_value))
                    elif isinstance(validator, MaxValueValidator):
                        found.append((model, field, "lte", validator.limit_value))
    return found


BOUNDS = bounded_fields()


def _id(row):
    model, field, lookup, bound = row
    return f"{model.__name__}.{field.name}__{lookup}={bound}"


def test_the_walk_finds_the_ranged_fields_of_both_apps():
    names = {f"{model.__name__}.{field.name}" for model, field, _, _ in BOUNDS}
    assert len(names) >= 30
    assert {"Policy.income_limit", "Application.max_rent", "Application.min_area_m2",
            "Space.area_m2", "FitWeights.stage", "Stage.order"} <= names


@pytest.mark.parametrize("row", BOUNDS, ids=[_id(row) for row in BOUNDS])
def test_every_validated_bound_is_a_check_constraint(row):
    model, field, lookup, bound = row
    assert (f"{field.name}__{lookup}", bound) in _checks(model), (
        f"{model.__name__}.{field.name}: no check constraint holds {lookup} {bound}; add "
        "limits.range_checks(...) to its Meta.constraints")


# (model, lower field, higher field, may they be equal, the constraint): every order a form
# or a service checks between two fields (read from the forms, services and models).
PAIRS = [
    (Policy, "valid_from", "valid_to", True, "policy_valid_to_after_from"),
    (Application, "min_area_m2", "max_area_m2", True, "application_area_range"),
    (Call, "opens_on", "closes_on", True, "call_closes_after_opening"),
    (Offer, "offered_on", "reply_by", True, "offer_reply_after_offer"),
    (Offer, "reply_by", "start", True, "offer_reply_before_start"),
    (Tenancy, "start", "planned_end", False, "tenancy_planned_end_after_start"),
    (Tenancy, "start", "actual_end", True, "tenancy_actual_end_not_before_start"),
    (Screening, "decided_on", "valid_until", False, "screening_valid_after_decision"),
    (AllocationRound, "reply_by", "start", True, "round_reply_before_start"),
    (Space, "let_from", "let_until", False, "space_let_period_whole"),
    (StageSpell, "started_on", "ended_on", True, "stagespell_ends_after_start"),
]


@pytest.mark.parametrize("pair", PAIRS, ids=[f"{p[0].__name__}.{p[1]}<{p[2]}" for p in PAIRS])
def test_every_ordered_pair_is_a_check_constraint(pair):
    model, low, high, equal, name = pair
    wanted = ({(f"{high}__gte", F(low)), (f"{low}__lte", F(high))} if equal
              else {(f"{high}__gt", F(low)), (f"{low}__lt", F(high))})
    found = {leaf for leaf, constraint in _checks(model).items() if constraint == name}
    assert wanted & found, f"{name} does not order {model.__name__}.{low} before {high}"


def test_a_range_check_reads_its_bounds_from_the_range():
    from broedplaats import limits

    [check] = range_checks("space", area_m2=limits.AREA_M2)
    assert isinstance(check, RangeCheck)
    assert check.name == "space_area_m2_range"
    assert check.condition == Q(area_m2__gte=Decimal("1")) & Q(area_m2__lte=Decimal("10000"))


# --- the database refuses ---------------------------------------------------------------------

@pytest.fixture
def rows(db):
    """One row of every model with a ranged field or an ordered pair, each field free to
    move on its own: optional wishes empty, so only the constraint under test can fail."""
    policy = PolicyFactory()
    building = BuildingFactory(city=policy.city, latitude=Decimal("52.37"),
                               longitude=Decimal("4.89"))
    space = SpaceFactory(building=building)
    tenancy = TenancyFactory(space=space)
    creative = CreativeFactory()
    call = Call.objects.create(building=building, title="Ateliers", opens_on=date(2026, 1, 1),
                               closes_on=date(2026, 2, 1))
    application = Application.objects.create(creative=creative, building=building, call=call)
    criterion = CommitteeCriterion.objects.create(call=call, name="Plan")
    member = UserFactory()
    on = date(2026, 3, 1)
    return {
        "city": policy.city,
        "policy": policy,
        "policyrentcap": policy.rent_caps.get(),
        "building": building,
        "space": space,
        "tenancy": tenancy,
        "call": call,
        "application": application,
        "offer": Offer.objects.create(application=application, space=space, offered_on=on,
                                      reply_by=on + timedelta(days=7),
                                      start=on + timedelta(days=14)),
        "screening": Screening.objects.create(
            creative=creative, city=policy.city, professional_practice=True,
            income_within_limit=True, eligible=True, decided_on=on,
            valid_until=on + timedelta(days=365)),
        "socialreturn": SocialReturn.objects.create(tenancy=tenancy, kind="workshop", on=on,
                                                    hours=Decimal("2")),
        "fitweights": FitWeights.objects.create(city=policy.city),
        "applicationchoice": ApplicationChoice.objects.create(application=application,
                                                              space=space, rank=1),
        "committeescore": CommitteeScore.objects.create(criterion=criterion,
                                                        application=application,
                                                        member=member, score=5),
        "allocationround": AllocationRound.objects.create(city=policy.city, method="lottery",
                                                          seed=1, start=on, reply_by=on),
        "pathway": Pathway.objects.create(city=policy.city, chain=ChainFactory(), name="Route"),
        "stage": stage("idea"),
        "stagespell": StageSpell.objects.create(
            creative=creative, chain=creative.discipline.chain, discipline=creative.discipline,
            stage=stage("idea"), stage_order=1, started_on=on),
    }


def _past(field, lookup, bound):
    """The nearest value past a bound that the column can still hold."""
    step = Decimal(1).scaleb(-field.decimal_places) if isinstance(
        field, models.DecimalField) else 1
    return bound - step if lookup == "gte" else bound + step


POSITIVE = (models.PositiveBigIntegerField, models.PositiveIntegerField,
            models.PositiveSmallIntegerField)


def _refused(model, pk, **values) -> str:
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        model.objects.filter(pk=pk).update(**values)
    return str(error.value)


@pytest.mark.parametrize("row", BOUNDS, ids=[_id(row) for row in BOUNDS])
def test_the_database_refuses_a_value_past_each_bound(rows, row):
    model, field, lookup, bound = row
    if isinstance(field, models.BigIntegerField) and bound == 2**63 - 1:
        pytest.skip("the column's type holds no larger number")
    instance = rows[model._meta.model_name]
    value = _past(field, lookup, bound)
    message = _refused(model, instance.pk, **{field.attname: value})
    constraint = _checks(model)[(f"{field.name}__{lookup}", bound)]
    # A positive integer column refuses a negative number with its own check too.
    if not (value < 0 and isinstance(field, POSITIVE)):
        assert constraint in message, message
    # The row is untouched, and the bound itself is allowed.
    model.objects.filter(pk=instance.pk).update(**{field.attname: bound})


@pytest.mark.parametrize("pair", PAIRS, ids=[f"{p[0].__name__}.{p[1]}<{p[2]}" for p in PAIRS])
def test_the_database_refuses_a_pair_out_of_order(rows, pair):
    model, low, high, equal, name = pair
    instance = rows[model._meta.model_name]
    first = getattr(instance, low)
    if first is None:  # an empty minimum: give it one (and its other end) to compare
        first = Decimal("20") if low == "min_area_m2" else date(2026, 3, 1)
    if isinstance(first, Decimal):
        before = first - (0 if not equal else Decimal("0.01"))
    else:
        before = first - timedelta(days=0 if not equal else 1)
    values = {low: first, high: before}
    if high == "actual_end":
        values["end_reason"] = "other"  # an ended tenancy has a reason (its own constraint)
    message = _refused(model, instance.pk, **values)
    assert name in message, message


def test_the_database_refuses_the_examples_of_the_issue(rows):
    """A negative income limit in a policy, a negative maximum rent or minimum area in an
    application, and a minimum above the maximum."""
    policy, application = rows["policy"], rows["application"]
    assert "policy_income_limit_range" in _refused(Policy, policy.pk, income_limit=-1)
    assert "application_max_rent_range" in _refused(Application, application.pk, max_rent=-1)
    assert "application_min_area_m2_range" in _refused(Application, application.pk,
                                                       min_area_m2=-1)
    assert "application_area_range" in _refused(Application, application.pk,
                                                min_area_m2=50, max_area_m2=20)


def test_full_clean_reports_a_range_beside_the_field_without_asking_the_database(
        rows, django_assert_num_queries):
    """The field's validators say it; the RangeCheck does not query to say it again."""
    from django.core.exceptions import ValidationError

    space = rows["space"]
    space.area_m2 = Decimal("0.5")
    with pytest.raises(ValidationError) as error:
        space.full_clean(exclude={"building"}, validate_unique=False)
    assert set(error.value.message_dict) == {"area_m2"}
    space.area_m2 = Decimal("20")
    with django_assert_num_queries(0):
        for constraint in Space._meta.constraints:
            if isinstance(constraint, RangeCheck):
                constraint.validate(Space, space)
