"""The entry points: build the demo unit by unit, count, flush, and the demo logins."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from time import perf_counter

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AbstractBaseUser, Group
from django.db import connection, reset_queries, transaction
from django.db.models import Model

from broedplaats.history import TRACKED_MODELS
from broedplaats.models import (
    AllocationRound,
    ApplicantNote,
    Application,
    ApplicationChoice,
    ApplicationEvent,
    Building,
    Call,
    City,
    CommitteeCriterion,
    CommitteeScore,
    Facility,
    FacilityCode,
    FitWeights,
    Offer,
    Pathway,
    PathwayStep,
    Policy,
    PolicyRentCap,
    RoundChange,
    RoundEntry,
    Screening,
    SocialReturn,
    Space,
    SpacePhoto,
    Tenancy,
)
from broedplaats.services import policy_create, space_let_refresh
from chains.models import (
    Chain,
    ChainStage,
    Creative,
    CreativeKind,
    Discipline,
    PortfolioImage,
    Stage,
    StageMove,
)

from .buildings import assign_habits, plan_buildings, plan_spaces
from .calls import open_calls
from .careers import CreativePlan, plan_creatives
from .matching import matching_demo
from .records import plan_records
from .reference import (
    BATCH_SIZE,
    CHAINS,
    CITIES,
    DEFAULT_SEED,
    DEMO_PASSWORD,
    DEMO_USERS,
    EARLIEST_TODAY,
    FLUSHED_USERNAMES,
    SCALE_ONE_CITIES,
    STAGE_ORDER,
    CitySpec,
    DemoUser,
)
from .simulation import Simulation, UnitPlan
from .writing import Refs, Writer, write_unit


def plan_unit(*, seed: int, unit: int, cities: dict[str, CitySpec],
              disciplines: list[tuple[int, str, str]], kvk_taken: set[str], today: int) -> UnitPlan:
    """Plan one unit in plain Python: buildings, spaces, creatives, the simulation up to
    `today`, and the records it leaves."""
    rng = random.Random(seed * 1_000_003 + unit)
    buildings = plan_buildings(rng, unit, cities, today)
    spaces = plan_spaces(rng, unit, buildings, today)
    assign_habits(random.Random(f"habits {seed} {unit}"), buildings)
    creatives = plan_creatives(rng, spaces, disciplines, kvk_taken, today)
    plan = UnitPlan(index=unit, buildings=buildings, spaces=spaces, creatives=creatives)
    Simulation(plan, rng, today).run()
    plan_records(plan, rng, today)
    return plan


def _reference_data(*, extra_cities: bool) -> Refs:
    """Stages and facilities (from the migrations), chains, disciplines, cities and policies
    (through `policy_create`, only for a city that has none yet)."""
    stages = {}
    for code, order in STAGE_ORDER.items():
        stages[code] = Stage.objects.get_or_create(code=code, defaults={"order": order})[0].pk
    facilities = {code: Facility.objects.get_or_create(code=code)[0].pk for code in FacilityCode.values}
    chains, disciplines = {}, []
    for spec in CHAINS:
        chain, _ = Chain.objects.update_or_create(
            slug=spec.slug,
            defaults={"name": spec.name, "name_en": spec.name_en, "description": spec.description},
        )
        chains[spec.slug] = chain.pk
        for code, text in spec.stages.items():
            ChainStage.objects.update_or_create(chain=chain, stage_id=stages[code],
                                                defaults={"description": text})
        for slug, name, name_en in spec.disciplines:
            discipline, _ = Discipline.objects.update_or_create(
                slug=slug, defaults={"chain": chain, "name": name, "name_en": name_en})
            disciplines.append((discipline.pk, spec.slug, name))
    cities, policies = {}, {}
    for spec in CITIES:
        if spec.slug not in SCALE_ONE_CITIES and not extra_cities:
            continue
        city, _ = City.objects.get_or_create(slug=spec.slug, defaults={"name": spec.name})
        cities[spec.slug] = city
        if not city.policies.exists():
            for policy in spec.policies:
                policy_create(
                    city=city, rent_caps=policy.caps, valid_from=policy.valid_from,
                    valid_to=policy.valid_to, income_limit=policy.income_limit,
                    standard_term_months=policy.standard_term_months,
                    max_renewals=policy.max_renewals,
                    screening_validity_months=policy.screening_validity_months,
                    required_screened_share=policy.required_screened_share,
                    max_tenancies_per_creative=1, source=policy.source,
                )
        for pk, valid_from in city.policies.values_list("pk", "valid_from"):
            policies[spec.slug, valid_from] = pk
    return Refs(stages=stages, facilities=facilities, chains=chains, disciplines=disciplines,
                cities=cities, policies=policies)


def _demo_users(password: str) -> tuple[dict[str, AbstractBaseUser], set[str]]:
    """One user per role, new ones with the (demo-only) password. A user that already exists
    under a demo username keeps its password and rights; its username is returned as kept."""
    User = get_user_model()
    hashed = None
    users, kept = {}, set()
    for demo in DEMO_USERS:
        admin = demo.role == "admin"
        user, created = User.objects.get_or_create(username=demo.username, defaults={
            "email": f"{demo.username}@example.org", "is_staff": admin, "is_superuser": admin})
        if created:
            hashed = hashed or make_password(password)  # hash once: it is the slow part
            user.password = hashed
            user.save(update_fields=["password"])
        else:
            kept.add(demo.username)
        if demo.group:
            user.groups.add(Group.objects.get_or_create(name=demo.group)[0])
        users[demo.role] = user
    return users, kept


def _link_creative_user(plan: UnitPlan, refs: Refs, user) -> Creative | None:
    """Link the demo creative login to a person renting in one of the programmer's buildings."""
    def fit(creative: CreativePlan) -> tuple:
        tenancy = creative.tenancy
        return (
            creative.kind != CreativeKind.PERSON,
            tenancy is None,
            tenancy is None or tenancy.space.building.pk not in refs.programmer_buildings,
            -min(len(creative.timeline), 25),  # a history worth showing, not the longest
        )
    chosen = min(plan.creatives, key=fit)
    creative = Creative.objects.get(pk=chosen.pk)
    creative.user = user
    creative.save(update_fields=["user"])
    first, _, last = chosen.name.partition(" ")
    user.first_name, user.last_name = first[:150], last[:150]
    user.save(update_fields=["first_name", "last_name"])
    return creative


@dataclass
class DemoSummary:
    """What `demo_build` wrote: row counts per table and the time it took."""

    counts: dict[str, int]
    seconds: float
    creative_login: str = ""
    kept_users: set[str] = field(default_factory=set)


def demo_counts() -> dict[str, int]:
    """Row counts of the tables the demo fills."""
    return {
        "cities": City.objects.count(),
        "policies": Policy.objects.count(),
        "rent caps": PolicyRentCap.objects.count(),
        "chains": Chain.objects.count(),
        "stages of chains": ChainStage.objects.count(),
        "disciplines": Discipline.objects.count(),
        "buildings": Building.objects.count(),
        "building chain focus links": Building.chain_focus.through.objects.count(),
        "spaces": Space.objects.count(),
        "space facility links": Space.facilities.through.objects.count(),
        "space stage links": Space.stages.through.objects.count(),
        "creatives": Creative.objects.count(),
        "stage moves": StageMove.objects.count(),
        "tenancies": Tenancy.objects.count(),
        "open calls": Call.objects.count(),
        "applications": Application.objects.count(),
        "application status changes": ApplicationEvent.objects.count(),
        "screenings": Screening.objects.count(),
        "offers": Offer.objects.count(),
        "social return activities": SocialReturn.objects.count(),
        "users": get_user_model().objects.count(),
    }


def demo_is_seeded() -> bool:
    """Whether the database has any building (what `--if-empty` looks at)."""
    return Building.objects.exists()


def demo_has_data() -> bool:
    """Whether building the demo would collide with rows already there."""
    return Building.objects.exists() or Creative.objects.exists()


@transaction.atomic
def demo_build(*, seed: int = DEFAULT_SEED, scale: int = 1, today: date,
               password: str = DEMO_PASSWORD, batch_size: int = BATCH_SIZE,
               progress: Callable[[str], None] | None = None) -> DemoSummary:
    """Build the demo (scale × 12 buildings, 300 spaces, 1,100 creatives) as of `today`, in one
    transaction; the same seed, scale and today give the same data."""
    if scale < 1:
        raise ValueError("scale must be at least 1")
    if today < EARLIEST_TODAY:
        raise ValueError(f"today must be {EARLIEST_TODAY.isoformat()} or later")
    started = perf_counter()
    refs = _reference_data(extra_cities=scale > 1)
    users, kept = _demo_users(password)
    refs.cities["amsterdam"].bureau_members.add(users["city bureau"])
    refs.programmer_id = users["programmer"].pk
    city_specs = {spec.slug: spec for spec in CITIES if spec.slug in refs.cities}
    writer, kvk_taken, linked = Writer(batch_size), set(), None
    today_day = today.toordinal()
    for unit in range(scale):
        plan = plan_unit(seed=seed, unit=unit, cities=city_specs, disciplines=refs.disciplines,
                         kvk_taken=kvk_taken, today=today_day)
        write_unit(plan, refs, writer)
        reset_queries()  # with DEBUG on, Django keeps every (large) INSERT statement otherwise
        if unit == 0:
            writer.flush()
            linked = _link_creative_user(plan, refs, users["creative"])
            first_plan = plan
        if progress and scale > 1 and ((unit + 1) % 10 == 0 or unit + 1 == scale):
            progress(f"  {unit + 1}/{scale} units planned and written "
                     f"({perf_counter() - started:.0f} s)")
    writer.flush()
    open_calls(first_plan, refs, users["programmer"], linked, random.Random(seed * 1_000_003 - 1),
               today)
    matching_demo(users["programmer"], linked, random.Random(seed * 1_000_003 - 2), today)
    # The tenancies were written in bulk, past the services: store every space's let period.
    space_let_refresh(on=today)
    return DemoSummary(counts=demo_counts(), seconds=perf_counter() - started,
                       creative_login=linked.name if linked else "", kept_users=kept)


# The tables `demo_flush` empties with one statement each (`_delete_all`): the big ones, and
# those with an audit history, whose Django `delete()` would write a "deleted" historical row
# for each row it deletes.
DELETED_AT_ONCE = (Application, Tenancy, Space, Creative, Offer, Screening, Call, StageMove,
                   Building, Policy)


def _delete_all(model: type[Model]) -> None:
    """Delete every row of a big table in one statement. Django's `delete()` first loads every
    row to look for related rows, which took 50 of the 60 seconds of flushing `--scale 100`;
    here the rows that would cascade are deleted just before, and `_check_nothing_points_at`
    asks the database whether any other row still points at one that went."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")


def _check_nothing_points_at(models) -> None:
    """Raise IntegrityError if a row of any table still points at a deleted row (the foreign
    keys are checked at the commit otherwise)."""
    tables = set()
    for model in models:
        for relation in model._meta.related_objects:
            tables.add((relation.through if relation.many_to_many else relation.related_model)._meta.db_table)
        tables.update(m2m.remote_field.through._meta.db_table for m2m in model._meta.many_to_many)
    connection.check_constraints(table_names=sorted(tables))


@transaction.atomic
def demo_flush() -> None:
    """Delete the demo data (everything in the tables the demo fills, and the demo users but
    "admin"), children first because most foreign keys PROTECT. Stages, facilities and groups
    stay: the migrations own them. The audit history of those tables goes with them
    (broedplaats.history): it is the demo's, and would otherwise name rows that are gone."""
    for history in _history_models():
        _delete_all(history)
    RoundChange.objects.all().delete()
    RoundEntry.objects.all().delete()
    AllocationRound.calls.through.objects.all().delete()
    AllocationRound.objects.all().delete()
    CommitteeScore.objects.all().delete()
    CommitteeCriterion.objects.all().delete()
    ApplicationChoice.objects.all().delete()
    FitWeights.objects.all().delete()
    PathwayStep.objects.all().delete()
    Pathway.objects.all().delete()
    _delete_all(Offer)
    ApplicationEvent.objects.all().delete()
    ApplicantNote.objects.all().delete()
    Application.facilities.through.objects.all().delete()
    Application.portfolio_images.through.objects.all().delete()
    _delete_all(Application)
    _delete_all(Screening)
    for relation in (Call.spaces, Call.chains, Call.disciplines, Call.stages, Call.facilities):
        relation.through.objects.all().delete()
    _delete_all(Call)
    SocialReturn.objects.all().delete()
    _delete_all(Tenancy)
    _delete_all(StageMove)
    Space.facilities.through.objects.all().delete()
    Space.stages.through.objects.all().delete()
    SpacePhoto.objects.all().delete()  # they cascade with their space
    _delete_all(Space)
    Building.chain_focus.through.objects.all().delete()
    Building.programmers.through.objects.all().delete()
    _delete_all(Building)
    PortfolioImage.objects.all().delete()  # they cascade with their creative
    _delete_all(Creative)
    PolicyRentCap.objects.all().delete()
    _delete_all(Policy)
    City.bureau_members.through.objects.all().delete()
    City.objects.all().delete()
    ChainStage.objects.all().delete()
    Discipline.objects.all().delete()
    Chain.objects.all().delete()
    get_user_model().objects.filter(username__in=FLUSHED_USERNAMES).delete()
    _check_nothing_points_at(DELETED_AT_ONCE)


def _history_models() -> list[type[Model]]:
    """The historical tables of the tracked models, their many-to-many copies first (they
    point at the historical rows)."""
    found = []
    for model in TRACKED_MODELS:
        history = model.history.model
        found.extend(getattr(history, m2m.name).model for m2m in history._history_m2m_fields)
        found.append(history)
    return found


def demo_logins() -> list[tuple[DemoUser, bool]]:
    """The demo logins, each with whether the user exists in this database."""
    existing = set(get_user_model().objects.filter(
        username__in=[demo.username for demo in DEMO_USERS]).values_list("username", flat=True))
    return [(demo, demo.username in existing) for demo in DEMO_USERS]
