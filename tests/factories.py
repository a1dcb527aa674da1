"""factory-boy factories for the whole domain. Rules are exercised through services;
factories only build valid rows quickly."""

from datetime import date
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from broedplaats.models import (
    Building,
    City,
    ClusterType,
    Facility,
    OperatorKind,
    Policy,
    PolicyRentCap,
    Space,
    SpaceKind,
    Tenancy,
)
from chains.models import Chain, Creative, Discipline, Stage, StageCode, StageMove

STAGE_ORDER = {StageCode.IDEA: 1, StageCode.MAKING: 2, StageCode.DISTRIBUTION: 3}


def stage(code: str) -> Stage:
    """The Stage row for a code (migrations create them; transactional tests flush them)."""
    return Stage.objects.get_or_create(code=code, defaults={"order": STAGE_ORDER[code]})[0]


def facility(code: str) -> Facility:
    return Facility.objects.get_or_create(code=code)[0]


def group(name: str) -> Group:
    return Group.objects.get_or_create(name=name)[0]


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("pass-word-123")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for name in extracted or ():
            self.groups.add(group(name))


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = City
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"City {n}")
    slug = factory.Sequence(lambda n: f"city-{n}")


class PolicyFactory(factory.django.DjangoModelFactory):
    """A policy from 2020 on, studio cap €90/m²/yr, 24-month term, one tenancy at a time."""

    class Meta:
        model = Policy
        skip_postgeneration_save = True

    city = factory.SubFactory(CityFactory)
    valid_from = date(2020, 1, 1)
    valid_to = None
    income_limit = Decimal("38150.00")
    standard_term_months = 24
    max_renewals = 2
    screening_validity_months = 12
    max_tenancies_per_creative = 1

    @factory.post_generation
    def caps(self, create, extracted, **kwargs):
        caps = extracted if extracted is not None else {SpaceKind.STUDIO: Decimal("90.00")}
        for kind, cap in caps.items():
            PolicyRentCap.objects.create(policy=self, space_kind=kind, max_rent_per_m2_year=cap)


class ChainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Chain
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Keten {n}")
    name_en = factory.Sequence(lambda n: f"Chain {n}")
    slug = factory.Sequence(lambda n: f"chain-{n}")


class DisciplineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Discipline
        django_get_or_create = ("slug",)

    chain = factory.SubFactory(ChainFactory)
    name = factory.Sequence(lambda n: f"Discipline {n}")
    slug = factory.Sequence(lambda n: f"discipline-{n}")


class BuildingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Building
        skip_postgeneration_save = True

    city = factory.SubFactory(CityFactory)
    name = factory.Sequence(lambda n: f"Building {n}")
    slug = factory.Sequence(lambda n: f"building-{n}")
    address = factory.Sequence(lambda n: f"Werkstraat {n + 1}")
    postcode = "1012 AB"
    operator_name = "Stichting Ateliers"
    operator_kind = OperatorKind.FOUNDATION
    cluster_type = ClusterType.MIXED

    @factory.post_generation
    def chains(self, create, extracted, **kwargs):
        if extracted:
            self.chain_focus.set(extracted)

    @factory.post_generation
    def programmers(self, create, extracted, **kwargs):
        if extracted:
            self.programmers.set(extracted)


class SpaceFactory(factory.django.DjangoModelFactory):
    """A 40 m² studio at €250 a month (€75/m²/yr, under the default cap)."""

    class Meta:
        model = Space
        skip_postgeneration_save = True

    building = factory.SubFactory(BuildingFactory)
    code = factory.Sequence(lambda n: f"A{n:03d}")
    kind = SpaceKind.STUDIO
    area_m2 = Decimal("40.00")
    monthly_rent = Decimal("250.00")

    @factory.post_generation
    def stages(self, create, extracted, **kwargs):
        if extracted:
            self.stages.set(extracted)

    @factory.post_generation
    def facilities(self, create, extracted, **kwargs):
        if extracted:
            self.facilities.set(extracted)


class CreativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Creative

    name = factory.Sequence(lambda n: f"Maker {n}")
    discipline = factory.SubFactory(DisciplineFactory)
    email = factory.Sequence(lambda n: f"maker{n}@example.org")


class TenancyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenancy

    space = factory.SubFactory(SpaceFactory)
    creative = factory.SubFactory(CreativeFactory)
    start = date(2024, 1, 1)
    planned_end = date(2026, 1, 1)
    monthly_rent = factory.LazyAttribute(lambda t: t.space.monthly_rent)


class StageMoveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StageMove

    creative = factory.SubFactory(CreativeFactory)
    to_stage = factory.LazyFunction(lambda: stage(StageCode.IDEA))
    moved_on = date(2022, 1, 1)
