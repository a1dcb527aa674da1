"""Creatives of a unit and their careers: names, kinds, where they live, and stage histories
made of project cycles within a career (see the package docstring)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.utils.text import slugify

from chains.models import CreativeKind

from .buildings import SpacePlan
from .reference import (
    CHAINS,
    CREATIVES_PER_UNIT,
    DISTRIBUTION,
    ENTRY_GROWTH,
    HISTORY_START,
    IDEA,
    MAKING,
    MARKET,
    ChainSpec,
    CitySpec,
    weighted,
)

if TYPE_CHECKING:
    from .simulation import StayPlan, TenancyPlan


FIRST_NAMES = (
    "Sanne", "Daan", "Lotte", "Bram", "Fleur", "Jesse", "Noor", "Thijs", "Eva", "Ruben", "Anouk",
    "Milan", "Femke", "Sem", "Iris", "Joris", "Lieke", "Wouter", "Merel", "Tim", "Roos", "Lars",
    "Yara", "Mohamed", "Fatima", "Ayoub", "Amira", "Kofi", "Priya", "Mei", "Luca", "Sofia",
    "Mateo", "Elif", "Emre", "Nadia", "Youssef", "Samira", "Jan", "Pieter", "Marieke", "Anna",
    "Julia", "Hugo", "Finn", "Zoë", "Olga", "Tomasz", "Ines", "Rafael", "Aisha", "Kwame", "Linh",
    "Hanna", "Maarten", "Esther", "Sven", "Floor", "Gijs", "Nina", "Bas", "Charlotte", "Rik",
    "Vera", "Jelle", "Mila", "Stijn", "Lina", "Koen", "Isa",
)
LAST_NAMES = (
    "de Vries", "van Dijk", "Jansen", "de Jong", "Bakker", "Visser", "Smit", "Meijer", "de Boer",
    "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer",
    "de Wit", "Dijkstra", "Smits", "de Graaf", "van der Meer", "van der Linden", "Kok", "Jacobs",
    "de Haan", "Vermeulen", "van den Berg", "van der Heijden", "El Amrani", "Yilmaz", "Kaya",
    "Bouzid", "Mensah", "Nguyen", "Rossi", "García", "Kowalski", "Santos", "Öztürk", "Tahiri",
    "Boateng", "Schouten", "Koster", "Prins", "Huisman", "Postma", "Kuipers", "Veenstra",
)
NAME_PARTS = ("Noord", "Kade", "Werf", "Loods", "Molen", "Kiem", "Vonk", "Lijn", "Vorm", "Klank",
              "Beeld", "Draad", "Klei", "Zout", "Ruis", "Spoor", "Gloed", "Nacht", "Vlas", "Rook")
NAME_ENDS = ("werk", "lab", "studio", "makers", "fabriek", "atelier", "kamer", "plaats")
CREATIVE_KINDS = ((CreativeKind.PERSON, 70), (CreativeKind.DUO, 12), (CreativeKind.COLLECTIVE, 8),
                  (CreativeKind.COMPANY, 10))
KVK_SHARE = {CreativeKind.PERSON: 0.85, CreativeKind.DUO: 0.9, CreativeKind.COLLECTIVE: 0.7,
             CreativeKind.COMPANY: 1.0}
BIO_TEMPLATES = (
    "{discipline} in {city}. Werkt aan eigen projecten en in opdracht.",
    "{discipline} met een eigen praktijk; afgestudeerd in {year}.",
    "{discipline}, werkt sinds {year} in {city}, vaak samen met andere makers.",
    "{discipline}. Zoekt ruimte om te experimenteren en te laten zien wat er gemaakt wordt.",
)
SEEKERS = 0.9  # the share of creatives who look for space in a broedplaats


@dataclass(eq=False, slots=True)
class CreativePlan:
    city: CitySpec
    chain: ChainSpec
    discipline: int  # index into the global discipline list
    kind: str
    name: str
    kvk: str
    email: str
    phone: str
    website: str
    bio: str
    seeks: bool  # looks for space in a broedplaats
    # (day ordinal, stage code or MARKET, whether it is a career move), entry first
    timeline: list[tuple[int, str, bool]]
    leaves: int | None  # the day the creative leaves the sector, if they do
    career_days: tuple[int, ...]  # days of the career moves after entry and of leaving, in order
    stage: str | None = None  # the stage of the current project (the last move's)
    phase: str | None = None  # the career phase: what space the creative looks for
    active: bool = True
    archived: bool = False
    next_move: int = 0
    next_career: int = 0  # index into career_days
    tenancy: TenancyPlan | None = None
    last_space: SpacePlan | None = None  # of the last tenancy (not let to them again)
    pool: tuple | None = None  # the candidate list (city slug, stage) the creative waits on
    stay: StayPlan | None = None  # the stay on that list
    pk: int | None = None


@dataclass(frozen=True)
class Cadence:
    """How a chain's projects run: the typical days a project spends in each stage (a single
    project takes between half and 1.8 times that) and the chance a project is dropped in
    making (it goes back to idea)."""

    idea: int
    making: int
    distribution: int
    dropped: float

    def days(self, stage: str) -> int:
        return {IDEA: self.idea, MAKING: self.making, DISTRIBUTION: self.distribution}[stage]


CADENCES = {
    # two collections a year: design, samples and production, selling the season
    "fashion": Cadence(45, 75, 60, 0.04),
    # competitions and commissions: sketch design, elaboration, realisation or a product run
    "architecture-design": Cadence(120, 210, 150, 0.15),
    # a body of work a year or so: research, making, an exhibition or a sale
    "visual-arts": Cadence(80, 170, 100, 0.08),
    # writing, recording, a release and its tour
    "music": Cadence(80, 120, 180, 0.08),
    # development is long; production and post; festivals, broadcast, streaming
    "film-media": Cadence(300, 240, 300, 0.2),
    # concept and prototype, a long production, release and live operation
    "games-digital": Cadence(120, 420, 180, 0.15),
    # a collection of objects or a menu: trials, a small series, shop and market
    "crafts-food": Cadence(60, 150, 120, 0.06),
    # productions of several months: research, rehearsals, première and tour
    "performing-arts": Cadence(45, 90, 90, 0.05),
}
# In the idea phase (starting out) most projects stay experiments: after making they go back
# to idea, only this share reaches distribution.
IDEA_PHASE_DISTRIBUTED = 0.3
STAY, LEAVE = "stay", "leave"  # career outcomes besides a next phase and the market


def _career_step(rng: random.Random, phase: str, day: int) -> tuple[int, str]:
    """When the current career phase ends and what follows: a next phase, MARKET, LEAVE (the
    sector) or STAY (the phase lasts; then the day means nothing)."""
    if phase == IDEA:
        return day + int(rng.triangular(250, 1100, 500)), weighted(rng, ((MAKING, 88), (LEAVE, 12)))
    if phase == MAKING:
        return day + int(rng.triangular(500, 2200, 1100)), weighted(
            rng, ((DISTRIBUTION, 60), (MARKET, 15), (LEAVE, 10), (STAY, 15)))
    return day + int(rng.triangular(400, 1800, 900)), weighted(
        rng, ((MARKET, 45), (LEAVE, 10), (STAY, 45)))


def timeline_plan(rng: random.Random, cadence: Cadence, entry: int,
              today: int) -> tuple[list[tuple[int, str, bool]], int | None]:
    """A creative's stage history up to `today` as project cycles within a career (see the
    module docstring): the moves as (day, stage or MARKET, career move?), and the day the
    creative leaves the sector, if before `today`."""
    phase = stage = IDEA if rng.random() < 0.55 else MAKING
    day = entry
    moves = [(day, stage, True)]
    due, outcome = _career_step(rng, phase, day)
    while True:
        # the current project moves on when its time in this stage is up
        typical = cadence.days(stage)
        day += int(rng.triangular(typical * 0.5, typical * 1.8, typical))
        if outcome != STAY and day >= due:
            if outcome == LEAVE:
                return moves, due if due <= today else None
            if outcome == MARKET:
                if day <= today:
                    moves.append((day, MARKET, True))
                return moves, None
        if day > today:
            return moves, None
        if stage == IDEA:
            target = MAKING
        elif stage == DISTRIBUTION:
            target = IDEA
        elif rng.random() < cadence.dropped:
            target = IDEA
        elif phase == IDEA and rng.random() >= IDEA_PHASE_DISTRIBUTED:
            target = IDEA
        else:
            target = DISTRIBUTION
        # a due change of phase happens with the first move into the new phase's stage
        career = outcome == target and day >= due
        moves.append((day, target, career))
        stage = target
        if career:
            phase = target
            due, outcome = _career_step(rng, phase, day)


def _person_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def _creative_name(rng: random.Random, kind: str) -> str:
    word = rng.choice(NAME_PARTS) + rng.choice(NAME_ENDS)
    if kind == CreativeKind.PERSON:
        return _person_name(rng)
    if kind == CreativeKind.DUO:
        return f"{rng.choice(FIRST_NAMES)} & {rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}" \
            if rng.random() < 0.2 else f"{_person_name(rng)} & {_person_name(rng)}"
    if kind == CreativeKind.COLLECTIVE:
        return f"Collectief {word.capitalize()}"
    surname = rng.choice(LAST_NAMES)
    return rng.choice((f"{word.capitalize()} B.V.", f"Studio {surname[0].upper()}{surname[1:]}",
                       word.capitalize()))


def _entry(rng: random.Random, first: int, last: int) -> int:
    """A day a career starts: more of them in later years (the sector grows, `ENTRY_GROWTH`
    times as many start in the last year as in the first)."""
    growth = ENTRY_GROWTH - 1
    u = rng.random()
    share = u if growth == 0 else ((1 + 2 * growth * u * (1 + growth / 2)) ** 0.5 - 1) / growth
    return first + int((last - first) * share)


def plan_creatives(rng: random.Random, spaces: list[SpacePlan],
                   disciplines: list[tuple[int, str, str]], kvk_taken: set[str],
                   today: int) -> list[CreativePlan]:
    """The unit's creatives: spread over its cities by their stock times their demand."""
    city_weights: dict[str, tuple[CitySpec, float]] = {}
    for space in spaces:
        city = space.building.city
        city_weights[city.slug] = (city, city_weights.get(city.slug, (city, 0))[1] + city.demand)
    chains_by_slug = {chain.slug: chain for chain in CHAINS}
    by_chain: dict[str, list[int]] = {}
    for index, (_pk, chain_slug, _name) in enumerate(disciplines):
        by_chain.setdefault(chain_slug, []).append(index)
    first, last = HISTORY_START.toordinal(), today - 14
    creatives = []
    for _ in range(CREATIVES_PER_UNIT):
        city = weighted(rng, city_weights.values())
        chain = chains_by_slug[weighted(rng, [(c.slug, c.weight) for c in CHAINS])]
        discipline = rng.choice(by_chain[chain.slug])
        kind = weighted(rng, CREATIVE_KINDS)
        name = _creative_name(rng, kind)
        kvk = ""
        if rng.random() < KVK_SHARE[kind]:
            while not kvk or kvk in kvk_taken:
                kvk = f"{rng.randint(10_000_000, 99_999_999)}"
            kvk_taken.add(kvk)
        handle = slugify(name.replace("&", "en")).replace("-", ".")[:40] or "maker"
        entry = _entry(rng, first, last)
        year = date.fromordinal(entry).year - rng.randint(0, 4)
        discipline_name = disciplines[discipline][2]
        timeline, leaves = timeline_plan(rng, CADENCES[chain.slug], entry, today)
        career_days = [day for day, _target, career in timeline[1:] if career]
        if leaves is not None:
            career_days.append(leaves)
        creatives.append(CreativePlan(
            city=city, chain=chain, discipline=discipline, kind=kind, name=name, kvk=kvk,
            email=f"{handle}@example.org",
            phone=f"06 {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}" if rng.random() < 0.7 else "",
            website=f"https://{handle.replace('.', '')}.example.org" if rng.random() < 0.4 else "",
            bio=rng.choice(BIO_TEMPLATES).format(discipline=discipline_name, city=city.name, year=year),
            seeks=rng.random() < SEEKERS,
            timeline=timeline, leaves=leaves, career_days=tuple(career_days),
        ))
    return creatives
