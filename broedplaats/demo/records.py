"""What the services would have recorded along the simulation: every stay on a candidate
list as an application with its screenings, status changes and (if placed) the accepted offer,
and the tenants' social-return activities. Planned in plain Python after the simulation, from
the unit's own random stream, so the same seed gives the same rows."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext

from broedplaats.models import ApplicationStatus, ClusterType, SocialReturnKind
from broedplaats.services import add_months

from .buildings import BuildingPlan
from .reference import MARKET, PolicySpec, policy_spec, weighted
from .simulation import StayPlan, TenancyPlan, UnitPlan

S = ApplicationStatus
# Days from joining a list to the screening (the eligible step), and from the offer to the
# start of the tenancy; the offer is answered before its reply-by day.
SCREENING_AFTER = (3, 42)
LIST_OPENS_BEFORE = 2 * 365  # a new building's list opens when it is announced
OFFER_BEFORE_START = (7, 42)
REPLY_WITHIN = (5, 14)
# Of those still waiting on `today` past their screening days, this share has been screened
# (eligible); the rest is still `submitted`. A lapsed screening was renewed for this share.
WAITING_SCREENED = 0.8
LAPSED_RENEWED = 0.6
MOTIVATIONS = (
    "Ik zoek een vaste werkplek om mijn praktijk verder uit te bouwen.",
    "Wij werken nu vanuit huis en willen graag tussen andere makers zitten.",
    "Voor mijn nieuwe project heb ik meer ruimte en een plek om te presenteren nodig.",
    "Ik sta al een tijd op de wachtlijst en zou graag in dit gebouw beginnen.",
    "Mijn huidige atelier wordt gesloopt; ik zoek een plek om door te werken.",
    "Ik ben net afgestudeerd en zoek een eerste eigen werkruimte.",
)
GONE_NOTES = {
    MARKET: "Vertrokken naar een ruimte op de markt; staat niet meer op de lijst.",
    "leave": "Gestopt met de praktijk; van de lijst gehaald.",
}

CT, SR = ClusterType, SocialReturnKind
SOCIAL_KINDS = {  # kind of activity -> weight, per cluster type
    CT.ARTISTS_ZONE: ((SR.OPEN_STUDIO, 40), (SR.WORKSHOP, 25), (SR.EDUCATION, 15),
                      (SR.NEIGHBOURHOOD, 15), (SR.OTHER, 5)),
    CT.SPECIALIST: ((SR.WORKSHOP, 45), (SR.EDUCATION, 25), (SR.OPEN_STUDIO, 10),
                    (SR.NEIGHBOURHOOD, 10), (SR.OTHER, 10)),
    CT.MIXED: ((SR.WORKSHOP, 25), (SR.NEIGHBOURHOOD, 25), (SR.OPEN_STUDIO, 20),
               (SR.EDUCATION, 20), (SR.OTHER, 10)),
    CT.MEDIA_PRODUCTION: ((SR.EDUCATION, 35), (SR.WORKSHOP, 30), (SR.NEIGHBOURHOOD, 15),
                          (SR.OTHER, 15), (SR.OPEN_STUDIO, 5)),
    CT.INCUBATOR: ((SR.EDUCATION, 40), (SR.WORKSHOP, 30), (SR.OTHER, 20),
                   (SR.NEIGHBOURHOOD, 10)),
}
SOCIAL_TEXTS = {
    SR.WORKSHOP: ("Workshop voor buurtbewoners in {building}.",
                  "Kinderworkshop in de schoolvakantie, met materiaal uit het atelier.",
                  "Workshop voor ouderen uit {district} in het buurthuis."),
    SR.OPEN_STUDIO: ("Open atelier tijdens de open-ateliersroute in {district}.",
                     "Rondleiding door het atelier voor een bewonersvereniging.",
                     "Open dag van {building}: werk laten zien en vragen beantwoorden."),
    SR.NEIGHBOURHOOD: ("Meegewerkt aan het buurtfeest in {district}.",
                       "Gevelproject met bewoners van {district}.",
                       "De gemeenschappelijke tuin opgeknapt met de buurt."),
    SR.EDUCATION: ("Gastles op een basisschool in {district}.",
                   "Een mbo-stagiair begeleid.",
                   "Portfoliobespreking met studenten van de kunstacademie."),
    SR.OTHER: ("Zitting in de programmaraad van {building}.",
               "Meegeholpen bij de opbouw van een buurttentoonstelling.",
               "Een startende maker in het gebouw op weg geholpen."),
}


@dataclass(eq=False, slots=True)
class ApplicationPlan:
    """A stay on a building's candidate list as the services would have left it."""

    stay: StayPlan
    building: BuildingPlan
    status: str
    submitted: int
    motivation: str
    # (day, from status, to status, note), in order; the first is "" -> submitted
    events: list[tuple[int, str, str, str]]
    screenings: list[tuple[int, PolicySpec]]  # (day decided, the policy in force), all eligible
    offer: tuple[int, int, int] | None = None  # offered on, reply by, answered (accepted) on
    pk: int | None = None


def plan_records(unit: UnitPlan, rng: random.Random, today: int) -> None:
    """The unit's candidate-list applications and social-return activities."""
    lists = _ListChooser(unit)
    for stay in unit.stays:
        application = _application(stay, lists, rng, today)
        if application is not None:
            unit.applications.append(application)
    for tenancy in unit.tenancies:
        _activities(unit, tenancy, rng, today)


class _ListChooser:
    """Which building's list a stay was on: where it was placed; for the others, a building of
    the city with a space for their phase that their chain looks for, in the chain focus
    rather than not."""

    def __init__(self, unit: UnitPlan):
        self.buildings: dict[str, list[BuildingPlan]] = {}
        self.fits: dict[BuildingPlan, set[tuple[str, str]]] = {}  # (stage, kind of space)
        for building in unit.buildings:
            self.buildings.setdefault(building.city.slug, []).append(building)
            self.fits[building] = set()
        for space in unit.spaces:
            self.fits[space.building].update((stage, space.kind) for stage in space.stages)

    def choose(self, stay: StayPlan, rng: random.Random, until: int) -> BuildingPlan | None:
        if stay.tenancy is not None:
            return stay.tenancy.space.building
        creative = stay.creative
        wanted = {(stay.stage, kind) for kind in creative.chain.wants[stay.stage]}
        opened = [b for b in self.buildings.get(creative.city.slug, ()) if list_opens(b) < until]
        for options in ([b for b in opened if wanted & self.fits[b]],
                        [b for b in opened if any(stage == stay.stage for stage, _ in self.fits[b])],
                        opened):
            if options:
                return weighted(rng, [(b, 3 if creative.chain.slug in b.chains else 1)
                                      for b in options])
        return None


def list_opens(building: BuildingPlan) -> int:
    """The day a building's candidate list opens: when the building is announced, a while
    before it opens, but not before the city's first policy (screening needs one)."""
    return max(building.opened - LIST_OPENS_BEFORE, building.city.policies[0].valid_from.toordinal())


def _valid_until(screening: tuple[int, PolicySpec]) -> int:
    day, policy = screening
    return add_months(date.fromordinal(day), policy.screening_validity_months).toordinal()


def _application(stay: StayPlan, lists: _ListChooser, rng: random.Random,
                 today: int) -> ApplicationPlan | None:
    until = stay.left if stay.left is not None else today + 1
    building = lists.choose(stay, rng, until)
    if building is None:  # gone before the city had a list to join
        return None
    # A creative waiting since before the building's list opened joined it then.
    submitted = max(stay.joined, list_opens(building))
    screened = submitted + rng.randint(*SCREENING_AFTER)
    application = ApplicationPlan(
        stay=stay, building=building, status=S.SUBMITTED, submitted=submitted,
        motivation=rng.choice(MOTIVATIONS), events=[(submitted, "", S.SUBMITTED, "")],
        screenings=[],
    )
    if stay.tenancy is not None:
        start = stay.tenancy.start
        offered = max(submitted, start - rng.randint(*OFFER_BEFORE_START))
        screened = min(screened, offered)
        application.screenings.append((screened, policy_spec(building.city, screened)))
        if _valid_until(application.screenings[-1]) <= offered:  # lapsed while waiting: again
            again = max(screened + 1, offered - rng.randint(0, 14))
            application.screenings.append((again, policy_spec(building.city, again)))
        reply_by = min(start, offered + rng.randint(*REPLY_WITHIN))
        answered = offered + rng.randint(0, reply_by - offered)
        application.offer = (offered, reply_by, answered)
        stay.tenancy.created = answered
        application.events += [(screened, S.SUBMITTED, S.ELIGIBLE, _screened_note(screened)),
                               (offered, S.ELIGIBLE, S.OFFERED, ""),
                               (answered, S.OFFERED, S.ACCEPTED, "")]
        application.status = S.ACCEPTED
    elif stay.left is not None:
        status = S.SUBMITTED
        if screened < stay.left:
            application.screenings.append((screened, policy_spec(building.city, screened)))
            application.events.append((screened, S.SUBMITTED, S.ELIGIBLE, _screened_note(screened)))
            status = S.ELIGIBLE
        application.events.append((stay.left, status, S.WITHDRAWN, GONE_NOTES[stay.gone]))
        application.status = S.WITHDRAWN
    elif screened <= today and rng.random() < WAITING_SCREENED:
        application.screenings.append((screened, policy_spec(building.city, screened)))
        application.events.append((screened, S.SUBMITTED, S.ELIGIBLE, _screened_note(screened)))
        application.status = S.ELIGIBLE
        if _valid_until(application.screenings[-1]) <= today and rng.random() < LAPSED_RENEWED:
            months = policy_spec(building.city, today).screening_validity_months
            again = max(screened + 1, today - rng.randint(0, 30 * months - 1))
            application.screenings.append((again, policy_spec(building.city, again)))
    return application


def _screened_note(day: int) -> str:
    """The note `screening_record` leaves on the status change it causes."""
    return gettext("Screening of %(date)s") % {"date": date.fromordinal(day).isoformat()}


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's method; a normal approximation for large means)."""
    if mean > 40:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _activities(unit: UnitPlan, tenancy: TenancyPlan, rng: random.Random, today: int) -> None:
    """Social return of a tenancy, if its tenant gives any: activities at the building's rate
    a year, on days of the tenancy up to `today`."""
    building = tenancy.space.building
    if building.social_rate <= 0 or rng.random() >= building.social_share:
        return
    last = min((tenancy.actual_end or tenancy.planned_end) - 1, today)
    if last < tenancy.start:
        return
    kinds = SOCIAL_KINDS[building.cluster_type]
    for _ in range(_poisson(rng, building.social_rate * (last - tenancy.start + 1) / 365)):
        day = rng.randint(tenancy.start, last)
        kind = weighted(rng, kinds)
        quarters = round(rng.triangular(4, 64, 8))  # 1 to 16 hours, most of them a few
        description = rng.choice(SOCIAL_TEXTS[kind]).format(
            building=building.name, district=building.district.name)
        unit.activities.append((tenancy, kind, day, Decimal(quarters) / 4, description,
                                min(day + rng.randint(0, 14), today)))
