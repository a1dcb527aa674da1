"""Buildings and spaces of a unit: archetypes, names, operators, kinds of space, facilities,
rents, and each building's habits (how readily it renews, whether it pushes tenants on, how
much social return its tenants give)."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING

from django.utils.text import slugify

from broedplaats.models import ClusterType, FacilityCode, OperatorKind
from broedplaats.services import add_months

from .reference import (
    BUILDINGS_PER_UNIT,
    CHAINS,
    DESK,
    DISTRIBUTION,
    FIRST_OPENING,
    IDEA,
    LIVE_WORK,
    MAKING,
    OFFICE,
    SHARED,
    SHOWROOM,
    STUDIO,
    WORKSHOP,
    CitySpec,
    District,
    policy_spec,
    weighted,
)

if TYPE_CHECKING:
    from .simulation import TenancyPlan


OK_, CT = OperatorKind, ClusterType
# (city of unit 0, operator kind, cluster type, spaces in unit 0)
ARCHETYPES = (
    ("amsterdam", OK_.FOUNDATION, CT.ARTISTS_ZONE, 40),
    ("amsterdam", OK_.MUNICIPAL, CT.SPECIALIST, 18),
    ("amsterdam", OK_.PRIVATE_DEVELOPER, CT.INCUBATOR, 22),
    ("amsterdam", OK_.TENANT_COOPERATIVE, CT.MIXED, 30),
    ("amsterdam", OK_.FOUNDATION, CT.MEDIA_PRODUCTION, 25),
    ("amsterdam", OK_.FOUNDATION, CT.MIXED, 28),
    ("amsterdam", OK_.MUNICIPAL, CT.ARTISTS_ZONE, 35),
    ("amsterdam", OK_.PRIVATE_DEVELOPER, CT.MIXED, 20),
    ("rotterdam", OK_.FOUNDATION, CT.ARTISTS_ZONE, 32),
    ("rotterdam", OK_.TENANT_COOPERATIVE, CT.SPECIALIST, 15),
    ("rotterdam", OK_.MUNICIPAL, CT.INCUBATOR, 20),
    ("rotterdam", OK_.PRIVATE_DEVELOPER, CT.MEDIA_PRODUCTION, 15),
)
PROGRAMMER_ARCHETYPES = (0, 3, 4)  # the demo programmer runs these Amsterdam buildings of unit 0
# Unit 0's buildings with an open call on `today`: the programmer's and the first in Rotterdam.
CALL_ARCHETYPES = (*PROGRAMMER_ARCHETYPES, 8)

FORMER_USES = (  # building name, what it was (with the adjective in the right gender)
    ("De Gieterij", "voormalige ijzergieterij"), ("Het Pakhuis", "voormalig pakhuis"),
    ("De Drukkerij", "voormalige drukkerij"), ("De Machinefabriek", "voormalige machinefabriek"),
    ("Het Badhuis", "voormalig badhuis"), ("De Melkfabriek", "voormalige melkfabriek"),
    ("Het Schoolgebouw", "voormalige school"), ("De Loods", "voormalige havenloods"),
    ("De Kabelfabriek", "voormalige kabelfabriek"), ("Het Veem", "voormalig veempakhuis"),
    ("De Zeepfabriek", "voormalige zeepfabriek"), ("De Timmerwerf", "voormalige timmerwerf"),
    ("Het Gemaal", "voormalig gemaal"), ("De Scheepswerf", "voormalige scheepswerf"),
    ("Het Postkantoor", "voormalig postkantoor"), ("De Broodfabriek", "voormalige broodfabriek"),
    ("Het Ketelhuis", "voormalig ketelhuis"), ("De Remise", "voormalige tramremise"),
    ("Het Laboratorium", "voormalig laboratorium"), ("De Wasserij", "voormalige wasserij"),
    ("Het Politiebureau", "voormalig politiebureau"), ("De Kazerne", "voormalige brandweerkazerne"),
    ("De Tabaksfabriek", "voormalige tabaksfabriek"), ("Het Kantorenblok", "voormalig kantoorgebouw"),
)
CLUSTER_SENTENCES = {
    CT.SPECIALIST: "Een gespecialiseerde werkplaats voor één keten, met krachtstroom en een laaddeur.",
    CT.ARTISTS_ZONE: "Ateliers en woon-werkateliers voor kunstenaars, met open ateliers in het voorjaar.",
    CT.MIXED: "Een gemengde broedplaats: ateliers, werkplaatsen, kantoren en een showroom aan de straat.",
    CT.MEDIA_PRODUCTION: "Studio's en montageruimtes voor film, geluid en digitale media.",
    CT.INCUBATOR: "Flexplekken en kleine kantoren voor startende creatieve ondernemers, met coaching.",
}
CLUSTER_KINDS = {  # kind of space -> weight, per cluster type
    CT.ARTISTS_ZONE: {STUDIO: 60, LIVE_WORK: 20, WORKSHOP: 10, SHARED: 4, SHOWROOM: 6},
    CT.SPECIALIST: {WORKSHOP: 50, SHARED: 12, STUDIO: 28, SHOWROOM: 10},
    CT.INCUBATOR: {DESK: 40, OFFICE: 35, STUDIO: 12, SHOWROOM: 13},
    CT.MEDIA_PRODUCTION: {STUDIO: 40, OFFICE: 35, DESK: 25},
    CT.MIXED: {STUDIO: 40, WORKSHOP: 15, OFFICE: 15, DESK: 10, SHOWROOM: 8, LIVE_WORK: 7, SHARED: 5},
}
CLUSTER_FOCUS = {  # (chains always in focus, chains to draw from, how many to draw)
    CT.SPECIALIST: ((), ("crafts-food", "fashion", "visual-arts", "architecture-design"), 1),
    CT.ARTISTS_ZONE: (("visual-arts",), ("performing-arts", "crafts-food", "music"), 1),
    CT.MIXED: ((), tuple(chain.slug for chain in CHAINS), 3),
    CT.MEDIA_PRODUCTION: (("film-media",), ("music", "games-digital"), 1),
    CT.INCUBATOR: ((), ("games-digital", "architecture-design", "fashion", "film-media"), 2),
}

# Space kinds: area (low, high, mode) in m², the stages served (weighted) and facilities.
AREAS = {STUDIO: (18, 65, 35), LIVE_WORK: (40, 95, 60), WORKSHOP: (35, 160, 70), DESK: (6, 14, 9),
         OFFICE: (14, 60, 28), SHOWROOM: (25, 130, 55), SHARED: (80, 260, 140)}
STAGES_SERVED = {
    STUDIO: (((IDEA, MAKING), 60), ((MAKING,), 20), ((IDEA, MAKING, DISTRIBUTION), 20)),
    LIVE_WORK: (((IDEA, MAKING), 80), ((MAKING, DISTRIBUTION), 20)),
    WORKSHOP: (((MAKING,), 80), ((MAKING, DISTRIBUTION), 20)),
    SHARED: (((IDEA, MAKING), 50), ((MAKING,), 50)),
    DESK: (((IDEA,), 50), ((IDEA, MAKING), 50)),
    OFFICE: (((MAKING, DISTRIBUTION), 60), ((DISTRIBUTION,), 25), ((IDEA, MAKING), 15)),
    SHOWROOM: (((DISTRIBUTION,), 100),),
}
F = FacilityCode
FACILITIES = {  # kind -> (facility, chance)
    STUDIO: ((F.DAYLIGHT, 0.9), (F.WATER, 0.6), (F.GROUND_FLOOR, 0.15)),
    LIVE_WORK: ((F.DAYLIGHT, 1.0), (F.WATER, 1.0), (F.GROUND_FLOOR, 0.1)),
    WORKSHOP: ((F.HEAVY_POWER, 0.9), (F.LOADING_ACCESS, 0.8), (F.GROUND_FLOOR, 0.7), (F.WATER, 0.7),
               (F.DUST_EXTRACTION, 0.5)),
    DESK: ((F.DAYLIGHT, 0.7),),
    OFFICE: ((F.DAYLIGHT, 0.85), (F.WATER, 0.2)),
    SHOWROOM: ((F.GROUND_FLOOR, 1.0), (F.SHOP_WINDOW, 0.85), (F.DAYLIGHT, 0.7)),
    SHARED: ((F.HEAVY_POWER, 1.0), (F.DUST_EXTRACTION, 0.8), (F.LOADING_ACCESS, 0.8),
             (F.GROUND_FLOOR, 0.8), (F.WATER, 0.9), (F.KILN, 0.35), (F.DARKROOM, 0.15)),
}
EXCEPTION_REASONS = {
    SHOWROOM: "Winkelpand aan een drukke straat; de gemeente stemde in met een huur boven het "
              "plafond (besluit programmeur).",
    WORKSHOP: "De huur omvat onderhoud van de ovens en afzuiging; uitzondering vastgelegd door de "
              "programmeur.",
    SHARED: "De huur omvat het gebruik en onderhoud van de machines; uitzondering vastgelegd door de "
            "programmeur.",
}
EXCEPTIONS_PER_UNIT = 4


@dataclass(frozen=True)
class Habits:
    """How a kind of building treats its tenants; each building varies around it."""

    renewal: float  # chance a tenancy that may be renewed is renewed
    beyond_max: float  # chance a tenancy at the policy's last renewal gets one more, by exception
    # chance a tenant whose career phase moves on is sent on, though the space fits (half that
    # when a project reaches distribution: the incubator's product went to market)
    push_on: float
    social: tuple[float, float]  # social-return activities a year of a taking-part tenant (range)
    social_share: float  # share of the tenancies that give social return


HABITS = {
    # artists' zones keep their artists: renewals as a rule, open studios every year
    CT.ARTISTS_ZONE: Habits(0.9, 0.6, 0.0, (4.0, 6.0), 0.85),
    CT.SPECIALIST: Habits(0.8, 0.4, 0.0, (1.0, 3.0), 0.6),
    CT.MIXED: Habits(0.75, 0.3, 0.0, (1.5, 4.0), 0.7),
    CT.MEDIA_PRODUCTION: Habits(0.65, 0.2, 0.0, (0.5, 2.5), 0.5),
    # incubators push tenants on: a short stay, and a next phase or a launched product means a
    # next building
    CT.INCUBATOR: Habits(0.35, 0.0, 0.8, (0.0, 2.0), 0.5),
}
# A tenants' cooperative renews its members more readily, a private developer less (the
# building is often let for a temporary use); a municipal building asks more social return.
OPERATOR_RENEWAL = {OK_.TENANT_COOPERATIVE: 0.06, OK_.PRIVATE_DEVELOPER: -0.1}
OPERATOR_SOCIAL = {OK_.MUNICIPAL: 1.0}


@dataclass(eq=False, slots=True)
class BuildingPlan:
    archetype: int
    city: CitySpec
    district: District
    name: str
    slug: str
    address: str
    postcode: str
    latitude: Decimal
    longitude: Decimal
    operator_name: str
    operator_kind: str
    cluster_type: str
    chains: tuple[str, ...]
    opened: int  # day ordinal when the first spaces can be let
    temporary_until: date | None
    description: str
    programmed: bool  # run by the demo programmer
    open_call: bool  # has an open call on `today`: spaces freed just before are kept for it
    # its habits (see `Habits`), drawn around its cluster type's by `assign_habits`
    renewal: float = 0.0
    beyond_max: float = 0.0
    push_on: float = 0.0
    social_rate: float = 0.0
    social_share: float = 0.0
    pk: int | None = None


@dataclass(eq=False, slots=True)
class SpacePlan:
    building: BuildingPlan
    code: str
    kind: str
    area: Decimal
    rent_factor: Decimal  # the rent as a share of the cap in force (above 1 with an exception)
    monthly_rent: Decimal
    exception: str
    facilities: tuple[str, ...]
    stages: tuple[str, ...]
    term_months: int | None  # a shorter term than the policy's (flexible desks), if any
    tenancy: TenancyPlan | None = None
    pk: int | None = None


def rent(area: Decimal, cap: Decimal, factor: Decimal) -> Decimal:
    """A monthly rent of `factor` times the cap, rounded down to whole €5 (never over the cap
    when the factor is at most 1)."""
    exact = area * cap * factor / 12
    return (exact / 5).to_integral_value(rounding=ROUND_FLOOR) * 5


def _split(total: int, weights: dict[str, int]) -> dict[str, int]:
    """`total` split over the keys by weight (largest remainder), every key at least 1 if it fits."""
    keys = list(weights)
    whole = sum(weights.values())
    counts = {key: max(1, total * weights[key] // whole) if total >= len(keys) else 0 for key in keys}
    while sum(counts.values()) > total:
        largest = max(keys, key=lambda key: counts[key])
        counts[largest] -= 1
    remainders = sorted(keys, key=lambda key: -(total * weights[key] / whole - counts[key]))
    for key in itertools.islice(itertools.cycle(remainders), total - sum(counts.values())):
        counts[key] += 1
    return counts


def _postcode(rng: random.Random, district: District) -> str:
    letters = "ABCDEGHJKLMNPRSTVWXZ"
    pair = "SS"
    while pair in {"SA", "SD", "SS"}:  # letter pairs PostNL does not use
        pair = rng.choice(letters) + rng.choice(letters)
    return f"{rng.randint(*district.postcodes)} {pair}"


def plan_buildings(rng: random.Random, unit: int, cities: dict[str, CitySpec],
                    today: int) -> list[BuildingPlan]:
    names = rng.sample(FORMER_USES, BUILDINGS_PER_UNIT)
    weighted_cities = [(city, city.weight) for city in cities.values()]
    buildings = []
    for archetype, (city_slug, operator_kind, cluster, _size) in enumerate(ARCHETYPES):
        city = cities[city_slug] if unit == 0 else weighted(rng, weighted_cities)
        district = rng.choice(city.districts)
        prefix, former = names[archetype]
        name = f"{prefix} {district.name}"
        slug = slugify(name) + (f"-{unit}" if unit else "")
        always, pool, draw = CLUSTER_FOCUS[cluster]
        chains = always + tuple(rng.sample([chain for chain in pool if chain not in always], draw))
        span = max(1, min(today, date(2022, 12, 31).toordinal()) - FIRST_OPENING.toordinal())
        opened = FIRST_OPENING.toordinal() + int(rng.triangular(0, span, 0))
        temporary_until = None
        if rng.random() < 0.25:
            years = rng.randint(8, 15)
            earliest = date.fromordinal(today) + timedelta(days=rng.randint(180, 1800))
            temporary_until = max(add_months(date.fromordinal(opened), 12 * years), earliest)
        operator_name = {
            OK_.MUNICIPAL: f"Gemeente {city.name}, Vastgoed",
            OK_.FOUNDATION: rng.choice((f"Stichting Atelierbeheer {city.name}",
                                        f"Stichting Broedplaats {district.name}",
                                        f"Stichting Werkruimte {city.name}")),
            OK_.PRIVATE_DEVELOPER: rng.choice((f"{district.name} Ontwikkeling B.V.",
                                               "Stadsfabriek Projecten B.V.",
                                               "Havenkwartier Vastgoed B.V.")),
            OK_.TENANT_COOPERATIVE: f"Huurderscoöperatie {prefix.split(' ', 1)[1]} U.A.",
        }[operator_kind]
        temporary = (f" Tijdelijk in gebruik tot {temporary_until.year}." if temporary_until else "")
        description = (f"{former.capitalize()} in {district.name}, sinds "
                       f"{date.fromordinal(opened).year} broedplaats. "
                       f"{CLUSTER_SENTENCES[cluster]}{temporary}")
        buildings.append(BuildingPlan(
            archetype=archetype, city=city, district=district, name=name, slug=slug,
            address=f"{rng.choice(district.streets)} {rng.randint(1, 180)}",
            postcode=_postcode(rng, district),
            latitude=Decimal(f"{district.latitude + rng.uniform(-0.006, 0.006):.6f}"),
            longitude=Decimal(f"{district.longitude + rng.uniform(-0.009, 0.009):.6f}"),
            operator_name=operator_name, operator_kind=operator_kind, cluster_type=cluster,
            chains=chains, opened=opened, temporary_until=temporary_until,
            description=description, programmed=unit == 0 and archetype in PROGRAMMER_ARCHETYPES,
            open_call=unit == 0 and archetype in CALL_ARCHETYPES,
        ))
    return buildings


def assign_habits(rng: random.Random, buildings: list[BuildingPlan]) -> None:
    """Each building's habits around its cluster type's (a random stream of their own, so the
    buildings and spaces stay as they were planned)."""
    for building in buildings:
        habits = HABITS[building.cluster_type]
        renewal = habits.renewal + OPERATOR_RENEWAL.get(building.operator_kind, 0.0)
        building.renewal = min(0.97, max(0.1, renewal + rng.uniform(-0.08, 0.08)))
        building.beyond_max = habits.beyond_max
        building.push_on = habits.push_on
        low, high = habits.social
        building.social_rate = rng.uniform(low, high) + OPERATOR_SOCIAL.get(building.operator_kind, 0.0)
        building.social_share = min(1.0, habits.social_share + rng.uniform(-0.1, 0.1))


def plan_spaces(rng: random.Random, unit: int, buildings: list[BuildingPlan],
                 today: int) -> list[SpacePlan]:
    sizes = [size for *_rest, size in ARCHETYPES]
    if unit:
        rng.shuffle(sizes)
    spaces = []
    for building, size in zip(buildings, sizes, strict=True):
        counts = _split(size, CLUSTER_KINDS[building.cluster_type])
        cap_spec = policy_spec(building.city, today)
        number = 0
        for kind, count in counts.items():
            for _ in range(count):
                number += 1
                floor = 0 if kind in (SHOWROOM, WORKSHOP, SHARED) else 1 + (number - 1) // 12
                code = {DESK: f"F{number:03d}", SHOWROOM: f"S{number:02d}"}.get(
                    kind, f"{floor}.{number:02d}")
                low, high, mode = AREAS[kind]
                area = Decimal(round(rng.triangular(low, high, mode) * 2) / 2).quantize(Decimal("0.01"))
                facilities = [code_ for code_, chance in FACILITIES[kind] if rng.random() < chance]
                if kind in (STUDIO, OFFICE) and {"music", "film-media"} & set(building.chains):
                    if rng.random() < 0.6:
                        facilities.append(F.SOUNDPROOFING)
                if kind in (WORKSHOP,) and "crafts-food" in building.chains and rng.random() < 0.4:
                    facilities.append(F.KILN)
                if kind == STUDIO and "visual-arts" in building.chains and rng.random() < 0.05:
                    facilities.append(F.DARKROOM)
                factor = Decimal(f"{rng.uniform(0.62, 0.97):.2f}")
                spaces.append(SpacePlan(
                    building=building, code=code, kind=kind, area=area, rent_factor=factor,
                    monthly_rent=rent(area, cap_spec.caps[kind], factor), exception="",
                    facilities=tuple(dict.fromkeys(str(f) for f in facilities)),
                    stages=weighted(rng, STAGES_SERVED[kind]),
                    term_months=12 if kind == DESK and rng.random() < 0.5 else None,
                ))
    # A handful of spaces are let above the cap, with the reason recorded.
    eligible = [space for space in spaces if space.kind in EXCEPTION_REASONS]
    for space in rng.sample(eligible, min(EXCEPTIONS_PER_UNIT, len(eligible))):
        space.rent_factor = Decimal(f"{rng.uniform(1.08, 1.25):.2f}")
        space.exception = EXCEPTION_REASONS[space.kind]
        cap = policy_spec(space.building.city, today).caps[space.kind]
        space.monthly_rent = rent(space.area, cap, space.rent_factor)
    return spaces


