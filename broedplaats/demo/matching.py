"""Matching at the end of the demo: fit weights, one closed call per allocation method in the
demo programmer's buildings with screened applicants to run a round on (the committee's
criteria and scores, and the applicants' rankings of spaces for stable matching), and a
pathway through three Amsterdam buildings. Written through the services (few rows)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef

from broedplaats import notifications
from broedplaats.models import (
    AllocationMethod,
    Application,
    Building,
    City,
    Facility,
    Tenancy,
)
from broedplaats.selectors.places import running_on
from broedplaats.services import allocation, matching
from chains.models import Chain, Creative, Stage

from .calls import _free_spaces
from .records import MOTIVATIONS

METHOD_TITLES = {
    AllocationMethod.LOTTERY: "Loting: ateliers",
    AllocationMethod.RANKING: "Rangschikking op passendheid: werkplaatsen",
    AllocationMethod.COMMITTEE: "Commissie: presentatieruimte",
    AllocationMethod.STABLE_MATCHING: "Stabiele koppeling: ateliers naar keuze",
    AllocationMethod.OPTIMAL: "Optimale toewijzing: flexplekken en ateliers",
}
CRITERIA = ["Artistieke kwaliteit", "Plan voor de ruimte", "Bijdrage aan het gebouw"]
APPLICANTS_PER_CALL = 8


def matching_demo(programmer, linked: Creative | None, rng: random.Random, today: date) -> None:
    """Weights, five closed calls (one per method) with eligible applicants, and a pathway."""
    amsterdam = City.objects.filter(slug="amsterdam").first()
    if amsterdam is None:
        return
    matching.fit_weights_set(city=amsterdam, by=None)  # the defaults, stored so they show
    rotterdam = City.objects.filter(slug="rotterdam").first()
    if rotterdam is not None:  # long candidate lists: waiting counts more, rent too
        matching.fit_weights_set(city=rotterdam, wait=15, rent=20, area=10)
    buildings = list(Building.objects.filter(programmers=programmer, archived=False)
                     .order_by("name"))
    if not buildings:
        return
    # One building fills missing links first: completeness counts double there.
    matching.fit_weights_set(building=buildings[0], completeness=20, by=programmer)
    with notifications.muted():
        _calls(buildings, programmer, linked, rng, today, amsterdam)
    _pathway(amsterdam, programmer, today)


def _calls(buildings, programmer, linked, rng, today, city) -> None:
    free = {b.pk: _free_spaces(b.pk, today) for b in buildings}
    pool = list(
        Creative.objects.filter(archived=False, user__isnull=True)
        .exclude(pk=linked.pk if linked else None)
        .exclude(Exists(Tenancy.objects.filter(running_on(today), creative=OuterRef("pk"))))
        .exclude(Exists(Application.objects.filter(creative=OuterRef("pk"),
                                                   status__in=["submitted", "screening",
                                                               "eligible", "shortlisted",
                                                               "offered"])))
        .filter(Exists(Tenancy.objects.filter(creative=OuterRef("pk"),
                                              space__building__city=city)))
        .order_by("pk").values_list("pk", flat=True)[:400])
    rng.shuffle(pool)
    facilities = list(Facility.objects.order_by("code"))
    stages = {stage.code: stage for stage in Stage.objects.all()}
    opens, closes = today - timedelta(weeks=5), today - timedelta(days=3)
    applied_on = today - timedelta(weeks=3)
    for index, (method, title) in enumerate(METHOD_TITLES.items()):
        building = buildings[index % len(buildings)]
        # Calls of one building may share spaces: an offer made in one round then leaves
        # the space out of the others, as it would in life.
        spaces = free[building.pk][index // len(buildings) * 2:][:3] or free[building.pk][:3]
        if not spaces:
            continue
        call = allocation.call_create(
            building=building, spaces=spaces, chains=list(building.chain_focus.all()),
            title=f"{title} in {building.name}",
            text=(f"{building.name} verdeelt {len(spaces)} ruimtes "
                  f"({', '.join(space.code for space in spaces)}) met de methode "
                  f"'{AllocationMethod(method).label}'. De oproep is gesloten; de programmeur "
                  "draait nu de verdeelronde."),
            opens_on=opens, closes_on=closes, allocation_method=method, by=programmer)
        allocation.call_publish(call=call, on=opens, by=programmer)
        if method == AllocationMethod.COMMITTEE:
            criteria = matching.committee_criteria_set(call=call, names=CRITERIA)
        applicants = [pool.pop() for _ in range(min(APPLICANTS_PER_CALL, len(pool)))]
        for number, creative_id in enumerate(applicants):
            creative = Creative.objects.get(pk=creative_id)
            area = float(rng.choice(spaces).area_m2)
            application = allocation.application_create(
                creative=creative, call=call, on=applied_on,
                stage=rng.choice(list(stages.values())),
                min_area_m2=Decimal(round(area * rng.uniform(0.6, 0.95))),
                max_area_m2=Decimal(round(area * rng.uniform(1.05, 1.5))),
                max_rent=Decimal(rng.choice([200, 300, 400, 600, 900])),
                facilities=rng.sample(facilities, rng.randint(0, 2)),
                motivation=rng.choice(MOTIVATIONS))
            allocation.application_submit(application=application, on=applied_on)
            allocation.screening_record(
                creative=creative, city=city, on=today,
                professional_practice=True, income_within_limit=number != 0, by=programmer,
                reasons="" if number else "Inkomen boven de grens van het beleid.")
            application.refresh_from_db()
            if method == AllocationMethod.STABLE_MATCHING:
                matching.application_choices_set(application=application,
                                                  spaces=rng.sample(spaces, len(spaces)))
            if method == AllocationMethod.COMMITTEE and application.status == "eligible" \
                    and number < APPLICANTS_PER_CALL - 1:
                for criterion in criteria:
                    matching.committee_score_record(criterion=criterion,
                                                    application=application,
                                                    member=programmer, score=rng.randint(4, 10))


def _pathway(city: City, programmer, today: date) -> None:
    """Academy studios (idea) → a making workshop → a showroom building, along the chain most
    Amsterdam buildings have in focus."""
    stages = {stage.code: stage for stage in Stage.objects.all()}
    chain = (Chain.objects.filter(buildings__city=city, buildings__archived=False)
             .annotate(n=Count("buildings")).order_by("-n", "slug").first())
    if chain is None:
        return
    buildings = list(Building.objects.filter(city=city, archived=False, chain_focus=chain)
                     .order_by("name")[:3])
    if len(buildings) < 3:
        return
    matching.pathway_save(
        city=city, chain=chain, name=f"{chain.name}: van academie naar showroom",
        steps=[(buildings[0], stages["idea"]), (buildings[1], stages["making"]),
               (buildings[2], stages["distribution"])],
        bonus_points=15, priority_months=12, by=programmer)
